import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// The compose form against the field table: every request field has a form field, the new fields are edited,
/// cycled, shown and hidden (per engine, per script/recording), and what the form sends is what it shows.
@Suite("Compose form from the field table")
struct ComposeFieldTableTests {
    private func body(_ state: AppState) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: state.compose.draft.request().0.jsonBody()) as? [String: Any])
    }

    @Test("every field of the table has a form field, and the form's labels and kinds are the table's")
    func everyTableFieldIsInTheForm() throws {
        for field in RequestFields.all {
            let form = try #require(ComposeField.forWire(field.wire), "the form has no field for \(field.wire)")
            #expect(form.wires.contains(field.wire))
            if form.wires.first == field.wire && form != .backgroundValue && form != .audio {
                #expect(form.label == field.label)
                switch field.kind {
                case .text, .number: #expect(form.isText || form == .look || form == .voice, "\(form) should be typed")
                case .choice, .bool: #expect(!form.isText, "\(form) should be a choice")
                }
            }
        }
        for key in RequestFields.implied.keys { #expect(ComposeField.forWire(key) != nil, "a server refusal of \(key) lands nowhere") }
        #expect(ComposeField.allCases.filter(\.isAvatarIVOnly) == [.motionPrompt, .expressiveness])
    }

    @Test("a draft with every new field sends each of them, and re-composing the request gives the same draft")
    func newFieldsReachTheBody() throws {
        var state = composing(width: 120, height: 50)
        typeField(&state, .script, "Hello there")
        focus(&state, .aspectRatio)
        press(&state, .right, .right, .right, .right)  // 16:9 → 9:16 → 4:5 → 5:4 → 1:1
        #expect(state.compose.draft.aspectRatio == .square)
        focus(&state, .fit)
        press(&state, .right, .right)
        #expect(state.compose.draft.fit == .cover)
        typeField(&state, .volume, "0,5")
        focus(&state, .caption)
        press(&state, .right, .right)
        #expect(state.compose.draft.caption == .burned)
        typeField(&state, .callbackID, "order-42")
        focus(&state, .background)
        press(&state, .right, .right, .right)
        #expect(state.compose.draft.backgroundKind == .asset)
        typeField(&state, .backgroundValue, "asset_bg_1")
        #expect(state.composeIssues.isEmpty, "\(state.composeIssues)")
        let sent = try body(state)
        #expect(sent["aspect_ratio"] as? String == "1:1" && sent["fit"] as? String == "cover")
        #expect((sent["voice_settings"] as? [String: Any])?["volume"] as? Double == 0.5)
        #expect(sent["caption"] as? [String: String] == ["file_format": "srt", "style": "default"])
        #expect(sent["callback_id"] as? String == "order-42")
        #expect(sent["background"] as? [String: String] == ["type": "image", "asset_id": "asset_bg_1"])
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("burned in (and srt)") && text.contains("uploaded image") && text.contains("Voice volume"))

        let (request, _) = state.compose.draft.request()
        let again = ComposeDraft(request: request, lookName: nil, voiceName: nil)
        #expect(again.request().0 == request)
    }

    @Test("the speech choice shows the script or the recording, never both, and sends only what it shows")
    func scriptOrRecording() throws {
        var state = composing(width: 120, height: 50)
        #expect(state.compose.visibleFields.contains(.script) && !state.compose.visibleFields.contains(.audio))
        typeField(&state, .script, "Kept but not sent")
        focus(&state, .speech)
        press(&state, .right)
        #expect(state.compose.draft.speechSource == .audioURL)
        #expect(!state.compose.visibleFields.contains(.script) && state.compose.visibleFields.contains(.audio))
        #expect(state.compose.fieldNote?.field == .speech)
        var text = screen(state).joined(separator: "\n")
        #expect(text.contains("recording at a URL") && !text.contains("Kept but not sent"))
        typeField(&state, .audio, "https://example.com/voice.mp3")
        var sent = try body(state)
        #expect(sent["audio_url"] as? String == "https://example.com/voice.mp3" && sent["script"] == nil)
        #expect(state.composeIssues.isEmpty, "\(state.composeIssues)")

        focus(&state, .speech)
        press(&state, .right)
        #expect(state.compose.draft.speechSource == .audioAsset)
        sent = try body(state)
        #expect(sent["audio_asset_id"] as? String == "https://example.com/voice.mp3" && sent["audio_url"] == nil)
        typeField(&state, .audio, "")
        focus(&state, .audio)
        press(&state, .enter, .control("u"), .escape)
        state.compose.showAllIssues = true
        #expect(state.composeIssues[.audio]?.contains("give a recording") == true, "an empty recording is refused at the field shown")
        #expect(state.composeIssues[.script] == nil)

        focus(&state, .speech)
        press(&state, .right)
        #expect(state.compose.draft.speechSource == .audioFile)
        #expect(state.compose.visibleFields.contains(.audio) && !state.compose.visibleFields.contains(.script))
        press(&state, .right)
        #expect(state.compose.draft.speechSource == .script)
        #expect(try body(state)["script"] as? String == "Kept but not sent")
        text = screen(state).joined(separator: "\n")
        #expect(text.contains("Kept but not sent"))
    }

    @Test("Avatar V hides the IV-only fields of the table and the new fields stay")
    func engineHidesFromTheTable() {
        var state = composing(width: 120, height: 50)
        focus(&state, .engine)
        press(&state, .right)
        let visible = state.compose.visibleFields
        for field in ComposeField.allCases where field.requestField != nil {
            let shown = field.requestField?.applies(to: .avatarV) == true
            if field == .audio || field == .backgroundValue { continue }
            #expect(visible.contains(field) == shown, "\(field) with Avatar V")
        }
        #expect(visible.contains(.fit) && visible.contains(.caption) && visible.contains(.volume) && visible.contains(.callbackID))
    }

    @Test("the voice's own limits are flagged at the field: a pause with a voice without pauses, a locale it does not take")
    func voiceLimitsAtTheField() {
        var state = composing(width: 120, height: 50)
        typeField(&state, .script, "One <break time=\"1s\"/> two")
        typeField(&state, .locale, "es-ES")
        #expect(state.composeIssues[.script] == nil && state.composeIssues[.locale] == nil, "Sara supports both")
        state.compose.draft.voiceID = "v_jose"  // support_pause and support_locale false
        #expect(state.composeIssues[.script]?.contains("does not support pauses") == true)
        #expect(state.composeIssues[.locale]?.contains("does not take a locale") == true)
        typeField(&state, .locale, "")
        focus(&state, .locale)
        press(&state, .enter, .control("u"), .escape)
        #expect(state.composeIssues[.locale] == nil)
        state.compose.draft.locale.replace(with: "es")
        state.compose.draft.voiceID = "v_sara"
        #expect(state.composeIssues[.locale]?.contains("locale such as en-US") == true, "a language alone is not a locale")
    }

    @Test("a draft saved by an older TwinDeck (without the new keys) still loads, with the defaults")
    func olderDraftLoads() throws {
        let old = #"{"script": {"text": "Hi", "cursor": 2, "limit": 20000}, "engine": "avatar_v", "lookID": "lk_office"}"#
        let draft = try JSONDecoder().decode(ComposeDraft.self, from: Data(old.utf8))
        #expect(draft.engine == .avatarV && draft.lookID == "lk_office")
        #expect(draft.speechSource == .script && draft.caption == .off && draft.fit == nil && draft.volume.text.isEmpty)
        var full = ComposeDraft()
        full.caption = .srt
        full.speechSource = .audioAsset
        full.audio.replace(with: "asset_1")
        #expect(try JSONDecoder().decode(ComposeDraft.self, from: JSONEncoder().encode(full)) == full)
    }
}
