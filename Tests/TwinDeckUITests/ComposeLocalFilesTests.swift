import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore
@testable import TwinDeckUI

/// A recording or a background image on this machine, named in the form: checked off the UI thread when the path is
/// entered, shown at its field (size, length, or why it cannot be used), uploaded on submit with a progress bar, and
/// never sent when it cannot be used.
@Suite("Compose: local files")
struct ComposeLocalFilesTests {
    /// The form with the speech set to a recording file at `path`.
    static func withRecordingFile(_ path: String, width: Int = 100, height: Int = 40) -> (AppState, [Effect]) {
        var state = composing(width: width, height: height)
        focus(&state, .speech)
        press(&state, .right, .right, .right)  // script → URL → asset id → file here
        #expect(state.compose.draft.speechSource == .audioFile)
        focus(&state, .audio)
        press(&state, .enter)
        type(&state, path)
        let effects = press(&state, .enter)
        return (state, effects)
    }

    @Test("entering a file's path checks it; a bad file is refused at the field and blocks the submit")
    func aBadFileIsShownAtItsField() throws {
        var (state, effects) = Self.withRecordingFile("~/voice.txt")
        #expect(effects.contains(.checkFiles(LocalFiles(["audio_file": "~/voice.txt"]))), "\(effects)")
        #expect(state.compose.draft.request().0.audioAssetID == "<audio_file>", "the preview shows where the id goes")
        _ = update(&state, .filesChecked([LocalFileCheck(column: "audio_file", path: "~/voice.txt",
                                                         problem: "/home/x/voice.txt is not an audio file: use mp3 or wav")]))
        #expect(state.composeIssues[.audio]?.contains("is not an audio file") == true)
        #expect(screen(state).joined(separator: "\n").contains("↳ /home/x/voice.txt is not an audio file"))
        let submit = press(&state, .character("s"))
        #expect(!submit.contains { if case .submit = $0 { true } else { false } } && state.compose.submit == .idle)
        // A check of another path says nothing about this one.
        focus(&state, .audio)
        press(&state, .enter, .control("u"))
        type(&state, "~/voice.wav")
        press(&state, .enter)
        #expect(state.composeIssues[.audio] == nil, "the old check was about another path")
    }

    @Test("a good recording file shows its size and length, the pre-flight its length, and the submit carries the file")
    func aGoodFileIsSubmittedWithItsUpload() throws {
        var (state, _) = Self.withRecordingFile("/tmp/talk.wav")
        _ = update(&state, .filesChecked([LocalFileCheck(column: "audio_file", path: "/tmp/talk.wav", size: 64_044, seconds: 4.0)]))
        #expect(state.composeIssues.isEmpty, "\(state.composeIssues)")
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("62.5 KB, 4 s; uploaded when you submit"), "\(text)")
        let opening = press(&state, .character("s"))
        #expect(opening.contains(.checkFiles(LocalFiles(["audio_file": "/tmp/talk.wav"]))), "checked again as the confirmation opens")
        #expect(state.preflight.recording && state.preflight.spokenMeasured && state.preflight.spokenSeconds == 4)
        let dialog = screen(state).joined(separator: "\n")
        #expect(dialog.contains("Recording") && dialog.contains("file talk.wav (uploaded first), 4 s"), "\(dialog)")
        let sent = press(&state, .character("y"))
        guard case .submit(let request, _, _, _, let files)? = sent.first else { Issue.record("\(sent)"); return }
        #expect(files == LocalFiles(["audio_file": "/tmp/talk.wav"]) && request.audioAssetID == "<audio_file>" && request.script.isEmpty)
        // The upload's progress is on the status line while it goes.
        _ = update(&state, .uploadProgressed(.init(field: "audio_file", fileName: "talk.wav", sent: 32_022, total: 64_044, attempt: 2, reused: false)))
        let status = screen(state).joined(separator: "\n")
        #expect(status.contains("uploading talk.wav [█████░░░░░] 50% of 62.5 KB (try 2)"), "\(status)")
    }

    @Test("a file that turns bad while the confirmation is open sends the person back to its field")
    func aCheckDuringTheConfirmationGoesBackToTheForm() {
        var (state, _) = Self.withRecordingFile("/tmp/talk.wav")
        _ = update(&state, .filesChecked([LocalFileCheck(column: "audio_file", path: "/tmp/talk.wav", size: 10, seconds: 1)]))
        press(&state, .character("s"))
        #expect(state.compose.submit == .confirming)
        _ = update(&state, .filesChecked([LocalFileCheck(column: "audio_file", path: "/tmp/talk.wav", problem: "cannot read /tmp/talk.wav: No such file or directory")]))
        #expect(state.compose.submit == .idle && state.compose.focus == .audio)
        #expect(press(&state, .character("y")).isEmpty)
    }

    @Test("a background image file: chosen, checked, previewed with its placeholder; none named is refused")
    func aBackgroundFile() throws {
        var state = composing(width: 100, height: 40)
        typeField(&state, .script, "Hello with a picture behind me.")
        focus(&state, .background)
        press(&state, .right, .right, .right, .right)  // none → colour → image URL → asset id → file here
        #expect(state.compose.draft.backgroundKind == .file)
        state.compose.showAllIssues = true
        #expect(state.composeIssues[.backgroundValue]?.contains("name an image file") == true)
        focus(&state, .backgroundValue)
        press(&state, .enter)
        type(&state, "bg.png")
        let effects = press(&state, .escape)
        #expect(effects.contains(.checkFiles(LocalFiles(["background_file": "bg.png"]))))
        #expect(state.composeIssues.isEmpty, "\(state.composeIssues)")
        let body = try #require(try JSONSerialization.jsonObject(with: state.compose.draft.request().0.jsonBody()) as? [String: Any])
        #expect(body["background"] as? [String: String] == ["type": "image", "asset_id": "<background_file>"])
        // webm has no background: the file is kept in the form but neither checked nor uploaded.
        focus(&state, .outputFormat)
        press(&state, .right)
        #expect(state.compose.draft.outputFormat == .webm && state.compose.draft.localFiles.isEmpty)
    }
}

@Suite("Compose: local files, uploaded for real")
struct ComposeUploadEffectTests {
    @Test("the submit uploads the file (progress on the way), then sends its id; a 40 MB file sends and records nothing")
    func uploadsThenSends() async throws {
        var logger = Logger(label: "upload-test")
        logger.logLevel = .critical
        let sim = try await Simulator.start(SimulatorOptions(), logger: logger)
        let files = try SampleAssets()
        defer { files.remove() }
        do {
            let client = HeyGenClient(configuration: HeyGenConfiguration(baseURL: sim.baseURL, apiKey: "demo", retry: .never))
            let uploader = LocalFileUploader(service: client, cache: AssetCache(url: files.folder.appendingPathComponent("assets.json")), account: "demo")
            let recorder = EffectRunnerTests.FakeRecorder()
            let posted = SpeechEffectTests.Posted()
            let runner = EffectRunner(service: client, cache: nil, recorder: recorder, uploader: uploader, logger: logger,
                                      copy: { _ in true }, post: posted.add)
            var (state, _) = ComposeLocalFilesTests.withRecordingFile(try files.wav(seconds: 2).path)
            state.compose.draft.lookID = "lk_twin_office"
            state.compose.draft.voiceID = "1bd001e7e50f421d891986aad5c8bbd2"
            func sent(_ state: AppState) -> Bool { if case .sent = state.compose.submit { true } else { false } }
            func failed(_ state: AppState) -> Bool { if case .failed = state.compose.submit { true } else { false } }
            // The check runs for real: the wav's length reaches the pre-flight.
            try await SpeechEffectTests.settle(&state, press(&state, .character("s")), runner: runner, posted: posted) {
                $0.compose.fileCheck("audio_file")?.seconds != nil && $0.looks.details["lk_twin_office"] != nil
            }
            #expect(state.preflight.spokenSeconds == 2 && state.compose.submit == .confirming)
            // Message by message, as the UI loop would: the upload's progress reaches the form before the answer.
            var progressSeen = false
            runner.run(press(&state, .character("y")))
            let deadline = ContinuousClock.now + .seconds(30)
            while !(sent(state) || failed(state)), ContinuousClock.now < deadline {
                let messages = posted.take()
                if messages.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                for message in messages {
                    runner.run(update(&state, message))
                    if let upload = state.compose.upload, upload.field == "audio_file", !upload.reused { progressSeen = true }
                }
            }
            #expect(sent(state), "\(state.compose.submit)")
            #expect(progressSeen, "the upload's progress reached the form")
            let uploads = await sim.state.requestCounts()["POST /v3/assets"]
            #expect(uploads == 1)
            #expect(recorder.log.count == 2 && recorder.log[0].hasPrefix("submitting"))

            // A file over the limit: refused at the field, nothing uploaded, nothing recorded.
            let before = recorder.log.count
            var (big, _) = ComposeLocalFilesTests.withRecordingFile(try files.big(bytes: 40 * 1024 * 1024).path)
            big.compose.draft.lookID = "lk_twin_office"
            big.compose.draft.voiceID = "1bd001e7e50f421d891986aad5c8bbd2"
            big.compose.submit = .confirming  // as if the check had not come back before the confirmation
            try await SpeechEffectTests.settle(&big, [.submit(big.compose.draft.request().0, lookName: nil, voiceName: nil, look: nil,
                                                              files: big.compose.draft.localFiles)],
                                               runner: runner, posted: posted, until: failed)
            guard case .failed(let error) = big.compose.submit else { Issue.record("\(big.compose.submit)"); return }
            #expect(error.param == "audio_asset_id" && error.message.contains("uploads are limited to 32 MB"))
            #expect(big.compose.focus == .audio && big.composeIssues[.audio]?.contains("32 MB") == true)
            #expect(recorder.log.count == before, "nothing recorded")
            #expect(await sim.state.requestCounts()["POST /v3/assets"] == 1, "nothing uploaded")
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
    }
}

@Suite("Copying where tmux drops it")
struct ClipboardProblemTests {
    @Test func aFailedCopySaysWhyWhenTheReasonIsKnown() {
        var state = loadedState()
        _ = update(&state, .copied(what: "look ID", ok: false))
        #expect(state.toast?.text == "Could not copy look ID")
        state.clipboardProblem = "tmux has set-clipboard off, so copies stop at tmux: run tmux set -g set-clipboard on"
        _ = update(&state, .copied(what: "look ID", ok: false))
        #expect(state.toast?.text.contains("Could not copy look ID: tmux has set-clipboard off") == true)
        _ = update(&state, .copied(what: "look ID", ok: true))
        #expect(state.toast?.text == "Copied look ID to the clipboard (OSC 52)")
    }
}

@Suite("The board's status words")
struct BoardVocabularyTests {
    @Test func theAPIsWordsForNotStartedYetReadAsPendingAndTheDetailKeepsHeyGensWord() {
        for (word, shown, raw) in [("waiting", "pending", "waiting"), ("queued", "pending", "queued"), ("pending", "pending", nil),
                                   ("processing", "processing", nil), ("completed", "completed", nil), ("failed", "failed", nil)] as [(String, String, String?)] {
            let item = row("k", title: "T", status: word)
            #expect(item.displayStatus == shown && item.rawStatus == raw, "\(word)")
        }
        #expect(row("k", title: "T", status: "queued").isRunning)
    }
}
