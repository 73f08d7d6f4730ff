import Foundation
import HeyGen
import HeyGenSimulator
import Synchronization
import Testing
import TwinDeckTestSupport

@Suite("Idempotency-Key on POST /v3/videos")
struct IdempotencyTests {
    @Test func theSameKeyTwiceReplaysTheFirstVideo() async throws {
        try await withSimulator { sim, client in
            let key = newKey()
            let first = try await client.createVideo(sampleRequest(), idempotencyKey: key)
            let second = try await client.createVideo(sampleRequest(), idempotencyKey: key)
            #expect(first.videoID == second.videoID)
            #expect(await createCount(sim) == 2, "both requests reached the server")
            let videos = try await allVideos(client)
            #expect(videos.map(\.id) == [first.videoID])

            // A different key makes a second video.
            let third = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            #expect(third.videoID != first.videoID)
            #expect(try await allVideos(client).count == 2)
        }
    }

    @Test func theSameKeyWithAnotherBodyIsRefused() async throws {
        try await withSimulator { _, client in
            let key = newKey()
            let first = try await client.createVideo(sampleRequest(title: "First"), idempotencyKey: key)
            let error = try await #require(throws: HeyGenError.self) {
                try await client.createVideo(sampleRequest(title: "Second"), idempotencyKey: key)
            }
            #expect(error.kind == .validation)
            #expect(error.httpStatus == 400)
            #expect(error.param == "Idempotency-Key")
            #expect(try await allVideos(client).map(\.id) == [first.videoID])
        }
    }

    @Test func anInvalidKeyIsRefusedOnBothSides() async throws {
        try await withSimulator { sim, client in
            let local = try await #require(throws: HeyGenError.self) {
                try await client.createVideo(sampleRequest(), idempotencyKey: "has spaces/and slashes")
            }
            #expect(local.kind == .invalidRequest)
            #expect(await createCount(sim) == 0)
            let tooLong = try await #require(throws: HeyGenError.self) {
                try await client.createVideo(sampleRequest(), idempotencyKey: String(repeating: "k", count: 256))
            }
            #expect(tooLong.kind == .invalidRequest)
            #expect(await createCount(sim) == 0)

            let raw = try await rawCreate(sim, String(decoding: try sampleRequest().jsonBody(), as: UTF8.self), key: "bad key!")
            #expect(raw.status == 400)
            #expect(raw.apiError?.param == "Idempotency-Key")
        }
    }

    @Test func anInFlightDuplicateWithoutRetriesGetsAConflict() async throws {
        try await withSimulator(configure: { $0.createDelayMilliseconds = 800 }, retry: RetryPolicy.never) { sim, client in
            let key = newKey()
            async let a = outcome { try await client.createVideo(sampleRequest(), idempotencyKey: key) }
            async let b = outcome { try await client.createVideo(sampleRequest(), idempotencyKey: key) }
            let results = await [a, b]
            let ids = Set(results.compactMap { try? $0.get().videoID })
            let errors = results.compactMap { result -> HeyGenError? in
                if case .failure(let error) = result { return error as? HeyGenError }
                return nil
            }
            #expect(ids.count == 1, "one video id, whichever request got it")
            if errors.count == 1 {
                #expect(errors[0].kind == .conflict)
                #expect(errors[0].httpStatus == 409)
                #expect(errors[0].code == "request_in_progress")
                #expect(errors[0].isTransient)
            } else {
                #expect(errors.isEmpty, "unexpected errors: \(errors)")
            }
            #expect(await createCount(sim) == 2, "no retries with RetryPolicy.never")
            let videos = try await allVideos(client)
            #expect(videos.count == 1)
            #expect(videos.map(\.id) == Array(ids))
        }
    }

    @Test func anInFlightDuplicateIsRetriedUntilTheFirstAnswerReplays() async throws {
        // The policy really waits (0.5 s, 1 s, 2 s) so the 409 can clear while the first create finishes;
        // SleepRecorder's instant sleeps would spend both retries while the first request is still running.
        let waits = Mutex<[Duration]>([])
        let policy = RetryPolicy(
            maxRetries: 3, baseDelay: .milliseconds(500), jitter: 0,
            sleep: { d in waits.withLock { $0.append(d) }; try await Task.sleep(for: d) })
        try await withSimulator(configure: { $0.createDelayMilliseconds = 800 }, retry: policy) { sim, client in
            let key = newKey()
            async let a = client.createVideo(sampleRequest(), idempotencyKey: key)
            async let b = client.createVideo(sampleRequest(), idempotencyKey: key)
            let (first, second) = try await (a, b)
            #expect(first.videoID == second.videoID)
            let recorded = waits.withLock { $0 }
            #expect(!recorded.isEmpty, "the loser saw a 409 and waited")
            #expect(recorded.first == .milliseconds(500))
            #expect(await createCount(sim) == 2 + recorded.count)
            #expect(try await allVideos(client).count == 1)
        }
    }

    @Test func aReplayDoesNotDependOnJSONFormatting() async throws {
        // The server compares the request, not its bytes: compact JSON with other key order replays the same id,
        // and a real change in content (another script) is refused.
        let recorder = SleepRecorder()
        try await withSimulator(retry: recorder.policy()) { sim, client in
            let key = newKey()
            let first = try await client.createVideo(sampleRequest(), idempotencyKey: key)
            let request = sampleRequest()
            let compact = """
                {"voice_id":"\(request.voiceID)","title":"\(request.title!)","type":"avatar","script":"\(request.script)",\
                "resolution":"1080p","aspect_ratio":"16:9","avatar_id":"\(request.avatarID)"}
                """
            let raw = try await rawCreate(sim, compact, key: key)
            #expect(raw.status == 200, "\(raw.text)")
            #expect(raw.text.contains(first.videoID))
            let changed = try await rawCreate(sim, compact.replacingOccurrences(of: "Hello!", with: "Goodbye!"), key: key)
            #expect(changed.status == 400)
            #expect(changed.apiError?.param == "Idempotency-Key")
            #expect(recorder.recorded.isEmpty, "a replay is a plain 200, nothing to retry")
            #expect(try await allVideos(client).count == 1)
        }
    }
}

/// Runs `body` and keeps its outcome, so concurrent calls can be compared.
func outcome<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
