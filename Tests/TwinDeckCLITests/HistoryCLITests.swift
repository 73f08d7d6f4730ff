import Foundation
import Testing
import TwinDeckTestSupport

@Suite("twindeck history: videos, import, resume")
struct HistoryCLITests {
    static let voice = "1bd001e7e50f421d891986aad5c8bbd2"
    static let curl = URL(fileURLWithPath: "/usr/bin/curl")

    static func createArguments(title: String, script: String = "Hello from the history tests.") -> [String] {
        ["create", "--look", "lk_twin_office", "--voice", voice, "--script", script, "--title", title]
    }

    static func history(_ extra: [String], sandbox: Sandbox) async throws -> [[String: Any]] {
        let result = try await twindeck(["videos", "--json"] + extra, sandbox: sandbox)
        #expect(result.code == 0, "\(result.stderr)")
        return try #require(result.json as? [[String: Any]], "videos --json: \(result.stdout)")
    }

    /// `curl` against the simulator with the demo key; returns the parsed JSON body.
    static func api(_ baseURL: String, _ arguments: [String]) async throws -> [String: Any] {
        let result = try await run(curl, ["-sS", "-H", "x-api-key: demo"] + arguments.dropLast() + ["\(baseURL)\(arguments.last!)"],
                                   environment: ProcessInfo.processInfo.environment)
        return try #require(result.json as? [String: Any], "curl \(arguments): \(result.stdout) \(result.stderr)")
    }

    @Test func helpListsTheHistoryCommandsButNotTheTestHelper() async throws {
        let result = try await twindeck(["--help"])
        for command in ["videos", "import", "resume"] {
            #expect(result.stdout.contains("  \(command) "), "help should list \(command)")
        }
        #expect(!result.stdout.contains("exercise-store"))
    }

    @Test func createIsRecordedAndListed() async throws {
        let sandbox = Sandbox()
        let created = try await twindeck(Self.createArguments(title: "History one") + ["--demo", "--json"], sandbox: sandbox)
        #expect(created.code == 0, "\(created.stderr)")
        let videoID = try #require((created.json as? [String: Any])?["video_id"] as? String)

        let rows = try await Self.history(["--demo"], sandbox: sandbox)
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row["video_id"] as? String == videoID)
        #expect(row["submit_state"] as? String == "submitted")
        #expect(row["title"] as? String == "History one")
        #expect(row["look_id"] as? String == "lk_twin_office" && row["voice_id"] as? String == Self.voice)
        #expect(row["engine"] as? String == "avatar_iv" && row["source"] as? String == "cli")
        #expect((row["idempotency_key"] as? String)?.hasPrefix("twindeck-") == true)
        let createdAt = try #require(row["created_at"] as? String)
        #expect(ISO8601DateFormatter().date(from: createdAt) != nil, "ISO-8601: \(createdAt)")
        #expect(row.keys.contains("failure_message") && row["failure_message"] is NSNull)

        let table = try await twindeck(["videos", "--demo"], sandbox: sandbox)
        #expect(table.stdout.hasPrefix("VIDEO"))
        #expect(table.stdout.contains(videoID) && table.stdout.contains("History one") && table.stdout.contains("Avatar IV"))

        // `status` brings the row up to date once the video is done.
        let status = try await twindeck(["status", videoID, "--demo", "--wait", "--poll-interval", "0.2"], sandbox: sandbox)
        #expect(status.code == 0, "\(status.stderr)")
        let updated = try await Self.history(["--demo"], sandbox: sandbox)
        #expect(updated.first?["status"] as? String == "completed")
        #expect((updated.first?["video_url"] as? String)?.contains("/media/\(videoID).mp4") == true)
    }

    @Test func reusedKeyGivesTheFirstVideoAndADifferentBodyIsRefused() async throws {
        let sandbox = Sandbox()
        let arguments = Self.createArguments(title: "Keyed") + ["--demo", "--json", "--idempotency-key", "my-key-1"]
        let first = try await twindeck(arguments, sandbox: sandbox)
        let again = try await twindeck(arguments, sandbox: sandbox)
        #expect(first.code == 0 && again.code == 0, "\(first.stderr) \(again.stderr)")
        let firstID = (first.json as? [String: Any])?["video_id"] as? String
        #expect(firstID != nil && (again.json as? [String: Any])?["video_id"] as? String == firstID)
        #expect(try await Self.history(["--demo"], sandbox: sandbox).count == 1)

        let other = try await twindeck(Self.createArguments(title: "Not the same") + ["--demo", "--idempotency-key", "my-key-1"], sandbox: sandbox)
        #expect(other.code == 64)
        #expect(other.stderr.contains("already used for a different request"))
    }

    @Test func aRefusedCreateIsRecordedAsRejected() async throws {
        let sandbox = Sandbox()
        // The voice passes every local rule but the server does not know it: a definite 404.
        let result = try await twindeck(["create", "--demo", "--look", "lk_twin_office", "--voice", "no_such_voice", "--script", "Hi"], sandbox: sandbox)
        #expect(result.code == 64, "an unknown voice is invalid input")
        let rows = try await Self.history(["--demo"], sandbox: sandbox)
        #expect(rows.count == 1)
        #expect(rows.first?["submit_state"] as? String == "rejected")
        #expect((rows.first?["submit_error"] as? String)?.contains("no_such_voice") == true)
        #expect(rows.first?["video_id"] is NSNull)
        // A refused submission is never re-sent.
        let resume = try await twindeck(["resume", "--demo"], sandbox: sandbox)
        #expect(resume.code == 0 && resume.stderr.contains("Nothing to resume"))
    }

    @Test func importAddsAVideoMadeElsewhereOnce() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.5"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let body = #"{"type":"avatar","avatar_id":"lk_twin_office","voice_id":"\#(Self.voice)","script":"Made with curl.","title":"From curl"}"#
        let made = try await Self.api(simulator.baseURL, ["-X", "POST", "-H", "Content-Type: application/json", "-d", body, "/v3/videos"])
        let videoID = try #require((made["data"] as? [String: Any])?["video_id"] as? String)
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]

        let imported = try await twindeck(["import", videoID, "--json"] + target, sandbox: sandbox)
        #expect(imported.code == 0, "\(imported.stderr)")
        let row = try #require(imported.json as? [String: Any])
        #expect(row["video_id"] as? String == videoID && row["idempotency_key"] as? String == "import-\(videoID)")
        #expect(row["source"] as? String == "import" && row["submit_state"] as? String == "submitted")
        #expect(row["title"] as? String == "From curl")

        let twice = try await twindeck(["import", videoID] + target, sandbox: sandbox)
        #expect(twice.code == 0 && twice.stderr.contains("already in the history"))
        #expect(try await Self.history(target, sandbox: sandbox).count == 1)

        let missing = try await twindeck(["import", "v_nope"] + target, sandbox: sandbox)
        #expect(missing.code == 64, "a video the server does not know was named: invalid input")
        #expect(try await Self.history(target, sandbox: sandbox).count == 1)
    }

    @Test func demoVideosNeverMixWithRealOnes() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.5"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let demo = try await twindeck(Self.createArguments(title: "Demo only") + ["--demo"], sandbox: sandbox)
        let real = try await twindeck(Self.createArguments(title: "Real only") + target, sandbox: sandbox)
        #expect(demo.code == 0 && real.code == 0, "\(demo.stderr) \(real.stderr)")

        #expect(try await Self.history(["--demo"], sandbox: sandbox).map { $0["title"] as? String } == ["Demo only"])
        #expect(try await Self.history(target, sandbox: sandbox).map { $0["title"] as? String } == ["Real only"])
        let directory = sandbox.root.appendingPathComponent("data/twindeck")
        for name in ["store.sqlite", "demo-store.sqlite"] {
            let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
    }

    /// The answer to a create is lost (the process is killed while the server is still working): the row stays
    /// `submitting`, and `resume` finishes it with the same key — one video on the server, not two.
    @Test func resumeFinishesALostCreateWithExactlyOneVideo() async throws {
        // The answer comes a minute late: longer than a loaded machine (the whole suite in parallel on two cores) takes
        // to see the request arrive and kill the command — it took over 30 s once.
        let simulator = try SimulatorProcess(["--render-seconds", "0.5", "--create-delay-ms", "60000"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let title = "Lost answer \(UUID().uuidString.prefix(8))"

        let create = Process()
        create.executableURL = twindeckBinary
        create.arguments = Self.createArguments(title: title) + target
        create.environment = sandbox.environment
        create.standardOutput = FileHandle.nullDevice
        create.standardError = FileHandle.nullDevice
        try create.run()
        // Killed once the server has the request and is still working on it.
        let sent = try await eventually(timeout: .seconds(30)) {
            let stats = try await Self.api(simulator.baseURL, ["/v3/_simulator/stats"])
            return ((stats["data"] as? [String: Any])?["POST /v3/videos"] as? Int ?? 0) >= 1
        }
        kill(create.processIdentifier, SIGKILL)
        create.waitUntilExit()
        try #require(sent, "the create request never reached the simulator")

        let lost = try #require(try await Self.history(target, sandbox: sandbox).first)
        #expect(lost["submit_state"] as? String == "submitting" && lost["video_id"] is NSNull)
        let key = try #require(lost["idempotency_key"] as? String)

        // Resume until the server answers (a 409 while the first request is still in flight is not an answer).
        var resumed: [String: Any]?
        let finished = try await eventually(timeout: .seconds(120)) {
            let result = try await twindeck(["resume", "--json"] + target, sandbox: sandbox)
            resumed = (result.json as? [[String: Any]])?.first { $0["idempotency_key"] as? String == key }
            return result.code == 0 && resumed?["submit_state"] as? String == "submitted"
        }
        #expect(finished, "resume never finished: \(String(describing: resumed))")
        let videoID = try #require(resumed?["video_id"] as? String)

        let list = try await Self.api(simulator.baseURL, ["/v3/videos?limit=100"])
        let matching = (list["data"] as? [[String: Any]] ?? []).filter { $0["title"] as? String == title }
        #expect(matching.count == 1, "exactly one video for the key: \(matching)")
        #expect(matching.first?["id"] as? String == videoID)

        let rows = try await Self.history(target, sandbox: sandbox)
        #expect(rows.count == 1 && rows.first?["video_id"] as? String == videoID)
        let again = try await twindeck(["resume"] + target, sandbox: sandbox)
        #expect(again.code == 0 && again.stderr.contains("Nothing to resume"))
    }
}

@Suite("twindeck history: several processes at once")
struct ConcurrentHistoryCLITests {
    /// The first open of a new history switches it to WAL, which SQLite answers with "database is locked" at
    /// once (no busy wait) while another process holds it: found when a script started four `create`s together.
    @Test func processesOpeningANewHistoryTogetherAllSucceed() async throws {
        for round in 0..<6 {
            let sandbox = Sandbox()
            let path = sandbox.root.appendingPathComponent("data/new-history.sqlite").path
            let results = try await withThrowingTaskGroup(of: RunResult.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await twindeck(["exercise-store", "--path", path, "--rows", "2"], sandbox: sandbox) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for result in results {
                #expect(result.code == 0, "round \(round): \(result.stderr)")
                #expect(result.stdout.split(separator: "\n").count == 2, "round \(round): \(result.stdout)")
            }
        }
    }
}
