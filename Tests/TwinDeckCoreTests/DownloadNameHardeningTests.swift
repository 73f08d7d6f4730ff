import Foundation
import HeyGen
import HeyGenSimulator
import Testing

/// Titles built to escape the download folder, spoof an extension or hit a reserved device name.
@Suite("Download names against hostile titles")
struct DownloadNameHardeningTests {
    static let titles: [String?] = HostileStrings.all + [
        "../../../../etc/passwd", "/etc/passwd", "~/.ssh/authorized_keys", "..\\..\\boot.ini", "%2e%2e%2fetc", "..",
        "CON", "con", "NUL", "Aux", "COM1", "LPT9", "invoice\u{202E}4pm.exe", "\u{2066}mp4.\u{2069}exe", "\u{FEFF}", " ", ".",
    ]

    @Test(arguments: titles)
    func alwaysOnePlainNameInsideTheFolder(title: String?) throws {
        let folder = URL(fileURLWithPath: "/tmp/twindeck-downloads", isDirectory: true)
        for (id, ext) in [("v_0f1e2d3c", "mp4"), ("", "webm"), ("CON", "srt"), ("../..", "mp4")] {
            let name = DownloadName.make(title: title, videoID: id, extension: ext)
            let url = folder.appendingPathComponent(name)
            #expect(url.deletingLastPathComponent().path == folder.path, "\(name.debugDescription) leaves the folder")
            #expect(url.standardizedFileURL.path.hasPrefix(folder.path + "/"))
            #expect(!name.contains("/") && !name.contains("\\") && !name.contains("..") && !name.hasPrefix("."), "\(name.debugDescription)")
            #expect(!name.unicodeScalars.contains(where: Sanitizer.isUnsafe), "\(name.debugDescription)")
            #expect(name.utf8.count <= 121 && name.hasSuffix("." + ext))
            let stem = String(name.dropLast(ext.count + 1)).uppercased()
            #expect(!["CON", "PRN", "AUX", "NUL", "COM1", "LPT9"].contains(stem), "reserved: \(name)")
        }
    }
}
