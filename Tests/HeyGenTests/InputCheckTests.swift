import AsyncHTTPClient
import Foundation
@testable import HeyGen
import Testing

@Suite("Input checks: base URLs, API keys, redaction, saturating numbers")
struct InputCheckTests {
    @Test(arguments: [
        "https://api.heygen.com", "https://api.heygen.com/", "https://api.heygen.com:443", "http://127.0.0.1:8080",
        "http://localhost:1", "http://[::1]:65535", "https://proxy.example.com/heygen", "http://127.0.0.1:",
    ])
    func goodBaseURLsPass(url: String) {
        #expect(HeyGenConfiguration.problem(withBaseURL: url) == nil, "\(url)")
    }

    @Test(arguments: [
        ("http://127.0.0.1:99999", "port"), ("http://127.0.0.1:65536", "port"), ("http://127.0.0.1:0", "port"),
        ("http://127.0.0.1:99999999999999999999999", "port"), ("https://api.heygen.com:-1", "URL"),
        ("http://[::1]:70000", "port"), ("ftp://api.heygen.com", "https"), ("api.heygen.com", "URL"), ("https://", "URL"),
        ("https://api.heygen.com?x=1", "query"), ("https://api.heygen.com#top", "fragment"),
        ("http://api.example.com", "plain http"), ("http://127.0.0.1.evil.com:80", "plain http"),
    ])
    func badBaseURLsAreRefused(url: String, word: String) throws {
        let problem = try #require(HeyGenConfiguration.problem(withBaseURL: url), "\(url)")
        #expect(problem.contains(word), "\(url): \(problem)")
    }

    @Test(arguments: ["https://user:hunter2pw@api.heygen.com", "http://me:hunter2pw@127.0.0.1:8080", "https://hunter2pw@api.heygen.com",
                      "https://u:hunter2pw@api.heygen.com:99999"])
    func userInfoIsRefusedWithoutShowingIt(url: String) throws {
        let problem = try #require(HeyGenConfiguration.problem(withBaseURL: url))
        #expect(!problem.contains("hunter2pw"), "\(problem)")
        #expect(problem.contains("user") || problem.contains("password"), "\(problem)")
    }

    @Test func theClientRefusesABadBaseURLBeforeSending() async throws {
        // A configuration made without the CLI's checks: the client still refuses it instead of trapping in NIO.
        let client = HeyGenClient(configuration: HeyGenConfiguration(baseURL: "http://127.0.0.1:99999", apiKey: "sk_test_1234"))
        await #expect { try await client.me() } throws: { ($0 as? HeyGenError)?.kind == .configuration }
    }

    @Test func theClientRefusesAKeyWithALineBreakWithoutShowingIt() async throws {
        let key = "sk_live_CLIENTCANARY_77\r\n"
        let client = HeyGenClient(configuration: HeyGenConfiguration(baseURL: "http://127.0.0.1:9", apiKey: key))
        do {
            _ = try await client.me()
            Issue.record("a key with CR LF was sent")
        } catch let error as HeyGenError {
            #expect(error.kind == .configuration)
            #expect(!error.description.contains("CLIENTCANARY"), "\(error.description)")
        }
    }

    @Test func keysAreTrimmedAndInnerControlsRefused() throws {
        #expect(HeyGenConfiguration.trimmedAPIKey(" sk_abc_123\r\n") == "sk_abc_123")
        #expect(HeyGenConfiguration.trimmedAPIKey("\tsk_abc_123\n") == "sk_abc_123")
        #expect(HeyGenConfiguration.problem(withAPIKey: "sk_abc_123") == nil)
        for key in ["sk_SECRETPART\r\nmore", "sk_SECRETPART\u{0}x", "sk_SECRETPART\u{1B}[2J", "sk_SECRETPART\u{85}"] {
            let problem = try #require(HeyGenConfiguration.problem(withAPIKey: key), "\(key.debugDescription)")
            #expect(!problem.contains("SECRETPART") && !problem.contains("sk_"), "\(problem)")
            #expect(problem.contains("control character"))
        }
        #expect(HeyGenConfiguration.problem(withAPIKey: "") == nil, "an empty key is the API's to refuse (401)")
    }

    // MARK: - Sanitizer

    static let canary = "sk_live_SANITIZER_CANARY_42"

    @Test(arguments: [
        "\(canary)\r\n", "\(canary)\r", "\(canary)\n", "\u{1B}\(canary)", "\(canary)\u{0}",
    ])
    func escapedFormsOfTheKeyAreRedacted(key: String) {
        let forms = [
            String(describing: [key]), key.debugDescription, String(describing: ["x-api-key": key]),
            PlainText.percentEncoded(key, keeping: "-._~"), lowerHex(PlainText.percentEncoded(key, keeping: "-._~")),
            key.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined(),
            key.unicodeScalars.map { $0.value < 0x20 ? String(format: "\\u%04x", $0.value) : String($0) }.joined(),
        ]
        for text in forms {
            let out = Sanitizer.inert("error: \(text) end", limit: 500, redacting: [key])
            #expect(!out.contains("SANITIZER_CANARY"), "\(text.debugDescription) → \(out)")
            #expect(out.contains("[REDACTED]"), "\(out)")
        }
    }

    @Test func theRealHeaderErrorIsRedacted() {
        // The very error AsyncHTTPClient throws for a header value with CR LF; its description escapes `\r`.
        let key = "\(Self.canary)\r\n"
        let error = HTTPClientError.invalidHeaderFieldValues([key])
        let out = Sanitizer.inert(String(describing: error), limit: 500, redacting: [key])
        #expect(!out.contains("CANARY"), "\(out)")
    }

    @Test func piecesOfAKeySplitByControlsAreRedacted() {
        let key = "sk_live_FIRSTHALF\r\nSECONDHALF_x"
        let out = Sanitizer.inert("a sk_live_FIRSTHALF b SECONDHALF_x c", limit: 500, redacting: [key])
        #expect(!out.contains("FIRSTHALF") && !out.contains("SECONDHALF"), "\(out)")
        // A plain key's substrings are left alone (no piece other than the whole key).
        #expect(Sanitizer.inert("live and well", redacting: ["sk_live_abcd"]) == "live and well")
    }

    /// `%0D` as `%0d`, the rest as is.
    func lowerHex(_ text: String) -> String {
        var out = "", left = 0
        for c in text {
            out += left > 0 ? c.lowercased() : String(c)
            left = c == "%" ? 2 : max(0, left - 1)
        }
        return out
    }

    // MARK: - Int(saturating:)

    @Test func saturatingConversionNeverTraps() {
        #expect(Int(saturating: .nan) == 0)
        #expect(Int(saturating: -.nan) == 0)
        #expect(Int(saturating: .infinity) == .max)
        #expect(Int(saturating: -.infinity) == .min)
        #expect(Int(saturating: 1e300) == .max)
        #expect(Int(saturating: -1e300) == .min)
        #expect(Int(saturating: Double(Int.max)) == .max)
        #expect(Int(saturating: 9.223372036854775e18) == 9_223_372_036_854_774_784)
        #expect(Int(saturating: 2.9) == 2)
        #expect(Int(saturating: -2.9) == -2)
        #expect(Int(saturating: 0) == 0)
    }

    @Test func secondsOfAHugeDurationDoNotTrap() {
        #expect(HeyGenError.seconds(.seconds(Int64.max)) == String(Int.max))
        #expect(HeyGenError.seconds(.seconds(5)) == "5")
        #expect(HeyGenError.seconds(.milliseconds(1500)) == "1.5")
    }

    @Test func aHugeRetryAfterDateIsCapped() throws {
        let wait = try #require(RetryPolicy.parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now: Date(timeIntervalSince1970: 0)))
        #expect(wait <= .seconds(1_000_000_000))
    }
}
