import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// A state on the Compose pane with the Office look (IV and V) chosen from the Looks pane.
func composing(width: Int = 80, height: Int = 24) -> AppState {
    var state = loadedState(width: width, height: height)
    press(&state, .enter)  // Enter on the Office look starts composing with it
    return state
}

func focus(_ state: inout AppState, _ field: ComposeField) {
    press(&state, .character("g"))
    while state.compose.focus != field {
        let before = state.compose.focus
        press(&state, .tab)
        if state.compose.focus == before { Issue.record("cannot reach \(field)"); return }
    }
}

func typeField(_ state: inout AppState, _ field: ComposeField, _ text: String) {
    focus(&state, field)
    press(&state, .enter)
    type(&state, text)
    press(&state, .escape)
}

@Suite("Compose form")
struct ComposeTests {
    @Test func enterOnALookStartsComposingWithItsDefaultVoice() {
        let state = composing()
        #expect(state.pane == .compose)
        #expect(state.compose.draft.lookID == "lk_office")
        #expect(state.compose.draft.voiceID == "v_sara", "the look's default voice is preselected")
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("Office — Blue Shirt [IV V]"))
        #expect(text.contains("Sara · English, female  (the look's default)"))
    }

    @Test func avatarVHidesTheIVOnlyFieldsAndNeverSendsThem() throws {
        var state = composing(width: 120, height: 40)
        typeField(&state, .script, "Hello there")
        typeField(&state, .motionPrompt, "wave hello")
        focus(&state, .expressiveness)
        press(&state, .right)
        #expect(state.compose.draft.expressiveness == .medium)
        var text = screen(state).joined(separator: "\n")
        #expect(text.contains("Motion prompt") && text.contains("Expressiveness"))

        focus(&state, .engine)
        press(&state, .right)
        #expect(state.compose.draft.engine == .avatarV)
        #expect(!state.compose.visibleFields.contains(.motionPrompt) && !state.compose.visibleFields.contains(.expressiveness))
        text = screen(state).joined(separator: "\n")
        #expect(!text.contains("› Motion prompt") && !text.contains(" Expressiveness "))
        #expect(text.contains("Motion prompt, expressiveness: Avatar IV-only (hidden with Avatar V)"))
        let body = try JSONSerialization.jsonObject(with: state.compose.draft.request().0.jsonBody()) as! [String: Any]
        #expect(body["motion_prompt"] == nil && body["expressiveness"] == nil)
        #expect((body["engine"] as? [String: String]) == ["type": "avatar_v"])
        #expect(state.composeIssues.isEmpty)

        // Back to IV: what was typed is still there, and is sent again.
        press(&state, .left)
        #expect(state.compose.draft.motionPrompt.text == "wave hello")
        let iv = try JSONSerialization.jsonObject(with: state.compose.draft.request().0.jsonBody()) as! [String: Any]
        #expect(iv["motion_prompt"] as? String == "wave hello" && iv["expressiveness"] as? String == "medium")
        #expect(iv["engine"] == nil, "Avatar IV is the default and is left out")
    }

    @Test func avatarVIsRefusedForALookWithoutIt() {
        var state = loadedState()
        press(&state, .character("j"), .enter)  // Kitchen: Avatar IV only
        #expect(state.compose.draft.lookID == "lk_kitchen")
        focus(&state, .engine)
        press(&state, .right)
        #expect(state.compose.draft.engine == .avatarIV)
        #expect(screen(state).joined().contains("this look supports: Avatar IV"))
    }

    @Test func webmDisablesTheBackgroundAndSaysSo() throws {
        var state = composing()
        typeField(&state, .script, "Hi")
        focus(&state, .background)
        press(&state, .right)
        #expect(state.compose.draft.backgroundKind == .color)
        typeField(&state, .backgroundValue, "#1A2B3C")
        focus(&state, .outputFormat)
        press(&state, .right)
        #expect(state.compose.draft.outputFormat == .webm)
        #expect(!state.compose.visibleFields.contains(.backgroundValue))
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("not available with webm"))
        let body = try JSONSerialization.jsonObject(with: state.compose.draft.request().0.jsonBody()) as! [String: Any]
        #expect(body["background"] == nil && body["output_format"] as? String == "webm")
        #expect(state.composeIssues.isEmpty)
    }

    @Test(arguments: [
        (ComposeField.speed, "2", "must be from 0.5 to 1.5 (got 2)"),
        (.speed, "fast", "must be a number (got \"fast\")"),
        (.pitch, "-51", "must be from -50 to 50 (got -51)"),
        (.locale, "english please", "must be a locale such as en-US"),
        (.callbackURL, "ftp://x.test/h", "must be an http(s):// URL"),
        (.title, "", ""),
    ])
    func fieldProblemsShowAtTheField(field: ComposeField, input: String, message: String) {
        var state = composing(width: 100, height: 50)
        typeField(&state, .script, "Hello")
        typeField(&state, field, input)
        let issues = state.visibleComposeIssues
        if message.isEmpty {
            #expect(issues.isEmpty)
        } else {
            #expect(issues[field]?.contains(message) == true, "\(issues)")
            #expect(screen(state).joined(separator: "\n").contains("↳ " + (issues[field] ?? "?")))
        }
    }

    @Test func submitIsRefusedWhileInvalidAndFocusesTheFirstProblem() {
        var state = loadedState()
        press(&state, .character("3"))
        #expect(state.pane == .compose)
        #expect(press(&state, .character("s")) == [])
        #expect(state.compose.showAllIssues)
        #expect(state.compose.focus == .look)
        #expect(state.toast?.text.contains("before submitting") == true)
    }

    @Test func submitConfirmsThenSendsExactlyOnce() {
        var state = composing()
        typeField(&state, .script, "Bonjour, ça va ? 你好")
        // Opening the confirmation sends nothing; it only asks for the pre-flight's figures.
        let opening = press(&state, .character("s"))
        #expect(!opening.contains { if case .submit = $0 { true } else { false } }, "\(opening)")
        #expect(opening.contains(.loadAccountRendering))
        #expect(state.compose.submit == .confirming)
        let dialog = screen(state).joined(separator: "\n")
        #expect(dialog.contains("Submit this video?") && dialog.contains("Avatar IV") && dialog.contains("1080p"))
        let effects = press(&state, .character("y"))
        guard case .submit(let request, _, _, _, _)? = effects.first else { Issue.record("\(effects)"); return }
        #expect(request.script == "Bonjour, ça va ? 你好")
        #expect(state.compose.submit == .sending)
        #expect(press(&state, .character("s"), .character("y")) == [], "a repeated key never sends twice")

        _ = update(&state, .submitted(.success(.created(CreateVideoResponse(videoID: "v_1", status: .waiting), key: "k"))))
        #expect(state.compose.submit == .sent(videoID: "v_1", status: .waiting))
        #expect(state.compose.draft.script.text.isEmpty && state.compose.draft.lookID == "lk_office")
    }

    @Test func serverValidationErrorLandsOnItsField() {
        var state = composing()
        typeField(&state, .script, "Hi")
        press(&state, .character("s"), .character("y"))
        let error = HeyGenError(kind: .validation, httpStatus: 400, code: "invalid_parameter", message: "voice not usable", param: "voice_id")
        _ = update(&state, .submitted(.failure(error)))
        #expect(state.compose.focus == .voice)
        #expect(state.visibleComposeIssues[.voice] == "voice not usable")
        #expect(screen(state).joined(separator: "\n").contains("↳ voice not usable"))
    }

    @Test func insufficientCreditShowsTheBalance() {
        var state = composing()
        _ = update(&state, .accountLoaded(.success(User(username: "u", wallet: .object(["remaining_credits": .number(5)])))))
        _ = update(&state, .submitted(.failure(HeyGenError(kind: .insufficientCredit, httpStatus: 402, message: "needs 10"))))
        #expect(state.toast?.text.contains("balance: 5 credits") == true)
    }

    @Test func scriptEditingIsUTF8SafeAndCounts() {
        var state = composing()
        focus(&state, .script)
        press(&state, .enter)
        type(&state, "Ça va? 👋🏽 講堂")
        press(&state, .backspace, .backspace)
        #expect(state.compose.draft.script.text == "Ça va? 👋🏽 ")
        press(&state, .enter)
        type(&state, "line two")
        press(&state, .up, .home)
        type(&state, ">")
        #expect(state.compose.draft.script.text == ">Ça va? 👋🏽 \nline two")
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("\(VideoRules.scriptLength(state.compose.draft.script.text)) / 5,000 characters"))
        #expect(press(&state, .control("e")) == [.editScript(state.compose.draft.script.text)])
        _ = update(&state, .scriptEdited(.edited("From the editor\n")))
        #expect(state.compose.draft.script.text == "From the editor")
    }

    @Test func pastedControlCharactersAndHugeTextAreHandled() {
        var area = TextArea(limit: 10)
        #expect(area.insert("ab\u{0}c\u{1B}[2J") == true)
        #expect(area.text == "abc[2J")
        #expect(area.insert("0123456789") == false, "cut at the limit")
        #expect(area.text.count == 10)
    }

    @Test func previewShowsTheExactBodyAndCopiesCurlWithoutTheKey() throws {
        var state = composing(width: 120, height: 40)
        typeField(&state, .script, "It's a test")
        press(&state, .character("p"))
        #expect(state.compose.previewing)
        let body = String(decoding: try state.compose.draft.request().0.jsonBody(), as: UTF8.self)
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("\"avatar_id\" : \"lk_office\""))
        let effects = press(&state, .character("c"))
        guard case .copy(let curl, "curl command")? = effects.first else { Issue.record("\(effects)"); return }
        #expect(curl.contains("x-api-key: $HEYGEN_API_KEY"))
        #expect(curl.contains("It'\\''s a test"))
        #expect(press(&state, .character("y")) == [.copy(body, what: "request body")])
        press(&state, .escape)
        #expect(!state.compose.previewing)
    }

    @Test func draftRoundTripsAndReComposes() throws {
        var state = composing()
        typeField(&state, .script, "Keep me")
        typeField(&state, .speed, "1.2")
        let data = try JSONEncoder().encode(state.compose.draft)
        let restored = try JSONDecoder().decode(ComposeDraft.self, from: data)
        #expect(restored == state.compose.draft)
        var fresh = loadedState()
        _ = update(&fresh, .draftLoaded(restored))
        #expect(fresh.compose.draft.script.text == "Keep me")
        let (request, _) = restored.request()
        let again = ComposeDraft(request: request, lookName: "Office — Blue Shirt", voiceName: "Sara")
        #expect(again.request().0 == request)
    }

    @Test func pickingAVoiceFromTheVoicesPane() {
        var state = composing()
        focus(&state, .voice)
        press(&state, .enter)
        #expect(state.pane == .voices && state.compose.picking == .voice)
        press(&state, .character("/"))
        type(&state, "lucia")
        press(&state, .enter, .enter)
        #expect(state.pane == .compose && state.compose.draft.voiceID == "v_lucia")
    }

    @Test func composeAt80x24() {
        var state = composing()
        typeField(&state, .script, "Hello! I am your Digital Twin. This video was generated entirely through the HeyGen API.")
        typeField(&state, .title, "My First Digital Twin Video")
        focus(&state, .engine)
        assertSnapshot(screen(state), named: "compose-80x24")
    }
}

@Suite("Script layout")
struct ScriptLayoutTests {
    @Test func wrapsAtWordsByDisplayWidth() {
        let layout = ScriptLayout(text: "Hello wonderful world", cursor: 0, width: 12)
        #expect(layout.rows == ["Hello ", "wonderful ", "world"])
        let wide = ScriptLayout(text: "講堂講堂講堂", cursor: 6, width: 5)
        #expect(wide.rows == ["講堂", "講堂", "講堂"])
        #expect(wide.cursorRow == 2 && wide.cursorColumn == 4)
    }

    @Test func cursorFollowsNewlinesAndLongWords() {
        let layout = ScriptLayout(text: "ab\ncdefghij", cursor: 3, width: 4)
        #expect(layout.rows == ["ab ", "cdef", "ghij"])
        #expect(layout.cursorRow == 1 && layout.cursorColumn == 0)
        let end = ScriptLayout(text: "abcd", cursor: 4, width: 4)
        #expect(end.cursorRow == 1 && end.cursorColumn == 0)
    }
}
