import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

// Issue 16, item 6: the board takes in what changed instead of the whole history, and keeps what it shows (the
// filter, the sort, the selection) up to date with it. Every merge is checked against the board a whole read gives.

private func key(_ index: Int) -> String { String(format: "key-%03d", index) }

/// The board as a whole read of the store gives it, with the same filter and sort.
private func wholeBoard(_ store: SubmissionStore, filter: String, sort: BoardSort) async throws -> BoardState {
    var board = BoardState()
    board.replaceRows(try await store.history().rows)
    board.filter = filter
    board.sort = sort
    return board
}

private func appState() -> AppState {
    var state = AppState(width: 100, height: 30, baseURL: "http://127.0.0.1:1", isDemo: true)
    state.pane = .board
    return state
}

@Suite("Board merge: what changed, taken in")
struct BoardMergeTests {
    @Test("random changes merged give the board a whole read gives, for every filter and sort",
          arguments: [("", BoardSort.newest), ("", .status), ("video 1", .newest), ("completed", .status)])
    func mergesMatchAWholeRead(filter: String, sort: BoardSort) async throws {
        let clock = ManualClock()
        let store = try SubmissionStore.inMemory(clock: clock.function)
        var rng = SeededGenerator(seed: 16_06)
        var next = 0
        var live: [Int] = []
        func add() async throws {
            let index = next
            next += 1
            try await store.recordSubmitting(request: sampleRequest(title: "Video \(index)"), key: key(index), lookName: "Office",
                                             voiceName: nil, source: .cli)
            if Bool.random(using: &rng) { try await store.markSubmitted(key: key(index), videoID: "v_\(index)", status: .processing) }
            live.append(index)
            if Int.random(in: 0..<4, using: &rng) != 0 { clock.advance(1) }  // some made in the same second
        }
        for _ in 0..<30 { try await add() }
        var board = BoardState()
        let first = try await store.history()
        board.replaceRows(first.rows)
        board.filter = filter
        board.sort = sort
        var mark = try #require(first.mark)
        for round in 0..<40 {
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                guard let index = live.randomElement(using: &rng) else { break }
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: try await add()
                case 1:
                    try await store.remove(key: key(index))
                    live.removeAll { $0 == index }
                case 2: try await store.markSubmitted(key: key(index), videoID: "v_\(index)", status: .processing)
                case 3:
                    let status: VideoStatus = [.completed, .failed, .processing, .pending].randomElement(using: &rng) ?? .completed
                    try await store.update(statuses: [VideoStatusEntry(videoID: "v_\(index)", status: status)])
                case 4: try await store.markRejected(key: key(index), error: "refused")
                default:
                    try await store.update(with: Video(id: "v_\(index)", status: .completed, title: "Video \(index) again",
                                                       videoURL: "https://media.test/\(index).mp4"))
                }
            }
            let changes = try #require(try await store.changes(since: mark))
            mark = changes.mark
            board.merge(changes)
            let whole = try await wholeBoard(store, filter: filter, sort: sort)
            #expect(board.visible.map(\.idempotencyKey) == whole.visible.map(\.idempotencyKey), "round \(round)")
            #expect(board.rows == whole.rows, "round \(round)")
            #expect(board.runningKeys == whole.runningKeys, "round \(round)")
            #expect(board == whole, "round \(round)")
            for (position, row) in board.visible.enumerated() {
                #expect(board.visiblePosition(of: row.idempotencyKey) == position)
            }
        }
    }

    @Test func theSelectionStaysOnItsRowWhenNewRowsComeAbove() async throws {
        let clock = ManualClock()
        let store = try SubmissionStore.inMemory(clock: clock.function)
        for index in 0..<40 {
            try await store.recordSubmitting(request: sampleRequest(title: "Video \(index)"), key: key(index), lookName: nil,
                                             voiceName: nil, source: .cli)
            clock.advance(1)
        }
        var state = appState()
        let history = try await store.history()
        _ = update(&state, .historyLoaded(history))
        state.board.selectedKey = key(5)
        state.clampBoardScroll()
        let scrolled = state.board.scroll
        #expect(scrolled > 0, "the selected row is far down")
        for index in 40..<43 {
            try await store.recordSubmitting(request: sampleRequest(title: "New \(index)"), key: key(index), lookName: nil,
                                             voiceName: nil, source: .cli)
            clock.advance(1)
        }
        let historyMark = try #require(history.mark)
        let changes = try #require(try await store.changes(since: historyMark))
        _ = update(&state, .historyChanged(changes))
        #expect(state.board.selectedKey == key(5))
        #expect(state.board.visible.first?.idempotencyKey == key(42))
        let position = try #require(state.board.visiblePosition(of: key(5)))
        #expect(position >= state.board.scroll && position < state.board.scroll + state.layout.list.height)
        #expect(state.board.rows.count == 43)
    }

    @Test func underAFilterTheSelectionStaysOrMovesToTheFirstShownRow() async throws {
        let clock = ManualClock()
        let store = try SubmissionStore.inMemory(clock: clock.function)
        for index in 0..<5 {
            try await store.recordSubmitting(request: sampleRequest(title: index == 2 ? "Keynote" : "Video \(index)"), key: key(index),
                                             lookName: nil, voiceName: nil, source: .cli)
            clock.advance(1)
        }
        var state = appState()
        let history = try await store.history()
        _ = update(&state, .historyLoaded(history))
        state.board.selectedKey = key(2)
        state.setFilter("keynote")
        #expect(state.board.visible.map(\.idempotencyKey) == [key(2)] && state.board.selectedKey == key(2))
        var mark = try #require(history.mark)
        func takeIn() async throws {
            let changes = try #require(try await store.changes(since: mark))
            mark = changes.mark
            _ = update(&state, .historyChanged(changes))
        }
        // A change to it, and a new matching row above it: the selection stays on it.
        try await store.markSubmitted(key: key(2), videoID: "v_2", status: .processing)
        try await store.recordSubmitting(request: sampleRequest(title: "Keynote, take two"), key: key(9), lookName: nil, voiceName: nil,
                                         source: .cli)
        try await store.recordSubmitting(request: sampleRequest(title: "Not this one"), key: key(8), lookName: nil, voiceName: nil,
                                         source: .cli)
        try await takeIn()
        #expect(state.board.visible.map(\.idempotencyKey) == [key(9), key(2)])
        #expect(state.board.selectedKey == key(2) && state.board.visiblePosition(of: key(2)) == 1)
        // Removed: the selection goes to the first row the filter shows.
        try await store.remove(key: key(2))
        try await takeIn()
        #expect(state.board.row(key: key(2)) == nil && state.board.rows.count == 6)
        #expect(state.board.visible.map(\.idempotencyKey) == [key(9)] && state.board.selectedKey == key(9))
        state.setFilter("")
        #expect(state.board.visible.count == 6 && state.board.selectedKey == key(9))
    }

    @Test func aRowFinishingInAMergeRingsOnceAndClearsALoadError() async throws {
        let store = try SubmissionStore.inMemory()
        try await store.recordSubmitting(request: sampleRequest(title: "Launch"), key: "launch", lookName: nil, voiceName: nil, source: .cli)
        try await store.markSubmitted(key: "launch", videoID: "v_launch", status: .processing)
        var state = appState()
        let history = try await store.history()
        _ = update(&state, .historyLoaded(history))
        #expect(state.board.runningCount == 1)
        _ = update(&state, .historyFailed("disk I/O error"))
        try await store.update(statuses: [VideoStatusEntry(videoID: "v_launch", status: .completed)])
        let historyMark = try #require(history.mark)
        let changes = try #require(try await store.changes(since: historyMark))
        #expect(update(&state, .historyChanged(changes)) == [.notify("Launch completed")])
        #expect(state.board.loadError == nil && state.board.runningCount == 0)
        #expect(update(&state, .historyChanged(changes)) == [], "the same change again rings nothing")
    }

    @Test func unreadableRowsComeAndGoByTheirRowNumber() {
        var board = BoardState()
        var fine = Submission(idempotencyKey: "fine", createdAt: Date(timeIntervalSince1970: 10), submitState: .submitted, status: "processing")
        fine.rowID = 1
        var odd = Submission(idempotencyKey: "odd", createdAt: Date(timeIntervalSince1970: 5), submitState: .submitted, status: "completed")
        odd.rowID = 2
        board.replaceRows([fine, odd])
        let bad = UnreadableSubmission(rowID: 2, idempotencyKey: "odd", videoID: nil, reason: "submitState: archived")
        board.merge(HistoryChanges(unreadable: [bad], mark: 2))
        #expect(board.rows.map(\.idempotencyKey) == ["fine"] && board.unreadable == [bad])
        board.merge(HistoryChanges(rows: [odd], mark: 3))
        #expect(board.rows.map(\.idempotencyKey) == ["fine", "odd"] && board.unreadable.isEmpty)
        board.merge(HistoryChanges(removed: [.init(rowID: 1, idempotencyKey: "fine")], mark: 4))
        #expect(board.rows.map(\.idempotencyKey) == ["odd"] && board.runningKeys.isEmpty)
        // A removal of another row with the same key (an older one) leaves this one.
        board.merge(HistoryChanges(removed: [.init(rowID: 99, idempotencyKey: "odd")], mark: 5))
        #expect(board.rows.map(\.idempotencyKey) == ["odd"])
    }
}
