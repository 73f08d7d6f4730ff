import Foundation
import HeyGen

/// The effects to start when the app opens.
public func initialEffects() -> [Effect] {
    [.loadAccount, .loadLooks, .loadVoices(refresh: false), .loadDraft]
}

/// Applies `message` to `state` and returns the work to do. Pure: no I/O, no clock but `state.now`.
public func update(_ state: inout AppState, _ message: Message) -> [Effect] {
    let effects = apply(&state, message)
    // The look picture follows the selection and the panel's size, whatever moved them.
    return state.looks.showPreview ? effects + state.previewDue() : effects
}

func apply(_ state: inout AppState, _ message: Message) -> [Effect] {
    switch message {
    case .keyPressed(let key):
        return handleKey(&state, key)
    case .resized(let width, let height):
        state.width = width
        state.height = height
        state.clampScrolls()
        return []
    case .ticked(let now):
        state.now = now
        if let toast = state.toast, toast.until <= now { state.toast = nil }
        return state.lookDetailDue() + state.draftSaveDue()
    case .accountLoaded(.success(let user)):
        state.account.user = user
        state.account.error = nil
        return []
    case .accountLoaded(.failure(let error)):
        state.account.user = nil
        state.account.error = error
        return []
    case .accountRenderingLoaded(let count):
        state.account.rendering = count
        return []
    case .looksLoaded(.success(let looks)):
        state.looks.all = looks
        state.noteProcessingLooks()
        state.looks.load = .loaded(at: state.now)
        state.refilterLooks()
        return state.lookDetailDue()
    case .looksLoaded(.failure(let error)):
        state.looks.load = .failed(error)
        return []
    case .lookDetailLoaded(let id, .success(let look)):
        state.looks.detailLoading.remove(id)
        state.looks.details[id] = look
        state.looks.detailErrors[id] = nil
        return []
    case .lookDetailLoaded(let id, .failure(let error)):
        state.looks.detailLoading.remove(id)
        state.looks.detailErrors[id] = error
        return []
    case .consentLoaded(let lookID, let result):
        return state.consentLoaded(lookID: lookID, result)
    case .voicesLoaded(.success(let index), let source, let fetchedAt):
        state.voices.index = index
        state.voices.load = .loaded(at: fetchedAt)
        state.voices.fetchedAt = fetchedAt
        state.voices.fromCache = source == .cache
        state.voices.lastQuery = nil
        state.refilterVoices()
        return []
    case .voicesLoaded(.failure(let error), _, _):
        // A failed refresh keeps the catalogue already shown.
        state.voices.load = .failed(error)
        if state.voices.index.count > 0 { state.showToast("Could not refresh voices: \(error.description)", level: .error) }
        return []
    case .submitted(let result):
        return state.submitFinished(result)
    case .draftLoaded(let draft):
        // Only into an empty form: text typed before the load (a key in the first frame) is kept, and saved over it.
        if state.compose.draft.isEmpty {
            state.compose.draft = draft
            state.draftSync.written = draft
            state.draftSync.seen = draft
            if !draft.localFiles.isEmpty { return [.checkFiles(draft.localFiles)] }
        }
        return []
    case .draftSaved(let draft, let result):
        return state.draftSaved(draft, result)
    case .draftUnreadable(let reason):
        state.showToast("The saved draft could not be read (\(reason)); it is left as it is and this session's draft is saved beside it",
                        level: .error, seconds: 15)
        return []
    case .scriptEdited(let result):
        return state.scriptEdited(result)
    case .boardLoaded(let rows):
        return state.boardLoaded(rows)
    case .historyLoaded(let history):
        state.board.unreadable = history.unreadable
        state.board.loadError = nil
        state.board.expected = history.expected
        return state.boardLoaded(history.rows)
    case .historyChanged(let changes):
        return state.historyChanged(changes)
    case .historyFailed(let reason):
        state.board.loadError = reason
        return []
    case .boardActionFailed(let text):
        state.showToast(text, level: .error, seconds: 10)
        return []
    case .renderEstimatesChanged(let estimates):
        state.board.estimates = estimates
        return []
    case .pollHealthChanged(let health):
        state.board.health = health
        return []
    case .webhookCoverageChanged(let coverage):
        state.board.webhook = coverage
        return []
    case .downloadProgressed(let key, let progress):
        state.board.downloads[key] = progress
        if progress.done { state.showToast("Downloaded to \(progress.path ?? "?")", level: .info, seconds: 8) }
        if let error = progress.error { state.showToast("Download failed: \(error)", level: .error, seconds: 8) }
        return []
    case .previewLoaded(let id, let width, let height, let phase):
        // A picture for a size the panel no longer has is dropped; previewDue asks again.
        if let wanted = state.looks.previews[id], wanted.width == width, wanted.height == height {
            state.looks.previews[id]?.phase = phase
        }
        return []
    case .auditionChanged(let voiceID, let phase):
        guard case .audition(var audition) = state.mode, audition.voiceID == voiceID else { return [] }
        if let phase {
            audition.phase = phase
            state.mode = .audition(audition)
        } else {
            state.mode = .normal
            state.showToast("Finished playing “\(audition.voiceName)”", level: .info)
        }
        return []
    case .speechLoaded(let request, let result):
        return state.speechLoaded(request, result)
    case .filesChecked(let checks):
        return state.filesChecked(checks)
    case .uploadProgressed(let progress):
        if state.compose.submit == .sending { state.compose.upload = progress }
        return []
    case .copied(let what, let ok):
        if !ok, let problem = state.clipboardProblem {
            state.showToast("Could not copy \(what): \(problem)", level: .error, seconds: 10)
        } else {
            state.showToast(ok ? "Copied \(what) to the clipboard (OSC 52)" : "Could not copy \(what)", level: ok ? .info : .error)
        }
        return []
    }
}

// MARK: - Keys

func handleKey(_ state: inout AppState, _ key: KeyPress) -> [Effect] {
    switch state.mode {
    case .help:
        // Any key closes help; q still quits.
        state.mode = .normal
        if KeyMap.action(for: key, in: [.global]) == .quit { state.shouldQuit = true }
        return []
    case .filtering:
        return handleFilterKey(&state, key)
    case .languagePicker(var picker):
        return handlePickerKey(&state, &picker, key)
    case .consent(let lookID):
        return state.handleConsentKey(lookID: lookID, key)
    case .audition(let audition):
        switch KeyMap.action(for: key, in: [.audition]) {
        case .copyURL: return [.copy(audition.url, what: "preview audio URL")]
        case .back:
            state.mode = .normal
            return [.stopAudition]
        default: return []
        }
    case .normal:
        if state.pane == .compose { return state.handleComposeKey(key) }
        if state.pane == .board { return state.handleBoardKey(key) }
        guard let action = KeyMap.action(for: key, in: state.scopes) else { return [] }
        return perform(&state, action)
    }
}

func perform(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .quit: state.shouldQuit = true
    case .help: state.mode = .help
    case .back:
        // Esc clears a kept filter first, like k9s.
        if state.pane == .board, !state.board.filter.isEmpty {
            state.board.filter = ""
            state.clampBoardScroll()
        } else if state.pane == .looks, !state.looks.filter.isEmpty {
            state.looks.filter = ""
            state.refilterLooks()
        } else if state.pane == .voices, !state.voices.filter.isEmpty {
            state.voices.filter = ""
            state.refilterVoices()
        }
    case .nextPane: state.switchPane(to: Pane(rawValue: (state.pane.rawValue + 1) % Pane.allCases.count)!)
    case .previousPane:
        state.switchPane(to: Pane(rawValue: (state.pane.rawValue + Pane.allCases.count - 1) % Pane.allCases.count)!)
    case .pane(let n): if let pane = Pane(rawValue: n) { state.switchPane(to: pane) }
    case .up: state.moveSelection(by: -1)
    case .down: state.moveSelection(by: 1)
    case .pageUp: state.moveSelection(by: -max(1, Layout(width: state.width, height: state.height).list.height - 1))
    case .pageDown: state.moveSelection(by: max(1, Layout(width: state.width, height: state.height).list.height - 1))
    case .top: state.moveSelection(toIndex: 0)
    case .bottom: state.moveSelection(toIndex: Int.max)
    case .filter: state.mode = .filtering
    case .open:
        if state.pane == .looks, let look = state.looks.selected {
            return state.chooseLook(state.looks.details[look.id] ?? look)
        }
        if state.pane == .voices, let voice = state.voices.selected {
            return state.chooseVoice(voice)
        }
    case .refresh:
        switch state.pane {
        case .looks:
            state.looks.load = .loading
            state.looks.details = [:]
            return [.loadLooks, .loadAccount]
        case .voices:
            state.voices.load = .loading
            return [.loadVoices(refresh: true)]
        case .compose:
            return []
        case .board:
            return [.pollNow]
        }
    case .copyID:
        switch state.pane {
        case .looks: if let id = state.looks.selectedID { return [.copy(id, what: "look ID")] }
        case .voices: if let id = state.voices.selectedID { return [.copy(id, what: "voice ID")] }
        case .compose, .board: break
        }
    case .copyURL:
        switch state.pane {
        case .looks:
            let look = state.looks.selectedID.flatMap { state.looks.details[$0] } ?? state.looks.selected
            if let url = look?.previewImageURL { return [.copy(url, what: "preview image URL")] }
            state.showToast("This look has no preview image", level: .error)
        case .voices:
            if let url = state.voices.selected?.previewAudioURL { return [.copy(url, what: "preview audio URL")] }
            state.showToast("This voice has no preview audio", level: .error)
        case .compose, .board: break
        }
    case .togglePreview:
        if state.pane == .looks { state.looks.showPreview.toggle() }
    case .audition:
        guard state.pane == .voices, let voice = state.voices.selected else { break }
        guard let url = voice.previewAudioURL, !url.isEmpty else {
            state.showToast("“\(voice.name)” has no preview audio", level: .error)
            break
        }
        state.mode = .audition(Audition(voiceID: voice.voiceID, voiceName: voice.name, url: url))
        return [.audition(voiceID: voice.voiceID, url: url)]
    case .consentLink:
        return state.askForConsentLink()
    case .languageFacet:
        if state.pane == .voices { state.mode = .languagePicker(LanguagePicker()) }
    case .genderFacet:
        if state.pane == .voices {
            state.voices.gender = switch state.voices.gender {
            case nil: .female
            case .female?: .male
            default: nil
            }
            state.refilterVoices()
        }
    case .accept: state.mode = .normal
    default: break
    }
    return []
}

func handleFilterKey(_ state: inout AppState, _ key: KeyPress) -> [Effect] {
    if let action = KeyMap.action(for: key, in: [.filtering]) {
        switch action {
        case .back:
            state.setFilter("")
            state.mode = .normal
        case .accept: state.mode = .normal
        case .down: state.moveSelection(by: 1)
        case .up: state.moveSelection(by: -1)
        default: break
        }
        return []
    }
    switch key {
    case .backspace:
        var text = state.currentFilter
        if !text.isEmpty { text.removeLast() }
        state.setFilter(text)
    case .control("w"):
        var text = state.currentFilter
        while text.last == " " { text.removeLast() }
        while let last = text.last, last != " " { text.removeLast() }
        state.setFilter(text)
    case .control("u"):
        state.setFilter("")
    case .character(let c):
        state.setFilter(state.currentFilter + String(Buffered.inert(c)))
    default:
        break
    }
    return []
}

func handlePickerKey(_ state: inout AppState, _ picker: inout LanguagePicker, _ key: KeyPress) -> [Effect] {
    let options = state.languageOptions(matching: picker.query)
    if let action = KeyMap.action(for: key, in: [.picker]) {
        switch action {
        case .back:
            state.mode = .normal
            return []
        case .accept:
            if options.indices.contains(picker.selected) {
                state.voices.language = options[picker.selected].name
                state.refilterVoices()
            }
            state.mode = .normal
            return []
        case .down: picker.selected = min(picker.selected + 1, max(0, options.count - 1))
        case .up: picker.selected = max(0, picker.selected - 1)
        default: break
        }
    } else {
        switch key {
        case .backspace: if !picker.query.isEmpty { picker.query.removeLast() }
        case .character(let c): picker.query.append(Buffered.inert(c))
        default: break
        }
        picker.selected = 0
    }
    state.mode = .languagePicker(picker)
    return []
}

/// Control characters typed or pasted into a text field are dropped.
enum Buffered {
    static func inert(_ c: Character) -> Character {
        c.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value <= 0x9F) } ? " " : c
    }
}

// MARK: - Look pictures

extension AppState {
    /// Asks for the selected look's picture when the panel shows pictures and it is missing or was drawn for
    /// another panel size (a resize). One request per look and size.
    mutating func previewDue() -> [Effect] {
        guard pane == .looks, mode != .help, !isTooSmall, let summary = looks.selected else { return [] }
        let look = looks.details[summary.id] ?? summary
        guard let url = look.previewImageURL, !url.isEmpty else { return [] }
        let box = layout.preview
        guard box.width >= 4, box.height >= 2 else { return [] }
        if let have = looks.previews[look.id], have.width == box.width, have.height == box.height { return [] }
        looks.previews[look.id] = LookPreview(width: box.width, height: box.height, phase: .loading)
        return [.loadPreview(lookID: look.id, url: url, width: box.width, height: box.height)]
    }
}
