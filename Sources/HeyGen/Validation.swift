import Foundation

/// A problem with one field of a request: the wire name of the field and a sentence a person can act on.
public struct FieldIssue: Hashable, Sendable, CustomStringConvertible {
    /// The field's wire path, e.g. `script` or `voice_settings.speed`.
    public var field: String
    /// Why the value is refused.
    public var message: String
    /// The rule that found it (see ``VideoRules/all``).
    public var rule: String

    public init(field: String, message: String, rule: String) {
        self.field = field
        self.message = message
        self.rule = rule
    }

    public var description: String { "\(field): \(message)" }
}

/// What a rule may look at besides the request: the look and the voice, when the caller has fetched them.
public struct ValidationContext: Sendable {
    /// The look named by `avatar_id`, when known. Rules about the look are skipped without it.
    public var look: Look?
    /// The voice named by `voice_id`, when known. Rules about the voice's limits are skipped without it.
    public var voice: Voice?
    public init(look: Look? = nil, voice: Voice? = nil) {
        self.look = look
        self.voice = voice
    }
}

/// One check of `POST /v3/videos`, with an example that breaks it so a test can prove it fires.
public struct ValidationRule: Sendable {
    /// A stable name, e.g. `script.length`.
    public let id: String
    /// The wire field the rule reports on.
    public let field: String
    /// The rule in words, for help text and the README.
    public let summary: String
    /// Returns the message when the request breaks the rule.
    public let check: @Sendable (CreateVideoRequest, ValidationContext) -> String?
    /// A request (and context) that breaks this rule, built from a valid one.
    public let violation: @Sendable (inout CreateVideoRequest, inout ValidationContext) -> Void
}

/// The one table of rules for a Digital Twin video, shared by the CLI, the compose form and the simulator.
///
/// Sources: `shared/heygen-v3/README.md` and the guide `create-digital-twin-video.txt`; where they
/// differ, the guide wins (e.g. `motion_prompt` is Avatar IV-only).
public enum VideoRules {
    public static let scriptMaxLength = 5_000
    public static let speedRange: ClosedRange<Double> = 0.5...1.5
    public static let pitchRange: ClosedRange<Double> = -50...50
    public static let volumeRange: ClosedRange<Double> = 0...1

    /// A range as help text says it: `0.5 to 1.5`.
    public static func rangeText(_ range: ClosedRange<Double>) -> String { "\(format(range.lowerBound)) to \(format(range.upperBound))" }

    /// Whether the script asks for a pause (`<break time="1s"/>`), which needs a voice with `support_pause`.
    public static func hasBreak(_ script: String) -> Bool {
        script.range(of: #"<break\s+time\s*="#, options: [.regularExpression, .caseInsensitive]) != nil
    }

    private static func rangeRule(
        _ field: String, _ name: String, _ range: ClosedRange<Double>, _ value: @escaping @Sendable (VoiceSettings) -> Double?,
        bad: Double, set: @escaping @Sendable (inout VoiceSettings, Double) -> Void
    ) -> ValidationRule {
        rule(field, field, "\(name) from \(rangeText(range))",
             check: { r, _ in
                 guard let v = r.voiceSettings.flatMap(value) else { return nil }
                 return range.contains(v) && v.isFinite ? nil : "must be from \(rangeText(range)) (got \(format(v)))"
             },
             violation: { r, _ in
                 var s = VoiceSettings()
                 set(&s, bad)
                 r.voiceSettings = s
             })
    }

    /// The guide: "motion_prompt and expressiveness are Avatar IV-only parameters."
    public static func ivOnlyFieldsAllowed(for engine: Engine) -> Bool { engine != .avatarV }

    /// Script length as the server counts it: Unicode code points.
    public static func scriptLength(_ script: String) -> Int { script.unicodeScalars.count }

    /// Whether `value` is `#RRGGBB`.
    public static func isHexColor(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 7, bytes[0] == UInt8(ascii: "#") else { return false }
        return bytes.dropFirst().allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }
    }

    /// Whether `value` is an absolute URL with a host and one of `schemes`.
    public static func isURL(_ value: String, schemes: Set<String>) -> Bool {
        guard !value.contains(where: { $0.isWhitespace }), let url = URLComponents(string: value),
            let scheme = url.scheme?.lowercased(), schemes.contains(scheme), let host = url.encodedHost, !host.isEmpty
        else { return false }
        return true
    }

    /// Whether `value` is a BCP 47 language-REGION tag: a 2–3 letter language, an optional 4-letter script, and a region
    /// of 2 letters or 3 digits (`en-US`, `pt-BR`, `zh-Hant-TW`, `es-419`). A language alone (`es`) is refused: the
    /// locale is an accent hint, and the region is the accent.
    public static func isLocale(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        func letters(_ s: String) -> Bool { s.allSatisfy { $0.isASCII && $0.isLetter } }
        guard (2...3).contains(parts.count), (2...3).contains(parts[0].count), letters(parts[0]) else { return false }
        if parts.count == 3 && !(parts[1].count == 4 && letters(parts[1])) { return false }
        guard let region = parts.last else { return false }
        return (region.count == 2 && letters(region)) || (region.count == 3 && region.allSatisfy { $0.isASCII && $0.isNumber })
    }

    private static func rule(
        _ id: String, _ field: String, _ summary: String,
        check: @escaping @Sendable (CreateVideoRequest, ValidationContext) -> String?,
        violation: @escaping @Sendable (inout CreateVideoRequest, inout ValidationContext) -> Void
    ) -> ValidationRule {
        ValidationRule(id: id, field: field, summary: summary, check: check, violation: violation)
    }

    /// Every rule, in the order a person fills the form.
    public static let all: [ValidationRule] = [
        rule("type", "type", "type is \"avatar\"",
             check: { r, _ in r.type == "avatar" ? nil : "must be \"avatar\" for a Digital Twin video (got \"\(r.type)\")" },
             violation: { r, _ in r.type = "video" }),
        rule("avatar_id.required", "avatar_id", "a look is required",
             check: { r, _ in PlainText.trimmed(r.avatarID).isEmpty ? "choose a look (its id is the avatar_id)" : nil },
             violation: { r, _ in r.avatarID = "" }),
        rule("look.usable", "avatar_id", "the look has finished training",
             check: { _, c in
                 guard let look = c.look, !look.isUsable else { return nil }
                 let why = look.error?.message.map { ": \($0)" } ?? ""
                 return "look \"\(look.name)\" is \(look.status?.rawValue ?? "not ready") and cannot be used yet\(why)"
             },
             violation: { _, c in c.look = Look(id: "lk", name: "Training", supportedAPIEngines: [.avatarIV], status: .processing) }),
        rule("script.required", "script", "a script of 1 to 5,000 characters, or a recording (audio_url / audio_asset_id)",
             check: { r, _ in
                 !r.usesAudio && PlainText.trimmed(r.script, newlines: true).isEmpty
                     ? "write a script (1 to 5,000 characters) or give a recording" : nil
             },
             violation: { r, _ in r.script = "  \n" }),
        rule("audio.exclusive", "audio_url", "a script or a recording, not both",
             check: { r, _ in
                 r.usesAudio && !r.script.isEmpty ? "a recording replaces the script: remove the script or the recording" : nil
             },
             violation: { r, _ in r.audioURL = "https://example.com/voice.mp3" }),
        rule("audio.one_source", "audio_asset_id", "audio_url or audio_asset_id, not both",
             check: { r, _ in
                 r.audioURL != nil && r.audioAssetID != nil ? "use either audio_url or audio_asset_id, not both" : nil
             },
             violation: { r, _ in r.script = ""; r.audioURL = "https://example.com/a.mp3"; r.audioAssetID = "asset_1" }),
        rule("audio_url.url", "audio_url", "the recording is an http(s) URL",
             check: { r, _ in
                 guard let u = r.audioURL else { return nil }
                 return isURL(u, schemes: ["https", "http"]) ? nil : "must be an http(s):// URL of an audio file (got \"\(u)\")"
             },
             violation: { r, _ in r.script = ""; r.audioURL = "file:///tmp/a.mp3" }),
        rule("audio_asset_id.id", "audio_asset_id", "an uploaded recording's asset id",
             check: { r, _ in
                 r.audioAssetID.map { PlainText.trimmed($0).isEmpty || $0.contains(where: \.isWhitespace) } == true
                     ? "must be an asset id (from an upload), without spaces" : nil
             },
             violation: { r, _ in r.script = ""; r.audioAssetID = " " }),
        rule("script.length", "script", "the script is at most 5,000 characters",
             check: { r, _ in
                 let n = scriptLength(r.script)
                 return n > scriptMaxLength ? "is \(PlainFormat.grouped(n)) characters; the limit is 5,000" : nil
             },
             violation: { r, _ in r.script = String(repeating: "a", count: scriptMaxLength + 1) }),
        rule("voice_id.required", "voice_id", "a voice is required with a script",
             check: { r, _ in !r.usesAudio && PlainText.trimmed(r.voiceID).isEmpty ? "choose a voice for the script" : nil },
             violation: { r, _ in r.voiceID = "" }),
        rule("script.pause", "script", "<break time=…/> only with a voice that supports pauses",
             check: { r, c in
                 guard let voice = c.voice, !voice.supportPause, !r.usesAudio, hasBreak(r.script) else { return nil }
                 return "voice \"\(voice.name)\" does not support pauses: remove the <break time=…/> tags or choose another voice"
             },
             violation: { r, c in
                 r.script = "Hello <break time=\"1s\"/> there."
                 c.voice = Voice(voiceID: r.voiceID, name: "No pause", language: "English", gender: .female, supportPause: false)
             }),
        rule("resolution.enum", "resolution", "resolution is 4k, 1080p or 720p",
             check: { r, _ in r.resolution.flatMap { $0.isKnown ? nil : "must be one of \(Resolution.knownList) (got \"\($0)\")" } },
             violation: { r, _ in r.resolution = "8k" }),
        rule("aspect_ratio.enum", "aspect_ratio", "aspect ratio is \(AspectRatio.knownList)",
             check: { r, _ in r.aspectRatio.flatMap { $0.isKnown ? nil : "must be one of \(AspectRatio.knownList) (got \"\($0)\")" } },
             violation: { r, _ in r.aspectRatio = "4:3" }),
        rule("fit.enum", "fit", "fit is \(Fit.knownList)",
             check: { r, _ in r.fit.flatMap { $0.isKnown ? nil : "must be one of \(Fit.knownList) (got \"\($0)\")" } },
             violation: { r, _ in r.fit = "stretch" }),
        rule("engine.enum", "engine", "engine is avatar_iv or avatar_v",
             check: { r, _ in
                 r.engine.flatMap { Engine.requestable.contains($0) ? nil : "must be avatar_iv or avatar_v (got \"\($0)\")" }
             },
             violation: { r, _ in r.engine = "avatar_x" }),
        rule("engine.look_supports_v", "engine", "Avatar V only when the look lists avatar_v",
             check: { r, c in
                 guard r.effectiveEngine == .avatarV, let look = c.look, !look.supports(.avatarV) else { return nil }
                 let engines = (look.supportedAPIEngines ?? []).filter { Engine.requestable.contains($0) }
                 let list = engines.isEmpty ? "no engine for videos yet" : engines.map(\.displayName).joined(separator: ", ")
                 return "Avatar V is not available for look \"\(look.name)\"; this look supports: \(list)"
             },
             violation: { r, c in
                 r.engine = .avatarV
                 c.look = Look(id: "lk", name: "IV only", supportedAPIEngines: [.avatarIV], status: .completed)
             }),
        rule("motion_prompt.iv_only", "motion_prompt", "motion_prompt is Avatar IV-only",
             check: { r, _ in
                 r.motionPrompt != nil && !ivOnlyFieldsAllowed(for: r.effectiveEngine)
                     ? "is an Avatar IV-only setting; remove it or choose Avatar IV" : nil
             },
             violation: { r, _ in r.engine = .avatarV; r.motionPrompt = "wave" }),
        rule("expressiveness.iv_only", "expressiveness", "expressiveness is Avatar IV-only",
             check: { r, _ in
                 r.expressiveness != nil && !ivOnlyFieldsAllowed(for: r.effectiveEngine)
                     ? "is an Avatar IV-only setting; remove it or choose Avatar IV" : nil
             },
             violation: { r, _ in r.engine = .avatarV; r.expressiveness = .high }),
        rule("expressiveness.enum", "expressiveness", "expressiveness is high, medium or low",
             check: { r, _ in
                 r.expressiveness.flatMap { $0.isKnown ? nil : "must be one of \(Expressiveness.knownList) (got \"\($0)\")" }
             },
             violation: { r, _ in r.expressiveness = "extreme" }),
        rule("output_format.enum", "output_format", "output format is mp4 or webm",
             check: { r, _ in r.outputFormat.flatMap { $0.isKnown ? nil : "must be one of \(OutputFormat.knownList) (got \"\($0)\")" } },
             violation: { r, _ in r.outputFormat = "mov" }),
        rule("background.type", "background.type", "background type is color or image",
             check: { r, _ in
                 guard let b = r.background, b.type != "color", b.type != "image" else { return nil }
                 return "must be \"color\" or \"image\" (got \"\(b.type)\")"
             },
             violation: { r, _ in r.background = Background(type: "video", url: "https://x.test/a.mp4") }),
        rule("background.color", "background.value", "a colour background is #RRGGBB",
             check: { r, _ in
                 guard let b = r.background, b.type == "color" else { return nil }
                 return isHexColor(b.value ?? "") ? nil : "must be a colour like #1A2B3C (got \"\(b.value ?? "")\")"
             },
             violation: { r, _ in r.background = .color("blue") }),
        rule("background.image", "background.url", "an image background is an https URL (or an asset_id)",
             check: { r, _ in
                 guard let b = r.background, b.type == "image" else { return nil }
                 if b.assetID != nil, b.url == nil { return nil }
                 return isURL(b.url ?? "", schemes: ["https"]) ? nil : "must be an https:// image URL (got \"\(b.url ?? "")\")"
             },
             violation: { r, _ in r.background = .image(url: "http://example.com/bg.png") }),
        rule("background.asset_id", "background.asset_id", "an uploaded image's asset id (not with a URL)",
             check: { r, _ in
                 guard let b = r.background, let asset = b.assetID else { return nil }
                 if b.url != nil { return "use either an image URL or an asset id, not both" }
                 if b.type != "image" { return "an asset id is an image background (type \"image\")" }
                 return PlainText.trimmed(asset).isEmpty || asset.contains(where: \.isWhitespace)
                     ? "must be an asset id (from an upload), without spaces" : nil
             },
             violation: { r, _ in r.background = Background(type: "image", assetID: "") }),
        rule("background.webm", "background", "no background with webm output",
             check: { r, _ in
                 r.background != nil && r.outputFormat == .webm
                     ? "webm output has a transparent background; remove the background or choose mp4" : nil
             },
             violation: { r, _ in r.outputFormat = .webm; r.background = .color("#000000") }),
        rangeRule("voice_settings.speed", "speed", speedRange, \.speed, bad: 2) { $0.speed = $1 },
        rangeRule("voice_settings.pitch", "pitch", pitchRange, \.pitch, bad: -51) { $0.pitch = $1 },
        rangeRule("voice_settings.volume", "volume", volumeRange, \.volume, bad: 1.5) { $0.volume = $1 },
        rule("voice_settings.locale", "voice_settings.locale", "locale like en-US",
             check: { r, _ in
                 guard let l = r.voiceSettings?.locale else { return nil }
                 return isLocale(l) ? nil : "must be a locale such as en-US (got \"\(l)\")"
             },
             violation: { r, _ in r.voiceSettings = VoiceSettings(locale: "english please") }),
        rule("voice_settings.locale.voice", "voice_settings.locale", "a locale only with a voice that supports one",
             check: { r, c in
                 guard r.voiceSettings?.locale != nil, let voice = c.voice, !voice.supportLocale else { return nil }
                 return "voice \"\(voice.name)\" does not take a locale: leave it empty or choose another voice"
             },
             violation: { r, c in
                 r.voiceSettings = VoiceSettings(locale: "en-GB")
                 c.voice = Voice(voiceID: r.voiceID, name: "One accent", language: "English", gender: .male, supportLocale: false)
             }),
        rule("caption.format", "caption", "captions are a sidecar srt, optionally burned in (style default)",
             check: { r, _ in
                 guard let c = r.caption else { return nil }
                 if c.fileFormat != "srt" { return "the caption file format must be srt (got \"\(c.fileFormat)\")" }
                 if let style = c.style, style != "default" { return "the caption style must be default or none (got \"\(style)\")" }
                 return nil
             },
             violation: { r, _ in r.caption = Caption(fileFormat: "vtt") }),
        rule("callback_url.url", "callback_url", "callback URL is an http(s) URL",
             check: { r, _ in
                 guard let u = r.callbackURL else { return nil }
                 return isURL(u, schemes: ["https", "http"]) ? nil : "must be an http(s):// URL (got \"\(u)\")"
             },
             violation: { r, _ in r.callbackURL = "ftp://example.com/hook" }),
        rule("callback_id.text", "callback_id", "a callback id is 1 to 255 characters without line breaks",
             check: { r, _ in
                 guard let id = r.callbackID else { return nil }
                 if PlainText.trimmed(id).isEmpty { return "must not be empty (leave it out instead)" }
                 if id.count > 255 { return "is \(id.count) characters; the limit is 255" }
                 return id.contains(where: \.isNewline) ? "must be one line" : nil
             },
             violation: { r, _ in r.callbackID = "" }),
    ]

    /// A number as a person writes it: `2`, not `2.0`.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(value)
    }
}

extension CreateVideoRequest {
    /// Checks the request against every rule in ``VideoRules/all``.
    /// - Parameter look: the look named by `avatar_id`, when known; enables the look rules.
    /// - Returns: the problems found, in form order; empty when the request may be sent.
    /// - Parameter voice: the voice named by `voice_id`, when known; enables the voice-limit rules (pauses, locale).
    public func validate(look: Look? = nil, voice: Voice? = nil) -> [FieldIssue] {
        let context = ValidationContext(look: look, voice: voice)
        return VideoRules.all.compactMap { rule in
            rule.check(self, context).map { FieldIssue(field: rule.field, message: $0, rule: rule.id) }
        }
    }
}

/// The `Idempotency-Key` header's rule: 1–255 characters of `[A-Za-z0-9_\-:.]`.
public enum IdempotencyKey {
    /// Whether `key` may be sent.
    public static func isValid(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45 || b == 58 || b == 46
        }
    }

    /// A fresh random key, e.g. `twindeck-3F2A…`.
    public static func make() -> String {
        "twindeck-" + UUID().uuidString.lowercased()
    }
}
