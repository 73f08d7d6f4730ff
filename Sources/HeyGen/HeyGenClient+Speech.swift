import Foundation

/// The body of `POST /v3/voices/speech`: a script spoken by one voice, to hear it before paying for a video.
public struct SpeechRequest: Codable, Hashable, Sendable {
    /// The API's limits (the schema's descriptions): text 1–5,000 characters, speed 0.5–2.0.
    public static let maxCharacters = 5_000
    public static let speedRange: ClosedRange<Double> = 0.5...2.0
    /// The engine a voice must support to be spoken here.
    public static let engine = "starfish"
    /// The API's error code for a voice that does not support ``engine``.
    public static let unsupportedVoiceCode = "voice_not_supported"

    public var text: String
    public var voiceID: String
    /// 0.5–2.0; nil for the API's default (1).
    public var speed: Double?
    /// A BCP-47 locale such as `en-US`; nil to let the API detect it.
    public var locale: String?

    public init(text: String, voiceID: String, speed: Double? = nil, locale: String? = nil) {
        self.text = text
        self.voiceID = voiceID
        self.speed = speed
        self.locale = locale
    }

    enum CodingKeys: String, CodingKey {
        case text, voiceID = "voice_id", speed, locale
    }

    /// What the API would refuse, found before anything is sent.
    public func validate() -> [FieldIssue] {
        var issues: [FieldIssue] = []
        let count = text.count
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            issues.append(FieldIssue(field: "text", message: "the script is empty", rule: "speech.text"))
        } else if count > Self.maxCharacters {
            issues.append(FieldIssue(field: "text", message: "the script is \(count) characters; speech takes at most 5,000",
                                     rule: "speech.text"))
        }
        if voiceID.isEmpty { issues.append(FieldIssue(field: "voice_id", message: "choose a voice", rule: "speech.voice")) }
        if let speed, !(speed.isFinite && Self.speedRange.contains(speed)) {
            issues.append(FieldIssue(field: "speed", message: "speed must be from 0.5 to 2.0", rule: "speech.speed"))
        }
        return issues
    }

    public func jsonBody() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// When one word is spoken in the generated audio.
public struct WordTimestamp: Codable, Hashable, Sendable {
    public var word: String
    public var start: Double
    public var end: Double

    public init(word: String, start: Double, end: Double) {
        self.word = word
        self.start = start
        self.end = end
    }
}

/// The answer of `POST /v3/voices/speech`.
public struct SpeechResponse: Codable, Hashable, Sendable {
    /// A (presigned) link to the audio file.
    public var audioURL: String
    /// Seconds of audio.
    public var duration: Double
    public var requestID: String?
    public var wordTimestamps: [WordTimestamp]?

    public init(audioURL: String, duration: Double, requestID: String? = nil, wordTimestamps: [WordTimestamp]? = nil) {
        self.audioURL = audioURL
        self.duration = duration
        self.requestID = requestID
        self.wordTimestamps = wordTimestamps
    }

    enum CodingKeys: String, CodingKey {
        case audioURL = "audio_url", duration, requestID = "request_id", wordTimestamps = "word_timestamps"
    }

    /// Whole seconds, rounded up, never trapping on what a server sent (negative or absurd values become 0 or clamp).
    public var wholeSeconds: Int { duration > 0 ? Int(saturating: duration.rounded(.up)) : 0 }
}

extension HeyGenClient {
    /// Speaks `request.text` in a voice (`POST /v3/voices/speech`), checked against ``SpeechRequest/validate()`` first:
    /// nothing is sent when a rule fails. The voice must support the starfish engine; the API refuses others with a
    /// 400 whose code is ``SpeechRequest/unsupportedVoiceCode``.
    public func speech(_ request: SpeechRequest) async throws -> SpeechResponse {
        let issues = request.validate()
        if !issues.isEmpty {
            throw HeyGenError(kind: .invalidRequest, message: "the speech request is invalid", param: issues.first?.field, issues: issues)
        }
        // Not idempotent: a lost answer is simply asked for again by the person (it costs no video).
        return try await send(.POST, "/v3/voices/speech", body: try request.jsonBody(), idempotent: false,
                              as: DataEnvelope<SpeechResponse>.self).data
    }
}

extension HeyGenError {
    /// Whether the API refused a speech request because the voice does not support the starfish engine.
    public var isUnsupportedSpeechVoice: Bool { code == SpeechRequest.unsupportedVoiceCode }
}
