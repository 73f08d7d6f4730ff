import Foundation
import HeyGen
import Terminal
import TwinDeckCore

/// The Voices pane: the whole catalogue, filtered as you type, with language and gender facets.
struct VoicesPaneView {
    let state: AppState
    let theme: Theme

    var voices: VoicesState { state.voices }

    func render(into buffer: inout Buffer, layout: Layout) {
        statusLine(&buffer, Rect(layout.listStatus))
        let list = Rect(layout.list)
        let columns = Columns(width: list.width)
        columns.header(&buffer, Rect(layout.listHeader), theme: theme)
        let filtered = !voices.filter.isEmpty || voices.language != nil || voices.gender != nil
        if !listMessage(&buffer, list, load: voices.load, empty: voices.visible.isEmpty, noun: "voices",
                        filtered: filtered, theme: theme, now: state.now) {
            // Only the visible rows are drawn, whatever the catalogue's size.
            for row in 0..<list.height {
                let i = voices.scroll + row
                guard i < voices.visible.count else { break }
                let voice = voices.index.voices[voices.visible[i]]
                columns.row(&buffer, list.row(row), voice: voice, selected: voice.voiceID == voices.selectedID, theme: theme)
            }
        }
        VoiceDetailView(voice: voices.selected, theme: theme).render(into: &buffer, rect: Rect(layout.detail))
    }

    func statusLine(_ buffer: inout Buffer, _ rect: Rect) {
        var parts = ["\(grouped(voices.visible.count)) of \(grouped(voices.index.count))"]
        if !voices.filter.isEmpty { parts.append("“\(voices.filter)”") }
        parts.append("language: \(voices.language ?? "all")")
        parts.append("gender: \(voices.gender?.rawValue ?? "all")")
        if voices.load.isLoading, voices.index.count > 0 { parts.append("refreshing…") }
        if let at = voices.fetchedAt { parts.append((voices.fromCache ? "cached " : "fetched ") + ago(state.now.timeIntervalSince(at))) }
        buffer.line(" " + parts.joined(separator: " · "), in: rect, style: theme.dim)
    }

    struct Columns {
        let name: Int, language = 14, gender = 8, type = 9

        init(width: Int) { name = max(10, width - 14 - 8 - 9 - 2) }

        func header(_ buffer: inout Buffer, _ rect: Rect, theme: Theme) {
            buffer.tableHeader([("NAME", name), ("LANGUAGE", language), ("GENDER", gender)], last: "TYPE", in: rect, theme: theme)
        }

        func row(_ buffer: inout Buffer, _ rect: Rect, voice: Voice, selected: Bool, theme: Theme) {
            let base = buffer.beginRow(rect, selected: selected, theme: theme)
            var x = buffer.put(" " + DisplayWidth.pad(voice.name, to: name - 1) + " ", x: rect.x, y: rect.y, style: base, maxX: rect.maxX)
            x = buffer.put(DisplayWidth.pad(voice.language, to: language), x: x, y: rect.y, style: base, maxX: rect.maxX)
            x = buffer.put(DisplayWidth.pad(voice.gender.rawValue, to: gender), x: x, y: rect.y, style: base, maxX: rect.maxX)
            let isPrivate = voice.type == .private
            buffer.put(isPrivate ? "★ private" : "public", x: x, y: rect.y, style: selected ? base : (isPrivate ? theme.badge : theme.dim),
                       maxX: rect.maxX)
        }
    }
}

struct VoiceDetailView {
    let voice: Voice?
    let theme: Theme

    func render(into buffer: inout Buffer, rect: Rect) {
        guard rect.height > 0, let voice else { return }
        buffer.frame(rect, title: "Voice", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        var y = inner.y
        y = detailRow(&buffer, inner, y, "Name", voice.name, theme: theme, style: .bold)
        y = detailRow(&buffer, inner, y, "Voice ID", voice.voiceID, theme: theme, lines: 2)
        y = detailRow(&buffer, inner, y, "Language", "\(voice.language) · \(voice.gender.rawValue)", theme: theme)
        y = detailRow(&buffer, inner, y, "Type", voice.type == .private ? "private (your clone)" : "public", theme: theme)
        y = detailRow(&buffer, inner, y, "Supports", "pauses: \(voice.supportPause ? "yes" : "no") · locale: \(voice.supportLocale ? "yes" : "no")",
                      theme: theme)
        _ = detailRow(&buffer, inner, y, "Preview", voice.previewAudioURL ?? "none (this voice has no preview)", theme: theme, lines: 2)
    }
}
