import Foundation
import HeyGen
import Terminal
import TwinDeckCore

/// The status board: every submitted video, polled live.
struct BoardView {
    let state: AppState
    let theme: Theme

    var board: BoardState { state.board }

    func render(into buffer: inout Buffer, layout: Layout) {
        let visible = board.visible
        statusLine(&buffer, Rect(layout.listStatus), count: visible.count)
        let list = Rect(layout.list)
        let columns = Columns(width: list.width)
        columns.header(&buffer, Rect(layout.listHeader), theme: theme)
        if visible.isEmpty {
            let text = board.loadError.map { " Could not read the history: \($0)" }
                ?? (!board.loaded ? " Loading the board…"
                : board.rows.isEmpty && !board.unreadable.isEmpty
                    ? " \(board.unreadable.count) row\(board.unreadable.count == 1 ? "" : "s") of the history could not be read (written by a newer TwinDeck?); twindeck videos lists them."
                : board.rows.isEmpty ? " No videos yet. Compose one (3), or import one with twindeck import <video-id>."
                : " No videos match the filter. Esc clears it.")
            buffer.wrapped(text, in: list, style: theme.dim)
        } else {
            for row in 0..<list.height {
                let i = board.scroll + row
                guard i < visible.count else { break }
                let item = visible[i]
                columns.row(&buffer, list.row(row), item, selected: item.idempotencyKey == board.selectedKey,
                            now: state.now, download: board.downloads[item.idempotencyKey], viaWebhook: board.viaWebhook(item),
                            estimate: item.isRunning ? board.estimates[item.idempotencyKey] : nil, theme: theme)
            }
        }
        if let selected = board.selected {
            VideoDetailView(row: selected, download: board.downloads[selected.idempotencyKey], now: state.now,
                            viaWebhook: board.viaWebhook(selected),
                            estimate: selected.isRunning ? board.estimates[selected.idempotencyKey] : nil, theme: theme)
                .render(into: &buffer, rect: Rect(layout.detail))
            if board.showingDetail { fullDetail(&buffer, selected) }
            if board.confirmingRemove == selected.idempotencyKey { removeDialog(&buffer, selected) }
        }
    }

    func statusLine(_ buffer: inout Buffer, _ rect: Rect, count: Int) {
        let running = board.runningCount
        var parts = ["\(count) of \(board.expected.map { max($0, board.rows.count) } ?? board.rows.count) videos", "\(running) rendering"]
        if board.expected != nil { parts.append("reading the rest of the history…") }
        var style = theme.dim
        switch board.health {
        case .ok(let at): parts.append("polled \(ago(state.now.timeIntervalSince(at)))")
        case .failing(let why, let retryAt):
            parts.append("poll failed (\(why)), retry in \(max(0, Int(saturating: retryAt.timeIntervalSince(state.now).rounded(.up)))) s")
            style = theme.warn
        case .follower: parts.append("another TwinDeck is polling this store")
        case .readOnly(let why):
            parts.append("read-only: \(why)")
            style = theme.warn
        case .idle: break
        }
        if !board.unreadable.isEmpty {
            parts.append("\(board.unreadable.count) unreadable row\(board.unreadable.count == 1 ? "" : "s") (twindeck videos lists them)")
            style = theme.warn
        }
        if let error = board.loadError, board.loaded {
            parts.append("could not read the history: \(error)")
            style = theme.warn
        }
        if let webhook = board.webhook { parts.append("\(webhookMark) webhooks \(webhook.address.prefix { $0 != "/" })") }
        if !board.filter.isEmpty { parts.append("“\(board.filter)”") }
        if board.sort != .newest { parts.append("sorted by \(board.sort.rawValue)") }
        buffer.line(" " + parts.joined(separator: " · "), in: rect, style: style)
    }

    struct Columns {
        let title: Int, status = 14, look = 18, engine = 4, age = 8

        init(width: Int) { title = max(8, width - 14 - 18 - 4 - 8 - 2) }

        func header(_ buffer: inout Buffer, _ rect: Rect, theme: Theme) {
            buffer.tableHeader([("STATUS", status), ("TITLE", title), ("LOOK", look), ("ENG", engine)], last: "AGE", in: rect, theme: theme)
        }

        func row(_ buffer: inout Buffer, _ rect: Rect, _ item: Submission, selected: Bool, now: Date, download: DownloadProgress?,
                 viaWebhook: Bool, estimate: RenderEstimate? = nil, theme: Theme) {
            let base = buffer.beginRow(rect, selected: selected, theme: theme)
            let (icon, style) = statusIcon(item, now: now, theme: theme)
            var x = buffer.put(" " + DisplayWidth.pad(icon + " " + item.displayStatus, to: status), x: rect.x, y: rect.y,
                               style: selected ? base : style, maxX: rect.maxX)
            var title = item.title ?? item.videoID ?? "(untitled)"
            if viaWebhook { title = "\(webhookMark) " + title }
            if let download, download.isRunning {
                title = (download.note == nil ? "↓ \(percent(download)) " : "↓ \(percent(download)) retrying · ") + title
            } else if let download, download.error != nil {
                title = "↓ failed: \(download.reason ?? "see detail") · " + title
            } else if let estimate {
                // A prediction from the history (HeyGen reports no progress): the bar fills toward the expected time.
                title = "\(estimate.bar(at: now, cells: 5)) \(estimate.shortText(at: now)) · " + title
            }
            x = buffer.put(DisplayWidth.pad(title, to: self.title - 1) + " ", x: x, y: rect.y, style: base, maxX: rect.maxX)
            x = buffer.put(DisplayWidth.pad(item.lookName ?? item.lookID ?? "–", to: look - 1) + " ", x: x, y: rect.y, style: base, maxX: rect.maxX)
            x = buffer.put(DisplayWidth.pad(item.engine == Engine.avatarV.rawValue ? "V" : "IV", to: engine), x: x, y: rect.y, style: base,
                           maxX: rect.maxX)
            buffer.put(shortAge(now.timeIntervalSince(item.createdAt)), x: x, y: rect.y, style: selected ? base : theme.dim, maxX: rect.maxX)
        }
    }
}

/// Marks a row fed by a webhook rather than by polling; the status line says what it means.
let webhookMark = "↯"

func statusIcon(_ item: Submission, now: Date, theme: Theme) -> (String, Style) {
    if item.isRunning {
        return (spinnerFrame(now, perSecond: 4), theme.warn)
    }
    switch item.displayStatus {
    case "completed": return ("✓", theme.good)
    default: return ("✗", theme.bad)
    }
}

func shortAge(_ seconds: Double) -> String {
    switch seconds {
    case ..<60: "\(max(0, Int(saturating: seconds)))s"
    case ..<3600: "\(Int(saturating: seconds / 60))m"
    case ..<86_400: "\(Int(saturating: seconds / 3600))h"
    default: seconds.isNaN ? "?" : "\(min(99_999, Int(saturating: seconds / 86_400)))d"
    }
}

func percent(_ p: DownloadProgress) -> String {
    guard let total = p.total, total > 0 else { return byteCount(p.received) }
    return "\(Int(saturating: Double(p.received) * 100 / Double(total)))%"
}

func byteCount(_ n: Int64) -> String {
    let v = Double(n)
    switch v {
    case ..<1024: return "\(n) B"
    case ..<(1024 * 1024): return String(format: "%.1f KB", v / 1024)
    case ..<(1024 * 1024 * 1024): return String(format: "%.1f MB", v / 1024 / 1024)
    default: return String(format: "%.2f GB", v / 1024 / 1024 / 1024)
    }
}

/// A progress bar with bytes, rate and time left: `[██████░░░░] 62% 1.2 MB of 2.0 MB · 800 KB/s · 1 s left`.
func progressBar(_ p: DownloadProgress, width: Int) -> String {
    let fraction = p.total.map { $0 > 0 ? Double(p.received) / Double($0) : 0 } ?? 0
    let cells = max(4, min(20, width / 4))
    let filled = min(cells, max(0, Int(saturating: fraction * Double(cells))))
    var text = "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: cells - filled) + "] "
    text += percent(p) + " " + byteCount(p.received) + (p.total.map { " of " + byteCount($0) } ?? "")
    if p.bytesPerSecond > 0, p.bytesPerSecond.isFinite {
        text += " · \(byteCount(Int64(saturating: p.bytesPerSecond)))/s"
        if let total = p.total, total > p.received { text += " · \(Int(saturating: Double(total - p.received) / p.bytesPerSecond)) s left" }
    }
    return text
}

/// The selected video: status, link or failure, download.
struct VideoDetailView {
    let row: Submission
    let download: DownloadProgress?
    let now: Date
    let viaWebhook: Bool
    var estimate: RenderEstimate? = nil
    let theme: Theme

    func render(into buffer: inout Buffer, rect: Rect) {
        guard rect.height > 2 else { return }
        buffer.frame(rect, title: "Video", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        var y = inner.y
        let (icon, style) = statusIcon(row, now: now, theme: theme)
        var status = "\(icon) \(row.displayStatus)"
        if row.isRunning { status += " · \(shortAge(now.timeIntervalSince(row.createdAt))) elapsed" }
        if let polled = row.lastPolledAt { status += " · updated \(ago(now.timeIntervalSince(polled)))" }
        if viaWebhook { status += " · \(webhookMark) via webhook" }
        y = detailRow(&buffer, inner, y, "Status", status, theme: theme, style: style)
        if let estimate {
            let late = estimate.overdueSeconds(at: now) != nil
            y = detailRow(&buffer, inner, y, "Estimate", "\(estimate.bar(at: now, cells: 10)) \(estimate.shortText(at: now)) · \(estimate.spreadText)",
                          theme: theme, style: late ? theme.warn : .plain)
            y = detailRow(&buffer, inner, y, "Based on", "\(estimate.basis); a prediction (HeyGen reports no progress)", theme: theme,
                          style: theme.dim, lines: 2)
        }
        if viaWebhook {
            y = detailRow(&buffer, inner, y, "Webhook", row.webhookAt == nil ? "awaited; polled only every 2 min as a safety net" : "the outcome came by webhook",
                          theme: theme)
        }
        y = detailRow(&buffer, inner, y, "Failure", row.failureMessage.map { m in row.failureCode.map { "\(m) (\($0))" } ?? m },
                      theme: theme, style: theme.bad, lines: 3)
        y = detailRow(&buffer, inner, y, "Not sent", row.submitError, theme: theme, style: theme.bad, lines: 2)
        if row.submitState == .submitting {
            y = detailRow(&buffer, inner, y, "Note", "the answer to this submission was lost; it is re-sent with the same key, so no second video is made",
                          theme: theme, style: theme.warn, lines: 2)
        }
        if let download {
            if let error = download.error {
                y = detailRow(&buffer, inner, y, "Download", "failed: \(error)", theme: theme, style: theme.bad, lines: 6)
            } else if let note = download.note {
                y = detailRow(&buffer, inner, y, "Download", "\(byteCount(download.received)) so far · \(note)", theme: theme, style: theme.warn,
                              lines: 2)
            } else if download.done {
                y = detailRow(&buffer, inner, y, "Saved", download.path, theme: theme, style: theme.good, lines: 2)
            } else {
                y = detailRow(&buffer, inner, y, "Download", progressBar(download, width: inner.width - 13), theme: theme, lines: 2)
            }
        } else if row.downloadState == .done, let path = row.downloadPath {
            y = detailRow(&buffer, inner, y, "Saved", path, theme: theme, style: theme.good, lines: 2)
        }
        y = detailRow(&buffer, inner, y, "Link", row.videoURL, theme: theme, lines: 2)
        y = detailRow(&buffer, inner, y, "Video ID", row.videoID, theme: theme)
        y = detailRow(&buffer, inner, y, "Title", row.title, theme: theme, style: .bold)
        y = detailRow(&buffer, inner, y, "Look", [row.lookName, row.voiceName].compactMap { $0 }.joined(separator: " · "), theme: theme)
        _ = detailRow(&buffer, inner, y, "Duration", row.duration.map { String(format: "%.1f s", $0) }, theme: theme)
    }
}

extension BoardView {
    /// Enter: everything known about the video, with the request body that was sent.
    func fullDetail(_ buffer: inout Buffer, _ row: Submission) {
        let rect = buffer.area.centered(width: min(100, buffer.width - 2), height: buffer.height - 2)
        buffer.fill(rect)
        buffer.frame(rect, title: "Video detail — Esc closes", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        var y = inner.y
        let pairs: [(String, String?)] = [
            ("Video ID", row.videoID), ("Title", row.title), ("Status", row.displayStatus + (row.rawStatus.map { " (HeyGen: \($0))" } ?? "")), ("Failure", row.failureMessage),
            ("Code", row.failureCode), ("Look", [row.lookName, row.lookID].compactMap { $0 }.joined(separator: " · ")),
            ("Voice", [row.voiceName, row.voiceID].compactMap { $0 }.joined(separator: " · ")), ("Engine", row.engine),
            ("Created", PlainFormat.iso8601(row.createdAt)), ("Updated", PlainFormat.iso8601(row.updatedAt)),
            ("Completed", row.completedAt.map(PlainFormat.iso8601)), ("Duration", row.duration.map { "\($0) s" }),
            ("Link", row.videoURL), ("Captioned", row.captionedVideoURL), ("Page", row.videoPageURL), ("Subtitles", row.subtitleURL),
            ("Key", row.idempotencyKey), ("Source", row.source.rawValue), ("Callback", row.callbackURL),
            ("Webhook", row.webhookAt.map { "outcome received \(PlainFormat.iso8601($0))" }),
            ("Estimate", (row.isRunning ? board.estimates[row.idempotencyKey] : nil).map {
                "\($0.shortText(at: state.now)) · \($0.spreadText) · \($0.basis)"
            }),
        ]
        for (label, value) in pairs where y < inner.maxY {
            y = detailRow(&buffer, inner, y, label, value, theme: theme, lines: 2)
        }
        if let body = row.requestBody, y + 1 < inner.maxY {
            buffer.put("Request body", x: inner.x, y: y, style: theme.label)
            y += 1
            for line in body.split(separator: "\n") where y < inner.maxY {
                y += buffer.wrapped(String(line), in: Rect(x: inner.x + 2, y: y, width: inner.width - 2, height: inner.maxY - y), style: .plain)
            }
        }
    }

    func removeDialog(_ buffer: inout Buffer, _ row: Submission) {
        let rect = buffer.area.centered(width: 60, height: 6)
        buffer.fill(rect)
        buffer.frame(rect, title: "Remove from the board?", style: theme.border, titleStyle: theme.heading)
        let inner = rect.inset(dx: 2, dy: 1)
        buffer.line("“\(row.title ?? row.videoID ?? "video")” leaves this board only;", in: inner.row(0))
        buffer.line("the video stays on HeyGen. y removes · any other key keeps it", in: inner.row(1))
    }
}
