import Foundation
import HeyGen
import Testing

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

private func policy(random: Double) -> RetryPolicy {
    RetryPolicy(sleep: { _ in }, random: { random })
}

/// A fake server for `collectPages`: page `i` is `pages[i]`; records the token of every request.
private actor PageServer {
    let pages: [Page<Int>]
    private(set) var tokens: [String?] = []
    init(_ pages: [Page<Int>]) { self.pages = pages }
    func fetch(_ token: String?) throws -> Page<Int> {
        tokens.append(token)
        guard tokens.count <= pages.count else { throw CancellationError() }
        return pages[tokens.count - 1]
    }
}

@Suite("Retry policy, paging and errors")
struct RetryAndErrorTests {
    // MARK: - Retry-After

    @Test(arguments: [("5", 5.0), ("0", 0), ("1.5", 1.5), (" 7 ", 7), ("120", 120)])
    func retryAfterSeconds(_ header: String, _ expected: Double) throws {
        let wait = try #require(RetryPolicy.parseRetryAfter(header))
        #expect(seconds(wait) == expected)
    }

    @Test func retryAfterHTTPDate() throws {
        let now = Date(timeIntervalSince1970: 1_711_929_600)  // 2024-04-01 00:00:00 GMT
        let header = RetryPolicy.httpDate(now.addingTimeInterval(30))
        #expect(header == "Mon, 01 Apr 2024 00:00:30 GMT")
        let wait = try #require(RetryPolicy.parseRetryAfter(header, now: now))
        #expect(seconds(wait) == 30)
        // A date already past means "now", never a negative wait.
        let past = try #require(RetryPolicy.parseRetryAfter(RetryPolicy.httpDate(now.addingTimeInterval(-60)), now: now))
        #expect(seconds(past) == 0)
        // RFC 850 and asctime forms are accepted too.
        #expect(RetryPolicy.parseRetryAfter("Monday, 01-Apr-24 00:00:10 GMT", now: now).map(seconds) == 10)
        #expect(RetryPolicy.parseRetryAfter("Mon Apr  1 00:00:20 2024", now: now).map(seconds) == 20)
    }

    @Test(arguments: ["", "soon", "-5", "5s", "nan", "inf", "Mon, 99 Foo 2024 00:00:00 GMT", "1,5"])
    func retryAfterGarbageIsNil(_ header: String) {
        #expect(RetryPolicy.parseRetryAfter(header) == nil)
    }

    @Test func retryAfterHugeNumberDoesNotCrash() throws {
        // Far longer than any wait the client accepts; it must come back as a long wait, not trap.
        let wait = try #require(RetryPolicy.parseRetryAfter("1e30"))
        #expect(wait > RetryPolicy.standard.maxRetryAfter)
        let digits = try #require(RetryPolicy.parseRetryAfter("99999999999999999999"))
        #expect(digits > .seconds(86_400))
    }

    // MARK: - Backoff

    @Test func backoffDoublesAndIsCapped() {
        let p = policy(random: 0.5)
        let delays = (0..<8).map { seconds(p.backoff(attempt: $0)) }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30, 30])
        #expect(seconds(p.backoff(attempt: 1_000)) == 30)
    }

    @Test func backoffJitterIsPlusMinus25Percent() {
        let low = policy(random: 0)
        let high = policy(random: 1)
        #expect([0, 1, 2, 3].map { seconds(low.backoff(attempt: $0)) } == [0.75, 1.5, 3, 6])
        #expect([0, 1, 2, 3].map { seconds(high.backoff(attempt: $0)) } == [1.25, 2.5, 5, 10])
        // At the cap, jitter may lower the wait but never raise it above 30 s.
        #expect(seconds(low.backoff(attempt: 6)) == 22.5)
        #expect(seconds(high.backoff(attempt: 6)) == 30)
    }

    @Test func backoffStaysWithinBoundsForAnyRandom() {
        for step in 0...20 {
            let r = Double(step) / 20
            let p = policy(random: r)
            for attempt in 0..<8 {
                let nominal = min(pow(2, Double(attempt)), 30)
                let d = seconds(p.backoff(attempt: attempt))
                #expect(d >= nominal * 0.75 - 1e-9 && d <= min(nominal * 1.25, 30) + 1e-9, "r \(r) attempt \(attempt): \(d)")
            }
        }
    }

    @Test func standardPolicyMatchesTheContract() {
        #expect(RetryPolicy.standard.maxRetries == 2)
        #expect(RetryPolicy.standard.baseDelay == .seconds(1))
        #expect(RetryPolicy.standard.maxDelay == .seconds(30))
        #expect(RetryPolicy.standard.jitter == 0.25)
        #expect(RetryPolicy.never.maxRetries == 0)
    }

    // MARK: - Paging

    @Test func collectPagesFollowsTokens() async throws {
        let server = PageServer([
            Page(data: [1, 2], hasMore: true, nextToken: "t1"),
            Page(data: [3], hasMore: true, nextToken: "t2"),
            Page(data: [4, 5], hasMore: false, nextToken: nil),
        ])
        let all = try await HeyGenClient.collectPages { try await server.fetch($0) }
        #expect(all == [1, 2, 3, 4, 5])
        #expect(await server.tokens == [nil, "t1", "t2"])
    }

    @Test func collectPagesStopsWhenHasMoreIsFalseEvenWithAToken() async throws {
        let server = PageServer([Page(data: [1], hasMore: false, nextToken: "ignored")])
        #expect(try await HeyGenClient.collectPages { try await server.fetch($0) } == [1])
        #expect(await server.tokens == [nil])
    }

    @Test func collectPagesRefusesARepeatedToken() async throws {
        let server = PageServer([
            Page(data: [1], hasMore: true, nextToken: "t1"),
            Page(data: [2], hasMore: true, nextToken: "t2"),
            Page(data: [3], hasMore: true, nextToken: "t1"),
            Page(data: [4], hasMore: false, nextToken: nil),
        ])
        let error = await #expect(throws: HeyGenError.self) { try await HeyGenClient.collectPages { try await server.fetch($0) } }
        #expect(error?.kind == .pagination)
        #expect(await server.tokens == [nil, "t1", "t2"])
    }

    @Test(arguments: [nil, ""] as [String?])
    func collectPagesRefusesHasMoreWithoutToken(_ token: String?) async throws {
        let server = PageServer([
            Page(data: [1], hasMore: true, nextToken: "t1"),
            Page(data: [2], hasMore: true, nextToken: token),
            Page(data: [3], hasMore: false, nextToken: nil),
        ])
        let error = await #expect(throws: HeyGenError.self) { try await HeyGenClient.collectPages { try await server.fetch($0) } }
        #expect(error?.kind == .pagination)
        #expect(await server.tokens.count == 2)
    }

    @Test func collectPagesHasAPageLimit() async throws {
        let counter = PageServer((0..<10).map { Page(data: [$0], hasMore: true, nextToken: "t\($0)") })
        let error = await #expect(throws: HeyGenError.self) {
            try await HeyGenClient.collectPages(maxPages: 3) { try await counter.fetch($0) }
        }
        #expect(error?.kind == .pagination)
        #expect(await counter.tokens.count == 3)
    }

    // MARK: - Error text

    @Test func unauthorizedTellsHowToFixIt() {
        let error = HeyGenError(kind: .unauthorized, httpStatus: 401, code: "unauthorized", message: "invalid key", requestID: "req-9")
        #expect(error.description.contains("HEYGEN_API_KEY"))
        #expect(error.description.contains("--demo"))
        #expect(error.description.contains("invalid key"))
        #expect(error.description.hasSuffix("[request req-9]"))
        #expect(!error.isTransient)
        #expect(error.shortDescription == "unauthorized 401")
    }

    @Test func otherDescriptions() {
        let v = HeyGenError(kind: .validation, httpStatus: 400, message: "bad value", param: "avatar_id")
        #expect(v.description.contains("bad value") && v.description.contains("avatar_id"))

        let limited = HeyGenError(kind: .rateLimited, httpStatus: 429, message: "slow down", retryAfter: .milliseconds(1_500))
        #expect(limited.description.contains("1.5 s"))
        #expect(limited.isTransient)

        let issues = [FieldIssue(field: "script", message: "write a script", rule: "script.required"),
                      FieldIssue(field: "voice_id", message: "choose a voice", rule: "voice_id.required")]
        let invalid = HeyGenError(kind: .invalidRequest, message: "the request is invalid", issues: issues)
        #expect(invalid.description == "script: write a script; voice_id: choose a voice")

        #expect(HeyGenError(kind: .server, httpStatus: 503, message: "x").description.contains("503"))
        for kind: HeyGenError.Kind in [.server, .transport, .timeout, .conflict, .rateLimited] {
            #expect(HeyGenError(kind: kind, message: "m").isTransient, "\(kind)")
        }
        for kind: HeyGenError.Kind in [.validation, .notFound, .pagination, .undecodable, .invalidRequest] {
            #expect(!HeyGenError(kind: kind, message: "m").isTransient, "\(kind)")
        }
    }

    // MARK: - Sanitizer

    @Test func sanitizerNeutralisesControlAndBidiCharacters() {
        let hostile = "a\u{1B}[31mb\u{07}c\u{9B}d\u{85}e\u{202E}f\u{2066}g\u{7F}h\u{0}i\r\nj"
        let out = Sanitizer.inert(hostile)
        for scalar in out.unicodeScalars {
            #expect(!Sanitizer.isUnsafe(scalar), "U+\(String(scalar.value, radix: 16)) survived")
        }
        for bad: Unicode.Scalar in ["\u{1B}", "\u{07}", "\u{9B}", "\u{85}", "\u{202E}", "\u{2066}", "\u{7F}", "\u{0}", "\r", "\n"] {
            #expect(!out.unicodeScalars.contains(bad))
        }
        #expect(out == "a·[31mb·c·d·e·f·g·h·i··j")
        // Ordinary text, including non-Latin scripts and emoji, is untouched.
        #expect(Sanitizer.inert("Grüße, 日本 😀 — ok") == "Grüße, 日本 😀 — ok")
    }

    @Test func sanitizerCutsToTheLimit() {
        #expect(Sanitizer.inert(String(repeating: "x", count: 10), limit: 10) == String(repeating: "x", count: 10))
        let cut = Sanitizer.inert(String(repeating: "x", count: 11), limit: 10)
        #expect(cut == String(repeating: "x", count: 10) + "…")
        let long = Sanitizer.inert(String(repeating: "y", count: 5_000))
        #expect(long.unicodeScalars.count == 201)
        #expect(long.hasSuffix("…"))
    }

    @Test func sanitizerRedactsSecrets() {
        let key = "sk_live_ABCDEF123456"
        let out = Sanitizer.inert("error for key \(key) (again: \(key))", redacting: [key])
        #expect(!out.contains(key))
        #expect(!out.contains("ABCDEF123456"))
        #expect(out == "error for key [REDACTED] (again: [REDACTED])")
        // A secret split by the limit is still not shown in part.
        let cut = Sanitizer.inert("0123456789" + key, limit: 15, redacting: [key])
        #expect(!cut.contains("sk_li"))
        // Tiny "secrets" (such as an empty key) are not used, so text is not shredded.
        #expect(Sanitizer.inert("abc", redacting: ["", "a"]) == "abc")
    }
}
