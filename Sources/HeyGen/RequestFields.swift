import Foundation

/// One field of `POST /v3/videos` (avatar variant) as every surface sees it: the compose form, `twindeck create`,
/// the batch file's columns, the JSON preview and the help texts all derive from ``RequestFields/all``.
///
/// A value goes in and out as text (what a person types in a cell, an option or a form field); ``set`` reads it and
/// says why it cannot, ``get`` writes it back. The rules that judge the value are the ``VideoRules`` reporting on
/// ``wire``; the limits in ``help`` come from the same constants the rules use.
public struct RequestField: Sendable {
    /// What a value is.
    public enum Kind: Sendable, Equatable {
        case text
        /// One of these words (the first is not necessarily the default: unset is the API's default).
        case choice([String])
        case number(ClosedRange<Double>)
        case bool
    }

    /// Which engines the field exists for.
    public enum Engines: Sendable, Equatable {
        case all
        /// The guide: "motion_prompt and expressiveness are Avatar IV-only parameters" (the schema's descriptions
        /// disagree; the guide governs).
        case avatarIVOnly
    }

    /// The JSON path, e.g. `voice_settings.speed`; also ``FieldIssue/field`` of the rules that report on it.
    public let wire: String
    /// The form's label.
    public let label: String
    public let kind: Kind
    public let engines: Engines
    /// `twindeck create`'s long option, without the dashes.
    public let option: String
    /// The batch file's header.
    public let column: String
    /// Other headers accepted for the column (the wire name where it differs).
    public let aliases: [String]
    /// Whether a batch file must have the column.
    public let isRequiredColumn: Bool
    /// What the field is, in a few words, without its limits (``help`` adds them).
    public let summary: String
    /// A value that passes every rule on its own (for tests and examples).
    public let example: String
    /// The value as text, nil when unset.
    public let get: @Sendable (CreateVideoRequest) -> String?
    /// Reads `text` (trimmed, non-empty) into the request; returns why it cannot be read.
    public let set: @Sendable (inout CreateVideoRequest, String) -> String?

    /// The rules that report on this field.
    public var rules: [ValidationRule] { VideoRules.all.filter { $0.field == wire } }

    /// Whether the field is sent with `engine`.
    public func applies(to engine: Engine) -> Bool {
        engines == .all || VideoRules.ivOnlyFieldsAllowed(for: engine)
    }

    /// The limits as the rules have them: `0.5 to 1.5`, `one of 16:9, 9:16, …`, `true or false`.
    public var limits: String? {
        switch kind {
        case .text: nil
        case .choice(let values): values.joined(separator: ", ")
        case .number(let range): VideoRules.rangeText(range)
        case .bool: "true or false"
        }
    }

    /// The help text: the summary, its limits, and the engine it needs.
    public var help: String {
        var text = summary
        if let limits { text += ", \(limits)" }
        if engines == .avatarIVOnly { text += " (Avatar IV only)" }
        return text
    }
}

/// The table of request fields of `POST /v3/videos` (avatar variant), in the order of the compose form (the engine's
/// own fields right after the engine, so choosing Avatar V hides them where the person is looking).
public enum RequestFields {
    /// Keys of the request that no person fills: each is set by the field named (or always `avatar`).
    public static let implied: [String: String] = [
        "type": "always \"avatar\"",
        "background.type": "the background field used (background.value is a colour; url and asset_id are an image)",
        "caption.file_format": "caption",
        "caption.style": "caption",
    ]

    /// Every field a person can fill.
    public static let all: [RequestField] = [
        text("avatar_id", "Look", option: "look", column: "look", aliases: ["avatar_id"], required: true,
             "The look id (avatar_id)", example: "lk_twin_office", get: { $0.avatarID }, set: { $0.avatarID = $1 }),
        text("voice_id", "Voice", option: "voice", column: "voice", aliases: ["voice_id"], required: true,
             "The voice id (not needed with a recording)", example: "1bd001e7e50f421d891986aad5c8bbd2",
             get: { $0.voiceID.isEmpty ? nil : $0.voiceID }, set: { $0.voiceID = $1 }),
        text("script", "Script", option: "script", column: "script",
             "The script, 1 to \(PlainFormat.grouped(VideoRules.scriptMaxLength)) characters (or a recording instead)",
             example: "Hello from the table.", get: { $0.script.isEmpty ? nil : $0.script }, set: { $0.script = $1 }),
        text("audio_url", "Audio URL", option: "audio-url", column: "audio_url",
             "A recording to lip-sync instead of a script, an http(s) URL", example: "https://example.com/voice.mp3",
             get: { $0.audioURL }, set: { $0.audioURL = $1 }),
        text("audio_asset_id", "Audio asset", option: "audio-asset-id", column: "audio_asset_id",
             "An uploaded recording's asset id, instead of a script", example: "asset_audio_1",
             get: { $0.audioAssetID }, set: { $0.audioAssetID = $1 }),
        text("title", "Title", option: "title", column: "title", "A title for the video", example: "Table test",
             get: { $0.title }, set: { $0.title = $1 }),
        choice("engine", "Engine", Engine.requestable.map(\.rawValue), "Rendering engine (default avatar_iv)",
               get: { $0.engine?.rawValue }, set: { $0.engine = Engine(rawValue: $1) }),
        text("motion_prompt", "Motion prompt", option: "motion-prompt", column: "motion_prompt", engines: .avatarIVOnly,
             "Body motion prompt", example: "waves hello", get: { $0.motionPrompt }, set: { $0.motionPrompt = $1 }),
        choice("expressiveness", "Expressiveness", Expressiveness.known.map(\.rawValue), engines: .avatarIVOnly,
               "Expressiveness (default low)", get: { $0.expressiveness?.rawValue },
               set: { $0.expressiveness = Expressiveness(rawValue: $1) }),
        choice("resolution", "Resolution", Resolution.known.map(\.rawValue), "Output resolution",
               get: { $0.resolution?.rawValue }, set: { $0.resolution = Resolution(rawValue: $1) }),
        choice("aspect_ratio", "Aspect ratio", AspectRatio.known.map(\.rawValue), "Aspect ratio (auto keeps the source's)",
               get: { $0.aspectRatio?.rawValue }, set: { $0.aspectRatio = AspectRatio(rawValue: $1) }),
        choice("fit", "Fit", Fit.known.map(\.rawValue), "How the twin fits the frame (default: the server chooses)",
               get: { $0.fit?.rawValue }, set: { $0.fit = Fit(rawValue: $1) }),
        choice("output_format", "Output format", OutputFormat.known.map(\.rawValue),
               "Container format (webm has an alpha channel and no background)",
               get: { $0.outputFormat?.rawValue }, set: { $0.outputFormat = OutputFormat(rawValue: $1) }),
        RequestField(
            wire: "remove_background", label: "Remove bg", kind: .bool, engines: .all, option: "remove-background",
            column: "remove_background", aliases: [], isRequiredColumn: false,
            summary: "Remove the avatar's background (the twin must be trained with matting)", example: "true",
            get: { $0.removeBackground.map { $0 ? "true" : "false" } },
            set: { r, v in
                guard let value = parseBool(v) else { return "must be true or false (got \"\(v)\")" }
                r.removeBackground = value
                return nil
            }),
        text("background.value", "Background colour", option: "background-color", column: "background_color",
             "A solid background colour, #RRGGBB", example: "#112233",
             get: { $0.background?.type == "color" ? $0.background?.value : nil }, set: { $0.background = .color($1) }),
        text("background.url", "Background image", option: "background-image", column: "background_image",
             "A background image, an https URL", example: "https://example.com/bg.png",
             get: { $0.background?.url }, set: { $0.background = .image(url: $1) }),
        text("background.asset_id", "Background asset", option: "background-asset-id", column: "background_asset_id",
             "An uploaded background image's asset id", example: "asset_image_1",
             get: { $0.background?.assetID }, set: { $0.background = Background(type: "image", assetID: $1) }),
        number("voice_settings.speed", "Voice speed", VideoRules.speedRange, option: "speed", "Voice speed", example: "1.2",
               get: \.speed) { $0.speed = $1 },
        number("voice_settings.pitch", "Voice pitch", VideoRules.pitchRange, option: "pitch", "Voice pitch", example: "-5",
               get: \.pitch) { $0.pitch = $1 },
        number("voice_settings.volume", "Voice volume", VideoRules.volumeRange, option: "volume", "Voice volume",
               example: "0.8", get: \.volume) { $0.volume = $1 },
        text("voice_settings.locale", "Voice locale", option: "locale", column: "locale",
             "Voice locale, a language-REGION tag such as en-US (needs a voice that supports a locale)", example: "en-US",
             get: { $0.voiceSettings?.locale },
             set: { r, v in
                 var s = r.voiceSettings ?? VoiceSettings()
                 s.locale = v
                 r.voiceSettings = s
             }),
        RequestField(
            wire: "caption", label: "Captions", kind: .choice(CaptionChoice.allCases.map(\.rawValue)), engines: .all,
            option: "caption", column: "caption", aliases: [], isRequiredColumn: false,
            summary: "Captions: off, srt (a sidecar subtitle file) or burned (also burned into the video)", example: "burned",
            get: { CaptionChoice(caption: $0.caption) == .off ? nil : CaptionChoice(caption: $0.caption).rawValue },
            set: { r, v in
                guard let choice = CaptionChoice(rawValue: v.lowercased()) else {
                    return "must be one of \(CaptionChoice.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(v)\")"
                }
                r.caption = choice.caption
                return nil
            }),
        text("callback_url", "Callback URL", option: "callback-url", column: "callback_url",
             "A URL that receives a POST when the video completes or fails", example: "https://example.com/hook",
             get: { $0.callbackURL }, set: { $0.callbackURL = $1 }),
        text("callback_id", "Callback id", option: "callback-id", column: "callback_id",
             "Your own id, echoed back in the webhook payload", example: "order-42",
             get: { $0.callbackID }, set: { $0.callbackID = $1 }),
    ]

    /// The field at a wire path.
    public static func field(_ wire: String) -> RequestField? { all.first { $0.wire == wire } }

    /// Every key the request type has, as wire paths (`voice_settings.speed`, `engine.type`): what the table must cover.
    public static var requestKeys: Set<String> {
        // `engine` is one choice that writes `{"type": …}`; the other objects are filled key by key.
        var keys = CreateVideoRequest.allowedKeys.subtracting(["background", "voice_settings", "caption"])
        keys.formUnion(Background.allowedKeys.map { "background." + $0 })
        keys.formUnion(VoiceSettings.allowedKeys.map { "voice_settings." + $0 })
        keys.formUnion(Caption.allowedKeys.map { "caption." + $0 })
        return keys
    }

    /// Whether `wire` is filled by a field of the table or implied by one.
    public static func covers(_ wire: String) -> Bool { field(wire) != nil || implied[wire] != nil }

    /// `true`/`yes`/`1` or `false`/`no`/`0`, any case.
    public static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "1": true
        case "false", "no", "0": false
        default: nil
        }
    }

    /// A number as a person types it (a decimal comma is read as a point); nil when it is not a finite number.
    public static func parseNumber(_ text: String) -> Double? {
        guard let value = Double(String(text.map { $0 == "," ? "." : $0 })), value.isFinite else { return nil }
        return value
    }

    // MARK: - Building the table

    private static func text(
        _ wire: String, _ label: String, option: String, column: String, aliases: [String] = [], required: Bool = false,
        engines: RequestField.Engines = .all, _ summary: String, example: String,
        get: @escaping @Sendable (CreateVideoRequest) -> String?, set: @escaping @Sendable (inout CreateVideoRequest, String) -> Void
    ) -> RequestField {
        RequestField(wire: wire, label: label, kind: .text, engines: engines, option: option, column: column, aliases: aliases,
                     isRequiredColumn: required, summary: summary, example: example, get: get) { r, v in
            set(&r, v)
            return nil
        }
    }

    /// A choice whose words are kept even when unknown, so the rule (not the reader) names what is wrong.
    private static func choice(
        _ wire: String, _ label: String, _ values: [String], engines: RequestField.Engines = .all, _ summary: String,
        get: @escaping @Sendable (CreateVideoRequest) -> String?, set: @escaping @Sendable (inout CreateVideoRequest, String) -> Void
    ) -> RequestField {
        let name = wire.replacingOccurrences(of: "_", with: "-")
        return RequestField(wire: wire, label: label, kind: .choice(values), engines: engines, option: name, column: wire,
                            aliases: [], isRequiredColumn: false, summary: summary, example: values.first ?? "", get: get) { r, v in
            set(&r, v)
            return nil
        }
    }

    private static func number(
        _ wire: String, _ label: String, _ range: ClosedRange<Double>, option: String, _ summary: String, example: String,
        get: @escaping @Sendable (VoiceSettings) -> Double?, set: @escaping @Sendable (inout VoiceSettings, Double) -> Void
    ) -> RequestField {
        RequestField(wire: wire, label: label, kind: .number(range), engines: .all, option: option, column: option, aliases: [],
                     isRequiredColumn: false, summary: summary, example: example,
                     get: { r in r.voiceSettings.flatMap(get).map(VideoRules.format) }) { r, v in
            guard let number = parseNumber(v) else { return "must be a number (got \"\(v)\")" }
            var settings = r.voiceSettings ?? VoiceSettings()
            set(&settings, number)
            r.voiceSettings = settings
            return nil
        }
    }
}

/// The caption choice a person makes: none, a sidecar srt file, or the same and burned into the video.
public enum CaptionChoice: String, CaseIterable, Codable, Sendable {
    case off, srt, burned

    public init(caption: Caption?) {
        guard let caption else { self = .off; return }
        self = caption.style == nil ? .srt : .burned
    }

    /// The request's `caption` object.
    public var caption: Caption? {
        switch self {
        case .off: nil
        case .srt: .sidecar
        case .burned: .burnedIn
        }
    }

    /// How the form shows it.
    public var displayName: String {
        switch self {
        case .off: "off"
        case .srt: "sidecar srt"
        case .burned: "burned in (and srt)"
        }
    }
}

/// A local file a person names instead of an asset id: uploaded with `POST /v3/assets` (checked first: readable, at most
/// 32 MB, the right type by name and content), and its asset id sent in ``target``. The compose form, `twindeck create`
/// and the batch file's columns derive from ``RequestFields/files``.
public struct LocalFileField: Sendable, Hashable {
    /// The key of ``LocalFiles`` and the batch file's header (`audio_file`).
    public let column: String
    /// The form's label.
    public let label: String
    /// `twindeck create`'s long option, without the dashes.
    public let option: String
    /// What the file must be.
    public let purpose: AssetPurpose
    /// The request field the uploaded asset's id goes in.
    public let target: String
    public let summary: String

    /// The help text, with the limits the upload checks.
    public var help: String { "\(summary): \(purpose.typeList), at most 32 MB; uploaded once, then its asset id is reused" }

    /// What stands in the request for the file until it is uploaded (the JSON preview, `--dry-run`): no whitespace, so it
    /// passes the asset id rule, and plainly not an id.
    public var placeholder: String { "<\(column)>" }
}

extension RequestFields {
    /// The local files a request can name, each filling a request field with an upload's asset id.
    public static let files: [LocalFileField] = [
        LocalFileField(column: "audio_file", label: "Audio file", option: "audio-file", purpose: .audio, target: "audio_asset_id",
                       summary: "A local recording to lip-sync instead of a script"),
        LocalFileField(column: "background_file", label: "Background file", option: "background-file", purpose: .image,
                       target: "background.asset_id", summary: "A local background image"),
    ]

    public static func file(_ column: String) -> LocalFileField? { files.first { $0.column == column } }
}

/// The local files of one request, by ``LocalFileField/column``: paths as the person typed them (`~` allowed).
public struct LocalFiles: Codable, Sendable, Hashable {
    public var paths: [String: String]

    public init(_ paths: [String: String] = [:]) { self.paths = paths.filter { !PlainText.trimmed($0.value).isEmpty } }

    public var isEmpty: Bool { paths.isEmpty }

    /// The file named for `field`, expanded (`~`), nil when none.
    public func url(for field: LocalFileField) -> URL? {
        guard let path = paths[field.column].map({ PlainText.trimmed($0) }), !path.isEmpty else { return nil }
        return URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
    }

    /// `request` with each named file's placeholder in its field: what is checked and previewed before the upload.
    public func withPlaceholders(_ request: CreateVideoRequest) -> CreateVideoRequest {
        var request = request
        for field in RequestFields.files where url(for: field) != nil {
            Self.fill(&request, field, field.placeholder)
        }
        return request
    }

    /// Puts an asset id in the field's target.
    public static func fill(_ request: inout CreateVideoRequest, _ field: LocalFileField, _ assetID: String) {
        switch field.target {
        case "audio_asset_id":
            request.audioAssetID = assetID
            request.audioURL = nil
        default:
            request.background = Background(type: "image", assetID: assetID)
        }
    }

    /// Checks every named file, without sending anything.
    /// - Returns: the checked files; the problems, each at the file's target field (where the form shows it).
    public func check() -> (files: [(LocalFileField, AssetFile)], issues: [FieldIssue]) {
        var files: [(LocalFileField, AssetFile)] = []
        var issues: [FieldIssue] = []
        for field in RequestFields.files {
            guard let url = url(for: field) else { continue }
            do {
                files.append((field, try AssetFile.check(url, for: field.purpose)))
            } catch let error as HeyGenError {
                issues.append(FieldIssue(field: field.target, message: error.message, rule: "asset.file"))
            } catch {
                issues.append(FieldIssue(field: field.target, message: String(describing: error), rule: "asset.file"))
            }
        }
        return (files, issues)
    }
}

/// What checking one local file found, for the form to show at its field before anything is sent.
public struct LocalFileCheck: Sendable, Hashable {
    /// ``LocalFileField/column``.
    public var column: String
    /// The path as the person typed it (trimmed): the check is about this text, not a later one.
    public var path: String
    /// Why it cannot be used; nil when it can.
    public var problem: String?
    public var size: Int64?
    /// A recording's length, when its header tells it.
    public var seconds: Double?

    public init(column: String, path: String, problem: String? = nil, size: Int64? = nil, seconds: Double? = nil) {
        self.column = column
        self.path = path
        self.problem = problem
        self.size = size
        self.seconds = seconds
    }
}

extension LocalFiles {
    /// Checks each named file (stat and its first bytes; a recording's header for its length). Touches the disk.
    public func inspect() -> [LocalFileCheck] {
        RequestFields.files.compactMap { field in
            guard let url = url(for: field), let typed = paths[field.column].map({ PlainText.trimmed($0) }) else { return nil }
            do {
                let file = try AssetFile.check(url, for: field.purpose)
                return LocalFileCheck(column: field.column, path: typed, size: file.size,
                                      seconds: field.purpose == .audio ? AudioLength.seconds(of: url, type: file.type) : nil)
            } catch let error as HeyGenError {
                // The form shows the path just above: the file's name is enough, and leaves room for the reason.
                let shown = Sanitizer.inert(url.path, limit: 300)
                let name = Sanitizer.inert(url.lastPathComponent, limit: 120)
                return LocalFileCheck(column: field.column, path: typed, problem: error.message.replacingOccurrences(of: shown, with: name))
            } catch {
                return LocalFileCheck(column: field.column, path: typed, problem: String(describing: error))
            }
        }
    }
}
