import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore

@Suite("Voice index")
struct VoiceIndexTests {
    func reference(_ voices: [Voice], _ query: String, language: String?, gender: Gender?) -> [Int] {
        let fold = { (s: String) in s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased() }
        let q = fold(query.trimmingCharacters(in: .whitespaces))
        return voices.indices.filter { i in
            let v = voices[i]
            return (q.isEmpty || fold(v.name).contains(q) || fold(v.language).contains(q))
                && (language == nil || v.language == language) && (gender == nil || v.gender == gender)
        }
    }

    @Test func matchesAStraightforwardSearch() {
        let voices = sampleVoices(extra: 2_000)
        let index = VoiceIndex(voices)
        for query in ["", "a", "voice 1", "JOSÉ", "jose", "span", "さくら", "ñ", "xyz", "e 19", "french"] {
            for (language, gender) in [(nil, nil), ("Spanish", nil), (nil, Gender.female), ("French", .male)] as [(String?, Gender?)] {
                #expect(index.filter(query: query, language: language, gender: gender) == reference(voices, query, language: language, gender: gender),
                        "query \(query) \(language ?? "-") \(gender?.rawValue ?? "-")")
            }
        }
    }

    @Test func narrowingAPreviousResultGivesTheSameAnswer() {
        let index = VoiceIndex(sampleVoices(extra: 5_000))
        var previous = index.filter(query: "v")
        for query in ["vo", "voi", "voic", "voice", "voice ", "voice 4", "voice 49"] {
            let narrowed = index.filter(query: query, within: previous)
            #expect(narrowed == index.filter(query: query))
            previous = narrowed
        }
    }

    @Test func aMatchNeverSpansTwoVoices() {
        // "Sara" + newline + "English": the records are separated, so "englishjosé" finds nothing.
        let index = VoiceIndex(sampleVoices())
        #expect(index.filter(query: "english jos").isEmpty)
        #expect(index.voice(id: "v_lucia")?.name == "Lucía - Calm")
        #expect(index.languages.first?.name == "English" || index.languages.first?.name == "Spanish")
    }
}

@Suite("Effect runner")
struct EffectRunnerTests {
    final class FakeService: HeyGenService, @unchecked Sendable {
        let lock = NSLock()
        var catalogueCalls = 0
        var createError: HeyGenError?
        var creates: [String] = []
        func me() async throws -> User { User(username: "fake") }
        func createVideo(_ request: CreateVideoRequest, idempotencyKey: String, look: Look?) async throws -> CreateVideoResponse {
            try lock.withLock {
                creates.append(idempotencyKey)
                if let createError { throw createError }
                return CreateVideoResponse(videoID: "v_\(creates.count)", status: .waiting)
            }
        }
        func allLooks() async throws -> [Look] { [] }
        func look(id: String) async throws -> Look { throw HeyGenError(kind: .notFound, httpStatus: 404, message: "no \(id)") }
        func catalogue() async throws -> [Voice] {
            lock.withLock { catalogueCalls += 1 }
            return sampleVoices()
        }
    }

    final class Posted: @unchecked Sendable {
        let lock = NSLock()
        var messages: [Message] = []
        func add(_ m: Message) { lock.withLock { messages.append(m) } }
        var all: [Message] { lock.withLock { messages } }
    }

    @Test func voicesComeFromTheNetworkThenFromTheCache() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("td-cache-\(UUID().uuidString)")
        let cache = VoiceCache(url: dir.appendingPathComponent("voices.json"))
        let service = FakeService()
        let posted = Posted()
        let runner = EffectRunner(service: service, cache: cache, logger: .init(label: "t"), copy: { _ in true }, post: posted.add)
        runner.run(.loadVoices(refresh: false))
        try await waitFor { posted.all.count == 1 }
        guard case .voicesLoaded(.success(let voices), .network, _)? = posted.all.first else { Issue.record("\(posted.all)"); return }
        #expect(voices.count == 6)
        #expect(cache.load()?.voices.count == 6)

        let second = Posted()
        EffectRunner(service: service, cache: cache, logger: .init(label: "t"), copy: { _ in true }, post: second.add)
            .run(.loadVoices(refresh: false))
        try await waitFor { second.all.count == 1 }
        guard case .voicesLoaded(.success, .cache, _) = second.all.first else { Issue.record("\(second.all)"); return }
        try await Task.sleep(for: .milliseconds(100))
        #expect(service.catalogueCalls == 1, "a fresh cache is not refetched")
        #expect(second.all.count == 1)
    }

    @Test func errorsComeBackAsMessages() async throws {
        let posted = Posted()
        let runner = EffectRunner(service: FakeService(), cache: nil, logger: .init(label: "t"), copy: { _ in false }, post: posted.add)
        runner.run([.loadLookDetail(id: "nope"), .copy("x", what: "look ID")])
        try await waitFor { posted.all.count == 2 }
        #expect(posted.all.contains(.copied(what: "look ID", ok: false)))
        #expect(posted.all.contains { if case .lookDetailLoaded("nope", .failure(let e)) = $0 { return e.kind == .notFound } else { return false } })
    }

    final class FakeRecorder: SubmissionRecorder, @unchecked Sendable {
        let lock = NSLock()
        var log: [String] = []
        var failRecording = false
        func recordBeforeSending(request: CreateVideoRequest, key: String, lookName: String?, voiceName: String?, source: Submission.Source) async throws {
            try lock.withLock {
                if failRecording { throw CocoaError(.fileWriteNoPermission) }
                log.append("submitting \(key)")
            }
        }
        func recordSubmitted(key: String, videoID: String, status: VideoStatus) async throws { lock.withLock { log.append("submitted \(key) \(videoID)") } }
        func recordRejected(key: String, error: String) async throws { lock.withLock { log.append("rejected \(key)") } }
    }

    func submitOnce(service: FakeService, recorder: FakeRecorder) async throws -> Message {
        let posted = Posted()
        let runner = EffectRunner(service: service, cache: nil, recorder: recorder, logger: .init(label: "t"), copy: { _ in true }, post: posted.add)
        runner.run(.submit(CreateVideoRequest(avatarID: "lk", script: "hi", voiceID: "v"), lookName: nil, voiceName: nil, look: nil))
        try await waitFor { posted.all.count == 1 }
        return posted.all[0]
    }

    @Test func submitRecordsBeforeSendingAndMarksAfter() async throws {
        let service = FakeService(), recorder = FakeRecorder()
        let message = try await submitOnce(service: service, recorder: recorder)
        guard case .submitted(.success(.created(let response, let key))) = message else { Issue.record("\(message)"); return }
        #expect(response.videoID == "v_1")
        #expect(recorder.log == ["submitting \(key)", "submitted \(key) v_1"])
        #expect(service.creates == [key])
    }

    @Test func anAmbiguousFailureKeepsTheRowForARetryWithTheSameKey() async throws {
        let service = FakeService(), recorder = FakeRecorder()
        service.createError = HeyGenError(kind: .timeout, message: "no answer")
        let message = try await submitOnce(service: service, recorder: recorder)
        guard case .submitted(.success(.uncertain(let key, _))) = message else { Issue.record("\(message)"); return }
        #expect(recorder.log == ["submitting \(key)"], "still submitting: not rejected, not forgotten")
    }

    @Test func aDefiniteRefusalIsMarkedAndNothingIsRecordedTwice() async throws {
        let service = FakeService(), recorder = FakeRecorder()
        service.createError = HeyGenError(kind: .validation, httpStatus: 400, message: "bad", param: "script")
        let message = try await submitOnce(service: service, recorder: recorder)
        guard case .submitted(.failure(let error)) = message else { Issue.record("\(message)"); return }
        #expect(error.param == "script")
        #expect(recorder.log.count == 2 && recorder.log[1].hasPrefix("rejected"))
    }

    @Test func nothingIsSentWhenTheStoreCannotRecord() async throws {
        let service = FakeService(), recorder = FakeRecorder()
        recorder.failRecording = true
        let message = try await submitOnce(service: service, recorder: recorder)
        guard case .submitted(.failure) = message else { Issue.record("\(message)"); return }
        #expect(service.creates.isEmpty)
    }

    func waitFor(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)  // generous: the whole suite shares a loaded machine
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}
