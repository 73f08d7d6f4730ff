import Foundation
import Testing

@Suite("twindeck simulate, driven by other programs", .serialized)
struct SimulateCommandTests {
    static let voice = "1bd001e7e50f421d891986aad5c8bbd2"

    @Test func printsItsURLAndServesTheCLI() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.5"])
        defer { simulator.stop() }
        #expect(simulator.baseURL.hasPrefix("http://127.0.0.1:"))
        let looks = try await twindeck(["looks", "--json", "--base-url", simulator.baseURL, "--api-key", "demo"])
        #expect(looks.code == 0, "\(looks.stderr)")
        #expect((looks.json as? [Any])?.count == 12)

        let badKey = try await twindeck(["looks", "--base-url", simulator.baseURL, "--api-key", "not-the-key"])
        #expect(badKey.code == 1)
        #expect(badKey.stderr.contains("did not accept the API key"))
        #expect(!badKey.stderr.contains("not-the-key"), "the key never appears in output")
    }

    /// Makes the same three videos (two engines, two lengths, a 4k) on a `twindeck simulate` started with `arguments`,
    /// and returns their render plans from `GET /v3/_simulator/renders`: [queue, processing] seconds each.
    func renderTimes(_ arguments: [String]) async throws -> [[Double]] {
        let simulator = try SimulatorProcess(arguments)
        defer { simulator.stop() }
        let scripts = [("Short and sweet.", "avatar_iv", "1080p"),
                       (String(repeating: "A longer script, spoken for a while. ", count: 12), "avatar_v", "1080p"),
                       ("In four k.", "avatar_iv", "4k")]
        for (script, engine, resolution) in scripts {
            let made = try await twindeck([
                "create", "--base-url", simulator.baseURL, "--api-key", "demo", "--look", "lk_twin_office", "--voice", Self.voice,
                "--script", script, "--engine", engine, "--resolution", resolution,
            ])
            try #require(made.code == 0, "\(made.stderr)")
        }
        let env = ProcessInfo.processInfo.environment
        let listed = try await run(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "-H", "x-api-key: demo", "\(simulator.baseURL)/v3/_simulator/renders"],
                                   environment: env)
        let plans = try #require((listed.json as? [String: Any])?["data"] as? [[String: Any]], "\(listed.stdout)")
        try #require(plans.count == scripts.count, "\(listed.stdout)")
        return try plans.map { plan in
            [try #require(plan["queue_seconds"] as? Double), try #require(plan["processing_seconds"] as? Double)]
        }
    }

    @Test("simulate --seed replays the same realistic render times; another seed, other times; --render-seconds fixes them")
    func seededRenderTimes() async throws {
        let first = try await renderTimes(["--seed", "5"])
        let again = try await renderTimes(["--seed", "5", "--render-model", "realistic"])
        let other = try await renderTimes(["--seed", "6"])
        #expect(first == again)
        #expect(first != other)
        #expect(first[1][1] > first[0][1], "the long Avatar V script renders longer than the short IV one: \(first)")
        #expect(first.allSatisfy { $0[0] > 0 && $0[1] > 0 })

        let fixed = try await renderTimes(["--seed", "5", "--render-seconds", "3"])
        #expect(fixed.allSatisfy { abs($0[0] + $0[1] - 3) < 1e-9 }, "\(fixed)")
        let fixedDefault = try await renderTimes(["--render-model", "fixed"])
        #expect(fixedDefault.allSatisfy { abs($0[0] + $0[1] - 8) < 1e-9 }, "\(fixedDefault)")
    }

    @Test func renderModelOptionsAreDocumentedAndChecked() async throws {
        let help = try await twindeck(["simulate", "--help"])
        #expect(help.code == 0)
        for option in ["--render-model <realistic|fixed>", "--render-seconds", "--render-scale", "--render-outliers", "--seed"] {
            #expect(help.stdout.contains(option), "\(option) in\n\(help.stdout)")
        }
        for bad in [["--render-model", "realistic", "--render-seconds", "3"], ["--render-model", "quick"],
                    ["--render-scale", "0"], ["--render-seconds", "nan"], ["--render-outliers", "2"]] {
            let refused = try await twindeck(["simulate", "--port", "0"] + bad)
            #expect(refused.code == 64, "\(bad): \(refused.code) \(refused.stderr)")
            #expect(!refused.stderr.isEmpty)
        }
        // A port past 65535 used to wrap (99999 listened on 34463).
        let wrapped = try await twindeck(["simulate", "--port", "99999"])
        #expect(wrapped.code == 64 && wrapped.stderr.contains("--port must be from 0 to 65535"), "\(wrapped.stderr)")
    }

    /// The render seconds the demo's simulator gave its videos, from its state file.
    func demoRenderSeconds(renderSecondsVariable: String) async throws -> [(total: Double, queue: Double?)] {
        let sandbox = Sandbox()
        for script in ["Hello from the demo.", String(repeating: "A longer demo script goes on. ", count: 10)] {
            let made = try await twindeck([
                "create", "--demo", "--look", "lk_twin_office", "--voice", Self.voice, "--script", script,
            ], sandbox: sandbox, extraEnv: ["TWINDECK_DEMO_RENDER_SECONDS": renderSecondsVariable])
            try #require(made.code == 0, "\(made.stderr)")
        }
        let file = sandbox.root.appendingPathComponent("data/twindeck/demo-simulator.json")
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let videos = try #require(saved["videos"] as? [[String: Any]])
        return try videos.map { (try #require($0["renderSeconds"] as? Double), $0["queueSeconds"] as? Double) }
    }

    @Test("--demo renders on the realistic model; TWINDECK_DEMO_RENDER_SECONDS fixes every render instead")
    func demoUsesTheRealisticModel() async throws {
        let realistic = try await demoRenderSeconds(renderSecondsVariable: "")
        try #require(realistic.count == 2)
        #expect(realistic.allSatisfy { $0.total > 2 && $0.total < 600 && ($0.queue ?? 0) > 0 }, "\(realistic)")
        #expect(realistic[1].total > realistic[0].total, "the longer script takes longer: \(realistic)")
        let fixed = try await demoRenderSeconds(renderSecondsVariable: "0.6")
        #expect(fixed.map(\.total) == [0.6, 0.6])
    }

    @Test func stopsCleanlyOnInterrupt() async throws {
        let simulator = try SimulatorProcess([])
        #expect(simulator.stop() == 0)
    }

    @Test func failedRenderExitsTwoWithTheMessage() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.3", "--fail-rate", "1"])
        defer { simulator.stop() }
        let result = try await twindeck([
            "create", "--base-url", simulator.baseURL, "--api-key", "demo", "--look", "lk_twin_office", "--voice", Self.voice,
            "--script", "This one fails.", "--wait", "--poll-interval", "0.2",
        ])
        #expect(result.code == 2)
        #expect(result.stdout.contains("Failure:"))
        #expect(result.stdout.contains("Avatar rendering timed out"))
    }

    @Test func rideOutRateLimitsWhileWaiting() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.5", "--fault-429", "0.3", "--retry-after", "0", "--seed", "7"])
        defer { simulator.stop() }
        let result = try await twindeck([
            "create", "--base-url", simulator.baseURL, "--api-key", "demo", "--look", "lk_twin_office", "--voice", Self.voice,
            "--script", "Rate limits are part of life.", "--wait", "--json", "--poll-interval", "0.2",
        ])
        #expect(result.code == 0, "\(result.stderr)")
        #expect((result.json as? [String: Any])?["status"] as? String == "completed")
    }

    /// The guide's curl commands, with only base URL, key, look and voice filled in.
    @Test func guideCurlCommandsRunUnchanged() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.3"])
        defer { simulator.stop() }
        let curl = URL(fileURLWithPath: "/usr/bin/curl")
        try #require(FileManager.default.isExecutableFile(atPath: curl.path), "curl is installed by .ci/run")
        let env = ProcessInfo.processInfo.environment
        let looks = try await run(curl, ["-sS", "-X", "GET", "\(simulator.baseURL)/v3/avatars/looks?avatar_type=digital_twin&ownership=private",
                                         "-H", "x-api-key: demo"], environment: env)
        let list = try #require(looks.json as? [String: Any])
        #expect((list["data"] as? [Any])?.isEmpty == false)

        let bodyV = """
            {
                "type": "avatar",
                "avatar_id": "lk_twin_office",
                "script": "Hello! I am your Digital Twin.",
                "voice_id": "\(Self.voice)",
                "title": "My Digital Twin — Avatar V",
                "resolution": "1080p",
                "aspect_ratio": "16:9",
                "engine": { "type": "avatar_v" }
              }
            """
        let created = try await run(curl, ["-sS", "-X", "POST", "\(simulator.baseURL)/v3/videos", "-H", "x-api-key: demo",
                                           "-H", "Content-Type: application/json", "-d", bodyV], environment: env)
        let id = try #require(((created.json as? [String: Any])?["data"] as? [String: Any])?["video_id"] as? String)
        try await Task.sleep(for: .milliseconds(600))
        let polled = try await run(curl, ["-sS", "-X", "GET", "\(simulator.baseURL)/v3/videos/\(id)", "-H", "x-api-key: demo"], environment: env)
        let data = try #require((polled.json as? [String: Any])?["data"] as? [String: Any])
        #expect(data["status"] as? String == "completed")
        #expect((data["video_url"] as? String)?.isEmpty == false)
    }

    /// The guide's Python example, verbatim but for BASE, API_KEY, the look and the voice.
    @Test func guidePythonExampleRunsUnchanged() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "1"])
        defer { simulator.stop() }
        let script = """
            import requests
            import time

            API_KEY = "demo"
            BASE = "\(simulator.baseURL)"
            HEADERS = {"x-api-key": API_KEY, "Content-Type": "application/json"}

            # 1. Create the video (Avatar V — swap engine for {"type": "avatar_iv"} or omit for default)
            resp = requests.post(f"{BASE}/v3/videos", headers=HEADERS, json={
                "type": "avatar",
                "avatar_id": "lk_twin_office",
                "script": "Welcome to our product demo. Let me walk you through the new features.",
                "voice_id": "\(Self.voice)",
                "resolution": "1080p",
                "aspect_ratio": "16:9",
                "engine": {"type": "avatar_v"}  # omit entirely to use Avatar IV (default)
            })
            video_id = resp.json()["data"]["video_id"]
            print(f"Video created: {video_id}")

            # 2. Poll until done
            while True:
                status_resp = requests.get(f"{BASE}/v3/videos/{video_id}", headers=HEADERS)
                data = status_resp.json()["data"]
                print(f"Status: {data['status']}")
                if data["status"] == "completed":
                    print(f"Download: {data['video_url']}")
                    break
                elif data["status"] == "failed":
                    print(f"Error: {data.get('failure_message')}")
                    break
                time.sleep(10)
            """
        let python = URL(fileURLWithPath: "/usr/bin/env")
        let result = try await run(python, ["python3", "-c", script], environment: ProcessInfo.processInfo.environment)
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Video created: v_"))
        #expect(result.stdout.contains("Download: \(simulator.baseURL)/media/"))
    }
}
