import Foundation
import HeyGen
import Terminal
import TwinDeckCore

/// The app's styles; without colours (`NO_COLOR`, a monochrome terminal) only attributes remain.
struct Theme {
    let colors: Bool

    init(colors: Bool) { self.colors = colors }

    private func c(_ style: Style, mono: Style) -> Style { colors ? style : mono }

    var bar: Style { c(Style(foreground: .black, background: .cyan), mono: .reverse) }
    var barBold: Style { c(Style(foreground: .black, background: .cyan, bold: true), mono: Style(bold: true, reverse: true)) }
    var tab: Style { .plain }
    var activeTab: Style { c(Style(foreground: .cyan, bold: true, underline: true), mono: Style(bold: true, underline: true)) }
    var heading: Style { c(Style(foreground: .cyan, bold: true), mono: .bold) }
    var selected: Style { c(Style(foreground: .black, background: .cyan), mono: .reverse) }
    var dim: Style { .dim }
    var label: Style { c(.fg(.yellow), mono: .bold) }
    var good: Style { c(.fg(.green), mono: .plain) }
    var warn: Style { c(.fg(.yellow), mono: .bold) }
    var bad: Style { c(.fg(.red, bold: true), mono: .bold) }
    var badge: Style { c(.fg(.magenta, bold: true), mono: .bold) }
    var key: Style { c(.fg(.cyan, bold: true), mono: .bold) }
    var border: Style { c(.fg(.cyan), mono: .plain) }
}

extension Rect {
    init(_ box: Box) { self.init(x: box.x, y: box.y, width: box.width, height: box.height) }
}

extension Buffer {
    /// A box-drawing frame around `rect` with a title on the top edge.
    mutating func frame(_ rect: Rect, title: String, style: Style, titleStyle: Style) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        put("┌" + String(repeating: "─", count: rect.width - 2) + "┐", x: rect.x, y: rect.y, style: style)
        for y in rect.y + 1..<rect.maxY - 1 {
            put("│", x: rect.x, y: y, style: style)
            put("│", x: rect.maxX - 1, y: y, style: style)
        }
        put("└" + String(repeating: "─", count: rect.width - 2) + "┘", x: rect.x, y: rect.maxY - 1, style: style)
        if !title.isEmpty {
            put(" " + DisplayWidth.clip(title, to: rect.width - 6) + " ", x: rect.x + 2, y: rect.y, style: titleStyle)
        }
    }

    /// A table's heading line: each title padded to its column's width, then the last title as is.
    mutating func tableHeader(_ columns: [(title: String, width: Int)], last: String, in rect: Rect, theme: Theme) {
        let text = " " + columns.map { DisplayWidth.pad($0.title, to: $0.width) }.joined() + last
        line(text, in: rect, style: theme.heading)
    }

    /// Starts a table row: fills it in the selection bar's style when selected, and returns the row's style.
    mutating func beginRow(_ rect: Rect, selected: Bool, theme: Theme) -> Style {
        let base = selected ? theme.selected : Style.plain
        fill(rect, style: base)
        return base
    }

    /// Writes `text` wrapped by display width into `rect`, at most `rect.height` lines; returns lines used.
    @discardableResult
    mutating func wrapped(_ text: String, in rect: Rect, style: Style) -> Int {
        guard rect.width > 0, rect.height > 0 else { return 0 }
        var lines: [String] = []
        var current = "", width = 0
        for character in Buffer.inertString(text) {
            let w = DisplayWidth.of(String(character))
            if width + w > rect.width {
                // Break after the last space when there is one, so words stay whole (URLs break anywhere).
                if character != " ", let space = current.lastIndex(of: " "), current.index(after: space) != current.endIndex {
                    lines.append(String(current[...space]))
                    current = String(current[current.index(after: space)...])
                } else {
                    lines.append(current)
                    current = ""
                }
                width = DisplayWidth.of(current)
            }
            current.append(character)
            width += w
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        if lines.count > rect.height {
            lines = Array(lines.prefix(rect.height))
            lines[lines.count - 1] = DisplayWidth.clip(lines[lines.count - 1] + "…", to: rect.width)
        }
        for (i, line) in lines.enumerated() { put(line, x: rect.x, y: rect.y + i, style: style, maxX: rect.maxX) }
        return lines.count
    }
}

/// Grouped thousands: 1,842.
func grouped(_ n: Int) -> String { PlainFormat.grouped(n) }

/// "just now", "12 s ago", "3 min ago", "5 h ago", "2 d ago"; "a long time ago" past 100 years and "at an
/// unknown time" for NaN (a damaged cache's saved time), never a trap.
func ago(_ seconds: Double) -> String {
    if seconds.isNaN { return "at an unknown time" }
    switch seconds {
    case ..<2: return "just now"
    case ..<60: return "\(Int(saturating: seconds)) s ago"
    case ..<3600: return "\(Int(saturating: seconds / 60)) min ago"
    case ..<86_400: return "\(Int(saturating: seconds / 3600)) h ago"
    case ..<(100 * 365 * 86_400): return "\(Int(saturating: seconds / 86_400)) d ago"
    default: return "a long time ago"
    }
}

/// A frame of `frames` for a spinner turning `perSecond` times a second at `now` (any date, even before 2001
/// or NaN, gives a frame: the index is never negative).
func spinnerFrame(_ now: Date, perSecond: Double, _ frames: [String] = spinnerFrames) -> String {
    let tick = Int(saturating: (now.timeIntervalSinceReferenceDate * perSecond).truncatingRemainder(dividingBy: 1e6))
    return frames[((tick % frames.count) + frames.count) % frames.count]
}

let spinnerFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
