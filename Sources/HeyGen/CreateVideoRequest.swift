import Foundation

/// The body of `POST /v3/videos` with `type: "avatar"`: a Digital Twin video.
///
/// Values are kept as typed but open, so a wrong word typed by a person (`--resolution 8k`) reaches
/// ``validate(look:)`` and gets a field-level message instead of failing earlier.
///
/// Encoding follows the guide's rule: while the engine is Avatar V, `motion_prompt` and
/// `expressiveness` are never written, whatever the struct holds.
public struct CreateVideoRequest: Codable, Hashable, Sendable {
    public var type: String
    public var avatarID: String
    public var script: String
    public var voiceID: String
    public var title: String?
    public var resolution: Resolution?
    public var aspectRatio: AspectRatio?
    /// `nil` means the default, Avatar IV; the wire form is `{"type": "avatar_v"}`.
    public var engine: Engine?
    public var removeBackground: Bool?
    public var background: Background?
    public var voiceSettings: VoiceSettings?
    public var motionPrompt: String?
    public var expressiveness: Expressiveness?
    public var outputFormat: OutputFormat?
    public var callbackURL: String?
    /// Your own recording instead of a script: a public URL, or an uploaded asset (mutually exclusive with `script`).
    public var audioURL: String?
    public var audioAssetID: String?
    /// How the subject is fitted to the canvas (`contain`/`cover`); unset lets the server choose.
    public var fit: Fit?
    /// Echoed back in the webhook payload.
    public var callbackID: String?
    /// Captions: a sidecar srt always; `style: "default"` also burns them in.
    public var caption: Caption?

    public init(
        avatarID: String, script: String, voiceID: String, title: String? = nil,
        resolution: Resolution? = nil, aspectRatio: AspectRatio? = nil, engine: Engine? = nil,
        removeBackground: Bool? = nil, background: Background? = nil, voiceSettings: VoiceSettings? = nil,
        motionPrompt: String? = nil, expressiveness: Expressiveness? = nil, outputFormat: OutputFormat? = nil,
        callbackURL: String? = nil, audioURL: String? = nil, audioAssetID: String? = nil, fit: Fit? = nil,
        callbackID: String? = nil, caption: Caption? = nil
    ) {
        self.type = "avatar"
        self.avatarID = avatarID
        self.script = script
        self.voiceID = voiceID
        self.title = title
        self.resolution = resolution
        self.aspectRatio = aspectRatio
        self.engine = engine
        self.removeBackground = removeBackground
        self.background = background
        self.voiceSettings = voiceSettings
        self.motionPrompt = motionPrompt
        self.expressiveness = expressiveness
        self.outputFormat = outputFormat
        self.callbackURL = callbackURL
        self.audioURL = audioURL
        self.audioAssetID = audioAssetID
        self.fit = fit
        self.callbackID = callbackID
        self.caption = caption
    }

    /// Whether the video speaks a recording (`audio_url` or `audio_asset_id`) rather than a script.
    public var usesAudio: Bool { audioURL != nil || audioAssetID != nil }

    /// The engine that will render: the one named, or Avatar IV by default.
    public var effectiveEngine: Engine { engine ?? .avatarIV }

    /// Every key `POST /v3/videos` accepts at the top level; the server rejects any other.
    public static let allowedKeys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, avatarID = "avatar_id", script, voiceID = "voice_id", title, resolution
        case aspectRatio = "aspect_ratio", engine, removeBackground = "remove_background", background
        case voiceSettings = "voice_settings", motionPrompt = "motion_prompt", expressiveness
        case outputFormat = "output_format", callbackURL = "callback_url"
        case audioURL = "audio_url", audioAssetID = "audio_asset_id", fit, callbackID = "callback_id", caption
    }

    private struct EngineObject: Codable { var type: Engine }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        avatarID = try c.decodeIfPresent(String.self, forKey: .avatarID) ?? ""
        script = try c.decodeIfPresent(String.self, forKey: .script) ?? ""
        voiceID = try c.decodeIfPresent(String.self, forKey: .voiceID) ?? ""
        title = try c.decodeIfPresent(String.self, forKey: .title)
        resolution = try c.decodeIfPresent(Resolution.self, forKey: .resolution)
        aspectRatio = try c.decodeIfPresent(AspectRatio.self, forKey: .aspectRatio)
        engine = try c.decodeIfPresent(EngineObject.self, forKey: .engine)?.type
        removeBackground = try c.decodeIfPresent(Bool.self, forKey: .removeBackground)
        background = try c.decodeIfPresent(Background.self, forKey: .background)
        voiceSettings = try c.decodeIfPresent(VoiceSettings.self, forKey: .voiceSettings)
        motionPrompt = try c.decodeIfPresent(String.self, forKey: .motionPrompt)
        expressiveness = try c.decodeIfPresent(Expressiveness.self, forKey: .expressiveness)
        outputFormat = try c.decodeIfPresent(OutputFormat.self, forKey: .outputFormat)
        callbackURL = try c.decodeIfPresent(String.self, forKey: .callbackURL)
        audioURL = try c.decodeIfPresent(String.self, forKey: .audioURL)
        audioAssetID = try c.decodeIfPresent(String.self, forKey: .audioAssetID)
        fit = try c.decodeIfPresent(Fit.self, forKey: .fit)
        callbackID = try c.decodeIfPresent(String.self, forKey: .callbackID)
        caption = try c.decodeIfPresent(Caption.self, forKey: .caption)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(avatarID, forKey: .avatarID)
        // With a recording the script and voice are left out when empty (the API: mutually exclusive with script).
        if !(usesAudio && script.isEmpty) { try c.encode(script, forKey: .script) }
        if !(usesAudio && voiceID.isEmpty) { try c.encode(voiceID, forKey: .voiceID) }
        try c.encodeIfPresent(audioURL, forKey: .audioURL)
        try c.encodeIfPresent(audioAssetID, forKey: .audioAssetID)
        try c.encodeIfPresent(title, forKey: .title)
        try c.encodeIfPresent(resolution, forKey: .resolution)
        try c.encodeIfPresent(aspectRatio, forKey: .aspectRatio)
        try c.encodeIfPresent(fit, forKey: .fit)
        try c.encodeIfPresent(engine.map(EngineObject.init(type:)), forKey: .engine)
        try c.encodeIfPresent(removeBackground, forKey: .removeBackground)
        try c.encodeIfPresent(background, forKey: .background)
        try c.encodeIfPresent(voiceSettings, forKey: .voiceSettings)
        if VideoRules.ivOnlyFieldsAllowed(for: effectiveEngine) {
            try c.encodeIfPresent(motionPrompt, forKey: .motionPrompt)
            try c.encodeIfPresent(expressiveness, forKey: .expressiveness)
        }
        try c.encodeIfPresent(outputFormat, forKey: .outputFormat)
        try c.encodeIfPresent(callbackURL, forKey: .callbackURL)
        try c.encodeIfPresent(callbackID, forKey: .callbackID)
        try c.encodeIfPresent(caption, forKey: .caption)
    }

    /// The exact bytes that will be sent: sorted keys, pretty, slashes unescaped.
    public func jsonBody(pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A video background: a solid colour or an image.
public struct Background: Codable, Hashable, Sendable {
    public var type: String
    public var value: String?
    public var url: String?
    public var assetID: String?

    public init(type: String, value: String? = nil, url: String? = nil, assetID: String? = nil) {
        self.type = type
        self.value = value
        self.url = url
        self.assetID = assetID
    }

    /// A solid colour, `#RRGGBB`.
    public static func color(_ hex: String) -> Background { Background(type: "color", value: hex) }
    /// An image at an `https` URL.
    public static func image(url: String) -> Background { Background(type: "image", url: url) }

    public static let allowedKeys: Set<String> = ["type", "value", "url", "asset_id"]

    enum CodingKeys: String, CodingKey { case type, value, url, assetID = "asset_id" }
}

/// Voice adjustments: speed, pitch, volume (ranges in ``VideoRules``) and a locale such as `en-US`.
public struct VoiceSettings: Codable, Hashable, Sendable {
    public var speed: Double?
    public var pitch: Double?
    public var locale: String?
    public var volume: Double?

    public init(speed: Double? = nil, pitch: Double? = nil, locale: String? = nil, volume: Double? = nil) {
        self.speed = speed
        self.pitch = pitch
        self.locale = locale
        self.volume = volume
    }

    public static let allowedKeys: Set<String> = ["speed", "pitch", "locale", "volume"]

    /// Whether nothing is set (then the whole object is left out).
    public var isEmpty: Bool { speed == nil && pitch == nil && locale == nil && volume == nil }
}

/// Captions: `{"file_format": "srt"}` for a sidecar file, plus `"style": "default"` to burn them into the video.
public struct Caption: Codable, Hashable, Sendable {
    public var fileFormat: String
    public var style: String?

    public init(fileFormat: String = "srt", style: String? = nil) {
        self.fileFormat = fileFormat
        self.style = style
    }

    /// A sidecar srt file only.
    public static let sidecar = Caption()
    /// A sidecar srt file, and the captions burned into the video.
    public static let burnedIn = Caption(style: "default")

    public static let allowedKeys: Set<String> = ["file_format", "style"]

    enum CodingKeys: String, CodingKey { case fileFormat = "file_format", style }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fileFormat = try c.decodeIfPresent(String.self, forKey: .fileFormat) ?? "srt"
        style = try c.decodeIfPresent(String.self, forKey: .style)
    }
}
