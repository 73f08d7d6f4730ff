import Foundation
import Testing
import TwinDeckTestSupport

@Suite("twindeck account by billing kind; webhook events, update, rotate-secret and catch-up")
struct AccountWebhookCLITests {
    static func api(_ sim: SimulatorProcess) -> [String] { ["--base-url", sim.baseURL, "--api-key", "demo"] }
    /// `Key:   value` lines with the padding collapsed to one space.
    static func flat(_ text: String) -> String { text.replacingOccurrences(of: ": +", with: ": ", options: .regularExpression) }

    @Test(arguments: [
        (["--billing", "wallet", "--credits", "7"], ["Billing: wallet (prepaid, credits)", "Balance: 7 credits"]),
        (["--billing", "wallet"], ["Billing: wallet (prepaid, USD)", "Balance: $250.00", "Auto-reload: on: adds $100.00 below $20.00"]),
        (["--billing", "subscription"], ["Billing: subscription (pro plan)", "Premium credits: 200, resets 20", "Add-on credits: 25"]),
        (["--billing", "usage_based"], ["Billing: usage-based (metered)", "Credits: 100 left of 100 included", "Spending: $0.00 of a $50.00 cap"]),
    ])
    func accountShowsTheBalanceOfEachKind(_ arguments: [String], _ lines: [String]) async throws {
        let sim = try SimulatorProcess(arguments)
        defer { sim.stop() }
        let shown = try await twindeck(["account"] + Self.api(sim))
        #expect(shown.code == 0, "\(shown.stderr)")
        let text = Self.flat(shown.stdout)
        for line in lines { #expect(text.contains(line), "\(line) in:\n\(shown.stdout)") }
        #expect(text.contains("Name: Demo Twin"))
        let json = try await twindeck(["account", "--json"] + Self.api(sim))
        #expect((json.json as? [String: Any])?["billing_type"] as? String == arguments[1])
    }

    @Test func aBillingKindTheSimulatorDoesNotHaveIsRefused() async throws {
        let refused = try await twindeck(["simulate", "--billing", "barter"])
        #expect(refused.code == 64 && refused.stderr.contains("barter"), "\(refused.stderr)")
        let demo = try await twindeck(["account", "--demo"], extraEnv: ["TWINDECK_DEMO_BILLING": "barter"])
        #expect(demo.code == 64 && demo.stderr.contains("TWINDECK_DEMO_BILLING"), "\(demo.stderr)")
        let subscription = try await twindeck(["account", "--demo"], extraEnv: ["TWINDECK_DEMO_BILLING": "subscription"])
        #expect(subscription.code == 0 && Self.flat(subscription.stdout).contains("Billing: subscription (pro plan)"), "\(subscription.stdout)")
        let wallet = try await twindeck(["account", "--demo"])
        #expect(Self.flat(wallet.stdout).contains("Billing: wallet (prepaid, credits)"), "the demo stays a wallet: \(wallet.stdout)")
    }

    @Test func updateAndRotateSecret() async throws {
        let sim = try SimulatorProcess([])
        defer { sim.stop() }
        let sandbox = Sandbox()
        let registered = try await twindeck(["webhook", "register", "--url", "https://hooks.test/a", "--json"] + Self.api(sim), sandbox: sandbox)
        let id = try #require((registered.json as? [String: Any])?["endpoint_id"] as? String)
        let file = sandbox.root.appendingPathComponent("config/twindeck/webhooks/\(id).secret")
        let before = try String(contentsOf: file, encoding: .utf8)

        let updated = try await twindeck(["webhook", "update", id, "--events", "avatar_video.fail", "--json"] + Self.api(sim), sandbox: sandbox)
        #expect(updated.code == 0, "\(updated.stderr)")
        #expect((updated.json as? [String: Any])?["events"] as? [String] == ["avatar_video.fail"])
        let listed = try await twindeck(["webhook", "list", "--json"] + Self.api(sim), sandbox: sandbox)
        #expect((listed.json as? [[String: Any]])?.first?["events"] as? [String] == ["avatar_video.fail"])

        let rotated = try await twindeck(["webhook", "rotate-secret", id] + Self.api(sim), sandbox: sandbox)
        #expect(rotated.code == 0, "\(rotated.stderr)")
        let after = try String(contentsOf: file, encoding: .utf8)
        #expect(after != before && after.hasPrefix("whsec_"), "the new secret replaced the old one")
        #expect(!rotated.stdout.contains("whsec_") && !rotated.stderr.contains("whsec_"), "never printed unless asked")
        #expect(rotated.stdout.contains("(0600)"))
        let mode = try #require(FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600)
        let shown = try await twindeck(["webhook", "rotate-secret", id, "--show-secret"] + Self.api(sim), sandbox: sandbox)
        let newest = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Self.flat(shown.stdout).contains("Secret: \(newest)"), "\(shown.stdout)")

        // Bad input: unknown ids are said plainly, nothing changes; bad events are refused before sending.
        for command in [["webhook", "update", "ep_nobody", "--events", "avatar_video.fail"], ["webhook", "rotate-secret", "ep_nobody"]] {
            let missing = try await twindeck(command + Self.api(sim), sandbox: sandbox)
            #expect(missing.code == 1 && missing.stderr.contains("no webhook endpoint ep_nobody on this account"), "\(missing.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: file.deletingLastPathComponent().appendingPathComponent("ep_nobody.secret").path))
        let bad = try await twindeck(["webhook", "update", id, "--events", "avatar_video.queued"] + Self.api(sim), sandbox: sandbox)
        #expect(bad.code == 64 && bad.stderr.contains("unknown event"))
        let nothing = try await twindeck(["webhook", "update", id] + Self.api(sim), sandbox: sandbox)
        #expect(nothing.code == 64 && nothing.stderr.contains("nothing to change"))
    }

    @Test func eventsListsTheDeliveryHistoryAndA403IsSaid() async throws {
        let sim = try SimulatorProcess(["--render-seconds", "0.5"])
        defer { sim.stop() }
        let sandbox = Sandbox()
        #expect(try await twindeck(["webhook", "register", "--url", "http://127.0.0.1:9/down"] + Self.api(sim), sandbox: sandbox).code == 0)
        let created = try await twindeck(HistoryCLITests.createArguments(title: "Logged") + Self.api(sim) + ["--json"], sandbox: sandbox)
        let videoID = try #require((created.json as? [String: Any])?["video_id"] as? String)
        var events: [[String: Any]] = []
        #expect(try await eventually(timeout: .seconds(30)) {
            events = (try await twindeck(["webhook", "events", "--since", "1h", "--json"] + Self.api(sim), sandbox: sandbox).json as? [[String: Any]]) ?? []
            return !events.isEmpty
        })
        let event = try #require(events.first)
        #expect(event["event_id"] as? String == "evt_\(videoID)" && event["event_type"] as? String == "avatar_video.success")
        #expect(event["in_history"] as? Bool == true)
        let table = try await twindeck(["webhook", "events"] + Self.api(sim), sandbox: sandbox)
        #expect(table.stdout.hasPrefix("CREATED") && table.stdout.contains(videoID) && table.stdout.contains("yes"), "\(table.stdout)")
        let badSince = try await twindeck(["webhook", "events", "--since", "yesterday"] + Self.api(sim), sandbox: sandbox)
        #expect(badSince.code == 64 && badSince.stderr.contains("--since"))

        let noWebhooks = try SimulatorProcess(["--plan-without-webhooks"])
        defer { noWebhooks.stop() }
        let refused = try await twindeck(["webhook", "events"] + Self.api(noWebhooks), sandbox: sandbox)
        #expect(refused.code == 1 && refused.stderr.contains("plan may not include webhooks"), "\(refused.stderr)")
    }

    /// A receiver stops; a video finishes while it is down (its delivery fails); the next `webhook listen` reads the
    /// delivery history at start and records the outcome the first one missed.
    @Test func listenCatchesUpWhatItMissedWhileDown() async throws {
        let sim = try SimulatorProcess(["--render-seconds", "1"])
        defer { sim.stop() }
        let sandbox = Sandbox()
        let first = try SimulatorProcess(Self.api(sim), sandbox: sandbox, command: ["webhook", "listen", "--port", "0"])
        #expect(try await twindeck(["webhook", "register", "--url", first.baseURL] + Self.api(sim), sandbox: sandbox).code == 0)
        #expect(first.stop() == 0)

        let created = try await twindeck(HistoryCLITests.createArguments(title: "Missed") + Self.api(sim) + ["--json"], sandbox: sandbox)
        let videoID = try #require((created.json as? [String: Any])?["video_id"] as? String)
        #expect(try await eventually(timeout: .seconds(30)) {
            let events = try await twindeck(["webhook", "events", "--json"] + Self.api(sim), sandbox: sandbox).json as? [[String: Any]]
            return events?.contains { $0["event_id"] as? String == "evt_\(videoID)" } == true
        }, "the outcome is in HeyGen's delivery history")
        func row() async throws -> [String: Any] {
            let history = try await twindeck(["videos", "--json"], sandbox: sandbox)
            return (history.json as? [[String: Any]])?.first { $0["video_id"] as? String == videoID } ?? [:]
        }
        #expect(try await row()["webhook_at"] is NSNull, "missed: nothing recorded it")

        let second = try SimulatorProcess(Self.api(sim), sandbox: sandbox, command: ["webhook", "listen", "--port", "0"])
        let caught = try await eventually(timeout: .seconds(30)) { try await row()["webhook_at"] is String }
        #expect(second.stop() == 0)
        #expect(caught, "caught up at start")
        let recorded = try await row()
        #expect(recorded["status"] as? String == "completed")
        #expect(recorded["last_polled_at"] is NSNull, "nothing polled it")
    }
}
