import Foundation
import Testing

/// `create`, `status` (with and without `--wait`) and `videos` give `eta_seconds` and `eta_basis` in their JSON: the
/// estimate's seconds left and what it is based on while a video renders and the history has similar renders; null
/// when it is finished or there is no history (never a made-up number).
@Suite("CLI: render estimates in --json")
struct WaitETACLITests {
    @Test("after four renders of the same script, a new video has an ETA; once waited for, the fields are null")
    func etaFields() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "8"])  // long enough to look at the fifth while it renders
        defer { _ = simulator.stop() }
        let sandbox = Sandbox()
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let script = "The quarterly numbers are in, and they look good."
        // No history yet: no estimate.
        let first = try await twindeck(HistoryCLITests.createArguments(title: "First", script: script) + target + ["--json"], sandbox: sandbox)
        #expect(first.code == 0, "\(first.stderr)")
        let firstJSON = try #require(first.json as? [String: Any])
        #expect(firstJSON.keys.contains("eta_seconds") && firstJSON["eta_seconds"] is NSNull)
        #expect(firstJSON["eta_basis"] is NSNull)
        let firstID = try #require(firstJSON["video_id"] as? String)
        // The warm-up: that one and three more, waited for (in parallel), all completed into the history.
        let waited = try await twindeck(["status", firstID, "--wait", "--json", "--poll-interval", "0.2"] + target, sandbox: sandbox)
        #expect(waited.code == 0, "\(waited.stderr)")
        let waitedJSON = try #require(waited.json as? [String: Any])
        #expect(waitedJSON["status"] as? String == "completed")
        #expect(waitedJSON.keys.contains("eta_seconds") && waitedJSON["eta_seconds"] is NSNull, "finished: null")
        #expect(waitedJSON.keys.contains("eta_basis") && waitedJSON["eta_basis"] is NSNull)
        async let a = twindeck(HistoryCLITests.createArguments(title: "Warm A", script: script) + target + ["--wait", "--json", "--poll-interval", "0.2"],
                               sandbox: sandbox)
        async let b = twindeck(HistoryCLITests.createArguments(title: "Warm B", script: script) + target + ["--wait", "--json", "--poll-interval", "0.2"],
                               sandbox: sandbox)
        async let c = twindeck(HistoryCLITests.createArguments(title: "Warm C", script: script) + target + ["--wait", "--json", "--poll-interval", "0.2"],
                               sandbox: sandbox)
        for result in try await [a, b, c] {
            #expect(result.code == 0, "\(result.stderr)")
            let json = try #require(result.json as? [String: Any])
            #expect(json["status"] as? String == "completed" && json["eta_seconds"] is NSNull && json.keys.contains("eta_basis"))
        }

        // A fifth video: its estimate, from the four.
        let fifth = try await twindeck(HistoryCLITests.createArguments(title: "Estimated", script: script) + target + ["--json"], sandbox: sandbox)
        #expect(fifth.code == 0, "\(fifth.stderr)")
        let fifthJSON = try #require(fifth.json as? [String: Any])
        let id = try #require(fifthJSON["video_id"] as? String)
        let eta = try #require(fifthJSON["eta_seconds"] as? Int, "\(fifth.stdout)")
        #expect(eta >= 5 && eta <= 10, "four renders of about 8 s: \(eta)")
        #expect(fifthJSON["eta_basis"] as? String == "from 4 similar Avatar IV renders")

        let running = try await twindeck(["status", id, "--json"] + target, sandbox: sandbox)
        let runningJSON = try #require(running.json as? [String: Any], "\(running.stdout) \(running.stderr)")
        #expect(runningJSON["status"] as? String != "completed")
        #expect(runningJSON["eta_seconds"] is Int && runningJSON["eta_basis"] as? String == "from 4 similar Avatar IV renders")
        let people = try await twindeck(["status", id] + target, sandbox: sandbox)
        #expect(people.stdout.contains("Estimate:") && people.stdout.contains("left") && people.stdout.contains("from 4 similar"), "\(people.stdout)")

        let rows = try await HistoryCLITests.history(target, sandbox: sandbox)
        let row = try #require(rows.first { $0["video_id"] as? String == id })
        #expect(row["eta_seconds"] is Int && row["eta_basis"] as? String == "from 4 similar Avatar IV renders")
        #expect(rows.filter { $0["video_id"] as? String != id }.allSatisfy { $0["eta_seconds"] is NSNull && $0["eta_basis"] is NSNull })

        let done = try await twindeck(["status", id, "--wait", "--json", "--poll-interval", "0.2"] + target, sandbox: sandbox)
        #expect(done.code == 0, "\(done.stderr)")
        let doneJSON = try #require(done.json as? [String: Any])
        #expect(doneJSON["status"] as? String == "completed" && doneJSON["id"] as? String == id)
        #expect(doneJSON.keys.contains("eta_seconds") && doneJSON["eta_seconds"] is NSNull)
        #expect(doneJSON["video_url"] is String)
    }
}
