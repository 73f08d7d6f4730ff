import Foundation
import HeyGen
import Terminal
import TwinDeckCore

/// `?`: every key, by where it works, from the same table that dispatches them.
struct HelpOverlay {
    let theme: Theme
    /// The scopes of the pane help was opened from: listed first.
    var first: [Scope] = []

    func render(into buffer: inout Buffer) {
        let sections = KeyMap.helpSections(first: first)
        let rows = sections.reduce(0) { $0 + $1.1.count + 1 } + 2
        let rect = buffer.area.centered(width: min(76, buffer.width - 2), height: min(buffer.height - 2, rows + 2))
        buffer.fill(rect)
        buffer.frame(rect, title: "Keys — any key closes", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        var y = inner.y
        // The keys column fits the widest keys shown, plus a gap.
        let keyWidth = min(16, (sections.flatMap { $0.1.map { DisplayWidth.of($0.0) } }.max() ?? 10) + 2)
        // Two columns when the overlay is short on rows.
        let twoColumns = rows > inner.height
        let half = twoColumns ? (inner.width - 2) / 2 : inner.width
        var column = 0
        for (scope, bindings) in sections {
            if twoColumns, y + 1 + bindings.count > inner.maxY, column == 0 {
                column = 1
                y = inner.y
            }
            let x = inner.x + column * (half + 2)
            guard y + 1 < inner.maxY else {
                buffer.put("… more keys: enlarge the terminal", x: inner.x, y: inner.maxY - 1, style: theme.dim, maxX: inner.maxX)
                break
            }
            buffer.put(scope.rawValue, x: x, y: y, style: theme.heading, maxX: x + half)
            y += 1
            for (keys, help) in bindings where y < inner.maxY {
                buffer.put(DisplayWidth.clip(keys, to: keyWidth - 1), x: x, y: y, style: theme.key, maxX: x + keyWidth - 1)
                buffer.put(help, x: x + keyWidth, y: y, style: .plain, maxX: x + half)
                y += 1
            }
        }
    }
}

/// `L` in the Voices pane: choose a language, typing narrows the list.
struct LanguagePickerView {
    let state: AppState
    let picker: LanguagePicker
    let theme: Theme

    func render(into buffer: inout Buffer) {
        let options = state.languageOptions(matching: picker.query)
        let rect = buffer.area.centered(width: 44, height: min(buffer.height - 2, 18))
        buffer.fill(rect)
        buffer.frame(rect, title: "Language — type to narrow", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        var x = buffer.put("› ", x: inner.x, y: inner.y, style: theme.key)
        x = buffer.put(picker.query, x: x, y: inner.y, style: .bold, maxX: inner.maxX - 1)
        buffer.put("▏", x: x, y: inner.y, style: theme.key)
        let listRows = max(0, inner.height - 1)
        let top = max(0, min(picker.selected - listRows + 1, options.count - listRows))
        for row in 0..<listRows {
            let i = top + row
            guard i < options.count else { break }
            let option = options[i]
            let line = Rect(x: inner.x, y: inner.y + 1 + row, width: inner.width, height: 1)
            let style = i == picker.selected ? theme.selected : Style.plain
            let count = grouped(option.count)
            buffer.line(" " + DisplayWidth.pad(option.label, to: inner.width - DisplayWidth.of(count) - 2) + count, in: line, style: style)
        }
        if options.isEmpty { buffer.line(" no language matches", in: Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: 1), style: theme.dim) }
    }
}

/// `a` in the Voices pane: the voice preview playing, or its URL as a link when it cannot play here.
struct AuditionView {
    let audition: Audition
    let theme: Theme

    func render(into buffer: inout Buffer) {
        let rect = buffer.area.centered(width: min(72, buffer.width - 2), height: 8)
        buffer.fill(rect)
        buffer.frame(rect, title: "Voice preview", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        buffer.line(audition.voiceName, in: inner.row(0), style: .bold)
        switch audition.phase {
        case .starting: buffer.line("Starting…", in: inner.row(1), style: theme.dim)
        case .playing(let player): buffer.line("▶ Playing with \(player)", in: inner.row(1), style: theme.good)
        case .link(let reason): buffer.wrapped(reason, in: Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: 2), style: theme.warn)
        case .failed(let reason): buffer.wrapped(reason, in: Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: 2), style: theme.bad)
        }
        // The URL is a link (OSC 8) the terminal can open with a click, over SSH too.
        buffer.putLink(DisplayWidth.clip(audition.url, to: inner.width), url: audition.url, x: inner.x, y: inner.y + 3,
                       style: Style(foreground: theme.colors ? .cyan : .default, underline: true), maxX: inner.maxX)
        buffer.line("y copy URL · Esc/a stop and close", in: inner.row(inner.height - 1), style: theme.key)
    }
}

/// `c` in the Looks pane: a look's consent link (OSC 8, so a click opens it), or why there is none.
struct ConsentView {
    let look: Look?
    let phase: ConsentPhase?
    let theme: Theme
    let now: Date

    func render(into buffer: inout Buffer) {
        let rect = buffer.area.centered(width: min(76, buffer.width - 2), height: 10)
        buffer.fill(rect)
        buffer.frame(rect, title: "Consent link", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        buffer.line(look?.name ?? "", in: inner.row(0), style: .bold)
        let body = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: 2)
        switch phase {
        case nil, .loading?:
            buffer.line("\(spinnerFrame(now, perSecond: 10)) Asking HeyGen for the consent link…", in: inner.row(1), style: theme.dim)
        case .ready(let url)?:
            buffer.wrapped("The person in this avatar opens the link and approves; the look is then trained and can be used.",
                           in: body, style: .plain)
            // A link (OSC 8) the terminal opens with a click, over SSH too; `y` copies it (OSC 52).
            let shown = DisplayWidth.clip(url, to: inner.width)
            buffer.putLink(shown, url: url, x: inner.x, y: inner.y + 4, style: Style(foreground: theme.colors ? .cyan : .default, underline: true),
                           maxX: inner.maxX)
        case .failed(let reason)?:
            buffer.wrapped(reason, in: Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: 4), style: theme.bad)
        }
        let keys = if case .ready? = phase { "y copy link · Esc close" } else { "Esc close" }
        buffer.line(keys, in: inner.row(inner.height - 1), style: theme.key)
    }
}
