import Foundation
import HeyGen

/// The fields of the compose form, in the order a person thinks.
public enum ComposeField: String, CaseIterable, Codable, Sendable {
    case look, voice, script, title, engine, resolution, aspectRatio, outputFormat, removeBackground
    case background, backgroundValue, speed, pitch, locale, callbackURL, motionPrompt, expressiveness

    public var label: String {
        switch self {
        case .look: "Look"
        case .voice: "Voice"
        case .script: "Script"
        case .title: "Title"
        case .engine: "Engine"
        case .resolution: "Resolution"
        case .aspectRatio: "Aspect ratio"
        case .outputFormat: "Output format"
        case .removeBackground: "Remove bg"
        case .background: "Background"
        case .backgroundValue: "  colour/URL"
        case .speed: "Voice speed"
        case .pitch: "Voice pitch"
        case .locale: "Voice locale"
        case .callbackURL: "Callback URL"
        case .motionPrompt: "Motion prompt"
        case .expressiveness: "Expressiveness"
        }
    }

    /// Fields typed as text (Enter starts editing).
    public var isText: Bool {
        switch self {
        case .script, .title, .backgroundValue, .speed, .pitch, .locale, .callbackURL, .motionPrompt: true
        default: false
        }
    }

    /// Whether the field only exists for Avatar IV (the guide's rule).
    public var isAvatarIVOnly: Bool { self == .motionPrompt || self == .expressiveness }

    /// The form field a wire path (a rule's field or the server's `param`) belongs to.
    public static func forWire(_ path: String) -> ComposeField? {
        switch path {
        case "avatar_id", "type": .look
        case "voice_id": .voice
        case "script": .script
        case "title": .title
        case "engine", "engine.type": .engine
        case "resolution": .resolution
        case "aspect_ratio": .aspectRatio
        case "output_format": .outputFormat
        case "remove_background": .removeBackground
        case "background", "background.type": .background
        case "background.value", "background.url", "background.asset_id": .backgroundValue
        case "voice_settings.speed": .speed
        case "voice_settings.pitch": .pitch
        case "voice_settings.locale": .locale
        case "callback_url": .callbackURL
        case "motion_prompt": .motionPrompt
        case "expressiveness": .expressiveness
        default: nil
        }
    }
}

/// The background choice.
public enum BackgroundKind: String, Codable, Sendable, CaseIterable {
    case none, color, image
}

/// What the person has typed and chosen; saved as the draft so it survives quitting.
public struct ComposeDraft: Codable, Equatable, Sendable {
    public var lookID: String?
    public var lookName: String?
    public var voiceID: String?
    public var voiceName: String?
    public var script = TextArea(limit: 20_000)
    public var title = TextArea(limit: 500)
    public var engine: Engine = .avatarIV
    public var resolution: Resolution = .r1080p
    public var aspectRatio: AspectRatio = .landscape
    public var outputFormat: OutputFormat = .mp4
    public var removeBackground = false
    public var backgroundKind: BackgroundKind = .none
    public var backgroundValue = TextArea(limit: 2_000)
    public var speed = TextArea(limit: 10)
    public var pitch = TextArea(limit: 10)
    public var locale = TextArea(limit: 35)
    public var callbackURL = TextArea(limit: 2_000)
    /// Kept while Avatar V is chosen, never sent with it.
    public var motionPrompt = TextArea(limit: 2_000)
    /// nil is the API's default, low.
    public var expressiveness: Expressiveness?

    public init() {}

    /// Whether nothing has been entered.
    public var isEmpty: Bool { self == ComposeDraft() }

    /// The request this draft describes, and the problems that stop it from being built (unparsable numbers).
    public func request() -> (CreateVideoRequest, [FieldIssue]) {
        var parseIssues: [FieldIssue] = []
        func number(_ area: TextArea, field: String) -> Double? {
            let text = PlainText.trimmed(area.text)
            guard !text.isEmpty else { return nil }
            guard let value = Double(String(text.map { $0 == "," ? "." : $0 })), value.isFinite else {
                parseIssues.append(FieldIssue(field: field, message: "must be a number (got \"\(text)\")", rule: "form.number"))
                return nil
            }
            return value
        }
        let speed = number(speed, field: "voice_settings.speed")
        let pitch = number(pitch, field: "voice_settings.pitch")
        let localeText = PlainText.trimmed(locale.text)
        let settings = VoiceSettings(speed: speed, pitch: pitch, locale: localeText.isEmpty ? nil : localeText)
        let value = PlainText.trimmed(backgroundValue.text)
        // webm has an alpha channel: the background is kept in the form but never sent with it.
        var background: Background?
        if outputFormat != .webm {
            switch backgroundKind {
            case .none: background = nil
            case .color: background = .color(value)
            case .image: background = .image(url: value)
            }
        }
        let ivOnly = VideoRules.ivOnlyFieldsAllowed(for: engine)
        let prompt = PlainText.trimmed(motionPrompt.text, newlines: true)
        let title = PlainText.trimmed(title.text)
        let callback = PlainText.trimmed(callbackURL.text)
        let request = CreateVideoRequest(
            avatarID: lookID ?? "", script: script.text, voiceID: voiceID ?? "", title: title.isEmpty ? nil : title,
            resolution: resolution, aspectRatio: aspectRatio, engine: engine == .avatarIV ? nil : engine,
            removeBackground: removeBackground ? true : nil, background: background,
            voiceSettings: settings.isEmpty ? nil : settings,
            motionPrompt: ivOnly && !prompt.isEmpty ? prompt : nil,
            expressiveness: ivOnly ? expressiveness : nil,
            outputFormat: outputFormat, callbackURL: callback.isEmpty ? nil : callback)
        return (request, parseIssues)
    }

    /// A draft that re-creates `request` (re-compose from the board).
    public init(request: CreateVideoRequest, lookName: String?, voiceName: String?) {
        self.init()
        lookID = request.avatarID
        self.lookName = lookName
        voiceID = request.voiceID
        self.voiceName = voiceName
        script.replace(with: request.script)
        title.replace(with: request.title ?? "")
        engine = request.effectiveEngine
        resolution = request.resolution ?? .r1080p
        aspectRatio = request.aspectRatio ?? .landscape
        outputFormat = request.outputFormat ?? .mp4
        removeBackground = request.removeBackground ?? false
        if let background = request.background {
            backgroundKind = background.type == "image" ? .image : .color
            backgroundValue.replace(with: background.type == "image" ? (background.url ?? "") : (background.value ?? ""))
        }
        if let s = request.voiceSettings {
            speed.replace(with: s.speed.map { VideoRules.format($0) } ?? "")
            pitch.replace(with: s.pitch.map { VideoRules.format($0) } ?? "")
            locale.replace(with: s.locale ?? "")
        }
        callbackURL.replace(with: request.callbackURL ?? "")
        motionPrompt.replace(with: request.motionPrompt ?? "")
        expressiveness = request.expressiveness
    }
}

/// Where a submission from the form stands.
public enum SubmitPhase: Equatable, Sendable {
    case idle
    /// Waiting for the person to confirm.
    case confirming
    /// Sent; the answer has not come yet. Further submit keys are ignored.
    case sending
    case sent(videoID: String, status: VideoStatus)
    /// The outcome is unknown (timeout, connection lost): the store keeps the row and it is retried with the same key.
    case uncertain(String)
    case failed(HeyGenError)
}

/// The Compose pane.
public struct ComposeState: Equatable, Sendable {
    public var draft = ComposeDraft()
    public var focus: ComposeField = .look
    /// A text field is taking keys.
    public var editing = false
    /// Fields the person has visited or typed in: their problems are shown.
    public var touched: Set<ComposeField> = []
    /// After a refused submit, every problem is shown.
    public var showAllIssues = false
    public var submit: SubmitPhase = .idle
    /// The server's verdict on a field (`invalid_parameter` with `param`), until the field changes.
    public var serverIssue: FieldIssue?
    /// A note at a field that the form refused a change (Avatar V on an IV-only look).
    public var fieldNote: (field: ComposeField, text: String)?
    /// The JSON preview overlay.
    public var previewing = false
    /// Awaiting confirmation to clear the form.
    public var confirmingClear = false
    /// Which pane a pick (look/voice) was started from.
    public var picking: ComposeField?
    public var scroll = 0

    public init() {}

    public static func == (a: ComposeState, b: ComposeState) -> Bool {
        a.draft == b.draft && a.focus == b.focus && a.editing == b.editing && a.touched == b.touched
            && a.showAllIssues == b.showAllIssues && a.submit == b.submit && a.serverIssue == b.serverIssue
            && a.fieldNote?.field == b.fieldNote?.field && a.fieldNote?.text == b.fieldNote?.text && a.previewing == b.previewing
            && a.confirmingClear == b.confirmingClear && a.picking == b.picking && a.scroll == b.scroll
    }

    /// The fields shown now: Avatar V hides the IV-only ones; no background means no value field.
    public var visibleFields: [ComposeField] {
        ComposeField.allCases.filter { field in
            if field.isAvatarIVOnly && !VideoRules.ivOnlyFieldsAllowed(for: draft.engine) { return false }
            if field == .backgroundValue && (draft.backgroundKind == .none || draft.outputFormat == .webm) { return false }
            return true
        }
    }
}
