import Foundation
import HeyGen

/// Speech of the compose script (`a` in Compose, `POST /v3/voices/speech`), kept by (text, voice, speed, locale)
/// so hearing the same script again costs no second request.
public struct SpeechPreviews: Equatable, Sendable {
    /// The audio link is presigned: after this long it is asked for again rather than played.
    public static let linkLifetime: TimeInterval = 15 * 60
    /// At most this many speeches are kept (the oldest goes first).
    public static let capacity = 20

    public struct Entry: Equatable, Sendable {
        public var response: SpeechResponse
        public var at: Date
    }

    public var entries: [SpeechRequest: Entry] = [:]
    /// The request on its way, if any.
    public var pending: SpeechRequest?
    /// Voices HeyGen refused to speak (not starfish), so the next `a` says so without asking again.
    public var unsupported: Set<String> = []

    public init() {}

    /// The kept answer for `request` whose link is still fresh at `now`.
    public func fresh(_ request: SpeechRequest, now: Date) -> SpeechResponse? {
        guard let entry = entries[request], now.timeIntervalSince(entry.at) < Self.linkLifetime else { return nil }
        return entry.response
    }

    mutating func keep(_ request: SpeechRequest, _ response: SpeechResponse, at now: Date) {
        entries[request] = Entry(response: response, at: now)
        while entries.count > Self.capacity, let oldest = entries.min(by: { $0.value.at < $1.value.at })?.key {
            entries[oldest] = nil
        }
    }
}

extension AppState {
    /// What the form would ask to be spoken: its script, voice, speed and locale; or why it cannot be asked.
    var speechRequest: Result<SpeechRequest, SpeechProblem> {
        let draft = compose.draft
        guard let voiceID = draft.voiceID, !voiceID.isEmpty else { return .failure(.noVoice) }
        let speedText = draft.speed.text.trimmingCharacters(in: .whitespaces)
        var speed: Double?
        if !speedText.isEmpty {
            guard let value = Double(speedText), value.isFinite else { return .failure(.issue("the speed “\(speedText)” is not a number")) }
            speed = value
        }
        let locale = draft.locale.text.trimmingCharacters(in: .whitespaces)
        let request = SpeechRequest(text: draft.script.text, voiceID: voiceID, speed: speed, locale: locale.isEmpty ? nil : locale)
        if let issue = request.validate().first { return .failure(.issue(issue.message)) }
        return .success(request)
    }

    /// Seconds the current script speaks in the chosen voice and speed, when its speech has been generated.
    public var heardSeconds: Int? {
        guard case .success(let request) = speechRequest, let entry = speech.entries[request] else { return nil }
        return entry.response.wholeSeconds
    }

    /// `a` in Compose: plays the script's speech, from the kept answer when there is one, else asks for it.
    mutating func hearScript() -> [Effect] {
        let request: SpeechRequest
        switch speechRequest {
        case .failure(.noVoice):
            showToast("Choose a voice first (Enter on the Voice field) to hear the script", level: .error)
            return []
        case .failure(.issue(let text)):
            showToast("Cannot speak the script: \(text)", level: .error)
            return []
        case .success(let value):
            request = value
        }
        let voiceName = compose.draft.voiceName ?? request.voiceID
        if speech.unsupported.contains(request.voiceID) {
            showToast(Self.notStarfish(voiceName), level: .error, seconds: 8)
            return []
        }
        if let response = speech.fresh(request, now: now) { return playSpeech(request, response) }
        if speech.pending == request {
            showToast("Still generating the speech…", level: .info)
            return []
        }
        speech.pending = request
        showToast("Generating the script's speech in “\(voiceName)”…", level: .info)
        return [.speak(request)]
    }

    /// The answer to ``Effect/speak(_:)``: kept, and played when the form still asks for the same speech.
    mutating func speechLoaded(_ request: SpeechRequest, _ result: Result<SpeechResponse, HeyGenError>) -> [Effect] {
        if speech.pending == request { speech.pending = nil }
        let voiceName = compose.draft.voiceID == request.voiceID ? (compose.draft.voiceName ?? request.voiceID) : request.voiceID
        switch result {
        case .success(let response):
            speech.keep(request, response, at: now)
            guard pane == .compose, mode == .normal, case .success(request) = speechRequest else {
                showToast("The script's speech is ready: press a in Compose to hear it", level: .info)
                return []
            }
            return playSpeech(request, response)
        case .failure(let error):
            if error.isUnsupportedSpeechVoice {
                speech.unsupported.insert(request.voiceID)
                showToast(Self.notStarfish(voiceName), level: .error, seconds: 8)
            } else {
                showToast("Could not generate the speech: \(error.description)", level: .error, seconds: 8)
            }
            return []
        }
    }

    private mutating func playSpeech(_ request: SpeechRequest, _ response: SpeechResponse) -> [Effect] {
        let name = compose.draft.voiceName ?? request.voiceID
        let speed = request.speed.map { " at \(String(format: "%g", $0))×" } ?? ""
        mode = .audition(Audition(voiceID: request.voiceID, voiceName: "The script in “\(name)”\(speed) · \(response.wholeSeconds) s",
                                  url: response.audioURL))
        return [.audition(voiceID: request.voiceID, url: response.audioURL)]
    }

    static func notStarfish(_ name: String) -> String {
        "“\(name)” is not a starfish voice, so HeyGen cannot speak a preview with it (a video can still use it)"
    }
}

/// Why the form's script cannot be spoken.
enum SpeechProblem: Error, Equatable {
    case noVoice
    case issue(String)
}
