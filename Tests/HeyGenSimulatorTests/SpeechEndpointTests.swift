import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

/// `POST /v3/voices/speech` over loopback: a real WAV whose length follows the text, and the API's refusals.
@Suite("Speech endpoint")
struct SpeechEndpointTests {
    /// A fixture voice without pause support: not starfish in the simulator.
    static let nonStarfishVoiceID = "dd59e5692e09154666cfe928d57b90e1"

    static func wavSeconds(_ data: Data) throws -> Double {
        try #require(data.count > 44 && data.prefix(4) == Data("RIFF".utf8) && data[8..<12] == Data("WAVE".utf8), "not a WAV")
        let rate = data[24..<28].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return Double(data.count - 44) / Double(rate)
    }

    @Test func aStarfishVoiceSpeaksARealWAVWhoseLengthFollowsTheTextAndSpeed() async throws {
        try await withSimulator { sim, client in
            let short = try await client.speech(SpeechRequest(text: "Hello there, friend.", voiceID: sampleVoiceID))
            let long = try await client.speech(SpeechRequest(text: String(repeating: "word ", count: 40), voiceID: sampleVoiceID))
            let fast = try await client.speech(SpeechRequest(text: String(repeating: "word ", count: 40), voiceID: sampleVoiceID, speed: 2))
            #expect(short.duration == 1.2)  // three words at 0.4 s
            #expect(long.duration == 16)
            #expect(fast.duration == 8)
            #expect(short.wordTimestamps?.map(\.word) == ["Hello", "there,", "friend."])
            #expect(short.wordTimestamps?.last.map { $0.start < $0.end && $0.end <= short.duration } == true)
            #expect(short.audioURL.hasPrefix(sim.baseURL + "/media/speech/"))
            for answer in [short, long, fast] {
                let reply = try await rawRequest(.GET, answer.audioURL, apiKey: nil)
                #expect(reply.status == 200)
                #expect(reply.headers["Content-Type"].first == "audio/wav")
                #expect(abs(try Self.wavSeconds(reply.body) - answer.duration) < 0.01, "\(answer.duration)")
            }
            // The link is signed: a changed signature is refused.
            let forged = short.audioURL.replacingOccurrences(of: "sig=", with: "sig=0")
            #expect(try await rawRequest(.GET, forged, apiKey: nil).status == 403)
            #expect(await sim.state.requestCounts()["POST /v3/voices/speech"] == 3)
        }
    }

    @Test func aScriptOver5000CharactersIsRefused() async throws {
        try await withSimulator { sim, _ in
            let text = String(repeating: "a", count: 5_001)
            let reply = try await rawRequest(.POST, sim.baseURL + "/v3/voices/speech", body: #"{"text": "\#(text)", "voice_id": "\#(sampleVoiceID)"}"#)
            #expect(reply.status == 400)
            #expect(reply.apiError?.param == "text")
            let message = reply.apiError?.message ?? ""
            #expect(message.contains("5000"), "\(reply.text)")
            let empty = try await rawRequest(.POST, sim.baseURL + "/v3/voices/speech", body: #"{"text": "", "voice_id": "\#(sampleVoiceID)"}"#)
            #expect(empty.status == 400 && empty.apiError?.param == "text")
            let exact = try await rawRequest(.POST, sim.baseURL + "/v3/voices/speech",
                                             body: #"{"text": "\#(String(repeating: "a", count: 5_000))", "voice_id": "\#(sampleVoiceID)"}"#)
            #expect(exact.status == 200, "\(exact.text)")
        }
    }

    @Test func aSpeedOutside05To2OrNotANumberIsRefused() async throws {
        try await withSimulator { sim, _ in
            for speed in ["0.4", "2.01", "\"fast\"", "true"] {
                let reply = try await rawRequest(.POST, sim.baseURL + "/v3/voices/speech",
                                                 body: #"{"text": "Hi", "voice_id": "\#(sampleVoiceID)", "speed": \#(speed)}"#)
                #expect(reply.status == 400, "speed \(speed): \(reply.text)")
                #expect(reply.apiError?.param == "speed", "speed \(speed): \(reply.text)")
            }
            let edge = try await rawRequest(.POST, sim.baseURL + "/v3/voices/speech",
                                            body: #"{"text": "Hi", "voice_id": "\#(sampleVoiceID)", "speed": 0.5}"#)
            #expect(edge.status == 200)
            // An unknown key is refused, like on POST /v3/videos.
            let extra = try await rawRequest(.POST, sim.baseURL + "/v3/voices/speech",
                                             body: #"{"text": "Hi", "voice_id": "\#(sampleVoiceID)", "pitch": 3}"#)
            #expect(extra.status == 400 && extra.apiError?.param == "pitch")
        }
    }

    @Test func anUnknownVoiceIsNotFound() async throws {
        try await withSimulator { _, client in
            do {
                _ = try await client.speech(SpeechRequest(text: "Hi", voiceID: "no_such_voice"))
                Issue.record("an unknown voice was spoken")
            } catch let error as HeyGenError {
                #expect(error.httpStatus == 404)
                #expect(error.code == "voice_not_found")
                #expect(!error.isUnsupportedSpeechVoice)
            }
        }
    }

    @Test func aNonStarfishVoiceIsRefusedWithA400ThatSaysSo() async throws {
        try await withSimulator { sim, client in
            do {
                _ = try await client.speech(SpeechRequest(text: "Hi", voiceID: Self.nonStarfishVoiceID))
                Issue.record("a non-starfish voice was spoken")
            } catch let error as HeyGenError {
                #expect(error.httpStatus == 400)
                #expect(error.isUnsupportedSpeechVoice)
                #expect(error.param == "voice_id")
                #expect(error.message.contains("starfish"), "\(error.message)")
            }
            // GET /v3/voices?engine=starfish lists exactly the voices it speaks.
            let starfish = try await client.allVoices(VoiceQuery(type: .public, engine: nil))
            let reply = try await rawRequest(.GET, sim.baseURL + "/v3/voices?engine=starfish&limit=100")
            let page = try JSONDecoder().decode(Page<Voice>.self, from: reply.body)
            #expect(!page.data.isEmpty && page.data.allSatisfy(\.supportPause))
            #expect(!page.data.contains { $0.voiceID == Self.nonStarfishVoiceID })
            #expect(starfish.contains { $0.voiceID == Self.nonStarfishVoiceID })
        }
    }

    @Test func theClientRefusesBadInputWithoutSending() async throws {
        try await withSimulator { sim, client in
            for request in [SpeechRequest(text: String(repeating: "b", count: 5_001), voiceID: sampleVoiceID),
                            SpeechRequest(text: "  ", voiceID: sampleVoiceID),
                            SpeechRequest(text: "Hi", voiceID: sampleVoiceID, speed: 2.5),
                            SpeechRequest(text: "Hi", voiceID: sampleVoiceID, speed: .nan)] {
                do {
                    _ = try await client.speech(request)
                    Issue.record("sent \(request)")
                } catch let error as HeyGenError {
                    #expect(error.kind == .invalidRequest)
                }
            }
            #expect(await sim.state.requestCounts()["POST /v3/voices/speech", default: 0] == 0)
        }
    }
}
