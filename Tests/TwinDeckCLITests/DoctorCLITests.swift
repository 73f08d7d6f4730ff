import Foundation
import Testing

/// `twindeck doctor`: each line a ✓ or a fix, exit 1 when something is wrong.
@Suite("twindeck doctor")
struct DoctorCLITests {
    @Test func aWorkingSetUpIsAllTicksAndABrokenOneSaysWhatToDo() async throws {
        let sandbox = Sandbox()
        let good = try await twindeck(["doctor", "--demo"], sandbox: sandbox, extraEnv: ["TERM": "xterm-256color", "LANG": "C.UTF-8"])
        #expect(good.code == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("✓ terminal") && good.stdout.contains("✓ key        the key works: demo-twin"), "\(good.stdout)")
        #expect(good.stdout.contains("(the built-in simulator)"))

        let bad = try await twindeck(["doctor", "--api-key", "k", "--base-url", "http://127.0.0.1:9", "--json"], sandbox: sandbox,
                                     extraEnv: ["TERM": "dumb", "LANG": "C", "LC_ALL": "C"])
        #expect(bad.code == 1)
        let checks = try #require(bad.json as? [[String: Any]])
        let terminal = try #require(checks.first { $0["area"] as? String == "terminal" })
        #expect(terminal["level"] as? String == "problem" && (terminal["fix"] as? String)?.contains("TERM=xterm-256color") == true)
        let key = try #require(checks.first { $0["area"] as? String == "key" })
        #expect(key["level"] as? String == "problem" && (key["fix"] as? String)?.contains("network") == true)
        #expect(checks.first { $0["area"] as? String == "locale" }?["level"] as? String == "note")
        #expect(!bad.stdout.contains("\"k\""), "the key is never shown")

        // A config file others can read is a problem with its fix.
        let config = sandbox.root.appendingPathComponent("config/twindeck")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        let file = config.appendingPathComponent("config")
        try Data("api_key = secret-value\n".utf8).write(to: file)
        chmod(file.path, 0o644)
        let open = try await twindeck(["doctor"], sandbox: sandbox, extraEnv: ["TERM": "xterm-256color", "LANG": "C.UTF-8"])
        #expect(open.code == 1)
        #expect(open.stdout.contains("✗ config") && open.stdout.contains("chmod 600"), "\(open.stdout)")
        #expect(!open.stdout.contains("secret-value") && !open.stderr.contains("secret-value"))
    }
}
