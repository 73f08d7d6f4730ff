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
///
/// The board keeps its own copy of the history and takes in what changed (``merge(_:)``) rather than the whole
/// history again, and what it shows (the filter, the sort) is kept with the rows: drawing a frame, counting what
/// runs or finding the selected row costs the same with twenty rows as with twenty thousand.
public struct BoardState: Equatable, Sendable {
    /// Every readable row, newest first (in the order the history gave them).
    public private(set) var rows: [Submission] = []
    /// Where each row is in `rows`, by key.
    private var positions: [String: Int] = [:]
    /// The keys of the rows still running: the only rows whose look changes with the clock.
    public private(set) var runningKeys: Set<String> = []
    /// The rows the filter and sort show, and where each is; nil while that is `rows` as they are (no filter, newest first).
    private var shown: Shown?
    public var loaded = false
    /// How many rows the history has while only its newest are here (the rest is being read); nil once all are.
    public var expected: Int?
    public var selectedKey: String?
    public var scroll = 0
    public var filter = "" { didSet { if filter != oldValue { reshow() } } }
    public var sort: BoardSort = .newest { didSet { if sort != oldValue { reshow() } } }
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

    private struct Shown: Sendable {
        var rows: [Submission]
        var positions: [String: Int]
    }

    public init() {}

    /// Equal when they hold and show the same (what is worked out from the rows is left out).
    public static func == (a: BoardState, b: BoardState) -> Bool {
        a.rows == b.rows && a.loaded == b.loaded && a.expected == b.expected && a.selectedKey == b.selectedKey && a.scroll == b.scroll && a.filter == b.filter
            && a.sort == b.sort && a.health == b.health && a.webhook == b.webhook && a.downloads == b.downloads
            && a.unreadable == b.unreadable && a.loadError == b.loadError && a.confirmingRemove == b.confirmingRemove
            && a.showingDetail == b.showingDetail
    }

    /// The rows the board lists: filtered, and sorted by ``sort``.
    public var visible: [Submission] { shown?.rows ?? rows }

    /// How many rows are still running (rendering or being sent).
    public var runningCount: Int { runningKeys.count }

    public var selected: Submission? { selectedKey.flatMap(row(key:)) }

    /// The row with this key.
    public func row(key: String) -> Submission? { positions[key].map { rows[$0] } }

    /// Where the row with this key is in ``visible``; nil when it is not there (the filter hides it).
    public func visiblePosition(of key: String) -> Int? {
        if let shown { return shown.positions[key] }
        return positions[key]
    }

    // MARK: - Taking in the history

    /// Replaces every row with the history as read.
    public mutating func replaceRows(_ new: [Submission]) {
        rows = new
        reindex()
        reshow()
    }

    /// Takes in what changed: removed rows go, changed rows are replaced where they are, new rows go in by their
    /// age. Only the changed rows are looked at, unless rows came or went (their places are then counted once).
    /// - Returns: the keys of the rows that were running and now are not (finished while the app is open).
    @discardableResult
    public mutating func merge(_ changes: HistoryChanges) -> [String] {
        var finished: [String] = []
        var dropped: Set<Int> = []
        var arriving: [Submission] = []
        var reshowNeeded = false
        for removal in changes.removed {
            unreadable.removeAll { $0.rowID == removal.rowID }
            if let key = removal.idempotencyKey, let i = positions[key], rows[i].rowID == removal.rowID { dropped.insert(i) }
        }
        for bad in changes.unreadable {
            unreadable.removeAll { $0.rowID == bad.rowID }
            unreadable.append(bad)
            // A row this version read before and cannot now.
            if let rowID = bad.rowID {
                if let key = bad.idempotencyKey, let i = positions[key], rows[i].rowID == rowID {
                    dropped.insert(i)
                } else if let i = rows.firstIndex(where: { $0.rowID == rowID }) {
                    dropped.insert(i)
                }
            }
        }
        for row in changes.rows {
            if !unreadable.isEmpty, let rowID = row.rowID { unreadable.removeAll { $0.rowID == rowID } }
            let key = row.idempotencyKey
            guard let i = positions[key], !dropped.contains(i) else {
                arriving.append(row)
                continue
            }
            let old = rows[i]
            if old.isRunning, !row.isRunning { finished.append(key) }
            guard old.rowID == row.rowID, old.createdAt == row.createdAt else {
                // Another row with the key (removed and made again), or its age changed: it goes where it now belongs.
                dropped.insert(i)
                arriving.append(row)
                continue
            }
            rows[i] = row
            if row.isRunning { runningKeys.insert(key) } else { runningKeys.remove(key) }
            if !reshowNeeded { reshowNeeded = !replaceShown(old: old, new: row) }
        }
        guard !dropped.isEmpty || !arriving.isEmpty else {
            if reshowNeeded { reshow() }
            return finished
        }
        for i in dropped.sorted(by: >) { rows.remove(at: i) }
        // Newest first, each after the rows newer than it: new rows are usually the newest, so this looks at few.
        var at = 0
        for row in arriving.sorted(by: Self.newer) {
            while at < rows.endIndex, !Self.newer(row, than: rows[at]) { at += 1 }
            rows.insert(row, at: at)
            at += 1
        }
        reindex()
        reshow()
        return finished
    }

    /// Newest first: the later `createdAt`, then the higher row number (rows made in the same instant).
    static func newer(_ a: Submission, than b: Submission) -> Bool {
        a.createdAt != b.createdAt ? a.createdAt > b.createdAt : (a.rowID ?? 0) > (b.rowID ?? 0)
    }

    private mutating func reindex() {
        positions = Dictionary(rows.enumerated().map { ($1.idempotencyKey, $0) }, uniquingKeysWith: { first, _ in first })
        runningKeys = Set(rows.lazy.filter(\.isRunning).map(\.idempotencyKey))
    }

    /// Puts a changed row in its place among the shown rows; false when it does not stay in that place (the filter
    /// now hides or shows it, or the status sort moves it).
    private mutating func replaceShown(old: Submission, new: Submission) -> Bool {
        guard shown != nil else { return true }
        let needle = PlainText.trimmed(filter)
        switch (shown?.positions[old.idempotencyKey], Self.matches(new, needle)) {
        case (nil, false): return true
        case (let i?, true) where sort != .status || Self.rank(old) == Self.rank(new):
            shown?.rows[i] = new
            return true
        default: return false
        }
    }

    /// Works out the shown rows again (the filter or the sort changed, or rows came or went).
    private mutating func reshow() {
        let needle = PlainText.trimmed(filter)
        guard !needle.isEmpty || sort != .newest else {
            shown = nil
            return
        }
        var list = needle.isEmpty ? rows : rows.filter { Self.matches($0, needle) }
        if sort == .status {
            list.sort { a, b in
                let (ra, rb) = (Self.rank(a), Self.rank(b))
                return ra != rb ? ra < rb : a.createdAt > b.createdAt
            }
        }
        shown = Shown(rows: list, positions: Dictionary(list.enumerated().map { ($1.idempotencyKey, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    static func matches(_ row: Submission, _ needle: String) -> Bool {
        needle.isEmpty || [row.title, row.videoID, row.lookName, row.status, row.voiceName].compactMap { $0 }.joined(separator: " ")
            .range(of: needle, options: [.caseInsensitive, .diacriticInsensitive]) != nil
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

}

extension Submission {
    /// What the board says about this row's state: the guide's words (`pending`, `processing`, `completed`,
    /// `failed`); the API's other words for a video not started yet (`waiting` from the create, `queued` from the
    /// statuses call) read as `pending`, and the detail shows the word HeyGen used (``rawStatus``).
    public var displayStatus: String {
        switch submitState {
        case .submitting: "submitting"
        case .rejected: "rejected"
        case .submitted:
            switch status {
            case nil, "waiting", "queued": "pending"
            case let word?: word
            }
        }
    }

    /// HeyGen's own word when the board shows another (`queued` shown as `pending`); nil when they are the same.
    public var rawStatus: String? {
        guard submitState == .submitted, let status, status != displayStatus else { return nil }
        return status
    }

    /// Whether it is still rendering (or being sent).
    public var isRunning: Bool { BoardState.rank(self) == 0 }
}

extension AppState {
    /// The whole history, as read.
    mutating func boardLoaded(_ rows: [Submission]) -> [Effect] {
        let wasLoaded = board.loaded
        let wereRunning = board.runningKeys
        board.replaceRows(rows)
        board.loaded = true
        let finished = wasLoaded ? wereRunning.filter { board.row(key: $0).map { !$0.isRunning } ?? false } : []
        return boardChanged(finished: Array(finished))
    }

    /// What changed in the history since the board last read it.
    mutating func historyChanged(_ changes: HistoryChanges) -> [Effect] {
        board.loadError = nil
        let finished = board.merge(changes)
        board.loaded = true
        return boardChanged(finished: finished)
    }

    /// Rings the bell for the videos that just finished while the app is open (in the board's order), and keeps
    /// the selection on its row, or on the first row shown when its row is gone.
    private mutating func boardChanged(finished: [String]) -> [Effect] {
        let ordered = finished.compactMap { key in board.visiblePosition(of: key).map { ($0, key) } ?? board.row(key: key).map { _ in (Int.max, key) } }
            .sorted { $0.0 < $1.0 }
        let effects: [Effect] = ordered.compactMap { _, key in
            board.row(key: key).map { row in .notify("\(row.title ?? row.videoID ?? "video") \(row.displayStatus)") }
        }
        keepBoardSelection()
        clampBoardScroll()
        return effects
    }

    /// The selected row stays selected while it is shown; otherwise the first row shown is.
    mutating func keepBoardSelection() {
        if let key = board.selectedKey, board.visiblePosition(of: key) != nil { return }
        board.selectedKey = board.visible.first?.idempotencyKey
    }

    mutating func clampBoardScroll() {
        let rows = max(1, layout.list.height)
        guard let key = board.selectedKey, let index = board.visiblePosition(of: key) else {
            board.scroll = 0
            return
        }
        if index < board.scroll { board.scroll = index }
        if index >= board.scroll + rows { board.scroll = index - rows + 1 }
        board.scroll = max(0, min(board.scroll, max(0, board.visible.count - rows)))
    }

    mutating func moveBoardSelection(by delta: Int?) {
        let visible = board.visible
        guard !visible.isEmpty else { return }
        let current = board.selectedKey.flatMap { board.visiblePosition(of: $0) } ?? 0
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
