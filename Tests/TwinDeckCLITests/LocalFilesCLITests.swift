import Foundation
import Testing
import TwinDeckTestSupport

/// `create --audio-file/--background-file` and the batch file's `audio_file`/`background_file` columns: the files are
/// checked before anything is sent, uploaded once, and their asset ids sent (the simulator refuses an id it does not
/// have, so a video made is proof the upload's id went out).
@Suite("Local files: create and batch")
struct LocalFilesCLITests {
    static let voice = HistoryCLITests.voice

    func cli(_ sandbox: Sandbox, _ arguments: [String]) async throws -> RunResult {
        try await twindeck(arguments, sandbox: sandbox, extraEnv: ["XDG_CACHE_HOME": sandbox.root.appendingPathComponent("cache").path])
    }

    static func counts(_ baseURL: String) async throws -> (uploads: Int, creates: Int) {
        let stats = try await HistoryCLITests.api(baseURL, ["/v3/_simulator/stats"])
        let data = stats["data"] as? [String: Any]
        return (data?["POST /v3/assets"] as? Int ?? 0, data?["POST /v3/videos"] as? Int ?? 0)
    }

    @Test func createUploadsTheFilesOnceAndRefusesBadOnesBeforeSending() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.5"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let files = try SampleAssets()
        defer { files.remove() }
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let recording = try files.wav(seconds: 3).path
        let picture = try files.png().path
        let base = ["create", "--look", "lk_twin_office", "--voice", Self.voice] + target

        // The dry run checks the files and shows where their ids go; nothing is sent.
        let dry = try await cli(sandbox, base + ["--audio-file", recording, "--background-file", picture, "--dry-run"])
        #expect(dry.code == 0, "\(dry.stderr)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect(body["audio_asset_id"] as? String == "<audio_file>" && body["script"] == nil)
        #expect(body["background"] as? [String: String] == ["type": "image", "asset_id": "<background_file>"])
        #expect(try await Self.counts(simulator.baseURL) == (0, 0))

        let made = try await cli(sandbox, base + ["--audio-file", recording, "--background-file", picture, "--wait", "--json"])
        #expect(made.code == 0, "\(made.stderr)")
        let video = try #require(made.json as? [String: Any])
        #expect(video["status"] as? String == "completed")
        #expect(try await Self.counts(simulator.baseURL) == (2, 1))
        let detail = try await HistoryCLITests.api(simulator.baseURL, ["/v3/videos/\(video["video_id"] as? String ?? "")"])
        #expect((detail["data"] as? [String: Any])?["duration"] as? Double == 3, "rendered for as long as the recording plays")

        // The same files again: nothing uploaded, one more video.
        let again = try await cli(sandbox, base + ["--audio-file", recording, "--background-file", picture])
        #expect(again.code == 0, "\(again.stderr)")
        #expect(try await Self.counts(simulator.baseURL) == (2, 2))

        let big = try files.big(bytes: 40 * 1024 * 1024).path
        let refusals: [([String], String)] = [
            (["--audio-file", big], "audio_asset_id: ") , (["--audio-file", big], "is a 40 MB file; uploads are limited to 32 MB"),
            (["--audio-file", try files.text("notes.mp3").path], "is not an audio file"),
            (["--audio-file", files.folder.appendingPathComponent("missing.wav").path], "cannot read"),
            (["--background-file", recording, "--script", "Hi."], "is not an image (it is wav)"),
            (["--audio-file", recording, "--script", "Both at once."], "a recording replaces the script"),
            (["--audio-file", recording, "--audio-url", "https://example.com/a.mp3"], "use one of --audio-url, --audio-file, not several"),
            (["--background-file", picture, "--background-color", "#112233", "--script", "Hi."], "use one of --background-color, --background-file"),
        ]
        for (options, text) in refusals {
            let refused = try await cli(sandbox, base + options)
            #expect(refused.code == 64 && refused.stderr.contains(text), "\(options): \(refused.stderr)")
        }
        #expect(try await Self.counts(simulator.baseURL) == (2, 2), "nothing sent for a refused file")
        let help = try await twindeck(["create", "--help"])
        #expect(help.stdout.contains("--audio-file <path>") && help.stdout.contains("--background-file <path>")
                && help.stdout.contains("at most 32 MB"))
    }

    @Test func batchColumnsNameLocalFilesReadFromTheFilesFolder() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.5"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let files = try SampleAssets()
        defer { files.remove() }
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        _ = try files.mp3("talk.mp3")
        _ = try files.png("bg.png")
        // Relative paths, read from the batch file's folder; two rows share one recording.
        let csv = files.folder.appendingPathComponent("videos.csv")
        try Data("""
            look,voice,audio_file,background_file,title
            lk_twin_office,\(Self.voice),talk.mp3,bg.png,With both
            lk_twin_office,\(Self.voice),talk.mp3,,Same recording

            """.utf8).write(to: csv)
        let run = try await cli(sandbox, ["batch", csv.path] + target)
        #expect(run.code == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("2 rows: 2 submitted"), "\(run.stdout)")
        let counts = try await Self.counts(simulator.baseURL)
        #expect(counts == (2, 2), "talk.mp3 uploaded once for both rows: \(counts)")
        let rerun = try await cli(sandbox, ["batch", csv.path] + target)
        #expect(rerun.code == 0 && rerun.stdout.contains("2 skipped"), "\(rerun.stdout)")
        #expect(try await Self.counts(simulator.baseURL) == (2, 2))

        let bad = files.folder.appendingPathComponent("bad.csv")
        _ = try files.text("notes.mp3")
        try Data("""
            look,voice,script,audio_file,background_file
            lk_twin_office,\(Self.voice),,notes.mp3,
            lk_twin_office,\(Self.voice),Hello,,talk.mp3
            lk_twin_office,\(Self.voice),Hello and a recording,talk.mp3,

            """.utf8).write(to: bad)
        let refused = try await cli(sandbox, ["batch", bad.path] + target)
        #expect(refused.code == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("row 2, column audio_file: ") && refused.stderr.contains("notes.mp3 is not an audio file"), "\(refused.stderr)")
        #expect(refused.stderr.contains("row 3, column background_file: ") && refused.stderr.contains("is not an image (it is mp3)"))
        #expect(refused.stderr.contains("row 4, column audio_file: a recording replaces the script"), "\(refused.stderr)")
        #expect(try await Self.counts(simulator.baseURL) == (2, 2), "nothing sent")
    }
}
