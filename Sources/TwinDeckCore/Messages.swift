import Foundation
import HeyGen

/// Where a voice catalogue came from.
public enum CatalogueSource: Equatable, Sendable { case cache, network }

/// Something that happened: a key, a resize, a clock tick, or the result of an effect.
public enum Message: Equatable, Sendable {
    case keyPressed(KeyPress)
    case resized(width: Int, height: Int)
    case ticked(Date)
    case accountLoaded(Result<User, HeyGenError>)
    /// Videos rendering on the account now (nil: unknown; the board's own count stands in).
    case accountRenderingLoaded(Int?)
    case looksLoaded(Result<[Look], HeyGenError>)
    case lookDetailLoaded(id: String, Result<Look, HeyGenError>)
    /// The answer to ``Effect/loadConsent(lookID:groupID:)``.
    case consentLoaded(lookID: String, Result<ConsentLink, HeyGenError>)
    case voicesLoaded(Result<VoiceIndex, HeyGenError>, source: CatalogueSource, fetchedAt: Date)
    case copied(what: String, ok: Bool)
    case submitted(Result<SubmitOutcome, HeyGenError>)
    case draftLoaded(ComposeDraft)
    /// The external editor returned: the edited script, or why there is none.
    case scriptEdited(ScriptEditResult)
    /// A save of this draft finished (see ``DraftSaveResult``).
    case draftSaved(ComposeDraft, DraftSaveResult)
    /// A draft file is there but could not be read: it is left as it is (the reason).
    case draftUnreadable(String)
    /// The store's rows after a change (a poll, a submit, an import).
    case boardLoaded([Submission])
    /// The whole history as read: the rows, and those this version could not read (shown as a count).
    case historyLoaded(History)
    /// What changed in the history since the board last read it: the rows changed or added, and those removed.
    case historyChanged(HistoryChanges)
    /// The history could not be read at all: said on the board instead of "Loading…" forever.
    case historyFailed(String)
    /// A board action (refresh, remove) could not be done: shown, not swallowed.
    case boardActionFailed(String)
    case pollHealthChanged(PollHealth)
    /// The render-time estimates of the running rows, by Idempotency-Key (rebuilt when a video finished).
    case renderEstimatesChanged([String: RenderEstimate])
    /// A webhook receiver for the store started, stopped or changed what it covers (nil: none runs).
    case webhookCoverageChanged(WebhookCoverage?)
    case downloadProgressed(key: String, DownloadProgress)
    /// A look's picture was drawn (or could not be) for a panel of `width`×`height`.
    case previewLoaded(lookID: String, width: Int, height: Int, PreviewPhase)
    /// The voice preview's player started, stopped, or cannot run here.
    case auditionChanged(voiceID: String, AuditionPhase?)
    /// The answer to ``Effect/speak(_:)``.
    case speechLoaded(SpeechRequest, Result<SpeechResponse, HeyGenError>)
    /// The answer to ``Effect/checkFiles(_:)``: what each local file of the form is, or why it cannot be used.
    case filesChecked([LocalFileCheck])
    /// A local file of the submit being uploaded (or found uploaded before).
    case uploadProgressed(LocalFileUploader.Progress)
}

/// How running `$VISUAL`/`$EDITOR` on the script ended.
public enum ScriptEditResult: Equatable, Sendable {
    /// The editor exited with status 0; the file's text as it left it.
    case edited(String)
    case failed(EditorFailure)
}

/// Why the external editor gave no script back; ``description`` is the sentence shown to the person.
public enum EditorFailure: Equatable, Sendable, CustomStringConvertible {
    /// Neither `$VISUAL` nor `$EDITOR` is set.
    case noEditor
    /// The temporary file could not be written, or the shell could not be started.
    case couldNotStart(String)
    /// The editor (its command's first word) exited with a status other than 0.
    case exited(editor: String, status: Int32)
    /// The editor was killed by a signal.
    case killed(editor: String, signal: Int32)
    /// The editor exited with 0 but its file could not be read back.
    case unreadable(String)
    /// The session ended while the editor was open (a hang-up, SIGTERM): the editor was closed too.
    case sessionEnded(signal: Int32)
    /// No terminal here to run an editor on (an ``EffectRunner`` without a ``TerminalEffects`` handler).
    case unavailable

    public var description: String {
        switch self {
        case .noEditor:
            return "Could not run the editor: set $VISUAL or $EDITOR"
        case .couldNotStart(let reason):
            return "Could not start the editor: \(reason)"
        case .exited(let editor, let status):
            let hint = status == 127 ? " (command not found)" : status == 126 ? " (not executable)" : ""
            return "The editor \(editor) exited with status \(status)\(hint): the script is unchanged"
        case .killed(let editor, let signal):
            return "The editor \(editor) was killed by signal \(signal)\(Self.name(signal)): the script is unchanged"
        case .unreadable(let reason):
            return "Could not read the edited script back: \(reason)"
        case .sessionEnded(let signal):
            return "The editor was closed: the session ended (signal \(signal)\(Self.name(signal)))"
        case .unavailable:
            return "The external editor is not available here (no terminal)"
        }
    }

    /// " (SIGINT)" for the signals a person meets; "" for others.
    static func name(_ signal: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV",
                                      13: "SIGPIPE", 15: "SIGTERM"]
        return names[signal].map { " (\($0))" } ?? ""
    }
}

/// Work for the runtime: network calls, disk, clipboard. Results come back as ``Message``s.
public enum Effect: Equatable, Sendable {
    case loadAccount
    /// Count the videos rendering on the account (for the submit pre-flight).
    case loadAccountRendering
    case loadLooks
    case loadLookDetail(id: String)
    /// Start the consent flow of a look's avatar group and get its link (`POST /v3/avatars/{group_id}/consent`).
    case loadConsent(lookID: String, groupID: String)
    /// From the disk cache when it is fresh, unless `refresh`; otherwise from the API (and then cached).
    case loadVoices(refresh: Bool)
    /// Put text on the clipboard (OSC 52).
    case copy(String, what: String)
    /// Upload the local files (their ids replace the placeholders), record the submission in the store, then send it
    /// with its Idempotency-Key.
    case submit(CreateVideoRequest, lookName: String?, voiceName: String?, look: Look?, files: LocalFiles = LocalFiles())
    /// Check the form's local files (size, type, a recording's length) without sending anything.
    case checkFiles(LocalFiles)
    /// Write the draft to disk; the result comes back as ``Message/draftSaved(_:_:)``.
    case saveDraft(ComposeDraft)
    case loadDraft
    /// Leave the screen, run `$VISUAL`/`$EDITOR` on the script, come back.
    case editScript(String)
    /// Poll the board now (`r`, or right after a submit).
    case pollNow
    /// Fetch one video's detail (fresh links) into the store.
    case refreshVideo(id: String)
    case download(key: String)
    /// Remove a row from the local board (the video stays on HeyGen).
    case removeSubmission(key: String)
    /// Tell the person a video finished (bell or OSC 9).
    case notify(String)
    /// Fetch (or take from the disk cache) a look's picture and draw it with `chafa` at `width`×`height` cells.
    case loadPreview(lookID: String, url: String, width: Int, height: Int)
    /// Play a voice's preview with a local player, or report why it cannot (over SSH, no player).
    case audition(voiceID: String, url: String)
    case stopAudition
    /// Generate the compose script's speech (`POST /v3/voices/speech`); the answer is ``Message/speechLoaded(_:_:)``.
    case speak(SpeechRequest)
}
