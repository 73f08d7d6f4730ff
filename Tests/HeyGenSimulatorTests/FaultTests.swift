import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

/// Scripted faults from the simulator, and how the client's retry policy and error mapping meet them.
/// The simulator runs with a distinctive API key, and no error may ever show it.
@Suite("Faults, retries and error mapping")
struct FaultTests {
    /// A simulator whose key is `secretKey`, with a client that records its waits.
    func withFaultySimulator(
        readTimeout: Duration = .seconds(10), maxRetries: Int = 2,
        _ body: (RunningSimulator, HeyGenClient, SleepRecorder) async throws -> Void
    ) async throws {
        let recorder = SleepRecorder()
        try await withSimulator(configure: { $0.apiKey = secretKey }, retry: recorder.policy(maxRetries: maxRetries),
                                readTimeout: readTimeout) { sim, client in
            #expect(client.configuration.apiKey == secretKey)
            try await body(sim, client, recorder)
        }
    }

    /// Runs `call`, expects a `HeyGenError`, and checks the key appears nowhere in it.
    func failure(_ call: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async throws -> HeyGenError {
        let error = try await #require(throws: HeyGenError.self, sourceLocation: sourceLocation) { try await call() }
        for text in [error.description, error.message, error.snippet ?? "", String(reflecting: error), error.shortDescription] {
            #expect(!text.contains(secretKey), "the API key leaked: \(text)", sourceLocation: sourceLocation)
        }
        return error
    }

    func count(_ sim: RunningSimulator, _ route: String) async -> Int {
        await sim.state.requestCounts()[route, default: 0]
    }

    // MARK: - 429

    @Test func rateLimitWithRetryAfterSecondsIsWaitedOut() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.rateLimited(retryAfterSeconds: 3), pathPrefix: "/v3/users/me")])
            let user = try await client.me()
            #expect(user.username == "demo-twin")
            #expect(recorder.recorded == [.seconds(3)])
            #expect(await count(sim, "GET /v3/users/me") == 2)
        }
    }

    @Test func rateLimitWithAnHTTPDateIsWaitedOut() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.rateLimited(retryAfterSeconds: 5, httpDate: true))])
            _ = try await client.allLooks()
            let waits = recorder.recorded
            #expect(waits.count == 1)
            // An HTTP-date has whole seconds, so the wait is a little under five seconds (less on a loaded machine; a
            // fallback backoff would be 1 s).
            #expect(waits.allSatisfy { $0 > .seconds(1.5) && $0 <= .seconds(5) }, "\(waits)")
        }
    }

    @Test func rateLimitedMoreOftenThanRetriesIsReported() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.rateLimited(retryAfterSeconds: 2), method: "GET", count: 3)])
            let error = try await failure { _ = try await client.me() }
            #expect(error.kind == .rateLimited)
            #expect(error.httpStatus == 429)
            #expect(error.code == "rate_limit_exceeded")
            #expect(error.retryAfter == .seconds(2))
            #expect(error.description.contains("Retry in 2 s"))
            #expect(recorder.recorded == [.seconds(2), .seconds(2)])
            #expect(await count(sim, "GET /v3/users/me") == 3)
            // The queue is used up: the next call goes through.
            _ = try await client.me()
        }
    }

    @Test func aRateLimitedCreateIsRetriedEvenThoughItIsAPost() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.rateLimited(retryAfterSeconds: 1), pathPrefix: "/v3/videos", method: "POST")])
            _ = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            #expect(recorder.recorded == [.seconds(1)])
            #expect(try await allVideos(client).count == 1)
        }
    }

    // MARK: - 5xx

    @Test func aServerErrorOnAGetIsRetried() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.serverError(status: 500), pathPrefix: "/v3/avatars/looks", method: "GET")])
            let look = try await client.look(id: "lk_twin_office")
            #expect(look.id == "lk_twin_office")
            // Backoff for the first retry: 1 s · 2⁰, jitter centred by the recorder's random 0.5.
            #expect(recorder.recorded == [.seconds(1)])
            #expect(await count(sim, "GET /v3/avatars/looks/{id}") == 2)
        }
    }

    @Test func aServerErrorOnCreateIsRetriedOnlyBecauseOfTheIdempotencyKey() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.serverError(status: 503), pathPrefix: "/v3/videos", method: "POST")])
            let created = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            #expect(recorder.recorded.count == 1)
            #expect(await createCount(sim) == 2)
            let videos = try await allVideos(client)
            #expect(videos.map(\.id) == [created.videoID], "exactly one video after the retry")
        }
    }

    @Test func aServerErrorOnANonIdempotentPostIsNotRetried() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.serverError(status: 503), pathPrefix: "/v3/webhooks", method: "POST")])
            let error = try await failure {
                _ = try await client.createWebhookEndpoint(CreateWebhookEndpointRequest(url: "https://hooks.example.com/x"))
            }
            #expect(error.kind == .server)
            #expect(error.httpStatus == 503)
            #expect(error.code == "internal_error")
            #expect(recorder.recorded.isEmpty)
            #expect(await count(sim, "POST /v3/webhooks/endpoints") == 1)
            #expect(try await client.webhookEndpoints().isEmpty)
        }
    }

    @Test func persistentServerErrorsAreReportedAfterTheRetries() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.serverError(status: 500), method: "GET", count: 3)])
            let error = try await failure { _ = try await client.videos() }
            #expect(error.kind == .server)
            #expect(error.httpStatus == 500)
            #expect(error.requestID?.hasPrefix("req_") == true)
            #expect(error.description.contains(error.requestID ?? "?"))
            #expect(recorder.recorded == [.seconds(1), .seconds(2)], "backoff doubles")
        }
    }

    // MARK: - Bodies that are not the contract's

    @Test func malformedJSONIsUndecodableWithASnippet() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.malformed, pathPrefix: "/v3/avatars/looks")])
            let error = try await failure { _ = try await client.allLooks() }
            #expect(error.kind == .undecodable)
            #expect(error.httpStatus == 200)
            let snippet = try #require(error.snippet)
            #expect(snippet.hasPrefix(#"{"data": [{"id": "lk_trunc""#))
            #expect(error.description.contains("body starts"))
            #expect(recorder.recorded.isEmpty, "a 200 is not retried")
        }
    }

    @Test func anHTMLMaintenancePageIsAServerErrorWithASnippet() async throws {
        try await withFaultySimulator { sim, client, _ in
            await sim.state.inject([ScriptedFault(.htmlPage, count: 3)])
            let error = try await failure { _ = try await client.me() }
            #expect(error.kind == .server)
            #expect(error.httpStatus == 503)
            #expect(error.code == nil)
            #expect(error.snippet?.contains("Service Unavailable") == true)
            #expect(await count(sim, "GET /v3/users/me") == 3)
        }
    }

    @Test func aGatewayPageIsSanitised() async throws {
        try await withFaultySimulator(maxRetries: 0) { sim, client, _ in
            await sim.state.inject([ScriptedFault(.serverError(status: 502))])
            let error = try await failure { _ = try await client.me() }
            #expect(error.kind == .server)
            #expect(error.httpStatus == 502)
            let snippet = try #require(error.snippet)
            #expect(snippet.contains("Bad Gateway"))
            #expect(!snippet.unicodeScalars.contains { Sanitizer.isUnsafe($0) }, "the page's escape sequence was neutralised")
        }
    }

    @Test func anErrorInsideA200IsAnError() async throws {
        try await withFaultySimulator { sim, client, _ in
            await sim.state.inject([ScriptedFault(.errorIn200, pathPrefix: "/v3/users/me")])
            let error = try await failure { _ = try await client.me() }
            #expect(error.code == "internal_error")
            #expect(error.message.contains("Something went wrong"))
            #expect(error.kind != .undecodable)
            #expect(error.kind == .server)
        }
    }

    // MARK: - Connections

    @Test func aDroppedConnectionOnAGetIsRetried() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.drop, pathPrefix: "/v3/users/me")])
            _ = try await client.me()
            #expect(recorder.recorded.count == 1)
            #expect(await count(sim, "GET /v3/users/me") == 2)
        }
    }

    @Test func droppedConnectionsAreATransportError() async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.drop, method: "GET", count: 3)])
            let error = try await failure { _ = try await client.me() }
            #expect(error.kind == .transport)
            #expect(error.isTransient)
            #expect(recorder.recorded.count == 2)

            // A drop on a POST without an Idempotency-Key is not re-sent.
            await sim.state.inject([ScriptedFault(.drop, pathPrefix: "/v3/webhooks", method: "POST")])
            let post = try await failure {
                _ = try await client.createWebhookEndpoint(CreateWebhookEndpointRequest(url: "https://hooks.example.com/y"))
            }
            #expect(post.kind == .transport)
            #expect(recorder.recorded.count == 2)
            #expect(await count(sim, "POST /v3/webhooks/endpoints") == 1)
        }
    }

    @Test func aSlowAnswerBeyondTheReadTimeoutIsATimeout() async throws {
        // Margins wide enough for a loaded machine (two cores, several builds beside the tests): a 4 s deadline
        // against a 15 s answer; giving up before 12 s proves the client did not wait for the server.
        try await withFaultySimulator(readTimeout: .seconds(4), maxRetries: 0) { sim, client, _ in
            await sim.state.inject([ScriptedFault(.slow(milliseconds: 15_000), pathPrefix: "/v3/users/me")])
            let started = ContinuousClock.now
            let error = try await failure { _ = try await client.me() }
            #expect(error.kind == .timeout)
            #expect(ContinuousClock.now - started < .seconds(12), "the client gave up before the server answered")
            // A slow answer within the deadline is fine.
            await sim.state.inject([ScriptedFault(.slow(milliseconds: 50), pathPrefix: "/v3/users/me")])
            #expect(try await client.me().username == "demo-twin")
        }
    }

    @Test func aTimedOutGetIsRetried() async throws {
        try await withFaultySimulator(readTimeout: .seconds(2)) { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.slow(milliseconds: 4_000), pathPrefix: "/v3/users/me")])
            let user = try await client.me()
            #expect(user.username == "demo-twin")
            #expect(recorder.recorded.count == 1)
        }
    }

    // MARK: - Bursts, status words and paging

    @Test(arguments: [500, 502, 503, 504])
    func aBurstOfServerErrorsIsRiddenOutThenReported(status: Int) async throws {
        try await withFaultySimulator { sim, client, recorder in
            await sim.state.inject([ScriptedFault(.serverError(status: status), pathPrefix: "/v3/users/me", count: 2)])
            #expect(try await client.me().username == "demo-twin", "two failures fit in the two retries")
            #expect(recorder.recorded.count == 2)
            await sim.state.inject([ScriptedFault(.serverError(status: status), pathPrefix: "/v3/users/me", count: 3)])
            let error = try await failure { _ = try await client.me() }
            #expect(error.kind == .server && error.httpStatus == status)
            #expect(try await client.me().username == "demo-twin", "recovers when the burst ends")
            #expect(await sim.state.faultsServed == 5)
        }
    }

    @Test func anUnknownStatusWordIsKeptAsItIsAndIsNotFinal() async throws {
        try await withFaultySimulator { sim, client, _ in
            let created = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            await sim.state.inject([ScriptedFault(.unknownStatus("reticulating"), pathPrefix: "/v3/videos", method: "GET", count: 2)])
            let video = try await client.video(id: created.videoID)
            #expect(video.status.rawValue == "reticulating")
            #expect(!video.status.isFinal)
            let entries = try await client.statuses(of: [created.videoID])
            #expect(entries.map(\.status.rawValue) == ["reticulating"])
            await sim.state.advance(seconds: 60)
            #expect(try await client.video(id: created.videoID).status == .completed, "the real word once the fault ends")
        }
    }

    @Test func anEmptyPageThatSaysMoreFollowIsFollowed() async throws {
        try await withFaultySimulator { sim, client, _ in
            let expected = try await client.allLooks().map(\.id)
            #expect(!expected.isEmpty)
            let before = await count(sim, "GET /v3/avatars/looks")
            await sim.state.inject([ScriptedFault(.emptyPage, pathPrefix: "/v3/avatars/looks", method: "GET")])
            #expect(try await client.allLooks().map(\.id) == expected, "nothing lost, nothing twice")
            #expect(await count(sim, "GET /v3/avatars/looks") - before >= 2, "the empty page was served, then the real one")
        }
    }

    @Test func aRepeatingNextTokenStopsWithAPagingError() async throws {
        try await withFaultySimulator { sim, client, _ in
            _ = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            await sim.state.inject([ScriptedFault(.repeatingToken("tok_again"), pathPrefix: "/v3/videos", method: "GET", count: 50)])
            let error = try await failure { _ = try await allVideos(client) }
            #expect(error.kind == .pagination)
            #expect(error.description.contains("same next_token"))
            #expect(await sim.state.faultsServed == 2, "stopped at the second page, not after fifty")
            await sim.state.clearFaults()
            #expect(try await allVideos(client).count == 1)
        }
    }

    @Test func aRedirectIsNotFollowedSoTheKeyGoesNowhereElse() async throws {
        try await withFaultySimulator { sim, client, _ in
            try await withSimulator { thief, _ in
                let stolen = thief.baseURL + "/v3/users/me"
                await sim.state.inject([ScriptedFault(.redirect(location: stolen), pathPrefix: "/v3/users/me", count: 3)])
                let error = try await failure { _ = try await client.me() }
                #expect(error.kind == .http && error.httpStatus == 302)
                #expect(error.description.contains("redirect"))
                #expect(await thief.state.requestCounts()["GET /v3/users/me"] == nil, "the key was sent to the redirect's host")
                // The same redirect followed by a browser-like client would have handed the key over: the check can fail.
                let follows = HeyGenClient(configuration: client.configuration, httpClient: .shared)
                _ = try? await follows.me()
                #expect(await thief.state.requestCounts()["GET /v3/users/me"] == 1)
            }
        }
    }

    // MARK: - Key

    @Test func aWrongKeyIsUnauthorizedAndNeverShown() async throws {
        try await withFaultySimulator { sim, _, _ in
            let wrongKey = "sk_wrong_KEY_0042ab"
            let wrong = client(for: sim, apiKey: wrongKey, retry: SleepRecorder().policy())
            let error = try await #require(throws: HeyGenError.self) { _ = try await wrong.me() }
            #expect(error.kind == .unauthorized)
            #expect(error.httpStatus == 401)
            #expect(error.description.contains("HEYGEN_API_KEY"))
            for text in [error.description, String(reflecting: error)] {
                #expect(!text.contains(wrongKey))
                #expect(!text.contains(secretKey))
            }
            #expect(await count(sim, "GET /v3/users/me") == 1, "401 is not retried")

            let missing = try await #require(throws: HeyGenError.self) { _ = try await client(for: sim, apiKey: "").me() }
            #expect(missing.kind == .unauthorized)
        }
    }
}
