import Foundation
import HeyGen
import Testing

/// The field table of `POST /v3/videos`: it covers every key of the request type, each entry reads and writes its own
/// value, and its help takes its limits from the rules.
@Suite("Request field table")
struct RequestFieldsTests {
    @Test("every key of the request type (and of its nested objects) is a field of the table or implied by one")
    func everyRequestKeyIsCovered() {
        let keys = RequestFields.requestKeys
        #expect(keys.contains("voice_settings.volume") && keys.contains("caption.style") && keys.contains("background.asset_id"))
        for key in keys { #expect(RequestFields.covers(key), "the request key \(key) is in no field of the table") }
        // And nothing in the table is stale: every wire path is a key of the request (caption is one choice).
        for field in RequestFields.all {
            #expect(keys.contains(field.wire) || field.wire == "caption", "\(field.wire) is not a key of CreateVideoRequest")
        }
    }

    @Test func namesAreUniquePerSurface() {
        let all = RequestFields.all
        #expect(Set(all.map(\.wire)).count == all.count)
        #expect(Set(all.map(\.option)).count == all.count)
        #expect(Set(all.map(\.column) + all.flatMap(\.aliases)).count == all.count + all.flatMap(\.aliases).count)
        #expect(Set(all.map(\.label)).count == all.count)
    }

    @Test("each field's example reads into the request, reads back the same, and passes every rule", arguments: RequestFields.all.map(\.wire))
    func exampleRoundTrips(_ wire: String) throws {
        let field = try #require(RequestFields.field(wire))
        var request = CreateVideoRequest(avatarID: "lk_1", script: "Hello.", voiceID: "v_1")
        if wire == "audio_url" || wire == "audio_asset_id" { request.script = "" }
        #expect(field.set(&request, field.example) == nil)
        #expect(field.get(request) == field.example)
        #expect(request.validate().isEmpty, "\(wire) = \(field.example): \(request.validate())")
        let body = try #require(try JSONSerialization.jsonObject(with: request.jsonBody()) as? [String: Any])
        let top = String(wire.split(separator: ".")[0])
        #expect(body[top] != nil, "\(wire) is not in the body")
    }

    @Test("help texts take their limits from the rules' constants")
    func helpFromTheRules() throws {
        let speed = try #require(RequestFields.field("voice_settings.speed"))
        #expect(speed.kind == .number(VideoRules.speedRange))
        #expect(speed.help == "Voice speed, \(VideoRules.rangeText(VideoRules.speedRange))")
        #expect(try #require(RequestFields.field("voice_settings.volume")).help.hasSuffix("0 to 1"))
        #expect(try #require(RequestFields.field("voice_settings.pitch")).help.hasSuffix("-50 to 50"))
        let ratio = try #require(RequestFields.field("aspect_ratio"))
        #expect(ratio.kind == .choice(["16:9", "9:16", "4:5", "5:4", "1:1", "auto"]))
        #expect(ratio.help.contains(AspectRatio.knownList))
        // The rule's own summary and message use the same constants.
        let rule = try #require(VideoRules.all.first { $0.id == "voice_settings.volume" })
        #expect(rule.summary == "volume from 0 to 1")
        #expect(try #require(RequestFields.field("motion_prompt")).help.hasSuffix("(Avatar IV only)"))
    }

    @Test("the engine rule lives in the table: motion_prompt and expressiveness only with Avatar IV")
    func engineApplicability() {
        let ivOnly = RequestFields.all.filter { !$0.applies(to: .avatarV) }.map(\.wire)
        #expect(ivOnly == ["motion_prompt", "expressiveness"])
        #expect(RequestFields.all.allSatisfy { $0.applies(to: .avatarIV) })
        for wire in ivOnly {
            #expect(VideoRules.all.contains { $0.field == wire && $0.id.hasSuffix("iv_only") })
        }
    }

    @Test func readersRefuseWhatTheyCannotRead() throws {
        var request = CreateVideoRequest(avatarID: "lk_1", script: "Hi.", voiceID: "v_1")
        #expect(try #require(RequestFields.field("voice_settings.volume")).set(&request, "loud") == "must be a number (got \"loud\")")
        #expect(try #require(RequestFields.field("remove_background")).set(&request, "maybe") == "must be true or false (got \"maybe\")")
        #expect(try #require(RequestFields.field("caption")).set(&request, "vtt")?.contains("off, srt, burned") == true)
        #expect(try #require(RequestFields.field("voice_settings.speed")).set(&request, "1,25") == nil)
        #expect(request.voiceSettings?.speed == 1.25)
    }
}

@Suite("Rules of the new fields")
struct NewFieldRuleTests {
    private func minimal() -> CreateVideoRequest { CreateVideoRequest(avatarID: "lk_1", script: "Hi.", voiceID: "v_1") }
    private func rules(_ r: CreateVideoRequest, voice: Voice? = nil) -> Set<String> { Set(r.validate(voice: voice).map(\.rule)) }

    @Test(arguments: [(0.0, true), (1.0, true), (0.5, true), (-0.1, false), (1.01, false), (Double.nan, false), (Double.infinity, false)])
    func volumeRange(_ volume: Double, _ ok: Bool) {
        var r = minimal()
        r.voiceSettings = VoiceSettings(volume: volume)
        #expect(rules(r) == (ok ? [] : ["voice_settings.volume"]), "volume \(volume)")
    }

    @Test func aspectRatiosAndFit() {
        var r = minimal()
        for ratio in ["16:9", "9:16", "4:5", "5:4", "1:1", "auto"] {
            r.aspectRatio = AspectRatio(rawValue: ratio)
            #expect(rules(r).isEmpty, "\(ratio)")
        }
        r.aspectRatio = "2:1"
        #expect(rules(r) == ["aspect_ratio.enum"])
        r = minimal()
        r.fit = .contain
        #expect(rules(r).isEmpty)
        r.fit = "fill"
        #expect(r.validate().first?.message == "must be one of contain, cover (got \"fill\")")
    }

    @Test func scriptOrRecording() {
        var r = minimal()
        r.audioURL = "https://example.com/a.mp3"
        #expect(rules(r) == ["audio.exclusive"])
        #expect(r.validate().first?.field == "audio_url")
        r.script = ""
        r.voiceID = ""
        #expect(rules(r).isEmpty, "a recording needs no script and no voice")
        let body = (try? r.jsonBody()).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(!body.contains("\"script\"") && !body.contains("\"voice_id\""))
        r.audioURL = nil
        #expect(rules(r) == ["script.required", "voice_id.required"])
        r.audioAssetID = "asset 1"
        #expect(rules(r) == ["audio_asset_id.id"])
        r.audioAssetID = "asset_1"
        r.audioURL = "https://example.com/a.mp3"
        #expect(rules(r) == ["audio.one_source"])
        r.audioAssetID = nil
        r.audioURL = "ftp://example.com/a.mp3"
        #expect(rules(r) == ["audio_url.url"])
    }

    @Test func backgroundAssetID() {
        var r = minimal()
        r.background = Background(type: "image", assetID: "asset_bg")
        #expect(rules(r).isEmpty)
        r.background = Background(type: "image", url: "https://example.com/b.png", assetID: "asset_bg")
        #expect(rules(r) == ["background.asset_id"])
        r.background = Background(type: "color", value: "#000000", assetID: "asset_bg")
        #expect(rules(r) == ["background.asset_id"])
        r.background = Background(type: "image", assetID: "   ")
        #expect(rules(r) == ["background.asset_id"])
    }

    @Test func captionsAndCallbackID() {
        var r = minimal()
        r.caption = .sidecar
        #expect(rules(r).isEmpty)
        r.caption = .burnedIn
        #expect(rules(r).isEmpty)
        r.caption = Caption(style: "karaoke")
        #expect(rules(r) == ["caption.format"])
        r.caption = nil
        r.callbackID = "order-42"
        #expect(rules(r).isEmpty)
        r.callbackID = ""
        #expect(rules(r) == ["callback_id.text"])
        r.callbackID = String(repeating: "x", count: 256)
        #expect(rules(r) == ["callback_id.text"])
        r.callbackID = "a\nb"
        #expect(rules(r) == ["callback_id.text"])
    }

    @Test func theVoicesOwnLimits() {
        let noPause = Voice(voiceID: "v_1", name: "Luca", language: "Italian", gender: .male, supportPause: false, supportLocale: false)
        let full = Voice(voiceID: "v_1", name: "Sara", language: "English", gender: .female, supportPause: true, supportLocale: true)
        var r = minimal()
        r.script = "One <break time=\"1.5s\"/> two."
        #expect(rules(r, voice: noPause) == ["script.pause"])
        #expect(r.validate(voice: noPause).first?.message.contains("Luca") == true)
        #expect(rules(r, voice: full).isEmpty)
        #expect(rules(r).isEmpty, "without the voice the rule cannot know")
        r.script = "No pause here."
        r.voiceSettings = VoiceSettings(locale: "it-IT")
        #expect(rules(r, voice: noPause) == ["voice_settings.locale.voice"])
        #expect(rules(r, voice: full).isEmpty)
        #expect(VideoRules.hasBreak("a <BREAK  time='2s' /> b") && !VideoRules.hasBreak("a break time b"))
    }
}
