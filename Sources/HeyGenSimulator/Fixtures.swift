import Foundation
import HeyGen
import TwinDeckResources

/// A look as the simulator keeps it: the API's look plus whether it is the account's own.
struct SimLook: Sendable {
    var look: Look
    var ownership: VoiceType
}

/// The simulator's fixed catalogue: looks and voices from `Resources/Fixtures`.
enum Fixtures {
    private struct OwnershipProbe: Decodable { var ownership: String? }

    // Decoded once per process: many simulators in one test run share the parse.
    private static let decodedLooks = Result { () throws -> [SimLook] in
        let data = try TwinDeckResources.data(named: "looks.json")
        let looks = try JSONDecoder().decode([Look].self, from: data)
        let owners = try JSONDecoder().decode([OwnershipProbe].self, from: data)
        return zip(looks, owners).map { SimLook(look: $0, ownership: VoiceType(rawValue: $1.ownership ?? "public")) }
    }
    private static let decodedVoices = Result { () throws -> [Voice] in
        try JSONDecoder().decode([Voice].self, from: TwinDeckResources.data(named: "voices.json"))
    }

    static func looks() throws -> [SimLook] { try decodedLooks.get() }

    /// The fixture voices, grown synthetically to `count` when asked (for benchmarks).
    static func voices(count: Int?) throws -> [Voice] {
        var voices = try decodedVoices.get()
        guard let count, count > voices.count else {
            if let count { voices = Array(voices.prefix(max(0, count))) }
            return voices
        }
        let seeds = voices
        var n = 0
        while voices.count < count {
            let seed = seeds[n % seeds.count]
            voices.append(Voice(
                voiceID: String(format: "syn%029x", n), name: "\(seed.name) \(n / seeds.count + 2)", language: seed.language,
                gender: seed.gender, type: seed.type, supportPause: seed.supportPause, supportLocale: seed.supportLocale,
                previewAudioURL: seed.previewAudioURL))
            n += 1
        }
        return voices
    }

    static func media(_ name: String) -> Data {
        (try? TwinDeckResources.data(named: name)) ?? Data()
    }
}

/// SplitMix64: a small seeded generator so a run with faults (or a fuzzing run) can be repeated exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool { p > 0 && Double.random(in: 0..<1, using: &self) < p }
}

