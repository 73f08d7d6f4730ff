import Foundation
import Testing
import TwinDeckTestSupport

@Suite("twindeck batch")
struct BatchCLITests {
    static let voice = HistoryCLITests.voice

    /// A CSV of `rows` valid videos (the fixtures' looks and voices), written into the sandbox.
    static func writeCSV(rows: Int, title: String, in sandbox: Sandbox, name: String = "videos.csv") throws -> String {
        let looks = ["lk_twin_office", "lk_twin_studio", "lk_twin_lecture"]
        var text = "look,voice,script,title,engine,aspect_ratio\n"
        for i in 1...rows {
            text += "\(looks[i % looks.count]),\(voice),\"Hello, row \(i).\nA second line.\",\(title) \(i),\(i % 2 == 0 ? "avatar_v" : "avatar_iv"),16:9\n"
        }
        return try write(text, name: name, in: sandbox)
    }

    static func write(_ text: String, name: String, in sandbox: Sandbox) throws -> String {
        let url = sandbox.root.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func postCount(_ baseURL: String) async throws -> Int {
        let stats = try await HistoryCLITests.api(baseURL, ["/v3/_simulator/stats"])
        return (stats["data"] as? [String: Any])?["POST /v3/videos"] as? Int ?? 0
    }

    /// The simulator's videos whose title starts with `title`.
    static func videos(_ baseURL: String, title: String) async throws -> [[String: Any]] {
        let list = try await HistoryCLITests.api(baseURL, ["/v3/videos?limit=100"])
        #expect(list["has_more"] as? Bool != true)
        return (list["data"] as? [[String: Any]] ?? []).filter { ($0["title"] as? String)?.hasPrefix(title) == true }
    }

    @Test func helpNamesTheColumnsAndTheCommandIsListed() async throws {
        let help = try await twindeck(["batch", "--help"])
        #expect(help.code == 0)
        for text in ["--dry-run", "--concurrency", "look (required)", "aspect_ratio", "Idempotency-Key"] {
            #expect(help.stdout.contains(text), "\(text)")
        }
        #expect(try await twindeck(["--help"]).stdout.contains("  batch "))
        let bad = try await twindeck(["batch", "x.csv", "--concurrency", "11"])
        #expect(bad.code == 64 && bad.stderr.contains("--concurrency is from 1 to 10"))
    }

    @Test func everyProblemIsListedWithRowAndColumnAndNothingIsSent() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.5"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let path = try Self.write("""
            look,voice,script,resolution,engine,speed
            lk_twin_office,\(Self.voice),A fine row,1080p,,
            lk_twin_office,,No voice,8k,,
            lk_twin_kitchen,\(Self.voice),Avatar V on an IV-only look,,avatar_v,fast
            lk_missing,\(Self.voice),Unknown look,,,

            """, name: "bad.csv", in: sandbox)
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let result = try await twindeck(["batch", path] + target, sandbox: sandbox)
        #expect(result.code == 64)
        for line in ["row 3, column voice:", "row 3, column resolution:", "row 4, column engine: Avatar V is not available",
                     "row 4, column speed: must be a number", "row 5, column look:"] {
            #expect(result.stderr.contains("twindeck: error: \(line)"), "\(line) in \(result.stderr)")
        }
        #expect(result.stderr.contains("5 problems in \(path); nothing was sent."))
        #expect(try await Self.postCount(simulator.baseURL) == 0)
        #expect(try await HistoryCLITests.history(target, sandbox: sandbox).isEmpty)

        let json = try await twindeck(["batch", path, "--json"] + target, sandbox: sandbox)
        let issues = try #require((json.json as? [String: Any])?["issues"] as? [[String: Any]])
        #expect(json.code == 64 && issues.count == 5)
        #expect(issues.first?["row"] as? Int == 3 && issues.first?["column"] as? String == "voice")

        // A broken header is reported without asking the server anything.
        let header = try Self.write("look,script,colour\nlk_twin_office,Hi,red\n", name: "header.csv", in: sandbox)
        let refused = try await twindeck(["batch", header, "--api-key", "unused"], sandbox: sandbox)
        #expect(refused.code == 64)
        #expect(refused.stderr.contains("row 1, column colour: unknown column") && refused.stderr.contains("row 1, column voice: missing required column"))
    }

    @Test func dryRunPrintsThePlanAndSendsNothing() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.5"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let path = try Self.writeCSV(rows: 3, title: "Dry", in: sandbox)
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]

        let plan = try await twindeck(["batch", path, "--dry-run", "--json"] + target, sandbox: sandbox)
        #expect(plan.code == 0, "\(plan.stderr)")
        let summary = try #require(plan.json as? [String: Any])
        #expect(summary["dry_run"] as? Bool == true && summary["rows"] as? Int == 3 && summary["to_send"] as? Int == 3)
        let results = try #require(summary["results"] as? [[String: Any]])
        #expect(results.map { $0["plan"] as? String } == ["submit", "submit", "submit"])
        #expect(results.map { $0["row"] as? Int } == [2, 3, 4])
        #expect((results.first?["request"] as? [String: Any])?["script"] as? String == "Hello, row 1.\nA second line.")
        #expect(try await Self.postCount(simulator.baseURL) == 0)
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("data/twindeck/store.sqlite").path),
                "a dry run writes no history")

        // After a real run, the plan skips every row.
        let real = try await twindeck(["batch", path] + target, sandbox: sandbox)
        #expect(real.code == 0, "\(real.stderr)")
        #expect(real.stdout.contains("row 2: submitted v_") && real.stdout.contains("3 rows: 3 submitted"))
        let again = try await twindeck(["batch", path, "--dry-run"] + target, sandbox: sandbox)
        #expect(again.code == 0 && again.stdout.contains("skip (v_") && again.stderr.contains("Dry run: 0 of 3 rows would be sent"))
        #expect(try await Self.postCount(simulator.baseURL) == 3)
    }

    /// The bar: 50 rows, 429s injected on top of the concurrent-render limit, the process killed with SIGKILL in the
    /// middle; running the same command again ends with exactly 50 videos on the server and 50 rows in the history.
    @Test func killedInTheMiddleThenRerunEndsWithExactlyFiftyVideos() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "1", "--create-delay-ms", "150"])
        defer { simulator.stop() }
        let faults = #"[{"fault": {"rateLimited": {"retryAfterSeconds": 1, "httpDate": false}}, "pathPrefix": "/v3/videos", "method": "POST", "count": 8}]"#
        _ = try await HistoryCLITests.api(simulator.baseURL, ["-X", "POST", "-H", "Content-Type: application/json", "-d", faults, "/v3/_simulator/faults"])
        let sandbox = Sandbox()
        let title = "Kill \(UUID().uuidString.prefix(6))"
        let path = try Self.writeCSV(rows: 50, title: title, in: sandbox)
        let arguments = ["batch", path, "--concurrency", "4", "--base-url", simulator.baseURL, "--api-key", "demo"]

        let out = sandbox.root.appendingPathComponent("batch.out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let batch = Process()
        batch.executableURL = twindeckBinary
        batch.arguments = arguments
        batch.environment = sandbox.environment
        batch.standardOutput = try FileHandle(forWritingTo: out)
        batch.standardError = FileHandle.nullDevice
        try batch.run()
        let finishedLines = { (String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self)).split(separator: "\n").filter { $0.contains(": submitted v_") } }
        let midway = await eventually(timeout: .seconds(60)) { finishedLines().count >= 12 }
        kill(batch.processIdentifier, SIGKILL)
        batch.waitUntilExit()
        try #require(midway, "the batch never got 12 rows in")
        let before = finishedLines().count
        #expect(before < 50, "killed in the middle, not after the end")

        let rerun = try await twindeck(arguments + ["--json"], sandbox: sandbox)
        #expect(rerun.code == 0, "\(rerun.stderr)")
        let summary = try #require(rerun.json as? [String: Any], "\(rerun.stdout)")
        let submitted = summary["submitted"] as? Int ?? -1, resent = summary["resent"] as? Int ?? -1, skipped = summary["skipped"] as? Int ?? -1
        #expect(summary["rows"] as? Int == 50 && summary["failed"] as? Int == 0)
        #expect(submitted + resent + skipped == 50)
        #expect(skipped >= before, "rows answered before the kill are not sent again")
        #expect(submitted > 0, "the rows never sent are sent by the re-run")

        let made = try await Self.videos(simulator.baseURL, title: title)
        #expect(made.count == 50, "exactly one video per row")
        #expect(Set(made.compactMap { $0["title"] as? String }).count == 50)
        let history = try await HistoryCLITests.history(["--base-url", simulator.baseURL, "--api-key", "demo"], sandbox: sandbox)
        #expect(history.count == 50)
        #expect(history.allSatisfy { $0["submit_state"] as? String == "submitted" && $0["source"] as? String == "batch" })
        #expect(Set(history.compactMap { $0["video_id"] as? String }) == Set(made.compactMap { $0["id"] as? String }))

        let posts = try await Self.postCount(simulator.baseURL)
        let third = try await twindeck(arguments + ["--json"], sandbox: sandbox)
        #expect(third.code == 0 && (third.json as? [String: Any])?["skipped"] as? Int == 50)
        #expect(try await Self.postCount(simulator.baseURL) == posts, "a finished file sends nothing")
        print("batch kill test: \(before) rows before the kill; re-run \(submitted) submitted, \(resent) re-sent, \(skipped) skipped "
            + "in \(summary["seconds"] ?? "?") s; \(posts) POST /v3/videos in all (50 videos)")
    }
}
