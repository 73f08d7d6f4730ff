import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// `POST /v3/voices/speech` and the audio it links to (`/media/speech/{id}.wav`, presigned like the videos).
///
/// A voice is starfish-compatible in the simulator when it supports pauses (`support_pause: true`): those are the
/// voices `GET /v3/voices?engine=starfish` lists, and the only ones this endpoint speaks; others get a 400
/// `voice_not_supported`. The audio is a real WAV with one short tone per word, 0.4 s a word at speed 1, so its
/// length follows the text and the speed.
struct SpeechController {
    let state: SimulatorState
    let signer: MediaSigner
    let clips: SpeechClips

    /// The body keys the schema defines for this endpoint; any other is refused, as for `POST /v3/videos`.
    static let allowedKeys: Set<String> = ["text", "voice_id", "speed", "locale", "language", "input_type"]
    /// Seconds one word takes at speed 1 (150 words a minute).
    static let secondsPerWord = 0.4
    static let sampleRate = 4_000

    static func isStarfish(_ voice: Voice) -> Bool { voice.supportPause }

    private struct Body: Decodable {
        var text: String?
        var voiceID: String?
        var speed: Double?
        var inputType: String?
        var locale: String?
        var language: String?
        enum CodingKeys: String, CodingKey { case text, voiceID = "voice_id", speed, inputType = "input_type", locale, language }
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v3/voices/speech") { request, _ in try await speak(request) }
        router.get("/media/speech/{file}") { request, context in try await serve(request, file: context.parameters.require("file")) }
        router.head("/media/speech/{file}") { request, context in try await serve(request, file: context.parameters.require("file")) }
    }

    func speak(_ request: Request) async throws -> Response {
        var request = request
        let data = Data(buffer: try await request.collectBody(upTo: 1 << 20))
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SimError.invalid("the body must be a JSON object", param: nil)
        }
        for key in object.keys.sorted() where !Self.allowedKeys.contains(key) {
            throw SimError.invalid("Extra inputs are not permitted", param: key)
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw SimError.invalid("Input should be of a different type", param: path)
        } catch {
            throw SimError.invalid("the body could not be read", param: nil)
        }
        guard let text = body.text else { throw SimError.invalid("Field required", param: "text") }
        guard let voiceID = body.voiceID else { throw SimError.invalid("Field required", param: "voice_id") }
        if let type = body.inputType, type != "text", type != "ssml" {
            throw SimError.invalid("input_type must be text or ssml", param: "input_type")
        }
        let speed = body.speed ?? 1
        let characters = text.count
        guard characters >= 1, characters <= SpeechRequest.maxCharacters else {
            throw SimError.invalid("text must be 1 to 5000 characters (got \(characters))", param: "text")
        }
        guard speed.isFinite, SpeechRequest.speedRange.contains(speed) else {
            throw SimError.invalid("speed must be between 0.5 and 2.0", param: "speed")
        }
        guard let voice = state.voices.first(where: { $0.voiceID == voiceID }) else {
            throw SimError(.notFound, "voice_not_found", "Voice \(voiceID) was not found", param: "voice_id")
        }
        guard Self.isStarfish(voice) else {
            throw SimError(.badRequest, SpeechRequest.unsupportedVoiceCode,
                           "Voice \(voiceID) does not support the starfish engine; list compatible voices with GET /v3/voices?engine=starfish",
                           param: "voice_id")
        }
        let words = Self.words(text)
        let perWord = Self.secondsPerWord / speed
        let timestamps = words.enumerated().map { index, word in
            WordTimestamp(word: word, start: Self.round(Double(index) * perWord), end: Self.round(Double(index) * perWord + perWord * 0.75))
        }
        let clip = SpeechClip(words: max(1, words.count), speed: speed, seed: stableHash(Data(voiceID.utf8)))
        let id = "sp_" + UUID().uuidString.prefix(12).lowercased()
        clips.add(id, clip)
        let answer = SpeechResponse(audioURL: signer.url(path: "speech/\(id).wav", now: await state.now), duration: clip.duration,
                                    requestID: id, wordTimestamps: timestamps)
        return try jsonResponse(DataBox(data: answer))
    }

    func serve(_ request: Request, file: String) async throws -> Response {
        guard let expires = request.query("expires").flatMap(Int.init), let sig = request.query("sig"),
            sig == signer.signature(path: "speech/\(file)", expires: expires)
        else { return MediaController.plain(.forbidden, "AccessDenied: the link is not signed") }
        guard Double(expires) >= (await state.now) else { return MediaController.plain(.forbidden, "AccessDenied: Request has expired") }
        let (id, _) = MediaController.split(file)
        guard let clip = clips.clip(id) else { return MediaController.plain(.notFound, "NoSuchKey") }
        return MediaController.ranged(clip.wav(), contentType: "audio/wav", range: request.headers[.range], headOnly: request.method == .head)
    }

    /// The spoken words: whitespace-separated, with SSML-ish tags such as `<break time="1s"/>` left out.
    static func words(_ text: String) -> [String] {
        let untagged = text.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
        return untagged.split { $0.isWhitespace }.map(String.init)
    }

    static func round(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

/// One generated speech: enough to make its audio again on each download.
struct SpeechClip: Sendable {
    var words: Int
    var speed: Double
    var seed: UInt64

    var duration: Double { SpeechController.round(Double(words) * SpeechController.secondsPerWord / speed) }

    /// A real, playable WAV (8-bit mono): a short tone per word, then a little silence.
    func wav() -> Data {
        let rate = SpeechController.sampleRate
        let perWord = max(1, Int(saturating: Double(rate) * SpeechController.secondsPerWord / speed))
        let voiced = perWord * 3 / 4
        let pitch = 180.0 + Double(seed % 180)
        var pcm = Data(capacity: perWord * words)
        for word in 0..<words {
            let frequency = pitch * (word % 3 == 1 ? 1.25 : 1)
            for n in 0..<perWord {
                guard n < voiced else {
                    pcm.append(128)
                    continue
                }
                let t = Double(n) / Double(rate)
                let envelope = min(1, Double(n) / 40) * min(1, Double(voiced - n) / 40)
                pcm.append(UInt8(clamping: Int(128 + 80 * envelope * sin(2 * .pi * frequency * t))))
            }
        }
        func le32(_ v: Int) -> Data { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { Data($0) } }
        func le16(_ v: Int) -> Data { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { Data($0) } }
        var wav = Data("RIFF".utf8) + le32(36 + pcm.count) + Data("WAVEfmt ".utf8)
        wav += le32(16) + le16(1) + le16(1) + le32(rate) + le32(rate) + le16(1) + le16(8)
        wav += Data("data".utf8) + le32(pcm.count) + pcm
        return wav
    }
}

/// The speeches made so far (the newest 500), by id.
final class SpeechClips: Sendable {
    static let capacity = 500
    private let store = Mutex<(clips: [String: SpeechClip], order: [String])>(([:], []))

    func add(_ id: String, _ clip: SpeechClip) {
        store.withLock { store in
            store.clips[id] = clip
            store.order.append(id)
            if store.order.count > Self.capacity {
                let old = store.order.removeFirst()
                store.clips[old] = nil
            }
        }
    }

    func clip(_ id: String) -> SpeechClip? { store.withLock { $0.clips[id] } }
}
