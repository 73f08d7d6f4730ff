import Foundation
import HeyGen

/// The fields of the compose form, in the order a person thinks.
///
/// Labels, kinds, help and the engine rule come from ``RequestFields``: each form field names the table fields it
/// fills (``wires``). Three are the form's own ways of choosing among table fields: ``speech`` (a script or a
/// recording), ``background`` (none, a colour, an image URL or an uploaded image) and the value of each.
public enum ComposeField: String, CaseIterable, Codable, Sendable {
    case look, voice, speech, script, audio, title, engine, motionPrompt, expressiveness, resolution, aspectRatio, fit, outputFormat
    case removeBackground, background, backgroundValue, speed, pitch, volume, locale, caption, callbackURL, callbackID

    /// The table fields this form field fills, the first being the one it shows; empty for the form's own choices.
    public var wires: [String] {
        switch self {
        case .look: ["avatar_id"]
        case .voice: ["voice_id"]
        case .speech: []
        case .script: ["script"]
        case .audio: ["audio_url", "audio_asset_id"]
        case .title: ["title"]
        case .engine: ["engine"]
        case .resolution: ["resolution"]
        case .aspectRatio: ["aspect_ratio"]
        case .fit: ["fit"]
        case .outputFormat: ["output_format"]
        case .removeBackground: ["remove_background"]
        case .background: []
        case .backgroundValue: ["background.value", "background.url", "background.asset_id"]
        case .speed: ["voice_settings.speed"]
        case .pitch: ["voice_settings.pitch"]
        case .volume: ["voice_settings.volume"]
        case .locale: ["voice_settings.locale"]
        case .caption: ["caption"]
        case .callbackURL: ["callback_url"]
        case .callbackID: ["callback_id"]
        case .motionPrompt: ["motion_prompt"]
        case .expressiveness: ["expressiveness"]
        }
    }

    /// The table's field this one shows.
    public var requestField: RequestField? { wires.first.flatMap(RequestFields.field) }

    public var label: String {
        switch self {
        case .speech: "Speech"
        case .audio: "  recording"
        case .background: "Background"
        case .backgroundValue: "  colour/URL/id"
        default: requestField?.label ?? rawValue
        }
    }

    /// Fields typed as text (Enter starts editing): the table's text and number fields.
    public var isText: Bool {
        switch self {
        case .look, .voice: false
        case .audio, .backgroundValue: true
        default:
            switch requestField?.kind {
            case .text?, .number?: true
            default: false
            }
        }
    }

    /// Whether the field only exists for Avatar IV (the table's engine rule).
    public var isAvatarIVOnly: Bool { requestField?.engines == .avatarIVOnly }

    /// The form field a wire path (a rule's field or the server's `param`) belongs to.
    public static func forWire(_ path: String) -> ComposeField? {
        switch path {
        case "type": return .look
        case "engine.type", "engine.reference_look_id": return .engine
        case "background", "background.type": return .background
        case "caption.file_format", "caption.style": return .caption
        default: return allCases.first { $0.wires.contains(path) }
        }
    }
}

/// What the video says: the script, or a recording given as a URL or as an uploaded asset.
public enum SpeechSource: String, Codable, Sendable, CaseIterable {
    case script, audioURL = "audio_url", audioAsset = "audio_asset"
    /// A recording on this machine, uploaded when the video is submitted.
    case audioFile = "audio_file"

    public var displayName: String {
        switch self {
        case .script: "script (text to speech)"
        case .audioURL: "recording at a URL"
        case .audioAsset: "uploaded recording (asset id)"
        case .audioFile: "recording file here (uploaded on submit)"
        }
    }
}

/// The background choice.
public enum BackgroundKind: String, Codable, Sendable, CaseIterable {
    case none, color, image
    /// An uploaded image, sent as `background.asset_id`.
    case asset
    /// An image file on this machine, uploaded when the video is submitted and sent as `background.asset_id`.
    case file

    public var displayName: String {
        switch self {
        case .asset: "uploaded image"
        case .file: "image file here (uploaded on submit)"
        default: rawValue
        }
    }
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
    /// A script, or a recording instead (the form shows one or the other).
    public var speechSource: SpeechSource = .script
    /// The recording's URL or asset id, by ``speechSource``.
    public var audio = TextArea(limit: 2_000)
    /// nil lets the server choose.
    public var fit: Fit?
    public var volume = TextArea(limit: 10)
    public var caption: CaptionChoice = .off
    public var callbackID = TextArea(limit: 255)

    public init() {}

    enum CodingKeys: String, CodingKey {
        case lookID, lookName, voiceID, voiceName, script, title, engine, resolution, aspectRatio, outputFormat, removeBackground
        case backgroundKind, backgroundValue, speed, pitch, locale, callbackURL, motionPrompt, expressiveness
        case speechSource, audio, fit, volume, caption, callbackID
    }

    /// Reads a saved draft; a key a draft from an older TwinDeck does not have keeps its default.
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let decoded = try c.decodeIfPresent(T.self, forKey: key) { value = decoded }
        }
        lookID = try c.decodeIfPresent(String.self, forKey: .lookID)
        lookName = try c.decodeIfPresent(String.self, forKey: .lookName)
        voiceID = try c.decodeIfPresent(String.self, forKey: .voiceID)
        voiceName = try c.decodeIfPresent(String.self, forKey: .voiceName)
        try read(.script, &script)
        try read(.title, &title)
        try read(.engine, &engine)
        try read(.resolution, &resolution)
        try read(.aspectRatio, &aspectRatio)
        try read(.outputFormat, &outputFormat)
        try read(.removeBackground, &removeBackground)
        try read(.backgroundKind, &backgroundKind)
        try read(.backgroundValue, &backgroundValue)
        try read(.speed, &speed)
        try read(.pitch, &pitch)
        try read(.locale, &locale)
        try read(.callbackURL, &callbackURL)
        try read(.motionPrompt, &motionPrompt)
        expressiveness = try c.decodeIfPresent(Expressiveness.self, forKey: .expressiveness)
        try read(.speechSource, &speechSource)
        try read(.audio, &audio)
        fit = try c.decodeIfPresent(Fit.self, forKey: .fit)
        try read(.volume, &volume)
        try read(.caption, &caption)
        try read(.callbackID, &callbackID)
    }

    /// The text area of a text field, for editing; nil for fields that are not typed.
    public subscript(text field: ComposeField) -> TextArea? {
        get {
            switch field {
            case .script: script
            case .audio: audio
            case .title: title
            case .backgroundValue: backgroundValue
            case .speed: speed
            case .pitch: pitch
            case .volume: volume
            case .locale: locale
            case .callbackURL: callbackURL
            case .callbackID: callbackID
            case .motionPrompt: motionPrompt
            default: nil
            }
        }
        set {
            guard let newValue else { return }
            switch field {
            case .script: script = newValue
            case .audio: audio = newValue
            case .title: title = newValue
            case .backgroundValue: backgroundValue = newValue
            case .speed: speed = newValue
            case .pitch: pitch = newValue
            case .volume: volume = newValue
            case .locale: locale = newValue
            case .callbackURL: callbackURL = newValue
            case .callbackID: callbackID = newValue
            case .motionPrompt: motionPrompt = newValue
            default: break
            }
        }
    }

    /// Whether nothing has been entered.
    public var isEmpty: Bool { self == ComposeDraft() }

    /// The request this draft describes, and the problems that stop it from being built (unparsable numbers).
    ///
    /// Every typed value goes through the table's reader (``RequestField/set``), as a batch cell or an option does.
    public func request() -> (CreateVideoRequest, [FieldIssue]) {
        var parseIssues: [FieldIssue] = []
        var request = CreateVideoRequest(avatarID: lookID ?? "", script: "", voiceID: voiceID ?? "")
        func put(_ wire: String, _ text: String?) {
            guard let text, !text.isEmpty, let field = RequestFields.field(wire) else { return }
            guard field.applies(to: engine) else { return }  // kept in the form, never sent with Avatar V
            if let problem = field.set(&request, text) {
                parseIssues.append(FieldIssue(field: wire, message: problem, rule: "form.\(field.kind == .text ? "text" : "number")"))
            }
        }
        func trimmed(_ area: TextArea) -> String { PlainText.trimmed(area.text) }
        switch speechSource {
        case .script: request.script = script.text
        case .audioURL: put("audio_url", trimmed(audio))
        case .audioAsset: put("audio_asset_id", trimmed(audio))
        case .audioFile: break  // the upload's id, or its placeholder below
        }
        put("title", trimmed(title))
        request.resolution = resolution
        request.aspectRatio = aspectRatio
        request.engine = engine == .avatarIV ? nil : engine
        request.fit = fit
        request.removeBackground = removeBackground ? true : nil
        // webm has an alpha channel: the background is kept in the form but never sent with it.
        if outputFormat != .webm {
            let value = trimmed(backgroundValue)
            switch backgroundKind {
            case .none: break
            case .color: request.background = .color(value)
            case .image: request.background = .image(url: value)
            case .asset: request.background = Background(type: "image", assetID: value)
            case .file: break  // the upload's id, or its placeholder below
            }
        }
        put("voice_settings.speed", trimmed(speed))
        put("voice_settings.pitch", trimmed(pitch))
        put("voice_settings.volume", trimmed(volume))
        put("voice_settings.locale", trimmed(locale))
        request.caption = caption.caption
        put("callback_url", trimmed(callbackURL))
        put("callback_id", trimmed(callbackID))
        put("motion_prompt", PlainText.trimmed(motionPrompt.text, newlines: true))
        if let expressiveness { put("expressiveness", expressiveness.rawValue) }
        request.outputFormat = outputFormat
        return (localFiles.withPlaceholders(request), parseIssues)
    }

    /// The files on this machine the draft names (a recording, a background image), uploaded on submit.
    public var localFiles: LocalFiles {
        var paths: [String: String] = [:]
        if speechSource == .audioFile { paths["audio_file"] = audio.text }
        if backgroundKind == .file, outputFormat != .webm { paths["background_file"] = backgroundValue.text }
        return LocalFiles(paths)
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
            if background.type != "image" {
                backgroundKind = .color
                backgroundValue.replace(with: background.value ?? "")
            } else if let asset = background.assetID, background.url == nil {
                backgroundKind = .asset
                backgroundValue.replace(with: asset)
            } else {
                backgroundKind = .image
                backgroundValue.replace(with: background.url ?? "")
            }
        }
        if let s = request.voiceSettings {
            speed.replace(with: s.speed.map { VideoRules.format($0) } ?? "")
            pitch.replace(with: s.pitch.map { VideoRules.format($0) } ?? "")
            locale.replace(with: s.locale ?? "")
        }
        callbackURL.replace(with: request.callbackURL ?? "")
        motionPrompt.replace(with: request.motionPrompt ?? "")
        expressiveness = request.expressiveness
        if let url = request.audioURL {
            speechSource = .audioURL
            audio.replace(with: url)
        } else if let asset = request.audioAssetID {
            speechSource = .audioAsset
            audio.replace(with: asset)
        }
        fit = request.fit
        volume.replace(with: request.voiceSettings?.volume.map { VideoRules.format($0) } ?? "")
        caption = CaptionChoice(caption: request.caption)
        callbackID.replace(with: request.callbackID ?? "")
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
    /// What checking the form's local files found, by ``LocalFileField/column``: about the path it names, so a check of a
    /// path since changed is not shown.
    public var fileChecks: [String: LocalFileCheck] = [:]
    /// The upload of a local file during the submit.
    public var upload: LocalFileUploader.Progress?

    public init() {}

    public static func == (a: ComposeState, b: ComposeState) -> Bool {
        a.draft == b.draft && a.focus == b.focus && a.editing == b.editing && a.touched == b.touched
            && a.showAllIssues == b.showAllIssues && a.submit == b.submit && a.serverIssue == b.serverIssue
            && a.fieldNote?.field == b.fieldNote?.field && a.fieldNote?.text == b.fieldNote?.text && a.previewing == b.previewing
            && a.confirmingClear == b.confirmingClear && a.picking == b.picking && a.scroll == b.scroll
            && a.fileChecks == b.fileChecks && a.upload == b.upload
    }

    /// The check of the file the draft names now for `column`, if it has been checked.
    public func fileCheck(_ column: String) -> LocalFileCheck? {
        guard let check = fileChecks[column], let path = draft.localFiles.paths[column].map({ PlainText.trimmed($0) }),
            check.path == path
        else { return nil }
        return check
    }

    /// The fields shown now: Avatar V hides the IV-only ones; no background means no value field; the script or the
    /// recording, by the speech choice.
    public var visibleFields: [ComposeField] {
        ComposeField.allCases.filter { field in
            if let table = field.requestField, !table.applies(to: draft.engine) { return false }
            if field == .backgroundValue && (draft.backgroundKind == .none || draft.outputFormat == .webm) { return false }
            // A script or a recording: the form shows one or the other.
            if field == .script && draft.speechSource != .script { return false }
            if field == .audio && draft.speechSource == .script { return false }
            return true
        }
    }
}
