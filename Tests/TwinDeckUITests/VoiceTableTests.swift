import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore

@Suite("Voice table")
struct VoiceTableTests {
    /// Voices that exercise every field: nil, empty and long URLs, non-ASCII, controls, repeated ids, open enums.
    static let awkward: [Voice] = sampleVoices(extra: 50) + [
        Voice(voiceID: "v_nourl", name: "", language: "", gender: "", type: "cloned-v2", supportPause: false, supportLocale: true),
        Voice(voiceID: "v_emptyurl", name: "Empty URL", language: "English", gender: .male, previewAudioURL: ""),
        Voice(voiceID: "v_long", name: String(repeating: "長い名前", count: 3_000), language: "日本語", gender: "nonbinary",
              previewAudioURL: "https://files.test/" + String(repeating: "a", count: 70_000)),
        Voice(voiceID: "v_ctrl\u{1B}[2J", name: "Bell\u{07}\tTab\nLine", language: "Eng\u{202E}lish", gender: .female),
        Voice(voiceID: "v_sara", name: "Sara again", language: "English", gender: .female),
    ]

    @Test func givesBackEveryVoiceAsItWasGiven() {
        let table = VoiceTable(Self.awkward)
        #expect(table.count == Self.awkward.count)
        #expect(Array(table) == Self.awkward)
        for i in table.indices { #expect(table.voiceID(at: i) == Self.awkward[i].voiceID) }
        #expect(table.languageNames.count == Set(Self.awkward.map(\.language)).count, "each language stored once")
        #expect(VoiceTable([]).isEmpty)
    }

    @Test func theBinaryFormRoundTrips() throws {
        let table = VoiceTable(Self.awkward)
        let savedAt = Date(timeIntervalSinceReferenceDate: 812_345_678.25)
        let decoded = try #require(VoiceTable.decode(table.encoded(savedAt: savedAt)))
        #expect(decoded.table == table)
        #expect(decoded.savedAt == savedAt)
        #expect(Array(decoded.table) == Self.awkward)
        let empty = try #require(VoiceTable.decode(VoiceTable([]).encoded(savedAt: savedAt)))
        #expect(empty.table.isEmpty)
    }

    @Test func anythingElseIsRefusedNotTrusted() {
        let bytes = VoiceTable(Self.awkward).encoded(savedAt: Date())
        #expect(VoiceTable.decode([]) == nil)
        #expect(VoiceTable.decode(Array("{\"savedAt\":1,\"voices\":[]}".utf8)) == nil, "the JSON cache of earlier versions")
        #expect(VoiceTable.decode(bytes + [0]) == nil, "trailing bytes")
        for cut in [1, 16, 20, 24, 100, bytes.count / 2, bytes.count - 1] {
            #expect(VoiceTable.decode(Array(bytes.prefix(cut))) == nil, "cut at \(cut)")
        }
        // A word pointing past the text or past the list of languages.
        var damaged = bytes
        let firstWord = VoiceTable.magic.count + 8 + 4 + 4
        damaged.replaceSubrange(firstWord..<firstWord + 4, with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(VoiceTable.decode(damaged) == nil)
        damaged = bytes
        damaged.replaceSubrange(firstWord + 16..<firstWord + 20, with: [0xFF, 0, 0, 0])
        #expect(VoiceTable.decode(damaged) == nil)
    }

    @Test func randomDamageNeverCrashesAndAlwaysDecodesConsistently() {
        let bytes = VoiceTable(sampleVoices(extra: 20)).encoded(savedAt: Date())
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<2_000 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if let decoded = VoiceTable.decode(damaged) {
                accepted += 1
                // Whatever is accepted can be read whole (a flipped text byte is still a table).
                #expect(decoded.table.map(\.voiceID).count == decoded.table.count)
            }
        }
        #expect(accepted < 2_000, "some damage is caught")
    }

    @Test func theIndexFindsEveryVoiceByIDAndTheFirstOfARepeatedOne() {
        let index = VoiceIndex(Self.awkward)
        for (i, voice) in Self.awkward.enumerated() where voice.voiceID != "v_sara" {
            #expect(index.position(of: voice.voiceID) == i)
            #expect(index.voice(id: voice.voiceID) == voice)
        }
        #expect(index.position(of: "v_sara") == 0)
        #expect(index.position(of: "v_sar") == nil)
        #expect(index.position(of: "v_saraa") == nil)
        #expect(index.position(of: "") == nil)
        #expect(index.position(of: "zzz") == nil)
        #expect(VoiceIndex([]).position(of: "v_sara") == nil)
    }

    @Test func facetsCompareLanguagesAndGendersExactly() {
        let index = VoiceIndex(Self.awkward)
        #expect(index.filter(query: "", language: "Klingon").isEmpty, "a language the catalogue lacks")
        #expect(index.filter(query: "", language: "日本語").map { Self.awkward[$0].voiceID } == ["v_long"])
        #expect(index.filter(query: "", gender: "nonbinary").map { Self.awkward[$0].voiceID } == ["v_long"])
        let counts = Dictionary(grouping: Self.awkward, by: \.language).mapValues(\.count)
        #expect(index.languages.map(\.count) == index.languages.map { counts[$0.name] ?? -1 })
        #expect(index.languages.map(\.count) == index.languages.map(\.count).sorted(by: >))
    }

    @Test func theCacheFileIsTheBinaryFormAndAnOldJSONCacheIsFetchedAgain() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("td-table-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = VoiceCache(url: dir.appendingPathComponent("voices.bin"))
        #expect(cache.load() == nil)
        try cache.save(VoiceTable(Self.awkward), at: Date(timeIntervalSince1970: 1_800_000_000))
        let loaded = try #require(cache.load())
        #expect(Array(loaded.voices) == Self.awkward)
        #expect(loaded.savedAt == Date(timeIntervalSince1970: 1_800_000_000))
        let mode = try FileManager.default.attributesOfItem(atPath: cache.url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try Data("{\"savedAt\":0,\"voices\":[]}".utf8).write(to: cache.url)
        #expect(cache.load() == nil)
    }
}
