import Foundation
import Testing
import TwinDeckTestSupport

@Suite("twindeck upload")
struct UploadCLITests {
    /// `twindeck` with the cache folder inside the sandbox.
    func cli(_ sandbox: Sandbox, _ arguments: [String]) async throws -> RunResult {
        try await twindeck(arguments, sandbox: sandbox, extraEnv: ["XDG_CACHE_HOME": sandbox.root.appendingPathComponent("cache").path])
    }

    static func uploadCount(_ baseURL: String) async throws -> Int {
        let stats = try await HistoryCLITests.api(baseURL, ["/v3/_simulator/stats"])
        return (stats["data"] as? [String: Any])?["POST /v3/assets"] as? Int ?? 0
    }

    @Test func uploadsOncePrintsTheIdAndRefusesBadFilesBeforeSending() async throws {
        let simulator = try SimulatorProcess([])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let files = try SampleAssets()
        defer { files.remove() }
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let audio = try files.mp3()

        let first = try await cli(sandbox, ["upload", audio.path] + target)
        #expect(first.code == 0, "\(first.stderr)")
        let id = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("asset_"), "\(first.stdout)")
        #expect(first.stderr.contains("Uploaded voice.mp3"))
        #expect(!first.stderr.contains("\u{1B}"), "no progress line when stderr is not a terminal")
        #expect(try await Self.uploadCount(simulator.baseURL) == 1)

        let again = try await cli(sandbox, ["upload", audio.path, "--json"] + target)
        #expect(again.code == 0, "\(again.stderr)")
        let json = try #require(again.json as? [String: Any])
        #expect(json["asset_id"] as? String == id && json["reused"] as? Bool == true && json["mime_type"] as? String == "audio/mpeg")
        #expect(try await Self.uploadCount(simulator.baseURL) == 1, "the second upload of the same file sent nothing")
        let plain = try await cli(sandbox, ["upload", audio.path] + target)
        #expect(plain.stderr.contains("already uploaded") && plain.stdout.contains(id))

        let image = try await cli(sandbox, ["upload", try files.png().path, "--json"] + target)
        #expect((image.json as? [String: Any])?["mime_type"] as? String == "image/png", "\(image.stderr)")
        #expect(try await Self.uploadCount(simulator.baseURL) == 2)

        var info = stat()
        let cachePath = sandbox.root.appendingPathComponent("cache/twindeck/assets.json").path
        #expect(stat(cachePath, &info) == 0 && info.st_mode & 0o777 == 0o600, "cache at \(cachePath)")

        let big = try files.big(bytes: 40 * 1024 * 1024)
        for (path, text) in [(big.path, "is a 40 MB file; uploads are limited to 32 MB"), (try files.text("notes.mp3").path, "is not an audio file"),
                             (files.folder.appendingPathComponent("missing.wav").path, "cannot read"),
                             (try files.text().path, "is not an audio file")] {
            let refused = try await cli(sandbox, ["upload", path] + target)
            #expect(refused.code == 64 && refused.stderr.contains("twindeck: error: file: ") && refused.stderr.contains(text), "\(refused.stderr)")
        }
        let asImage = try await cli(sandbox, ["upload", audio.path, "--as", "image"] + target)
        #expect(asImage.code == 64 && asImage.stderr.contains("is not an image (it is mp3)"))
        #expect(try await Self.uploadCount(simulator.baseURL) == 2, "nothing sent for a refused file")
        #expect(try await twindeck(["--help"]).stdout.contains("  upload "))
    }

    @Test func demoRemembersAcrossRuns() async throws {
        let sandbox = Sandbox()
        let files = try SampleAssets()
        defer { files.remove() }
        let first = try await cli(sandbox, ["upload", try files.wav().path, "--demo", "--json"])
        #expect(first.code == 0, "\(first.stderr)")
        let second = try await cli(sandbox, ["upload", try files.wav().path, "--demo", "--json"])
        let a = try #require(first.json as? [String: Any]), b = try #require(second.json as? [String: Any])
        #expect(a["reused"] as? Bool == false && b["reused"] as? Bool == true && a["asset_id"] as? String == b["asset_id"] as? String)
    }
}
