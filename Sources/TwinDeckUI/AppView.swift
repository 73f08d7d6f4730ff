import Foundation
import HeyGen
import Terminal
import TwinDeckCore

/// The whole frame: header, tabs, the current pane, footer, and any overlay. A pure function of state.
public struct AppView {
    public let state: AppState
    let theme: Theme

    public init(state: AppState) {
        self.state = state
        theme = Theme(colors: state.colors)
    }

    /// Draws a fresh frame of the state's size.
    public func render() -> Buffer {
        var buffer = Buffer(width: state.width, height: state.height)
        render(into: &buffer)
        return buffer
    }

    public func render(into buffer: inout Buffer) {
        if state.isTooSmall {
            let (w, h) = AppState.minimumSize
            let lines = ["Terminal too small (\(state.width)×\(state.height)).", "TwinDeck needs at least \(w)×\(h).", "Resize, or press q to quit."]
            for (i, line) in lines.enumerated() where i < buffer.height {
                buffer.put(DisplayWidth.clip(line, to: buffer.width), x: 0, y: i, style: i == 0 ? .bold : .plain)
            }
            return
        }
        let layout = state.layout
        header(&buffer, Rect(layout.header))
        tabs(&buffer, Rect(layout.tabs))
        switch state.pane {
        case .looks: LooksPaneView(state: state, theme: theme).render(into: &buffer, layout: layout)
        case .voices: VoicesPaneView(state: state, theme: theme).render(into: &buffer, layout: layout)
        case .compose: ComposeView(state: state, theme: theme).render(into: &buffer, layout: layout)
        case .board: BoardView(state: state, theme: theme).render(into: &buffer, layout: layout)
        }
        footer(&buffer, Rect(layout.footer))
        switch state.mode {
        case .help: HelpOverlay(theme: theme, first: helpScopes).render(into: &buffer)
        case .languagePicker(let picker): LanguagePickerView(state: state, picker: picker, theme: theme).render(into: &buffer)
        case .audition(let audition): AuditionView(audition: audition, theme: theme).render(into: &buffer)
        case .consent(let lookID):
            let look = state.looks.details[lookID] ?? state.looks.all.first { $0.id == lookID }
            ConsentView(look: look, phase: state.looks.consent[lookID], theme: theme, now: state.now).render(into: &buffer)
        default: break
        }
    }

    /// The scopes of the pane under the help overlay.
    var helpScopes: [Scope] {
        switch state.pane {
        case .looks: [.global, .list, .looks, .filtering]
        case .voices: [.global, .list, .voices]
        case .compose: [.global, .compose, .editing]
        case .board: [.global, .board, .list]
        }
    }

    func header(_ buffer: inout Buffer, _ rect: Rect) {
        buffer.fill(rect, style: theme.bar)
        var x = buffer.put(" TwinDeck ", x: rect.x, y: rect.y, style: theme.barBold)
        let target = state.isDemo ? "DEMO (simulator)" : (state.baseURL.hasPrefix("https://") ? String(state.baseURL.dropFirst(8)) : state.baseURL)
        x = buffer.put("· " + target + " ", x: x, y: rect.y, style: theme.bar, maxX: rect.maxX)
        var account = ""
        if let user = state.account.user {
            account = [user.username, user.email.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")
            // The balance in the shape the account's billing type has (wallet, subscription, usage-based).
            if let balance = user.billing.short { account += " · " + balance }
        } else if let error = state.account.error {
            account = error.kind == .unauthorized ? "key not accepted" : "account unavailable"
        }
        if !account.isEmpty {
            let text = DisplayWidth.clip(account, to: max(0, rect.maxX - x - 2))
            buffer.put(text, x: rect.maxX - DisplayWidth.of(text) - 1, y: rect.y, style: theme.bar)
        }
    }

    func tabs(_ buffer: inout Buffer, _ rect: Rect) {
        var x = rect.x + 1
        for pane in Pane.allCases {
            let text = " \(pane.rawValue + 1) \(pane.title) "
            x = buffer.put(text, x: x, y: rect.y, style: pane == state.pane ? theme.activeTab : theme.tab) + 1
        }
        let status: String = switch state.pane {
        case .looks: state.looks.load.isLoading ? "" : "\(state.looks.all.count) looks"
        case .voices: state.voices.index.count > 0 ? "\(grouped(state.voices.index.count)) voices" : ""
        case .compose: state.compose.picking == nil ? "" : "picking…"
        case .board: "\(state.board.runningCount) rendering"
        }
        if !status.isEmpty, DisplayWidth.of(status) + x + 1 < rect.maxX {
            buffer.put(status, x: rect.maxX - DisplayWidth.of(status) - 1, y: rect.y, style: theme.dim)
        }
    }

    func footer(_ buffer: inout Buffer, _ rect: Rect) {
        buffer.fill(rect, style: .plain)
        if state.mode == .help {
            buffer.line(" Any key closes help · q quits", in: rect, style: theme.dim)
            return
        }
        if let toast = state.toast, state.mode != .filtering {
            buffer.line(" " + toast.text, in: rect, style: toast.level == .error ? theme.bad : theme.good)
            return
        }
        if state.mode == .filtering {
            let filter = state.pane == .looks ? state.looks.filter : state.pane == .board ? state.board.filter : state.voices.filter
            var x = buffer.put(" Filter: ", x: rect.x, y: rect.y, style: theme.label)
            x = buffer.put(filter, x: x, y: rect.y, style: .bold, maxX: rect.maxX - 30)
            x = buffer.put("▏", x: x, y: rect.y, style: theme.key)
            hints(&buffer, rect, from: x + 2, KeyMap.footer(for: [.filtering]))
            return
        }
        // "? help" and "q quit" always show, at the right; the pane's keys fill the rest from the left.
        let essentials = state.scopes.contains(.global) ? KeyMap.footer(for: [.global]).filter { $0.0 == "?" || $0.0 == "q" } : []
        let essentialsWidth = essentials.reduce(0) { $0 + DisplayWidth.of($1.0) + DisplayWidth.of($1.1) + 3 }
        let others = KeyMap.footer(for: state.scopes).filter { hint in !essentials.contains { $0.0 == hint.0 } }
        hints(&buffer, Rect(x: rect.x, y: rect.y, width: rect.width - essentialsWidth, height: 1), from: rect.x + 1, others)
        hints(&buffer, rect, from: rect.maxX - essentialsWidth + 1, essentials)
    }

    func hints(_ buffer: inout Buffer, _ rect: Rect, from start: Int, _ hints: [(String, String)]) {
        var x = start
        for (key, help) in hints {
            let width = DisplayWidth.of(key) + DisplayWidth.of(help) + 1
            if x + width > rect.maxX { break }
            x = buffer.put(key, x: x, y: rect.y, style: theme.key)
            x = buffer.put(" " + help, x: x, y: rect.y, style: .plain) + 2
        }
    }
}

/// One row of `label  value` in a detail panel; returns the next free row.
func detailRow(_ buffer: inout Buffer, _ rect: Rect, _ y: Int, _ label: String, _ value: String?, theme: Theme,
               style: Style = .plain, lines: Int = 1) -> Int {
    guard let value, !value.isEmpty, y < rect.maxY else { return y }
    let labelWidth = 13
    buffer.put(DisplayWidth.clip(label, to: labelWidth - 1), x: rect.x, y: y, style: theme.label)
    let valueRect = Rect(x: rect.x + labelWidth, y: y, width: rect.width - labelWidth, height: min(lines, rect.maxY - y))
    return y + buffer.wrapped(value, in: valueRect, style: style)
}

/// The loading / error / empty message inside a list area.
func listMessage(_ buffer: inout Buffer, _ rect: Rect, load: LoadState, empty: Bool, noun: String, filtered: Bool, theme: Theme, now: Date) -> Bool {
    switch load {
    case .loading where empty, .idle where empty:
        let frame = spinnerFrame(now, perSecond: 10)
        buffer.line(" \(frame) Loading \(noun)…", in: rect.row(0), style: theme.dim)
        return true
    case .failed(let error) where empty:
        let hint = error.kind == .unauthorized
            ? "Set HEYGEN_API_KEY (or run with --demo), then press r."
            : "Press r to retry."
        let used = buffer.wrapped(" Could not load \(noun): \(error.description)", in: rect, style: theme.bad)
        if used < rect.height { buffer.line(" " + hint, in: rect.row(used + 1 < rect.height ? used + 1 : used), style: .plain) }
        return true
    default:
        if empty {
            buffer.line(filtered ? " No \(noun) match the filter. Esc clears it." : " No \(noun).", in: rect.row(0), style: theme.dim)
            return true
        }
        return false
    }
}
