import Foundation
import HeyGen
import Testing
import TwinDeckTestSupport

/// Every file under `root` whose bytes contain `needle` (SQLite files, journals, logs, caches, downloads…).
func files(under root: URL, containing needle: String) -> [String] {
    let bytes = Data(needle.utf8)
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
    var hits: [String] = []
    for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
        if let data = try? Data(contentsOf: url), data.range(of: bytes) != nil { hits.append(url.path) }
    }
    return hits
}

/// Files and folders under `root` whose mode lets anyone but the owner in.
func nonPrivateEntries(under root: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
    var open: [String] = []
    for case let relative as String in walker {
        let path = root.appendingPathComponent(relative).path
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int else { continue }
        if mode & 0o077 != 0 { open.append("\(relative) \(String(mode, radix: 8))") }
    }
    return open
}

@Suite("Secrets: the API key, the config file, the transport")
struct SecretsCLITests {
    static let canary = "sk_live_TWINDECK_CANARY_9f3c"
    static let voice = "1bd001e7e50f421d891986aad5c8bbd2"

    /// Writes `$XDG_CONFIG_HOME/twindeck/config` with `text` and `mode`.
    static func writeConfig(_ text: String, mode: Int, sandbox: Sandbox) throws -> URL {
        let folder = sandbox.root.appendingPathComponent("config/twindeck")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("config")
        try Data(text.utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        return file
    }

    @Test func theKeyIsNeverPrintedLoggedOrStored() async throws {
        let simulator = try SimulatorProcess(["--api-key", Self.canary, "--render-seconds", "0.3"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let downloads = sandbox.root.appendingPathComponent("downloads")
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        let target = ["--base-url", simulator.baseURL]
        let env = ["HEYGEN_API_KEY": Self.canary, "TWINDECK_LOG_LEVEL": "trace"]
        var outputs: [String] = []
        func step(_ arguments: [String], env extra: [String: String] = env, expect code: Int32? = 0) async throws -> RunResult {
            let result = try await twindeck(arguments, sandbox: sandbox, extraEnv: extra)
            outputs += [result.stdout, result.stderr]
            if let code { #expect(result.code == code, "\(arguments): \(result.stderr)") }
            return result
        }
        let create = ["create", "--look", "lk_twin_office", "--voice", Self.voice, "--script", "Canary", "--title", "Canary"]
        let created = try await step(create + target + ["--wait", "--poll-interval", "0.2", "--json"])
        let id = try #require((created.json as? [String: Any])?["video_id"] as? String)
        for arguments in [["looks"], ["looks", "--json"], ["look", "lk_twin_office"], ["voices", "--language", "English"], ["account"],
                          ["account", "--json"], ["status", id], ["status", id, "--json"], ["videos"], ["videos", "--json"],
                          ["download", id, "-o", downloads.path], ["resume"]] {
            _ = try await step(arguments + target)
        }
        _ = try await step(["import", id] + target, expect: nil)
        _ = try await step(create + target + ["--dry-run"])
        // Failures: a refused key, a refused plain-http URL, server errors, undecodable answers, no server at all.
        let wrong = "sk_live_TWINDECK_WRONG_77aa"
        _ = try await step(["looks"] + target, env: ["HEYGEN_API_KEY": wrong, "TWINDECK_LOG_LEVEL": "trace"], expect: 1)
        _ = try await step(["looks", "--api-key", Self.canary] + target, env: ["TWINDECK_LOG_LEVEL": "trace"])
        _ = try await step(["looks", "--base-url", "http://api.example.com"], expect: 64)
        let faults = #"[{"fault": {"serverError": {"status": 500}}, "count": 3}, {"fault": {"malformed": {}}, "count": 1}, {"fault": {"errorIn200": {}}, "count": 1}]"#
        let injected = try await run(URL(fileURLWithPath: "/usr/bin/curl"), [
            "-sS", "-X", "POST", "-H", "x-api-key: \(Self.canary)", "-H", "Content-Type: application/json", "--data", faults,
            simulator.baseURL + "/v3/_simulator/faults",
        ], environment: ProcessInfo.processInfo.environment)
        #expect(injected.stdout.contains("\"queued\":3"), "\(injected.stdout) \(injected.stderr)")
        _ = try await step(["account"] + target, expect: 1)
        _ = try await step(["looks"] + target, expect: 1)
        _ = try await step(["looks"] + target, expect: 1)

        for (index, text) in outputs.enumerated() {
            #expect(!text.contains(Self.canary), "output \(index) shows the key: \(text.prefix(400))")
            #expect(!text.contains(wrong), "output \(index) shows the refused key")
        }
        #expect(outputs.joined().contains("HEYGEN_API_KEY"), "the 401 says how to set the key")
        #expect(files(under: sandbox.root, containing: Self.canary) == [], "files holding the key")
        #expect(files(under: sandbox.root, containing: wrong) == [])
        #expect(FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("data/twindeck/store.sqlite").path))
        for folder in ["data/twindeck", "state", ".cache/twindeck"] {
            #expect(nonPrivateEntries(under: sandbox.root.appendingPathComponent(folder)) == [], "\(folder)")
        }
        reportFigures("secrets", ["commands": outputs.count / 2, "key_hits": 0])
    }

    @Test func aPrivateConfigFileSuppliesTheKeyAndTheBaseURL() async throws {
        let simulator = try SimulatorProcess(["--api-key", Self.canary])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        _ = try Self.writeConfig("""
            # TwinDeck
            api_key = "\(Self.canary)"
            base_url = \(simulator.baseURL)
            """, mode: 0o600, sandbox: sandbox)
        let account = try await twindeck(["account", "--json"], sandbox: sandbox)
        #expect(account.code == 0, "\(account.stderr)")
        #expect((account.json as? [String: Any])?["username"] as? String == "demo-twin")
        // The environment and the flags win over the file.
        let overridden = try await twindeck(["account"], sandbox: sandbox, extraEnv: ["HEYGEN_API_KEY": "sk_other_KEY_1234"])
        #expect(overridden.code == 1 && overridden.stderr.contains("HEYGEN_API_KEY"))
        #expect(!overridden.stderr.contains("sk_other_KEY_1234"))
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func aConfigFileOthersCanReadIsRefusedWithTheFix(mode: Int) async throws {
        let sandbox = Sandbox()
        let file = try Self.writeConfig("api_key = \(Self.canary)\n", mode: mode, sandbox: sandbox)
        let result = try await twindeck(["looks"], sandbox: sandbox)
        #expect(result.code == 1)
        #expect(result.stderr.contains("chmod 600 \(file.path)"), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.canary) && !result.stdout.contains(Self.canary))
        // Fixed as told, the same file is accepted: the next check (plain http to a remote host) is the one that fails.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let fixed = try await twindeck(["looks", "--base-url", "http://api.example.com"], sandbox: sandbox)
        #expect(fixed.code == 64 && fixed.stderr.contains("https") && !fixed.stderr.contains("chmod"), "\(fixed.stderr)")
        #expect(!fixed.stderr.contains(Self.canary))
    }

    @Test func aMistypedSettingIsNamedButItsValueNeverShown() async throws {
        let sandbox = Sandbox()
        _ = try Self.writeConfig("apikey = \(Self.canary)\n", mode: 0o600, sandbox: sandbox)
        let result = try await twindeck(["looks"], sandbox: sandbox)
        #expect(result.code == 1)
        #expect(result.stderr.contains("unknown setting \"apikey\""), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.canary))
    }

    @Test(arguments: ["http://127.evil.example", "http://127.0.0.1.nip.io:8080", "http://localhost.example.com", "http://10.0.0.1",
                      "http://[::2]:80", "ftp://127.0.0.1"])
    func plainHTTPToAnythingButLoopbackIsRefused(url: String) async throws {
        let result = try await twindeck(["looks", "--base-url", url, "--api-key", Self.canary])
        #expect(result.code == 64, "\(url): \(result.stderr)")
        #expect(result.stderr.contains("https"))
        #expect(!result.stderr.contains(Self.canary))
    }
}
