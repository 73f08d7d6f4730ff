import Foundation
import HeyGen

/// The outcome of sending a video from the form.
public enum SubmitOutcome: Equatable, Sendable {
    case created(CreateVideoResponse, key: String)
    /// Sent, but the answer never came (timeout, connection lost): the store keeps the row with its key.
    case uncertain(key: String, reason: String)
    /// The server made the video but the history could not record it: the row stays `submitting`, and the board's
    /// re-send with the same key records the replayed answer.
    case createdUnrecorded(CreateVideoResponse, key: String, reason: String)
}

extension AppState {
    /// The look the form names, with the most detail known.
    public var composeLook: Look? {
        guard let id = compose.draft.lookID else { return nil }
        return looks.details[id] ?? looks.all.first { $0.id == id }
    }

    /// Each field's problem now (the shared rule table, number parsing, and the server's last word), first per field.
    public var composeIssues: [ComposeField: String] {
        let (request, parseIssues) = compose.draft.request()
        var issues: [ComposeField: String] = [:]
        let voice = compose.draft.voiceID.flatMap { voices.index.voice(id: $0) }
        for issue in parseIssues + request.validate(look: composeLook, voice: voice) {
            guard var field = ComposeField.forWire(issue.field) else { continue }
            // With a recording chosen the script is hidden: "no script or recording" belongs to the recording.
            if field == .script && compose.draft.speechSource != .script { field = .audio }
            guard issues[field] == nil else { continue }
            issues[field] = issue.message
        }
        if let server = compose.serverIssue, let field = ComposeField.forWire(server.field), issues[field] == nil {
            issues[field] = server.message
        }
        // A local file that cannot be used (checked off the UI thread: ``Effect/checkFiles(_:)``), or none named.
        for file in RequestFields.files {
            guard let field = ComposeField.forWire(file.target), issues[field] == nil else { continue }
            if let problem = compose.fileCheck(file.column)?.problem {
                issues[field] = problem
            } else if file.column == "background_file", compose.draft.backgroundKind == .file, compose.draft.outputFormat != .webm,
                compose.draft.localFiles.paths[file.column] == nil
            {
                issues[field] = "name an image file on this machine (png or jpeg, at most 32 MB)"
            }
        }
        return issues
    }

    /// The length of the form's recording file when its header tells it.
    public var recordingSeconds: Int? {
        guard compose.draft.speechSource == .audioFile, let seconds = compose.fileCheck("audio_file")?.seconds else { return nil }
        return Int(saturating: seconds.rounded(.up))
    }

    /// Checks the form's local files after editing `field`, when it holds a path (the other fields leave them as they were).
    func checkFilesEffects(after field: ComposeField) -> [Effect] {
        field == .audio || field == .backgroundValue ? checkFilesEffects() : []
    }

    /// Checks the form's local files when it names any (after editing a path, choosing a file kind, loading a draft).
    func checkFilesEffects() -> [Effect] {
        let files = compose.draft.localFiles
        return files.isEmpty ? [] : [.checkFiles(files)]
    }

    /// The files' checks came back: kept for the fields; a submit waiting for its confirmation goes back to the form
    /// when one cannot be used.
    mutating func filesChecked(_ checks: [LocalFileCheck]) -> [Effect] {
        for check in checks { compose.fileChecks[check.column] = check }
        guard compose.submit == .confirming else { return [] }
        let issues = composeIssues
        if let first = compose.visibleFields.first(where: { issues[$0] != nil }) {
            compose.submit = .idle
            compose.showAllIssues = true
            compose.focus = first
            showToast(issues[first] ?? "A file cannot be used", level: .error, seconds: 8)
        }
        return []
    }

    /// The problems to show: touched fields, or all of them after a refused submit.
    public var visibleComposeIssues: [ComposeField: String] {
        composeIssues.filter { compose.showAllIssues || compose.touched.contains($0.key) || compose.serverIssue?.field == $0.key.rawValue }
    }

    /// Starts composing with `look` (Enter on the Looks pane, or a pick from the form).
    mutating func chooseLook(_ look: Look) -> [Effect] {
        guard look.isUsable else {
            showToast("“\(look.name)” is \(look.status?.rawValue ?? "not ready") and cannot be used for a video yet", level: .error)
            return []
        }
        let previousDefault = composeLook?.defaultVoiceID
        compose.draft.lookID = look.id
        compose.draft.lookName = look.name
        // The look's default voice is preselected unless the person chose another one.
        if let voiceID = look.defaultVoiceID, compose.draft.voiceID == nil || compose.draft.voiceID == previousDefault {
            compose.draft.voiceID = voiceID
            compose.draft.voiceName = voices.index.voice(id: voiceID)?.name
        }
        compose.touched.insert(.look)
        compose.picking = nil
        compose.serverIssue = nil
        pane = .compose
        compose.focus = .look
        var effects: [Effect] = saveDraftNow()
        if looks.details[look.id] == nil { effects += requestLookDetail(look.id) }
        return effects
    }

    mutating func chooseVoice(_ voice: Voice) -> [Effect] {
        compose.draft.voiceID = voice.voiceID
        compose.draft.voiceName = voice.name
        compose.touched.insert(.voice)
        compose.picking = nil
        compose.serverIssue = nil
        pane = .compose
        compose.focus = .voice
        return saveDraftNow()
    }

    // MARK: - The draft on disk

    /// Saves the form now (leaving a field, a choice, a pick): the save is no longer due.
    mutating func saveDraftNow() -> [Effect] {
        draftSync.written = compose.draft
        draftSync.unsavedSince = nil
        return [.saveDraft(compose.draft)]
    }

    /// On each tick: a save when the form differs from what was last saved and has been still for
    /// ``DraftSync/quiet`` (or has differed for ``DraftSync/maxDelay``, so steady typing is saved too). A change is
    /// timed by the tick that first sees it; nothing is due while the form holds what was last handed to the store,
    /// so a failed save is retried on the next change, not on every tick.
    mutating func draftSaveDue() -> [Effect] {
        let draft = compose.draft
        if draft != draftSync.seen || draftSync.changedAt.map({ $0 > now }) == true {
            draftSync.seen = draft
            draftSync.changedAt = now
        }
        guard draft != draftSync.written else {
            draftSync.unsavedSince = nil
            return []
        }
        let changed = draftSync.changedAt ?? now
        if draftSync.unsavedSince.map({ $0 > now }) ?? true { draftSync.unsavedSince = changed }
        let since = draftSync.unsavedSince ?? changed
        guard now.timeIntervalSince(changed) >= DraftSync.quiet || now.timeIntervalSince(since) >= DraftSync.maxDelay else { return [] }
        return saveDraftNow()
    }

    /// A save finished: a failure is kept on screen (and said once per reason); a side file is named.
    mutating func draftSaved(_ draft: ComposeDraft, _ result: DraftSaveResult) -> [Effect] {
        switch result {
        case .saved, .unchanged:
            draftSync.failure = nil
        case .keptAside(let path):
            draftSync.failure = nil
            draftSync.keptAt = path
            showToast("The draft file was changed by another TwinDeck and left as it is; this draft is saved to \(path) from now on",
                      level: .error, seconds: 15)
        case .failed(let reason):
            if draftSync.failure != reason {
                showToast("Draft not saved: \(reason). It is tried again on the next change.", level: .error, seconds: 10)
            }
            draftSync.failure = reason
        }
        return []
    }

    // MARK: - Keys

    mutating func handleComposeKey(_ key: KeyPress) -> [Effect] {
        if compose.previewing { return handlePreviewKey(key) }
        if compose.confirmingClear {
            if key == .character("y") || key == .enter {
                let keep = (compose.draft.lookID, compose.draft.lookName)
                compose = ComposeState()
                compose.draft.lookID = keep.0
                compose.draft.lookName = keep.1
                showToast("Form cleared", level: .info)
                return saveDraftNow()
            }
            compose.confirmingClear = false
            return []
        }
        if compose.submit == .confirming { return handleConfirmKey(key) }
        if compose.editing { return handleEditingKey(key) }
        guard let action = KeyMap.action(for: key, in: scopes) else { return [] }
        return performCompose(action)
    }

    mutating func performCompose(_ action: Action) -> [Effect] {
        let fields = compose.visibleFields
        let index = fields.firstIndex(of: compose.focus) ?? 0
        switch action {
        case .down, .nextField: moveFocus(to: fields[min(index + 1, fields.count - 1)])
        case .up, .previousField: moveFocus(to: fields[max(index - 1, 0)])
        case .top: moveFocus(to: fields[0])
        case .bottom: moveFocus(to: fields[fields.count - 1])
        case .open: return activate(compose.focus)
        case .choiceNext: return cycle(compose.focus, by: 1)
        case .choicePrevious: return cycle(compose.focus, by: -1)
        case .submitForm: return requestSubmit()
        case .preview: compose.previewing = true
        case .clearForm: compose.confirmingClear = true
        case .externalEditor: return [.editScript(compose.draft.script.text)]
        case .audition: return hearScript()
        default: return perform(&self, action)
        }
        return []
    }

    mutating func moveFocus(to field: ComposeField) {
        compose.touched.insert(compose.focus)
        compose.focus = field
        compose.fieldNote = nil
    }

    /// Enter on a field: edit text, toggle, cycle a choice, or pick a look/voice from its pane.
    mutating func activate(_ field: ComposeField) -> [Effect] {
        switch field {
        case .look:
            compose.picking = .look
            pane = .looks
            showToast("Pick a look: Enter chooses it", level: .info)
        case .voice:
            compose.picking = .voice
            pane = .voices
            showToast("Pick a voice: Enter chooses it", level: .info)
        case .removeBackground:
            compose.draft.removeBackground.toggle()
            compose.touched.insert(field)
            return saveDraftNow()
        case _ where field.isText:
            compose.editing = true
        default:
            return cycle(field, by: 1)
        }
        return []
    }

    mutating func cycle(_ field: ComposeField, by step: Int) -> [Effect] {
        func next<T: Equatable>(_ values: [T], _ current: T) -> T {
            let i = values.firstIndex(of: current) ?? 0
            return values[(i + step + values.count) % values.count]
        }
        var draft = compose.draft
        switch field {
        case .engine:
            let engine = next(Engine.requestable, draft.engine)
            if engine == .avatarV, let look = composeLook, !look.supports(.avatarV) {
                let supported = (look.supportedAPIEngines ?? []).filter { Engine.requestable.contains($0) }.map(\.displayName)
                compose.fieldNote = (.engine, "Avatar V is not available: this look supports: \(supported.isEmpty ? "no engine yet" : supported.joined(separator: ", "))")
                return []
            }
            draft.engine = engine
        case .resolution: draft.resolution = next(Resolution.known, draft.resolution)
        case .aspectRatio: draft.aspectRatio = next(AspectRatio.known, draft.aspectRatio)
        case .fit: draft.fit = next([nil] + Fit.known, draft.fit)
        case .caption: draft.caption = next(CaptionChoice.allCases, draft.caption)
        case .speech:
            draft.speechSource = next(SpeechSource.allCases, draft.speechSource)
            if draft.speechSource != .script, !draft.script.text.isEmpty {
                compose.fieldNote = (.speech, "The script is kept but not sent: a recording replaces it")
            }
        case .outputFormat:
            draft.outputFormat = next(OutputFormat.known, draft.outputFormat)
            if draft.outputFormat == .webm, draft.backgroundKind != .none {
                compose.fieldNote = (.outputFormat, "webm is transparent: the background is kept but not sent")
            }
        case .removeBackground: draft.removeBackground.toggle()
        case .background: draft.backgroundKind = next(BackgroundKind.allCases, draft.backgroundKind)
        case .expressiveness:
            let options: [Expressiveness?] = [nil, .medium, .high]
            draft.expressiveness = next(options, draft.expressiveness)
        case .look, .voice: return activate(field)
        default:
            return []
        }
        compose.draft = draft
        compose.touched.insert(field)
        if compose.serverIssue.flatMap({ ComposeField.forWire($0.field) }) == field { compose.serverIssue = nil }
        return saveDraftNow() + (field == .speech || field == .background || field == .outputFormat ? checkFilesEffects() : [])
    }

    // MARK: - Text editing

    mutating func handleEditingKey(_ key: KeyPress) -> [Effect] {
        let field = compose.focus
        let multiline = field == .script
        func edit(_ change: (inout TextArea) -> Void) {
            guard var area = compose.draft[text: field] else { return }
            change(&area)
            compose.draft[text: field] = area
        }
        compose.touched.insert(field)
        if compose.serverIssue.flatMap({ ComposeField.forWire($0.field) }) == field { compose.serverIssue = nil }
        switch key {
        case .escape:
            compose.editing = false
            return saveDraftNow() + checkFilesEffects(after: field)
        case .enter where !multiline, .tab:
            compose.editing = false
            if key == .tab { return performCompose(.nextField) + saveDraftNow() + checkFilesEffects(after: field) }
            return saveDraftNow() + checkFilesEffects(after: field)
        case .enter: edit { $0.insert("\n") }
        case .backspace: edit { $0.backspace() }
        case .delete, .control("d"): edit { $0.deleteForward() }
        case .left, .control("b"): edit { $0.moveLeft() }
        case .right, .control("f"): edit { $0.moveRight() }
        case .up where multiline: edit { $0.moveLine(-1) }
        case .down where multiline: edit { $0.moveLine(1) }
        case .home, .control("a"): edit { $0.moveToLineStart() }
        case .end: edit { $0.moveToLineEnd() }
        case .control("w"): edit { $0.deleteWord() }
        case .control("u"): edit { area in while area.cursor > 0 { area.backspace() } }
        case .control("e") where multiline: return [.editScript(compose.draft.script.text)]
        case .character(let c):
            var complete = true
            edit { complete = $0.insert(String(c), multiline: multiline) }
            if !complete {
                showToast("\(field.label) is full: the rest was not added", level: .error)
            } else if c != "\t", TextArea.containsControls(String(c)) {
                showToast("Control characters cannot be typed into \(field.label): removed", level: .info)
            }
        default: break
        }
        return []
    }

    // MARK: - Submit

    mutating func requestSubmit() -> [Effect] {
        switch compose.submit {
        case .sending, .confirming:
            return []  // a repeated key never sends twice
        default: break
        }
        let issues = composeIssues
        if !issues.isEmpty {
            compose.showAllIssues = true
            if let first = compose.visibleFields.first(where: { issues[$0] != nil }) {
                compose.focus = first
            }
            showToast("Fix \(issues.count) field\(issues.count == 1 ? "" : "s") before submitting", level: .error)
            return []
        }
        compose.submit = .confirming
        // The files are checked again as the confirmation opens: one changed since it was named goes back to its field.
        let files = checkFilesEffects()
        // The pre-flight shows the look's status as HeyGen has it now, not as it was when it was picked, and counts
        // what is rendering on the whole account (until that answer comes, the board's own count stands in).
        account.rendering = nil
        guard let id = compose.draft.lookID, !looks.detailLoading.contains(id) else { return files + [.loadAccountRendering] }
        looks.detailLoading.insert(id)
        return files + [.loadLookDetail(id: id), .loadAccountRendering]
    }

    mutating func handleConfirmKey(_ key: KeyPress) -> [Effect] {
        switch key {
        case .character("y"), .enter:
            if let blocker = preflight.blocker {
                showToast(blocker, level: .error, seconds: 8)
                return []
            }
            if let problem = composeIssues.first {
                // A file check that came back while confirming, say.
                compose.submit = .idle
                compose.showAllIssues = true
                compose.focus = problem.key
                showToast(problem.value, level: .error, seconds: 8)
                return []
            }
            compose.submit = .sending
            compose.upload = nil
            let (request, _) = compose.draft.request()
            return [.submit(request, lookName: compose.draft.lookName, voiceName: compose.draft.voiceName, look: composeLook,
                            files: compose.draft.localFiles)]
        default:
            compose.submit = .idle
            return []
        }
    }

    mutating func handlePreviewKey(_ key: KeyPress) -> [Effect] {
        let (request, _) = compose.draft.request()
        switch key {
        case .character("y"):
            guard let body = try? request.jsonBody() else { return [] }
            return [.copy(String(decoding: body, as: UTF8.self), what: "request body")]
        case .character("c"):
            return [.copy(Self.curl(for: request, baseURL: baseURL), what: "curl command")]
        default:
            compose.previewing = false
            return []
        }
    }

    /// The request as a `curl` command; the key is always `$HEYGEN_API_KEY`, never the key itself.
    public static func curl(for request: CreateVideoRequest, baseURL: String) -> String {
        let body = (try? request.jsonBody()).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let quoted = body.replacingOccurrences(of: "'", with: "'\\''")
        return """
            curl -X POST "\(baseURL)/v3/videos" \\
              -H "x-api-key: $HEYGEN_API_KEY" \\
              -H "Content-Type: application/json" \\
              -d '\(quoted)'
            """
    }

    mutating func submitFinished(_ result: Result<SubmitOutcome, HeyGenError>) -> [Effect] {
        compose.upload = nil
        switch result {
        case .success(.created(let response, let key)):
            compose.submit = .sent(videoID: response.videoID, status: response.status)
            showToast("Submitted: video \(response.videoID) (\(response.status))", level: .info, seconds: 8)
            // A fresh form keeps the look and voice; the board (R) re-composes a sent video.
            var fresh = ComposeDraft()
            fresh.lookID = compose.draft.lookID
            fresh.lookName = compose.draft.lookName
            fresh.voiceID = compose.draft.voiceID
            fresh.voiceName = compose.draft.voiceName
            compose.draft = fresh
            compose.touched = []
            compose.showAllIssues = false
            compose.focus = .script
            pane = .board
            board.selectedKey = key
            return saveDraftNow() + [.pollNow]
        case .success(.createdUnrecorded(let response, let key, let reason)):
            compose.submit = .sent(videoID: response.videoID, status: response.status)
            board.selectedKey = key
            showToast("Video \(response.videoID) was made, but the history could not record it (\(reason)); it is kept as sent and recorded on the next re-send", level: .error, seconds: 15)
            return [.pollNow]
        case .success(.uncertain(_, let reason)):
            compose.submit = .uncertain(reason)
            showToast("No answer from HeyGen (\(reason)); the submission is kept and will be retried with the same key", level: .error, seconds: 10)
            return [.pollNow]
        case .failure(let error):
            compose.submit = .failed(error)
            // A refusal naming a field lands on it: the server's, or a local file that could not be uploaded.
            if [.validation, .invalidRequest, .notFound, .http].contains(error.kind), let param = error.param,
                let field = ComposeField.forWire(param)
            {
                compose.serverIssue = FieldIssue(field: param, message: error.message, rule: "server")
                compose.focus = field
            }
            var text = error.description
            if error.kind == .insufficientCredit, let balance = account.user?.billing.short {
                text += " (balance: \(balance))"
            }
            showToast(text, level: .error, seconds: 10)
            return []
        }
    }
}

extension AppState {
    /// The external editor came back: its text becomes the script (saved as the draft), or the reason it did not
    /// (no editor set, could not start, exited with a status, killed by a signal) is shown.
    mutating func scriptEdited(_ result: ScriptEditResult) -> [Effect] {
        switch result {
        case .edited(let text):
            let complete = compose.draft.script.replace(with: text.hasSuffix("\n") ? String(text.dropLast()) : text)
            compose.touched.insert(.script)
            if !complete {
                showToast("The script was cut to \(PlainFormat.grouped(compose.draft.script.limit)) characters", level: .error, seconds: 10)
            } else if TextArea.containsControls(text) {
                showToast("Control characters in the script were removed", level: .info)
            }
            return saveDraftNow()
        case .failed(let failure):
            showToast(failure.description, level: .error, seconds: 10)
            return []
        }
    }
}
