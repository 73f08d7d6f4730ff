import Foundation
import Testing
import TwinDeckTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A real tmpfs of `size` mounted on a new folder (the tests run as root in their own mount namespace); `unmount`
/// in a `defer`.
struct TmpfsMount {
    let folder: URL

    init(size: String, in parent: URL) throws {
        folder = parent.appendingPathComponent("tmpfs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard mount("tmpfs", folder.path, "tmpfs", 0, "size=\(size),mode=0755") == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
        }
    }

    /// Grows (or shrinks) the mounted file system, keeping what it holds.
    func resize(_ size: String) throws {
        guard mount("tmpfs", folder.path, "tmpfs", UInt(MS_REMOUNT), "size=\(size)") == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
        }
    }

    func unmount() {
        _ = umount2(folder.path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite("Full disk (CLI)", .serialized)
struct DiskFullCLITests {
    /// A 3 MB video into a 1 MB tmpfs: a clear error and exit 1, never a crash signal; the part file is kept, and once
    /// there is room the same command resumes from it and finishes.
    @Test func aFullDiskStopsTheDownloadWithAClearMessageAndKeepsThePartFile() async throws {
        let sandbox = Sandbox()
        let size = 3_000_000
        let simulator = try SimulatorProcess(["--render-seconds", "0.3", "--media-bytes", "\(size)",
                                              "--state", sandbox.root.appendingPathComponent("sim.json").path], sandbox: sandbox)
        defer { simulator.stop() }
        let api = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let created = try await twindeck([
            "create", "--look", "lk_twin_office", "--voice", "1bd001e7e50f421d891986aad5c8bbd2", "--script", "Too big for the disk",
            "--title", "Big one", "--wait", "--json", "--poll-interval", "0.2",
        ] + api, sandbox: sandbox)
        #expect(created.code == 0, "\(created.stderr)")
        let id = try #require((created.json as? [String: Any])?["video_id"] as? String)

        let disk = try TmpfsMount(size: "1m", in: sandbox.root)
        defer { disk.unmount() }
        let full = try await twindeck(["download", id, "-o", disk.folder.path] + api, sandbox: sandbox)
        #expect(full.code == 1, "a crash signal would show here as 4 (SIGILL): \(full.stderr)")
        #expect(full.stderr.contains("the disk is full:"), "\(full.stderr)")
        #expect(full.stderr.contains("bytes of \(size) written to"), "\(full.stderr)")
        #expect(full.stderr.contains("free space and run `twindeck download \(id)` again"), "\(full.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: disk.folder.path)
        let part = try #require(names.first { $0.hasSuffix(".part") }, "the part file is kept: \(names)")
        #expect(names.count == 1, "\(names)")
        #expect(full.stderr.contains(part), "the message names the part file: \(full.stderr)")
        let partURL = disk.folder.appendingPathComponent(part)
        let kept = try #require(try FileManager.default.attributesOfItem(atPath: partURL.path)[.size] as? Int)
        #expect(kept > 500_000 && kept < size, "the part file holds what fitted: \(kept)")
        #expect(full.stderr.contains("\(kept) bytes of \(size)"), "the message gives what the file holds: \(full.stderr)")
        // The history says failed, not downloading (nothing is running any more).
        let history = try await twindeck(["videos", "--json"], sandbox: sandbox)
        let rows = try #require(history.json as? [[String: Any]], "\(history.stdout) \(history.stderr)")
        #expect(rows.first { $0["video_id"] as? String == id }?["download_state"] as? String == "failed", "\(history.stdout)")

        // Space freed: the same command resumes from the part file and finishes the video.
        try disk.resize("8m")
        let resumed = try await twindeck(["download", id, "-o", disk.folder.path, "--json"] + api, sandbox: sandbox)
        #expect(resumed.code == 0, "\(resumed.stderr)")
        let path = try #require((resumed.json as? [String: Any])?["path"] as? String)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.count == size)
        let sample = try Data(contentsOf: repositoryRoot.appendingPathComponent("Resources/Fixtures/sample.mp4"))
        #expect(bytes.prefix(sample.count) == sample, "the resumed file starts with the served bytes")
        #expect(!FileManager.default.fileExists(atPath: partURL.path))
    }
}
