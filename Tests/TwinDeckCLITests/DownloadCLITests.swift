import Foundation
import Testing
import TwinDeckTestSupport

@Suite("twindeck download")
struct DownloadCLITests {
    @Test func downloadsTheServedBytesAndNeverOverwritesWithoutForce() async throws {
        let sandbox = Sandbox()
        let created = try await twindeck([
            "create", "--demo", "--look", "lk_twin_office", "--voice", "1bd001e7e50f421d891986aad5c8bbd2", "--script", "Download me",
            "--title", "../../etc/passwd", "--wait", "--json", "--poll-interval", "0.2",
        ], sandbox: sandbox)
        #expect(created.code == 0, "\(created.stderr)")
        let id = try #require((created.json as? [String: Any])?["video_id"] as? String)
        let folder = sandbox.root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let saved = try await twindeck(["download", id, "--demo", "-o", folder.path, "--json"], sandbox: sandbox)
        #expect(saved.code == 0, "\(saved.stderr)")
        let path = try #require((saved.json as? [String: Any])?["path"] as? String)
        #expect(URL(fileURLWithPath: path).deletingLastPathComponent().path == folder.path, "the title cannot escape the folder")
        let expected = try Data(contentsOf: repositoryRoot.appendingPathComponent("Resources/Fixtures/sample.mp4"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == expected)
        #expect((saved.json as? [String: Any])?["bytes"] as? Int == expected.count)

        let exact = folder.appendingPathComponent("video.mp4").path
        #expect(try await twindeck(["download", id, "--demo", "-o", exact], sandbox: sandbox).code == 0)
        let again = try await twindeck(["download", id, "--demo", "-o", exact], sandbox: sandbox)
        #expect(again.code == 1)
        #expect(again.stderr.contains("--force"))
        #expect(try await twindeck(["download", id, "--demo", "-o", exact, "--force"], sandbox: sandbox).code == 0)

        let subtitles = try await twindeck(["download", id, "--demo", "--subtitles", "-o", folder.path, "--json"], sandbox: sandbox)
        let srt = try #require((subtitles.json as? [String: Any])?["path"] as? String)
        #expect(srt.hasSuffix(".srt"))
        #expect(try String(contentsOfFile: srt, encoding: .utf8).contains("Download me"))
    }

    @Test func aVideoStillRenderingIsNotDownloaded() async throws {
        let sandbox = Sandbox()
        let created = try await twindeck([
            "create", "--demo", "--look", "lk_twin_office", "--voice", "1bd001e7e50f421d891986aad5c8bbd2", "--script", "Not yet",
            "--json",
        ], sandbox: sandbox, extraEnv: ["TWINDECK_DEMO_RENDER_SECONDS": "60"])
        let id = try #require((created.json as? [String: Any])?["video_id"] as? String)
        let result = try await twindeck(["download", id, "--demo"], sandbox: sandbox, extraEnv: ["TWINDECK_DEMO_RENDER_SECONDS": "60"])
        #expect(result.code == 1)
        #expect(result.stderr.contains("not completed yet"))
    }
}
