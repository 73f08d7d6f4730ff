import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// `a` in Compose: the script spoken in the chosen voice, kept so a second listen sends nothing.
@Suite("Hear the script (Compose)")
struct SpeechComposeTests {
    static func composing(voiceID: String = "v_sara", voiceName: String = "Sara", script: String = "Hello there, world.") -> AppState {
        var state = loadedState()
        state.pane = .compose
        state.compose.draft.voiceID = voiceID
        state.compose.draft.voiceName = voiceName
        state.compose.draft.script = TextArea(script)
        return state
    }

    static let answer = SpeechResponse(audioURL: "https://files.test/speech.wav?sig=1", duration: 7.2)

    @Test func aAsksOnceThenPlaysTheKeptSpeechWithoutAskingAgain() {
        var state = Self.composing()
        let request = SpeechRequest(text: "Hello there, world.", voiceID: "v_sara")
        #expect(press(&state, .character("a")) == [.speak(request)])
        #expect(state.speech.pending == request)
        // A second press while it is on its way does not ask again.
        #expect(press(&state, .character("a")) == [])
        #expect(update(&state, .speechLoaded(request, .success(Self.answer))) == [.audition(voiceID: "v_sara", url: Self.answer.audioURL)])
        guard case .audition(let audition) = state.mode else { Issue.record("\(state.mode)"); return }
        #expect(audition.voiceName.contains("Sara") && audition.voiceName.contains("8 s"), "\(audition.voiceName)")
        #expect(press(&state, .escape) == [.stopAudition])
        // Cached: the same script, voice and settings play again with no request.
        #expect(press(&state, .character("a")) == [.audition(voiceID: "v_sara", url: Self.answer.audioURL)])
        _ = press(&state, .escape)

        // The measured length replaces the 150-words-a-minute guess in the pre-flight.
        #expect(Preflight.spokenSeconds("Hello there, world.") == 2)
        #expect(state.preflight.spokenSeconds == 8 && state.preflight.spokenMeasured)

        // Another speed is another speech.
        state.compose.draft.speed = TextArea("1.5")
        #expect(!state.preflight.spokenMeasured && state.preflight.spokenSeconds == 2)
        #expect(press(&state, .character("a")) == [.speak(SpeechRequest(text: "Hello there, world.", voiceID: "v_sara", speed: 1.5))])
    }

    @Test func theKeptLinkIsAskedForAgainOnceItMayHaveExpired() {
        var state = Self.composing()
        let request = SpeechRequest(text: "Hello there, world.", voiceID: "v_sara")
        _ = press(&state, .character("a"))
        _ = update(&state, .speechLoaded(request, .success(Self.answer)))
        _ = press(&state, .escape)
        _ = update(&state, .ticked(fixedNow.addingTimeInterval(SpeechPreviews.linkLifetime + 1)))
        #expect(press(&state, .character("a")) == [.speak(request)])
    }

    @Test func aNonStarfishVoiceSaysSoAndIsNotAskedAgain() {
        var state = Self.composing(voiceID: "v_jose", voiceName: "José Ángel - Lively")
        let request = SpeechRequest(text: "Hello there, world.", voiceID: "v_jose")
        #expect(press(&state, .character("a")) == [.speak(request)])
        let refusal = HeyGenError(kind: .validation, httpStatus: 400, code: SpeechRequest.unsupportedVoiceCode,
                                  message: "Voice v_jose does not support the starfish engine", param: "voice_id")
        #expect(update(&state, .speechLoaded(request, .failure(refusal))) == [])
        #expect(state.mode == .normal)
        #expect(state.toast?.text.contains("not a starfish voice") == true, "\(String(describing: state.toast))")
        state.toast = nil
        #expect(press(&state, .character("a")) == [])
        #expect(state.toast?.text.contains("José Ángel") == true && state.toast?.text.contains("starfish") == true)
    }

    @Test func badInputSendsNothingAndSaysWhy() {
        var state = Self.composing(script: String(repeating: "a", count: 5_001))
        #expect(press(&state, .character("a")) == [])
        #expect(state.toast?.text.contains("5,000") == true, "\(String(describing: state.toast))")
        state = Self.composing()
        state.compose.draft.speed = TextArea("2.5")
        #expect(press(&state, .character("a")) == [])
        #expect(state.toast?.text.contains("0.5 to 2.0") == true)
        state = Self.composing()
        state.compose.draft.voiceID = nil
        #expect(press(&state, .character("a")) == [])
        #expect(state.toast?.text.contains("Choose a voice") == true)
    }

    @Test func theKeyIsInTheFooterAndHelp() {
        let state = Self.composing()
        #expect(KeyMap.footer(for: state.scopes).contains { $0 == ("a", "hear script") })
        let compose = KeyMap.helpSections().first { $0.0 == .compose }?.1 ?? []
        #expect(compose.contains { $0.1 == "hear script" })
    }
}

/// The real runner against the simulator: the second listen makes no second request.
@Suite("Hear the script: effects")
struct SpeechEffectTests {
    final class Posted: @unchecked Sendable {
        let lock = NSLock()
        var messages: [Message] = []
        func add(_ m: Message) { lock.withLock { messages.append(m) } }
        func take() -> [Message] { lock.withLock { defer { messages = [] }; return messages } }
    }

    /// Runs `effects`, then feeds every message back through `update` until `done` holds (or 30 s pass).
    static func settle(_ state: inout AppState, _ effects: [Effect], runner: EffectRunner, posted: Posted,
                       until done: (AppState) -> Bool) async throws {
        runner.run(effects)
        let deadline = ContinuousClock.now + .seconds(30)
        while !done(state), ContinuousClock.now < deadline {
            let messages = posted.take()
            if messages.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            for message in messages { runner.run(update(&state, message)) }
        }
    }

    @Test func theSecondListenCostsNoRequest() async throws {
        var logger = Logger(label: "speech-test")
        logger.logLevel = .critical
        let sim = try await Simulator.start(SimulatorOptions(), logger: logger)
        do {
            try await exercise(sim, logger: logger)
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
    }

    func exercise(_ sim: RunningSimulator, logger: Logger) async throws {
        let client = HeyGenClient(configuration: HeyGenConfiguration(baseURL: sim.baseURL, apiKey: "demo", retry: .never))
        let posted = Posted()
        // No player here: the audition offers the link, as over SSH.
        let runner = EffectRunner(service: client, cache: nil, logger: logger, copy: { _ in true }, post: posted.add)
        var state = SpeechComposeTests.composing(voiceID: "1bd001e7e50f421d891986aad5c8bbd2", script: "Hear me twice, please.")
        func linked(_ state: AppState) -> Bool {
            if case .audition(let audition) = state.mode, case .link = audition.phase { return true }
            return false
        }

        try await Self.settle(&state, press(&state, .character("a")), runner: runner, posted: posted, until: linked)
        guard case .audition(let first) = state.mode else { Issue.record("not playing: \(state.mode), \(String(describing: state.toast))"); return }
        #expect(first.url.hasPrefix(sim.baseURL + "/media/speech/"))
        #expect(state.preflight.spokenSeconds == 2 && state.preflight.spokenMeasured)  // four words at 0.4 s
        #expect(screen(state).joined(separator: "\n").contains("Playing is off in this session"))

        runner.run(press(&state, .escape))
        #expect(state.mode == .normal)
        let again = press(&state, .character("a"))
        #expect(!again.contains { if case .speak = $0 { true } else { false } }, "\(again)")
        try await Self.settle(&state, again, runner: runner, posted: posted, until: linked)
        guard case .audition(let second) = state.mode else { Issue.record("\(state.mode)"); return }
        #expect(second.url == first.url)
        #expect(await sim.state.requestCounts()["POST /v3/voices/speech"] == 1)
    }
}
