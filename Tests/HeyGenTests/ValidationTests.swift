import Foundation
import HeyGen
import Testing

/// A request that every rule accepts: Avatar IV (the default), with every optional field set to a valid value.
private func validIV() -> CreateVideoRequest {
    CreateVideoRequest(
        avatarID: "lk_abc123", script: "Hello from my twin.", voiceID: "voice_1", title: "Intro",
        resolution: .r1080p, aspectRatio: .landscape, engine: nil, removeBackground: false,
        background: .color("#112233"), voiceSettings: VoiceSettings(speed: 1, pitch: 0, locale: "en-US", volume: 0.8),
        motionPrompt: "nod slowly", expressiveness: .medium, outputFormat: .mp4,
        callbackURL: "https://example.com/hook", fit: .cover, callbackID: "order-42", caption: .burnedIn)
}

/// The minimal valid request: only the required fields.
private func minimal() -> CreateVideoRequest {
    CreateVideoRequest(avatarID: "lk_abc123", script: "Hi.", voiceID: "voice_1")
}

private let lookWithV = Look(id: "lk_abc123", name: "Twin", supportedAPIEngines: [.avatarIV, .avatarV], status: .completed)

private func rules(_ request: CreateVideoRequest, look: Look? = nil) -> Set<String> {
    Set(request.validate(look: look).map(\.rule))
}

private func jsonKeys(_ request: CreateVideoRequest) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: request.jsonBody()) as? [String: Any])
}

@Suite("Validation")
struct ValidationTests {
    @Test func validRequestsHaveNoIssues() {
        #expect(validIV().validate().isEmpty)
        #expect(validIV().validate(look: lookWithV).isEmpty)
        #expect(minimal().validate().isEmpty)

        var v = minimal()
        v.engine = .avatarV
        v.resolution = .r4k
        v.aspectRatio = .portrait
        #expect(v.validate(look: lookWithV).isEmpty)
        #expect(v.validate().isEmpty, "without the look, the look rules are skipped")
    }

    @Test func ruleIDsAreUnique() {
        let ids = VideoRules.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(!ids.isEmpty)
        for rule in VideoRules.all {
            #expect(!rule.field.isEmpty && !rule.summary.isEmpty, "rule \(rule.id)")
        }
    }

    @Test("each rule's own violation trips that rule", arguments: VideoRules.all.map(\.id))
    func ruleFires(_ id: String) throws {
        let rule = try #require(VideoRules.all.first { $0.id == id })
        for base in [validIV(), minimal()] {
            var request = base
            var context = ValidationContext()
            rule.violation(&request, &context)
            #expect(rule.check(base, ValidationContext()) == nil, "\(id) fires on the valid base request")
            let issues = request.validate(look: context.look, voice: context.voice)
            let issue = try #require(issues.first { $0.rule == id }, "\(id) did not fire; issues: \(issues)")
            #expect(issue.field == rule.field)
            #expect(!issue.message.isEmpty)
            #expect(issue.description.hasPrefix("\(rule.field): "))
        }
    }

    // MARK: - Script

    @Test func scriptLengthBoundaries() {
        var r = minimal()
        r.script = String(repeating: "a", count: 5_000)
        #expect(r.validate().isEmpty)
        r.script = String(repeating: "a", count: 5_001)
        #expect(rules(r) == ["script.length"])
        let issue = r.validate().first
        #expect(issue?.field == "script")
        #expect(issue?.message.contains("5,000") == true)
    }

    @Test func scriptIsCountedInCodePoints() {
        // "é" is 2 UTF-8 bytes, "日" 3, "😀" 4 (and 2 UTF-16 units): 5,000 of each is still 5,000 code points.
        for ch in ["é", "日", "😀"] {
            var r = minimal()
            r.script = String(repeating: ch, count: 5_000)
            #expect(VideoRules.scriptLength(r.script) == 5_000)
            #expect(r.validate().isEmpty, "5,000 × \(ch)")
            r.script += ch
            #expect(rules(r) == ["script.length"], "5,001 × \(ch)")
        }
        // A flag is one Character but two code points: counted as two.
        #expect(VideoRules.scriptLength("🇫🇷") == 2)
        var flags = minimal()
        flags.script = String(repeating: "🇫🇷", count: 2_501)  // 2,501 characters, 5,002 code points
        #expect(rules(flags) == ["script.length"])
    }

    @Test(arguments: ["", " ", "\n\t "])
    func blankScriptIsRequired(_ script: String) {
        var r = minimal()
        r.script = script
        #expect(rules(r) == ["script.required"])
    }

    // MARK: - Voice settings

    @Test(arguments: [(0.5, true), (1.5, true), (1.0, true), (0.49, false), (1.51, false), (0, false), (-1, false),
                      (Double.nan, false), (Double.infinity, false)])
    func speedRange(_ speed: Double, _ ok: Bool) {
        var r = minimal()
        r.voiceSettings = VoiceSettings(speed: speed)
        #expect(rules(r) == (ok ? [] : ["voice_settings.speed"]), "speed \(speed)")
    }

    @Test(arguments: [(-50.0, true), (50.0, true), (0, true), (-50.5, false), (50.5, false), (Double.nan, false),
                      (-Double.infinity, false)])
    func pitchRange(_ pitch: Double, _ ok: Bool) {
        var r = minimal()
        r.voiceSettings = VoiceSettings(pitch: pitch)
        #expect(rules(r) == (ok ? [] : ["voice_settings.pitch"]), "pitch \(pitch)")
    }

    /// A locale is language-REGION (the accent is the region): a language alone is refused.
    @Test(arguments: [("en-US", true), ("es", false), ("zh-Hant-TW", true), ("pt-BR", true), ("yue", false), ("es-419", true),
                      ("yue-HK", true), ("en-Latn", false), ("en-US-x", false), ("en-1234", false),
                      ("english please", false), ("e", false), ("en-", false), ("en_US", false), ("", false),
                      ("-US", false), ("en-U$", false)])
    func locales(_ locale: String, _ ok: Bool) {
        var r = minimal()
        r.voiceSettings = VoiceSettings(locale: locale)
        #expect(rules(r) == (ok ? [] : ["voice_settings.locale"]), "locale \"\(locale)\"")
    }

    // MARK: - Background

    @Test(arguments: [("#A1b2C3", true), ("#000000", true), ("#ffffff", true), ("#GGGGGG", false), ("#FFF", false),
                      ("A1B2C3", false), ("#A1B2C3D4", false), ("blue", false), ("", false), ("#A1B2C", false)])
    func colourBackground(_ value: String, _ ok: Bool) {
        var r = minimal()
        r.background = .color(value)
        #expect(rules(r) == (ok ? [] : ["background.color"]), "colour \"\(value)\"")
        #expect(VideoRules.isHexColor(value) == ok)
    }

    @Test(arguments: [("https://example.com/bg.png", true), ("HTTPS://example.com/bg.png", true),
                      ("http://example.com/bg.png", false), ("ftp://example.com/bg.png", false),
                      ("https://", false), ("example.com/bg.png", false), ("https://exa mple.com/a.png", false), ("", false)])
    func imageBackground(_ url: String, _ ok: Bool) {
        var r = minimal()
        r.background = .image(url: url)
        #expect(rules(r) == (ok ? [] : ["background.image"]), "url \"\(url)\"")
    }

    @Test func imageBackgroundByAssetID() {
        var r = minimal()
        r.background = Background(type: "image", assetID: "asset_123")
        #expect(r.validate().isEmpty)
        r.background = Background(type: "image", assetID: "")
        #expect(rules(r) == ["background.asset_id"])
        r.background = Background(type: "image")
        #expect(rules(r) == ["background.image"])
    }

    @Test func webmRefusesAnyBackground() {
        var r = minimal()
        r.outputFormat = .webm
        #expect(r.validate().isEmpty, "webm alone is fine")
        r.background = .color("#000000")
        #expect(rules(r) == ["background.webm"])
        r.background = .image(url: "https://example.com/a.png")
        #expect(rules(r) == ["background.webm"])
        r.outputFormat = .mp4
        #expect(r.validate().isEmpty)
    }

    // MARK: - Engine rules

    @Test func avatarVNeedsALookThatListsIt() {
        var r = minimal()
        r.engine = .avatarV
        let ivOnly = Look(id: "lk", name: "Old twin", supportedAPIEngines: [.avatarIV], status: .completed)
        let issues = r.validate(look: ivOnly)
        #expect(issues.map(\.rule) == ["engine.look_supports_v"])
        #expect(issues.first?.message.contains("Avatar IV") == true)
        #expect(issues.first?.message.contains("Old twin") == true)
        r.engine = .avatarIV
        #expect(r.validate(look: ivOnly).isEmpty)
        r.engine = nil
        #expect(r.validate(look: ivOnly).isEmpty)
    }

    @Test func ivOnlyFieldsAreRefusedWithAvatarV() {
        var r = validIV()
        #expect(r.validate(look: lookWithV).isEmpty)
        r.engine = .avatarV
        #expect(rules(r, look: lookWithV) == ["motion_prompt.iv_only", "expressiveness.iv_only"])
        r.engine = .avatarIV
        #expect(r.validate(look: lookWithV).isEmpty)
    }

    @Test func unusableLookIsReported() {
        let look = Look(id: "lk", name: "Fresh", status: .failed, error: LookError(code: "x", message: "blurry footage"))
        let issue = minimal().validate(look: look).first
        #expect(issue?.rule == "look.usable")
        #expect(issue?.field == "avatar_id")
        #expect(issue?.message.contains("blurry footage") == true)
    }

    // MARK: - Encoding

    @Test func avatarVBodyNeverCarriesIVOnlyKeys() throws {
        var r = validIV()
        r.engine = .avatarV
        #expect(r.motionPrompt != nil && r.expressiveness != nil)
        let object = try jsonKeys(r)
        #expect(object["motion_prompt"] == nil)
        #expect(object["expressiveness"] == nil)
        let engine = try #require(object["engine"] as? [String: Any])
        #expect(engine.count == 1)
        #expect(engine["type"] as? String == "avatar_v")
        // The compact body follows the same rule.
        let compact = try #require(try JSONSerialization.jsonObject(with: r.jsonBody(pretty: false)) as? [String: Any])
        #expect(Set(compact.keys) == Set(object.keys))
    }

    @Test func avatarIVBodyCarriesIVOnlyKeys() throws {
        for engine in [nil, Engine.avatarIV] {
            var r = validIV()
            r.engine = engine
            let object = try jsonKeys(r)
            #expect(object["motion_prompt"] as? String == "nod slowly")
            #expect(object["expressiveness"] as? String == "medium")
            if engine == nil {
                #expect(object["engine"] == nil)
            } else {
                #expect((object["engine"] as? [String: Any])?["type"] as? String == "avatar_iv")
            }
        }
    }

    @Test func fullBodyUsesOnlyAllowedKeys() throws {
        let object = try jsonKeys(validIV())
        #expect(Set(object.keys).isSubset(of: CreateVideoRequest.allowedKeys))
        // A recording replaces the script: the two audio keys are the only ones a full script body leaves out.
        #expect(Set(object.keys) == CreateVideoRequest.allowedKeys.subtracting(["engine", "audio_url", "audio_asset_id"]))
        #expect(object["caption"] as? [String: String] == ["file_format": "srt", "style": "default"])
        let background = try #require(object["background"] as? [String: Any])
        #expect(Set(background.keys) == ["type", "value"])
        #expect(Set(background.keys).isSubset(of: Background.allowedKeys))
        let voice = try #require(object["voice_settings"] as? [String: Any])
        #expect(Set(voice.keys) == VoiceSettings.allowedKeys)
        #expect(object["type"] as? String == "avatar")
    }

    @Test func nilOptionalsAreOmitted() throws {
        let data = try minimal().jsonBody()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["type", "avatar_id", "script", "voice_id"])
        #expect(!object.values.contains { $0 is NSNull })
        #expect(!String(decoding: data, as: UTF8.self).contains("null"))

        var partial = minimal()
        partial.voiceSettings = VoiceSettings(speed: 1.2)
        partial.background = .image(url: "https://example.com/a.png")
        let nested = try jsonKeys(partial)
        #expect((nested["voice_settings"] as? [String: Any]).map { Set($0.keys) } == ["speed"])
        #expect((nested["background"] as? [String: Any]).map { Set($0.keys) } == ["type", "url"])
    }

    @Test func bodyKeepsSlashesUnescaped() throws {
        let text = String(decoding: try validIV().jsonBody(pretty: false), as: UTF8.self)
        #expect(text.contains("https://example.com/hook"))
        #expect(!text.contains("\n"))
    }

    // MARK: - Idempotency-Key

    @Test(arguments: [
        ("", false), ("a", true), (String(repeating: "k", count: 255), true), (String(repeating: "k", count: 256), false),
        ("Az09_-:.", true), ("has space", false), ("slash/", false), ("plus+", false), ("é", false), ("new\nline", false),
    ])
    func idempotencyKeyRule(_ key: String, _ ok: Bool) {
        #expect(IdempotencyKey.isValid(key) == ok, "key of \(key.count) characters: \(key.prefix(20))")
    }

    @Test func madeIdempotencyKeysAreValidAndFresh() {
        let keys = (0..<20).map { _ in IdempotencyKey.make() }
        for key in keys { #expect(IdempotencyKey.isValid(key), "\(key)") }
        #expect(Set(keys).count == keys.count)
    }
}
