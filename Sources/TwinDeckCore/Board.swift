import Foundation
import HeyGen

/// How the board orders its rows.
public enum BoardSort: String, Sendable, CaseIterable {
    case newest, status
}

/// A download in progress, as the board shows it.
public struct DownloadProgress: Equatable, Sendable {
    public var received: Int64
    public var total: Int64?
    public var bytesPerSecond: Double
    public var done = false
    /// Why it failed, the whole sentence with what to do (the detail panel, the toast); the download has stopped.
    public var error: String?
    public var path: String?
    /// Why it failed in a word or two, for the row ("disk full", "no connection").
    public var reason: String?
    /// While it goes on: what is being waited for ("no connection; try 2 of 5 in 4 s").
    public var note: String?

    public init(received: Int64, total: Int64?, bytesPerSecond: Double, done: Bool = false, error: String? = nil, path: String? = nil,
                reason: String? = nil, note: String? = nil) {
        self.received = received
        self.total = total
        self.bytesPerSecond = bytesPerSecond
        self.done = done
        self.error = error
        self.path = path
        self.reason = reason
        self.note = note
    }

    /// Still going (not finished, not failed).
    public var isRunning: Bool { !done && error == nil }
}

/// The poller's health, shown on the board.
public enum PollHealth: Equatable, Sendable {
    case idle
    case ok(at: Date)
    /// Failing; the next try is at `retryAt`.
    case failing(String, retryAt: Date)
    /// Another TwinDeck instance holds the lease and polls for this store.
    case follower
    /// The history is open read-only (a newer TwinDeck's file, a folder that cannot be written): nothing is polled or sent.
    case readOnly(String)
}

/// The status board: every submission, newest first.
public struct BoardState: Equatable, Sendable {
    public var rows: [Submission] = []
    public var loaded = false
    public var selectedKey: String?
    public var scroll = 0
    public var filter = ""
    public var sort: BoardSort = .newest
    public var health: PollHealth = .idle
    /// What a live webhook receiver for the store covers; nil when none runs.
    public var webhook: WebhookCoverage?
    public var downloads: [String: DownloadProgress] = [:]
    /// Rows of the history this version could not read (left as they are in the file).
    public var unreadable: [UnreadableSubmission] = []
    /// Why the history could not be read at all, when it could not (the last read failed).
    public var loadError: String?
    /// Awaiting confirmation to remove this row (local only).
    public var confirmingRemove: String?
    /// Full detail open for the selected row.
    public var showingDetail = false
    /// The render-time estimates of running rows, by Idempotency-Key (none without a usable history).
    public var estimates: [String: RenderEstimate] = [:]

    public var visible: [Submission] {
        let needle = PlainText.trimmed(filter)
        var list = needle.isEmpty ? rows : rows.filter { row in
            [row.title, row.videoID, row.lookName, row.status, row.voiceName].compactMap { $0 }.joined(separator: " ")
                .range(of: needle, options: [.caseInsensitive, .diacriticInsensitive]) != nil
        }
        if sort == .status {
            list.sort { a, b in
                let (ra, rb) = (Self.rank(a), Self.rank(b))
                return ra != rb ? ra < rb : a.createdAt > b.createdAt
            }
        }
        return list
    }

    /// Running first, then failed, then completed.
    static func rank(_ s: Submission) -> Int {
        switch s.displayStatus {
        case "submitting", "pending", "waiting", "queued", "processing": 0
        case "failed", "rejected", "not_found": 1
        default: 2
        }
    }

    /// Whether the board shows the row as fed by a webhook: its outcome came by webhook, or it is still running
    /// and a live receiver covers it (the poller then only looks every ``PollSchedule/safetyNet``).
    public func viaWebhook(_ row: Submission) -> Bool {
        row.webhookAt != nil || (row.isRunning && (webhook?.covers(row) ?? false))
    }

    public var selected: Submission? { selectedKey.flatMap { key in rows.first { $0.idempotencyKey == key } } }
}

extension Submission {
    /// What the board says about this row's state.
    public var displayStatus: String {
        switch submitState {
        case .submitting: "submitting"
        case .rejected: "rejected"
        case .submitted: status ?? "pending"
        }
    }

    /// Whether it is still rendering (or being sent).
    public var isRunning: Bool { BoardState.rank(self) == 0 }
}

extension AppState {
    mutating func boardLoaded(_ rows: [Submission]) -> [Effect] {
        // Ring the bell for videos that just finished while the app is open.
        let before = Dictionary(board.rows.map { ($0.idempotencyKey, $0.isRunning) }, uniquingKeysWith: { a, _ in a })
        var effects: [Effect] = []
        if board.loaded {
            for row in rows where before[row.idempotencyKey] == true && !row.isRunning {
                effects.append(.notify("\(row.title ?? row.videoID ?? "video") \(row.displayStatus)"))
            }
        }
        board.rows = rows
        board.loaded = true
        let keys = board.visible.map(\.idempotencyKey)
        board.selectedKey = Self.keepSelection(board.selectedKey, in: keys)
        clampBoardScroll()
        return effects
    }

    mutating func clampBoardScroll() {
        let rows = max(1, layout.list.height)
        let visible = board.visible
        guard let key = board.selectedKey, let index = visible.firstIndex(where: { $0.idempotencyKey == key }) else {
            board.scroll = 0
            return
        }
        if index < board.scroll { board.scroll = index }
        if index >= board.scroll + rows { board.scroll = index - rows + 1 }
        board.scroll = max(0, min(board.scroll, max(0, visible.count - rows)))
    }

    mutating func moveBoardSelection(by delta: Int?) {
        let visible = board.visible
        guard !visible.isEmpty else { return }
        let current = board.selectedKey.flatMap { key in visible.firstIndex { $0.idempotencyKey == key } } ?? 0
        let target = delta.map { min(max(0, current + $0), visible.count - 1) } ?? visible.count - 1
        board.selectedKey = visible[target].idempotencyKey
        clampBoardScroll()
    }

    mutating func handleBoardKey(_ key: KeyPress) -> [Effect] {
        if let removing = board.confirmingRemove {
            board.confirmingRemove = nil
            if key == .character("y") || key == .enter {
                return [.removeSubmission(key: removing)]
            }
            return []
        }
        if board.showingDetail, key == .escape || key == .enter || key == .character("q") {
            board.showingDetail = false
            return []
        }
        guard let action = KeyMap.action(for: key, in: scopes) else { return [] }
        let selected = board.selected
        switch action {
        case .down: moveBoardSelection(by: 1)
        case .up: moveBoardSelection(by: -1)
        case .top: moveBoardSelection(by: -Int.max / 2)
        case .bottom: moveBoardSelection(by: nil)
        case .pageDown: moveBoardSelection(by: max(1, layout.list.height - 1))
        case .pageUp: moveBoardSelection(by: -max(1, layout.list.height - 1))
        case .open: if selected != nil { board.showingDetail = true; return selected?.videoID.map { [.refreshVideo(id: $0)] } ?? [] }
        case .refresh: return [.pollNow]
        case .copyID:
            guard let url = selected?.videoURL else {
                showToast("No download link yet", level: .error)
                return []
            }
            return [.copy(url, what: "download link")]
        case .copyURL:
            guard let url = selected?.videoPageURL else {
                showToast("No video page link yet", level: .error)
                return []
            }
            showToast(url, level: .info, seconds: 8)
            return [.copy(url, what: "video page link")]
        case .download:
            guard let row = selected, row.status == VideoStatus.completed.rawValue, row.videoID != nil else {
                showToast("Only a completed video can be downloaded", level: .error)
                return []
            }
            if let current = board.downloads[row.idempotencyKey], current.isRunning {
                showToast("Already downloading “\(row.title ?? row.videoID ?? "video")”", level: .info)
                return []
            }
            // Shown at once (and a second d caught) before the first bytes arrive.
            board.downloads[row.idempotencyKey] = DownloadProgress(received: 0, total: nil, bytesPerSecond: 0)
            return [.download(key: row.idempotencyKey)]
        case .recompose:
            guard let row = selected, let body = row.requestBody, let request = try? JSONDecoder().decode(CreateVideoRequest.self, from: Data(body.utf8))
            else { return [] }
            compose = ComposeState()
            compose.draft = ComposeDraft(request: request, lookName: row.lookName, voiceName: row.voiceName)
            compose.focus = .script
            pane = .compose
            showToast("Re-composing “\(row.title ?? row.videoID ?? "video")”: change what you need and submit", level: .info)
            return saveDraftNow()
        case .remove:
            if let row = selected { board.confirmingRemove = row.idempotencyKey }
        case .sortBoard:
            board.sort = board.sort == .newest ? .status : .newest
            clampBoardScroll()
        case .filter: mode = .filtering
        default: return perform(&self, action)
        }
        return []
    }
}
