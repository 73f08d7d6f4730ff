import Foundation
import HeyGen
import Terminal
import TwinDeckCore

/// The Compose pane: every field of a Digital Twin video, problems shown at their field.
struct ComposeView {
    let state: AppState
    let theme: Theme

    var compose: ComposeState { state.compose }
    var draft: ComposeDraft { compose.draft }

    static let labelWidth = 16

    /// A block of rows the form is made of; the focused one is kept on screen.
    struct Item {
        var field: ComposeField?
        var height: Int
        var draw: (inout Buffer, Rect) -> Void
    }

    func render(into buffer: inout Buffer, layout: Layout) {
        let body = Rect(x: 0, y: layout.listStatus.y, width: state.width, height: layout.footer.y - layout.listStatus.y)
        let wide = body.width >= 110
        let (formArea, previewArea) = wide ? body.columns(leading: body.width * 3 / 5, gap: 1) : (body, Rect(x: 0, y: 0, width: 0, height: 0))
        let issues = state.visibleComposeIssues
        statusLine(&buffer, formArea.row(0), issueCount: state.composeIssues.count)
        let form = Rect(x: formArea.x, y: formArea.y + 1, width: formArea.width, height: formArea.height - 1)
        let items = makeItems(width: form.width, issues: issues)
        // Scroll just enough to show the focused field.
        var top = 0, focusTop = 0, focusBottom = 0
        for item in items {
            if item.field == compose.focus { focusTop = top; focusBottom = top + item.height }
            top += item.height
        }
        let scroll = top <= form.height ? 0 : max(0, min(focusBottom - form.height, focusTop))
        var y = form.y - scroll
        for item in items {
            if y + item.height > form.y && y < form.maxY {
                var scratch = Buffer(width: form.width, height: item.height)
                item.draw(&scratch, scratch.area)
                for row in 0..<item.height where y + row >= form.y && y + row < form.maxY {
                    for x in 0..<form.width { buffer[form.x + x, y + row] = scratch[x, row] }
                }
            }
            y += item.height
        }
        if wide { JSONPreview(state: state, theme: theme).render(into: &buffer, rect: previewArea, title: "Request body (live)") }
        if compose.previewing {
            let rect = buffer.area.centered(width: min(90, buffer.width - 2), height: buffer.height - 2)
            buffer.fill(rect)
            JSONPreview(state: state, theme: theme).render(into: &buffer, rect: rect, title: "Request body — y copy · c copy as curl · Esc close")
        }
        if compose.submit == .confirming { confirmDialog(&buffer) }
        if compose.confirmingClear { clearDialog(&buffer) }
    }

    func statusLine(_ buffer: inout Buffer, _ rect: Rect, issueCount: Int) {
        var text = " Compose a Digital Twin video"
        var style = theme.dim
        switch compose.submit {
        case .sending:
            style = theme.warn
            if let upload = compose.upload, upload.sent < upload.total || !upload.reused {
                let fraction = upload.total > 0 ? Double(upload.sent) / Double(upload.total) : 0
                let cells = 10
                let filled = min(cells, max(0, Int(saturating: (fraction * Double(cells)).rounded(.down))))
                let retry = upload.attempt > 1 ? " (try \(upload.attempt))" : ""
                text += " · uploading \(Sanitizer.inert(upload.fileName, limit: 40)) [" + String(repeating: "█", count: filled)
                    + String(repeating: "░", count: cells - filled) + "] \(Int(saturating: fraction * 100))% of \(byteCount(upload.total))\(retry)"
            } else {
                text += " · sending…"
            }
        case .sent(let id, let status): text += " · sent \(id) (\(status))"; style = theme.good
        case .uncertain(let why): text += " · no answer (\(why)); kept, will retry with the same key"; style = theme.warn
        case .failed(let error): text += " · refused: \(error.shortDescription)"; style = theme.bad
        default: text += issueCount == 0 ? " · ready: s submits" : " · \(issueCount) field\(issueCount == 1 ? "" : "s") to fix"
        }
        // The draft on disk comes first when something is wrong with it: it is what could be lost.
        if let failure = state.draftSync.failure {
            text = " Draft not saved: \(failure) (tried again on the next change)"
            style = theme.bad
        } else if let kept = state.draftSync.keptAt {
            // Beside draft.json; the toast at the time gave the whole path.
            text += " · draft saved to \(URL(fileURLWithPath: kept).lastPathComponent)"
        }
        buffer.line(text, in: rect, style: style)
    }

    func makeItems(width: Int, issues: [ComposeField: String]) -> [Item] {
        var items: [Item] = []
        for field in ComposeField.allCases {
            if !compose.visibleFields.contains(field) {
                if field == .motionPrompt {
                    items.append(Item(field: nil, height: 1) { buffer, rect in
                        buffer.line(" Motion prompt, expressiveness: Avatar IV-only (hidden with Avatar V)",
                                    in: rect, style: theme.dim)
                    })
                }
                continue
            }
            let note = compose.fieldNote?.field == field ? compose.fieldNote?.text : nil
            let info = fileInfo(field)
            let message = issues[field] ?? note ?? info
            if field == .script {
                items.append(scriptItem(width: width, issue: message))
                continue
            }
            items.append(Item(field: field, height: message == nil ? 1 : 2) { buffer, rect in
                self.fieldRow(&buffer, rect.row(0), field: field)
                if let message {
                    buffer.line(String(repeating: " ", count: Self.labelWidth) + "↳ " + message, in: rect.row(1),
                                style: issues[field] != nil ? theme.bad : note != nil ? theme.warn : theme.dim)
                }
            })
        }
        return items
    }

    /// What the check of a local file found, under its field: its size and type (a recording's length), and that it is
    /// uploaded on submit (or not again, when it was before).
    func fileInfo(_ field: ComposeField) -> String? {
        let column: String
        switch field {
        case .audio where draft.speechSource == .audioFile: column = "audio_file"
        case .backgroundValue where draft.backgroundKind == .file: column = "background_file"
        default: return nil
        }
        guard let check = compose.fileCheck(column), check.problem == nil, let size = check.size else { return nil }
        let length = check.seconds.map { seconds in
            let whole = Int(saturating: seconds.rounded(.up))
            return whole < 60 ? ", \(whole) s" : ", \(whole / 60) min \(whole % 60) s"
        } ?? ""
        return "\(byteCount(size))\(length); uploaded when you submit (once: the same file is not sent again)"
    }

    /// A field's label; the value fields under a choice say what the choice asks for.
    func labelText(_ field: ComposeField) -> String {
        switch field {
        case .backgroundValue:
            switch draft.backgroundKind {
            case .color: "  colour"
            case .image: "  image URL"
            case .asset: "  asset id"
            case .file: "  file"
            case .none: field.label
            }
        case .audio:
            switch draft.speechSource {
            case .audioURL: "  URL"
            case .audioAsset: "  asset id"
            case .audioFile: "  file"
            case .script: field.label
            }
        default: field.label
        }
    }

    func label(_ buffer: inout Buffer, _ rect: Rect, _ field: ComposeField) -> Int {
        let focused = compose.focus == field
        let text = (focused ? "›" : " ") + DisplayWidth.pad(labelText(field), to: Self.labelWidth - 2) + " "
        buffer.put(text, x: rect.x, y: rect.y, style: focused ? (compose.editing ? theme.key : theme.selected) : theme.label)
        return rect.x + Self.labelWidth
    }

    func fieldRow(_ buffer: inout Buffer, _ rect: Rect, field: ComposeField) {
        let x = label(&buffer, rect, field)
        let valueRect = Rect(x: x, y: rect.y, width: rect.maxX - x, height: 1)
        func choice(_ text: String) { buffer.line("◀ \(text) ▶", in: valueRect, style: .bold) }
        func text(_ area: TextArea, placeholder: String) {
            let editing = compose.editing && compose.focus == field
            if area.text.isEmpty && !editing {
                buffer.line(placeholder, in: valueRect, style: theme.dim)
            } else {
                textLine(&buffer, valueRect, area, editing: editing)
            }
        }
        switch field {
        case .look:
            if let name = draft.lookName ?? draft.lookID {
                let engines = state.composeLook.map { " [" + engineBadges($0) + "]" } ?? ""
                buffer.line(name + engines, in: valueRect, style: .bold)
            } else {
                buffer.line("none — Enter picks one from Looks", in: valueRect, style: theme.dim)
            }
        case .voice:
            if let id = draft.voiceID {
                let voice = state.voices.index.voice(id: id)
                let text = voice.map { "\($0.name) · \($0.language), \($0.gender.rawValue)" } ?? draft.voiceName ?? id
                let preset = state.composeLook?.defaultVoiceID == id ? "  (the look's default)" : ""
                buffer.line(text + preset, in: valueRect, style: .bold)
            } else {
                buffer.line("none — Enter picks one from Voices", in: valueRect, style: theme.dim)
            }
        case .title: text(draft.title, placeholder: "(optional)")
        case .engine: choice(draft.engine.displayName)
        case .resolution: choice(draft.resolution.rawValue)
        case .aspectRatio: choice(draft.aspectRatio.rawValue)
        case .outputFormat: choice(draft.outputFormat.rawValue + (draft.outputFormat == .webm ? " (transparent)" : ""))
        case .removeBackground: buffer.line(draft.removeBackground ? "[x] yes (the twin must be trained with matting)" : "[ ] no", in: valueRect)
        case .background:
            if draft.outputFormat == .webm {
                buffer.line("not available with webm (transparent output)", in: valueRect, style: theme.dim)
            } else {
                choice(draft.backgroundKind.displayName)
            }
        case .backgroundValue:
            let placeholder = switch draft.backgroundKind {
            case .color: "#RRGGBB"
            case .asset: "asset id of an uploaded image"
            case .file: "a png or jpeg on this machine, e.g. ~/bg.png"
            default: "https://…/image.png"
            }
            text(draft.backgroundValue, placeholder: placeholder)
        case .speed, .pitch, .volume:
            if let area = draft[text: field] { text(area, placeholder: numberPlaceholder(field)) }
        case .locale: text(draft.locale, placeholder: "(voice default; e.g. en-US)")
        case .callbackURL: text(draft.callbackURL, placeholder: "(none)")
        case .callbackID: text(draft.callbackID, placeholder: "(none; echoed in the webhook)")
        case .speech: choice(draft.speechSource.displayName)
        case .audio:
            let placeholder = switch draft.speechSource {
            case .audioAsset: "asset id of an uploaded recording"
            case .audioFile: "an mp3 or wav on this machine, e.g. ~/voice.mp3"
            default: "https://…/voice.mp3"
            }
            text(draft.audio, placeholder: placeholder)
        case .fit: choice(draft.fit?.rawValue ?? "auto (the server chooses)")
        case .caption: choice(draft.caption.displayName)
        case .motionPrompt: text(draft.motionPrompt, placeholder: "(optional, Avatar IV)")
        case .expressiveness: choice(draft.expressiveness?.rawValue ?? "low (default)")
        case .script: break
        }
    }

    /// A number field's placeholder: the API's default and the range the rule allows (both from the table).
    func numberPlaceholder(_ field: ComposeField) -> String {
        let defaults: [ComposeField: String] = [.speed: "1", .pitch: "0", .volume: "1"]
        guard let limits = field.requestField?.limits else { return "(default)" }
        return "\(defaults[field] ?? "default") (default; \(limits))"
    }

    /// One line of a single-line field, scrolled so the cursor shows, with the cursor drawn reversed.
    func textLine(_ buffer: inout Buffer, _ rect: Rect, _ area: TextArea, editing: Bool) {
        let chars = Array(area.text)
        var start = 0
        if editing {
            while DisplayWidth.of(String(chars[start..<area.cursor])) >= rect.width - 1 { start += 1 }
        }
        var x = rect.x
        for i in start...chars.count {
            if editing && i == area.cursor {
                buffer.put(i < chars.count ? String(chars[i]) : " ", x: x, y: rect.y, style: .reverse, maxX: rect.maxX)
            } else if i < chars.count {
                buffer.put(String(chars[i]), x: x, y: rect.y, style: .bold, maxX: rect.maxX)
            }
            guard i < chars.count else { break }
            x += max(1, DisplayWidth.of(String(chars[i])))
            if x >= rect.maxX { break }
        }
    }

    func scriptItem(width: Int, issue: String?) -> Item {
        let editing = compose.editing && compose.focus == .script
        let textWidth = max(10, width - Self.labelWidth - 1)
        let lines = ScriptLayout(text: draft.script.text, cursor: draft.script.cursor, width: textWidth)
        let shown = editing ? min(10, max(4, lines.rows.count)) : min(4, max(2, lines.rows.count))
        let height = shown + 1 + (issue == nil ? 0 : 1)
        return Item(field: .script, height: height) { buffer, rect in
            _ = self.label(&buffer, rect.row(0), .script)
            let top = editing ? max(0, min(lines.cursorRow - shown + 1, lines.rows.count - shown)) : 0
            for row in 0..<shown {
                let i = top + row
                let y = rect.y + row
                guard i < lines.rows.count else {
                    if i == 0 && draft.script.text.isEmpty && !editing {
                        buffer.line("Enter types the script · Ctrl-E opens $EDITOR", in: Rect(x: Self.labelWidth, y: y, width: textWidth, height: 1), style: theme.dim)
                    }
                    continue
                }
                buffer.put(lines.rows[i], x: Self.labelWidth, y: y, style: .bold, maxX: Self.labelWidth + textWidth)
                if editing && i == lines.cursorRow {
                    let cx = Self.labelWidth + lines.cursorColumn
                    let under = buffer[min(cx, buffer.width - 1), y].character
                    buffer.put(String(under), x: cx, y: y, style: .reverse)
                }
            }
            if editing && lines.rows.isEmpty { buffer.put(" ", x: Self.labelWidth, y: rect.y, style: .reverse) }
            let count = VideoRules.scriptLength(draft.script.text)
            let over = count > VideoRules.scriptMaxLength
            let more = !editing && lines.rows.count > shown ? " · \(lines.rows.count - shown) more lines" : ""
            buffer.line("\(grouped(count)) / 5,000 characters · \(spoken(Preflight.spokenSeconds(draft.script.text)))\(more)",
                        in: Rect(x: Self.labelWidth, y: rect.y + shown, width: textWidth, height: 1), style: over ? theme.bad : theme.dim)
            if let issue {
                buffer.line("↳ " + issue, in: Rect(x: Self.labelWidth, y: rect.y + shown + 1, width: textWidth, height: 1), style: theme.bad)
            }
        }
    }

    func spoken(_ seconds: Int) -> String {
        seconds < 60 ? "~\(seconds) s spoken" : "~\(seconds / 60) min \(seconds % 60) s spoken"
    }

    func confirmDialog(_ buffer: inout Buffer) {
        let (request, _) = draft.request()
        let preflight = state.preflight
        let files = draft.backgroundKind == .file && draft.outputFormat != .webm ? 1 : 0
        let rect = buffer.area.centered(width: min(70, buffer.width - 2), height: (preflight.blocker == nil ? 12 : 14) + files + (preflight.balance == nil ? 0 : 1))
        buffer.fill(rect)
        buffer.frame(rect, title: preflight.blocker == nil ? "Submit this video?" : "Cannot submit yet", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        var y = inner.y
        let voice = draft.voiceID.flatMap { state.voices.index.voice(id: $0)?.name } ?? draft.voiceName ?? draft.voiceID ?? ""
        y = detailRow(&buffer, inner, y, "Look", draft.lookName ?? request.avatarID, theme: theme, style: .bold)
        y = detailRow(&buffer, inner, y, "Voice", voice, theme: theme, style: .bold)
        y = detailRow(&buffer, inner, y, "Engine", request.effectiveEngine.displayName, theme: theme, style: .bold)
        y = detailRow(&buffer, inner, y, "Resolution", "\(request.resolution?.rawValue ?? "default") · \(request.aspectRatio?.rawValue ?? "16:9") · \(request.outputFormat?.rawValue ?? "mp4")", theme: theme, style: .bold)
        if preflight.recording {
            let what = draft.speechSource == .audioFile
                ? "file " + ((draft.audio.text as NSString).lastPathComponent) + " (uploaded first)"
                : draft.speechSource == .audioURL ? "at a URL" : "uploaded"
            let length = preflight.spokenMeasured ? ", \(spoken(preflight.spokenSeconds).dropFirst().replacingOccurrences(of: " spoken", with: ""))" : ""
            y = detailRow(&buffer, inner, y, "Recording", what + length, theme: theme)
        } else {
            let count = VideoRules.scriptLength(request.script)
            y = detailRow(&buffer, inner, y, "Script", "\(grouped(count)) characters, " + (preflight.spokenMeasured ? "\(spoken(preflight.spokenSeconds).dropFirst()) (heard)" : spoken(preflight.spokenSeconds)), theme: theme)
        }
        if draft.backgroundKind == .file, draft.outputFormat != .webm {
            y = detailRow(&buffer, inner, y, "Background", "file " + ((draft.backgroundValue.text as NSString).lastPathComponent) + " (uploaded first)", theme: theme)
        }
        let checking = draft.lookID.map { state.looks.detailLoading.contains($0) } ?? false
        let lookLine = (preflight.lookStatus ?? "unknown") + (checking ? " (checking…)" : "")
        y = detailRow(&buffer, inner, y, "Look status", lookLine, theme: theme, style: preflight.blocker == nil ? theme.good : theme.bad)
        let limit = preflight.limit
        let load = "\(preflight.rendering) of \(limit) rendering now"
            + (preflight.rendering >= limit ? " — waits for a free slot" : preflight.renderingOnAccount ? "" : " (this history)")
        y = detailRow(&buffer, inner, y, "Account", load, theme: theme, style: preflight.rendering >= limit ? theme.warn : .plain)
        if let balance = preflight.balance {
            // As the account's billing type reports it; a warning (HeyGen answers 402 if it is right) does not block.
            let text = balance + (preflight.balanceWarning.map { " — \($0)" } ?? "")
            y = detailRow(&buffer, inner, y, "Balance", text, theme: theme, style: preflight.balanceWarning == nil ? .plain : theme.warn)
        }
        if let blocker = preflight.blocker {
            _ = detailRow(&buffer, inner, y, "Blocked", blocker, theme: theme, style: theme.bad, lines: 2)
            buffer.line("n/Esc back to the form", in: Rect(x: inner.x, y: inner.maxY - 1, width: inner.width, height: 1), style: theme.key)
        } else {
            buffer.line("y/Enter submit · n/Esc cancel", in: Rect(x: inner.x, y: inner.maxY - 1, width: inner.width, height: 1), style: theme.key)
        }
    }

    func clearDialog(_ buffer: inout Buffer) {
        let rect = buffer.area.centered(width: 50, height: 5)
        buffer.fill(rect)
        buffer.frame(rect, title: "Clear the form?", style: theme.border, titleStyle: theme.heading)
        buffer.line("The look stays; everything else is reset. y/n", in: rect.inset(dx: 2, dy: 1).row(1), style: .plain)
    }
}

/// The script word-wrapped by display width, with the cursor's row and column.
struct ScriptLayout {
    var rows: [String] = []
    var cursorRow = 0
    var cursorColumn = 0

    init(text: String, cursor: Int, width: Int) {
        // Each row holds (character, index in the text); a row that overflows breaks at its last space.
        var grid: [[(Character, Int)]] = [[]]
        var rowWidth = 0
        func widthOf(_ row: ArraySlice<(Character, Int)>) -> Int { row.reduce(0) { $0 + DisplayWidth.of(String($1.0)) } }
        for (index, c) in text.enumerated() {
            if c == "\n" {
                grid[grid.count - 1].append((" ", index))  // the newline's own cell, for the cursor
                grid.append([])
                rowWidth = 0
                continue
            }
            let w = DisplayWidth.of(String(c))
            if rowWidth + w > width {
                let row = grid[grid.count - 1]
                if c != " ", let space = row.lastIndex(where: { $0.0 == " " }), space < row.count - 1 {
                    grid[grid.count - 1] = Array(row[...space])
                    grid.append(Array(row[(space + 1)...]))
                } else {
                    grid.append([])
                }
                rowWidth = widthOf(grid[grid.count - 1][...])
            }
            grid[grid.count - 1].append((Buffer.inert(c), index))
            rowWidth += w
        }
        rows = grid.map { row in String(row.map { $0.0 == "\n" ? " " : $0.0 }) }
        // The cursor: on the character it stands before, or after the last one.
        for (r, row) in grid.enumerated() {
            if let position = row.firstIndex(where: { $0.1 == cursor }) {
                (cursorRow, cursorColumn) = (r, widthOf(row[..<position]))
                break
            }
            if r == grid.count - 1 {
                let w = widthOf(row[...])
                (cursorRow, cursorColumn) = w >= width ? (r + 1, 0) : (r, w)
                if w >= width { rows.append("") }
            }
        }
        if text.isEmpty { rows = [] }
    }
}

/// The exact JSON body that will be sent.
struct JSONPreview {
    let state: AppState
    let theme: Theme

    func render(into buffer: inout Buffer, rect: Rect, title: String) {
        buffer.frame(rect, title: title, style: theme.border, titleStyle: theme.heading)
        let (request, _) = state.compose.draft.request()
        let body = (try? request.jsonBody()).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let inner = rect.inset(dx: 2, dy: 1)
        var y = inner.y
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) where y < inner.maxY {
            y += buffer.wrapped(String(line), in: Rect(x: inner.x, y: y, width: inner.width, height: inner.maxY - y), style: .plain)
        }
    }
}
