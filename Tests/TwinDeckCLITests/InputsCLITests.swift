import Foundation
import Testing

/// Base URLs and API keys from each source (flag, environment, config file) checked before any request.
@Suite("Inputs: base URLs and API keys refused or cleaned up front")
struct InputsCLITests {
    static let canary = "sk_live_INPUTS_CANARY_5e1d"

    /// Every piece of `key` 4 characters or longer between its control characters: none may be printed.
    static func fragments(of key: String) -> [String] {
        key.unicodeScalars.split(whereSeparator: { $0.value < 0x20 }).map { String(String.UnicodeScalarView($0)) }.filter { $0.count >= 4 }
            + ["INPUTS_CANARY", "CANARY_5e1d"]
    }

    @Test(arguments: ["http://127.0.0.1:99999", "http://127.0.0.1:65536", "http://127.0.0.1:0", "http://127.0.0.1:99999999999999999999999"])
    func aPortPast65535IsRefusedFromTheFlag(url: String) async throws {
        let result = try await twindeck(["looks", "--base-url", url], extraEnv: ["HEYGEN_API_KEY": "sk_test_abcd"])
        #expect(result.code == 64, "\(result.code) \(result.stderr)")
        #expect(result.stderr.contains("port") && result.stderr.contains("1 to 65535"), "\(result.stderr)")
        #expect(result.stderr.contains("--base-url"), "\(result.stderr)")
    }

    @Test func aPortPast65535IsRefusedFromTheEnvironment() async throws {
        let result = try await twindeck(["account"], extraEnv: ["HEYGEN_API_KEY": "sk_test_abcd", "HEYGEN_BASE_URL": "http://127.0.0.1:99999"])
        #expect(result.code == 64, "\(result.code) \(result.stderr)")
        #expect(result.stderr.contains("port") && result.stderr.contains("HEYGEN_BASE_URL"), "\(result.stderr)")
    }

    @Test func aPortPast65535IsRefusedFromTheConfigFile() async throws {
        let sandbox = Sandbox()
        _ = try SecretsCLITests.writeConfig("api_key = sk_test_abcd\nbase_url = http://127.0.0.1:99999\n", mode: 0o600, sandbox: sandbox)
        let result = try await twindeck(["voices"], sandbox: sandbox)
        #expect(result.code == 64, "\(result.code) \(result.stderr)")
        #expect(result.stderr.contains("port") && result.stderr.contains("base_url in"), "\(result.stderr)")
    }

    @Test func aBadBaseURLIsRefusedWithDemoToo() async throws {
        let result = try await twindeck(["looks", "--demo", "--base-url", "http://127.0.0.1:99999"])
        #expect(result.code == 64, "\(result.code) \(result.stderr)")
        #expect(result.stderr.contains("port"), "\(result.stderr)")
    }

    @Test(arguments: ["https://me:pw_SECRET_991@api.heygen.com", "http://me:pw_SECRET_991@127.0.0.1:8080", "https://pw_SECRET_991@api.heygen.com"])
    func userInfoInTheBaseURLIsRefusedAndNotShown(url: String) async throws {
        for (arguments, env) in [(["looks", "--base-url", url], [:]), (["looks"], ["HEYGEN_BASE_URL": url])] {
            let result = try await twindeck(arguments, extraEnv: env.merging(["HEYGEN_API_KEY": "sk_test_abcd"]) { $1 })
            #expect(result.code == 64, "\(result.code) \(result.stderr)")
            #expect(result.stderr.contains("password"), "\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains("pw_SECRET_991"), "\(result.stderr)")
        }
    }

    @Test(arguments: ["https://api.heygen.com?debug=1", "https://api.heygen.com/#x", "ftp://api.heygen.com"])
    func queriesFragmentsAndOtherSchemesAreRefused(url: String) async throws {
        let result = try await twindeck(["looks", "--base-url", url], extraEnv: ["HEYGEN_API_KEY": "sk_test_abcd"])
        #expect(result.code == 64, "\(result.code) \(result.stderr)")
    }

    // MARK: - Keys with line breaks

    /// Runs `arguments` against a simulator that accepts only the canary; returns every output and file written.
    func againstSimulator(_ arguments: [String], key: String?, config: String? = nil) async throws -> (RunResult, [String], Sandbox) {
        let simulator = try SimulatorProcess(["--api-key", Self.canary])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        if let config {
            _ = try SecretsCLITests.writeConfig(config.replacingOccurrences(of: "SIM", with: simulator.baseURL), mode: 0o600, sandbox: sandbox)
        }
        var env = ["TWINDECK_LOG_LEVEL": "trace"]
        if let key { env["HEYGEN_API_KEY"] = key }
        let target = config == nil ? ["--base-url", simulator.baseURL] : []
        let result = try await twindeck(arguments.map { $0 == "KEY" ? Self.canary + "\r\n" : $0 } + target, sandbox: sandbox, extraEnv: env)
        var leaks: [String] = []
        for fragment in Self.fragments(of: Self.canary) {
            if result.stdout.contains(fragment) || result.stderr.contains(fragment) { leaks.append("output: \(fragment)") }
            // The config file holds the key by design; nothing else may.
            leaks += files(under: sandbox.root, containing: fragment).filter { !$0.hasSuffix("/config/twindeck/config") }
        }
        return (result, leaks, sandbox)
    }

    @Test(arguments: ["\r\n", "\r", "\n", " \t\r\n"])
    func aKeyWithATrailingLineBreakInTheEnvironmentWorks(suffix: String) async throws {
        let (result, leaks, _) = try await againstSimulator(["looks", "--json"], key: Self.canary + suffix)
        #expect(result.code == 0, "\(result.code) \(result.stderr)")
        #expect(leaks.isEmpty, "\(leaks)")
    }

    @Test func aKeyWithCRLFFromTheFlagWorks() async throws {
        let (result, leaks, _) = try await againstSimulator(["account", "--api-key", "KEY"], key: nil)
        #expect(result.code == 0, "\(result.code) \(result.stderr)")
        #expect(leaks.isEmpty, "\(leaks)")
    }

    @Test func aConfigFileWithCRLFLinesWorks() async throws {
        let (result, leaks, _) = try await againstSimulator(["looks"], key: nil, config: "# CRLF\r\napi_key = \(Self.canary)\r\nbase_url = SIM\r\n")
        #expect(result.code == 0, "\(result.code) \(result.stderr)")
        #expect(leaks.isEmpty, "\(leaks)")
    }

    @Test(arguments: ["sk_live_INPUTS\r\nCANARY_5e1d", "sk_live_INPUTS_CANARY_5e1d\u{7F}x", "sk_live_INPUTS\u{1B}CANARY_5e1d", "sk_live_INPUTS\rCANARY_5e1d\r\n"])
    func aKeyWithAnInnerControlCharacterIsRefusedWithoutShowingIt(key: String) async throws {
        let (result, leaks, _) = try await againstSimulator(["looks"], key: key)
        #expect(result.code == 64, "\(result.code) \(result.stderr)")
        #expect(result.stderr.contains("control character") && result.stderr.contains("HEYGEN_API_KEY"), "\(result.stderr)")
        var shown: [String] = []
        for fragment in Self.fragments(of: key) where (result.stdout + result.stderr).contains(fragment) { shown.append(fragment) }
        #expect(shown.isEmpty && leaks.isEmpty, "\(shown) \(leaks) \(result.stderr)")
    }

    @Test func oldMacLineEndsInTheConfigFileWork() async throws {
        // A lone CR ends a line too, so the key does not carry `\r` and the URL.
        let (result, leaks, _) = try await againstSimulator(["looks"], key: nil, config: "api_key = \(Self.canary)\rbase_url = SIM\r")
        #expect(result.code == 0, "\(result.code) \(result.stderr)")
        #expect(leaks.isEmpty, "\(leaks)")
    }

    @Test func aControlCharacterInTheConfigFileKeyIsRefused() async throws {
        let (result, leaks, _) = try await againstSimulator(["looks"], key: nil, config: "api_key = sk_live_INPUTS\u{1B}CANARY_5e1d\r\nbase_url = SIM\r\n")
        #expect(result.code == 64, "\(result.code) \(result.stderr)")
        #expect(result.stderr.contains("control character") && result.stderr.contains("api_key in"), "\(result.stderr)")
        #expect(!result.stderr.contains("INPUTS") && leaks.isEmpty, "\(leaks) \(result.stderr)")
    }
}
