import Foundation
import HeyGen
import Terminal
import TwinDeckCore

/// The Looks pane: the account's digital-twin looks with engine badges, and the selected look's detail.
struct LooksPaneView {
    let state: AppState
    let theme: Theme

    var looks: LooksState { state.looks }

    func render(into buffer: inout Buffer, layout: Layout) {
        statusLine(&buffer, Rect(layout.listStatus))
        let list = Rect(layout.list)
        let columns = Columns(width: list.width)
        columns.header(&buffer, Rect(layout.listHeader), theme: theme)
        if !listMessage(&buffer, list, load: looks.load, empty: looks.visible.isEmpty, noun: "looks",
                        filtered: !looks.filter.isEmpty, theme: theme, now: state.now) {
            for row in 0..<list.height {
                let i = looks.scroll + row
                guard i < looks.visible.count else { break }
                let look = looks.all[looks.visible[i]]
                columns.row(&buffer, list.row(row), look: look, selected: look.id == looks.selectedID, theme: theme)
            }
        }
        let detail = LookDetailView(state: state, theme: theme)
        if looks.showPreview {
            detail.renderPicture(into: &buffer, rect: Rect(layout.detail), area: Rect(layout.preview))
        } else {
            detail.render(into: &buffer, rect: Rect(layout.detail), beside: layout.detailBeside)
        }
    }

    func statusLine(_ buffer: inout Buffer, _ rect: Rect) {
        var text = looks.filter.isEmpty ? "Digital twins" : "Filter “\(looks.filter)”"
        text += " · \(looks.visible.count) of \(looks.all.count)"
        if looks.load.isLoading, !looks.all.isEmpty { text += " · refreshing…" }
        if case .failed(let error) = looks.load, !looks.all.isEmpty { text += " · refresh failed: \(error.shortDescription)" }
        buffer.line(" " + text, in: rect, style: theme.dim)
    }

    /// NAME · ENGINES · ORIENTATION · STATUS, sized to the list's width.
    struct Columns {
        let name: Int, engines = 8, orientation = 10, status = 16

        init(width: Int) { name = max(10, width - 8 - 10 - 16 - 4) }

        func header(_ buffer: inout Buffer, _ rect: Rect, theme: Theme) {
            buffer.tableHeader([("NAME", name), ("ENGINES", engines), ("ORIENT.", orientation)], last: "STATUS", in: rect, theme: theme)
        }

        func row(_ buffer: inout Buffer, _ rect: Rect, look: Look, selected: Bool, theme: Theme) {
            let base = buffer.beginRow(rect, selected: selected, theme: theme)
            var x = buffer.put(" " + DisplayWidth.pad(look.name, to: name - 1) + " ", x: rect.x, y: rect.y, style: base, maxX: rect.maxX)
            let badges = engineBadges(look)
            buffer.put(badges, x: x, y: rect.y, style: selected ? base : theme.badge, maxX: x + engines - 1)
            x += engines
            buffer.put(look.preferredOrientation?.rawValue ?? "–", x: x, y: rect.y, style: base, maxX: x + orientation - 1)
            x += orientation
            let status = look.status?.rawValue ?? "public"
            let statusStyle: Style = selected ? base : (look.isUsable ? theme.good : (look.status == .failed ? theme.bad : theme.warn))
            buffer.put(status, x: x, y: rect.y, style: statusStyle, maxX: rect.maxX)
        }
    }
}

/// `IV V` for the engines a look supports (others by their raw name).
func engineBadges(_ look: Look) -> String {
    let engines = look.supportedAPIEngines ?? []
    var parts: [String] = []
    if engines.contains(.avatarIV) { parts.append("IV") }
    if engines.contains(.avatarV) { parts.append("V") }
    if parts.isEmpty, let first = engines.first { parts.append(first.rawValue) }
    return parts.isEmpty ? "–" : parts.joined(separator: " ")
}

/// The selected look's detail, from `GET /v3/avatars/looks/{id}` once fetched.
struct LookDetailView {
    let state: AppState
    let theme: Theme

    func render(into buffer: inout Buffer, rect: Rect, beside: Bool) {
        guard rect.height > 0 else { return }
        guard let summary = state.looks.selected else { return }
        let look = state.looks.details[summary.id] ?? summary
        let title = state.looks.detailLoading.contains(summary.id) ? "Look · loading detail…" : "Look"
        buffer.frame(rect, title: title, style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        var y = inner.y
        y = detailRow(&buffer, inner, y, "Name", look.name, theme: theme, style: .bold)
        y = detailRow(&buffer, inner, y, "ID", look.id, theme: theme, lines: 2)
        let engines = (look.supportedAPIEngines ?? []).map(\.displayName).joined(separator: ", ")
        y = detailRow(&buffer, inner, y, "Engines", engines.isEmpty ? "none yet" : engines, theme: theme, style: theme.badge)
        if !look.isUsable {
            y = unusable(&buffer, inner, y, look)
        } else {
            y = detailRow(&buffer, inner, y, "Status", look.status?.rawValue ?? "public", theme: theme, style: theme.good)
        }
        y = detailRow(&buffer, inner, y, "Voice", defaultVoice(look).map { "\($0) (default)" }, theme: theme)
        let size = look.imageWidth.flatMap { w in look.imageHeight.map { "\(w)×\($0)" } }
        y = detailRow(&buffer, inner, y, "Image", [size, look.preferredOrientation?.rawValue].compactMap { $0 }.joined(separator: " · "), theme: theme)
        y = detailRow(&buffer, inner, y, "Tags", look.tags?.joined(separator: ", "), theme: theme)
        let kind = [look.avatarType.rawValue, look.gender?.rawValue].compactMap { $0 }.joined(separator: " · ")
        y = detailRow(&buffer, inner, y, "Type", kind, theme: theme)
        y = detailRow(&buffer, inner, y, "Preview image", look.previewImageURL, theme: theme, lines: beside ? 2 : 1)
        y = detailRow(&buffer, inner, y, "Preview video", look.previewVideoURL, theme: theme, lines: beside ? 2 : 1)
        if let error = state.looks.detailErrors[summary.id] {
            _ = detailRow(&buffer, inner, y, "Detail", "could not load: \(error.description)", theme: theme, style: theme.bad, lines: 2)
        }
    }

    /// Why the look cannot be used yet and what to do: the consent link (`c`), the training error, or since when
    /// it has been training.
    func unusable(_ buffer: inout Buffer, _ inner: Rect, _ start: Int, _ look: Look) -> Int {
        var y = start
        switch look.status {
        case .pendingConsent?:
            y = detailRow(&buffer, inner, y, "Status", "pending_consent · waiting for the person in the avatar to consent",
                          theme: theme, style: theme.warn, lines: 2)
            switch state.looks.consent[look.id] {
            case .ready(let url)?:
                guard y < inner.maxY else { return y }
                buffer.put("Consent", x: inner.x, y: y, style: theme.label)
                let x = inner.x + 13
                buffer.putLink(DisplayWidth.clip(url, to: max(0, inner.maxX - x)), url: url, x: x, y: y,
                               style: Style(foreground: theme.colors ? .cyan : .default, underline: true), maxX: inner.maxX)
                y += 1
                y = detailRow(&buffer, inner, y, "", "c opens it, y there copies it", theme: theme, style: theme.dim)
            case .loading?:
                y = detailRow(&buffer, inner, y, "Consent", "asking HeyGen for the link…", theme: theme, style: theme.dim)
            case .failed(let reason)?:
                y = detailRow(&buffer, inner, y, "Consent", reason, theme: theme, style: theme.bad, lines: 2)
            case nil:
                let how = look.groupID == nil ? "no avatar group: finish consent in the HeyGen web app"
                    : "press c for the consent link to send to the person"
                y = detailRow(&buffer, inner, y, "Consent", how, theme: theme, style: theme.key, lines: 2)
            }
        case .failed?:
            y = detailRow(&buffer, inner, y, "Status", "failed · cannot be used for a video", theme: theme, style: theme.bad, lines: 2)
            let message = look.error?.message.flatMap { $0.isEmpty ? nil : $0 } ?? "HeyGen gave no reason"
            let code = look.error?.code.map { " (\($0))" } ?? ""
            y = detailRow(&buffer, inner, y, "Problem", message + code, theme: theme, style: theme.bad, lines: 2)
        case .processing?:
            // The API gives a look no timestamp: since when this session first listed it processing.
            y = detailRow(&buffer, inner, y, "Status", "processing · training, not usable yet", theme: theme, style: theme.warn, lines: 2)
            if let seen = state.looks.processingSince[look.id] {
                y = detailRow(&buffer, inner, y, "Since", "\(timeOfDay(seen)), \(ago(state.now.timeIntervalSince(seen)))",
                              theme: theme, style: theme.warn)
                y = detailRow(&buffer, inner, y, "", "(when this session first saw it processing)", theme: theme, style: theme.dim)
            }
        default:
            let why = look.error?.message.map { " — \($0)" } ?? ""
            y = detailRow(&buffer, inner, y, "Status", "\(look.status?.rawValue ?? "?") · cannot be used for a video\(why)",
                          theme: theme, style: theme.warn, lines: 2)
        }
        return y
    }

    /// `p`: the look's picture (drawn by chafa into cells) in place of the detail rows.
    func renderPicture(into buffer: inout Buffer, rect: Rect, area: Rect) {
        guard rect.height > 0, let summary = state.looks.selected else { return }
        let look = state.looks.details[summary.id] ?? summary
        buffer.frame(rect, title: "Look · picture", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        buffer.line(look.name, in: inner.row(0), style: .bold)
        if inner.height > 2 {
            buffer.line("p details · Y copies the image URL", in: inner.row(inner.height - 1), style: theme.dim)
        }
        guard look.previewImageURL?.isEmpty == false else {
            buffer.wrapped("This look has no preview image.", in: area, style: theme.dim)
            return
        }
        switch state.looks.previews[look.id]?.phase {
        case nil, .loading?:
            buffer.line("Drawing the picture…", in: area.row(0), style: theme.dim)
        case .ready(let picture)?:
            draw(picture, in: area, on: &buffer)
        case .unavailable(let reason)?:
            buffer.wrapped(reason, in: area, style: theme.warn)
        case .failed(let reason)?:
            buffer.wrapped("No picture: \(reason)", in: area, style: theme.bad)
        }
    }

    /// The picture centred in `area`, clipped to it, one cell per picture cell.
    func draw(_ picture: Picture, in area: Rect, on buffer: inout Buffer) {
        let left = area.x + max(0, (area.width - picture.width) / 2)
        for (row, cells) in picture.rows.prefix(area.height).enumerated() {
            for (column, cell) in cells.enumerated() where left + column < area.maxX {
                let style = state.colors
                    ? Style(foreground: cell.foreground.map(Color.indexed) ?? .default, background: cell.background.map(Color.indexed) ?? .default)
                    : Style.plain
                buffer[left + column, area.y + row] = Cell(cell.character, style: style)
            }
        }
    }

    func defaultVoice(_ look: Look) -> String? {
        guard let id = look.defaultVoiceID else { return nil }
        guard let voice = state.voices.index.voice(id: id) else {
            return state.voices.index.count == 0 ? id : "\(id) (not in the voice catalogue)"
        }
        return "\(voice.name) · \(voice.language), \(voice.gender.rawValue)"
    }
}

/// `14:02`: the local time of day, without Foundation's formatters (see ``PlainFormat``).
func timeOfDay(_ date: Date) -> String {
    guard date.timeIntervalSince1970.isFinite, abs(date.timeIntervalSince1970) < 1e12 else { return "?" }
    var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    guard localtime_r(&seconds, &parts) != nil else { return "?" }
    return (parts.tm_hour < 10 ? "0" : "") + String(parts.tm_hour) + ":" + (parts.tm_min < 10 ? "0" : "") + String(parts.tm_min)
}
