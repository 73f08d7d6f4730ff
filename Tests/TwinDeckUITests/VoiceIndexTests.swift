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
        func me() async throws -> User { User(username: "fake") }
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
        guard case .voicesLoaded(.success(let voices), .network, _) = posted.all[0] else { Issue.record("\(posted.all)"); return }
        #expect(voices.count == 6)
        #expect(cache.load()?.voices.count == 6)

        let second = Posted()
        EffectRunner(service: service, cache: cache, logger: .init(label: "t"), copy: { _ in true }, post: second.add)
            .run(.loadVoices(refresh: false))
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

    func waitFor(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}
