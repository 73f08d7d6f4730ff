import Foundation
import GRDB
import HeyGen
import Logging
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

// Issue 16, item 6: what the board engine posts of the history. The whole history once, then only what changed,
// and nothing when nothing did: an idle board with a long history reads one counter a second.

private let quietFeed: Logger = {
    var logger = Logger(label: "board-feed-tests")
    logger.logLevel = .critical
    return logger
}()

private func history(_ messages: [Message]) -> [History] {
    messages.compactMap { if case .historyLoaded(let history) = $0 { history } else { nil } }
}

private func changes(_ messages: [Message]) -> [HistoryChanges] {
    messages.compactMap { if case .historyChanged(let changes) = $0 { changes } else { nil } }
}

@Suite("Board feed: the history posted once, then what changed")
struct BoardFeedTests {
    @Test func theWholeHistoryOnceThenOnlyChangesAndNothingWhenNothingChanged() async throws {
        try await withSimulator { _, client in try await wholeThenChanges(client) }
    }

    private func wholeThenChanges(_ client: HeyGenClient) async throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("store.sqlite").path
        let store = try SubmissionStore(path: path)
        let other = try SubmissionStore(path: path)
        for index in 0..<50 {
            try await store.recordSubmitting(request: sampleRequest(title: "Video \(index)"), key: "k\(index)", lookName: nil, voiceName: nil,
                                             source: .cli)
        }
        let log = BoardEngineTestLog()
        let engine = BoardEngine(store: store, service: client, downloads: try makeTemporaryDirectory(), logger: quietFeed,
                                 post: log.post)
        await engine.postHistory()
        #expect(history(log.all).map(\.rows.count) == [50])
        await engine.postHistory()
        await engine.postHistory()
        #expect(log.all.count == 1, "nothing changed: nothing posted")

        try await other.markSubmitted(key: "k7", videoID: "v_7", status: .processing)
        try await other.remove(key: "k8")
        await engine.postHistory()
        let delta = try #require(changes(log.all).last)
        #expect(delta.rows.map(\.idempotencyKey) == ["k7"] && delta.removed.map(\.idempotencyKey) == ["k8"])
        #expect(history(log.all).count == 1, "the whole history was read once")

        // Many callers at once (the poll loop, the watcher, board actions): each change is posted once, in order.
        try await other.markSubmitted(key: "k9", videoID: "v_9", status: .processing)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { await engine.postHistory() } }
        }
        #expect(changes(log.all).count == 2 && changes(log.all).last?.rows.map(\.idempotencyKey) == ["k9"])

        var state = AppState(width: 100, height: 30, baseURL: "http://127.0.0.1:1", isDemo: true)
        for message in log.all { _ = update(&state, message) }
        let whole = try await store.history()
        #expect(state.board.rows == whole.rows)
    }

    @Test func aLongHistoryComesNewestPageFirstThenWhole() async throws {
        try await withSimulator { _, client in
            let clock = ManualClock()
            let store = try SubmissionStore(path: try makeTemporaryDirectory().appendingPathComponent("store.sqlite").path,
                                            clock: clock.function)
            let total = BoardEngine.firstPage + 30
            for index in 0..<total {
                try await store.recordSubmitting(request: sampleRequest(title: "Video \(index)"), key: "k\(index)", lookName: nil,
                                                 voiceName: nil, source: .cli)
                clock.advance(1)
            }
            let log = BoardEngineTestLog()
            let engine = BoardEngine(store: store, service: client, downloads: try makeTemporaryDirectory(), logger: quietFeed,
                                     post: log.post)
            await engine.postHistory()
            let posted = history(log.all)
            #expect(posted.map(\.rows.count) == [BoardEngine.firstPage, total])
            #expect(posted.map(\.expected) == [total, nil])
            #expect(posted.first?.rows.first?.idempotencyKey == "k\(total - 1)", "the newest first")
            #expect(posted.last?.rows == (try await store.history()).rows)
            var state = AppState(width: 100, height: 30, baseURL: "http://127.0.0.1:1", isDemo: true)
            state.pane = .board
            _ = update(&state, log.all[0])
            #expect(state.board.expected == total && state.board.rows.count == BoardEngine.firstPage)
            state.board.selectedKey = "k\(total - 3)"
            _ = update(&state, log.all[1])
            #expect(state.board.expected == nil && state.board.rows.count == total && state.board.selectedKey == "k\(total - 3)")
        }
    }

    @Test func aFailedReadIsSaidAndTheNextReadIsWhole() async throws {
        try await withSimulator { _, client in try await failedThenWhole(client) }
    }

    private func failedThenWhole(_ client: HeyGenClient) async throws {
        let folder = try makeTemporaryDirectory()
        let path = folder.appendingPathComponent("store.sqlite").path
        let store = try SubmissionStore(path: path)
        try await store.recordSubmitting(request: sampleRequest(), key: "a", lookName: nil, voiceName: nil, source: .cli)
        let log = BoardEngineTestLog()
        let engine = BoardEngine(store: store, service: client, downloads: folder, logger: quietFeed, post: log.post)
        await engine.postHistory()
        // The table made unreadable under the store (a damaged file): the read fails, and says why.
        try await rawExecute(path, "ALTER TABLE submission RENAME TO submission_moved; UPDATE submission_change SET seq = seq + 1")
        await engine.postHistory()
        #expect(log.all.contains { if case .historyFailed = $0 { true } else { false } })
        try await rawExecute(path, "ALTER TABLE submission_moved RENAME TO submission")
        await engine.postHistory()
        #expect(history(log.all).count == 2, "after a failure the whole history again, which clears the error")
        var state = AppState(width: 100, height: 30, baseURL: "http://127.0.0.1:1", isDemo: true)
        for message in log.all { _ = update(&state, message) }
        #expect(state.board.loadError == nil && state.board.rows.map(\.idempotencyKey) == ["a"])
    }

    @Test func theWatcherPostsAnotherProcessesChangeWithinItsRefresh() async throws {
        try await withSimulator { _, client in try await watcherSeesChanges(client) }
    }

    private func watcherSeesChanges(_ client: HeyGenClient) async throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("store.sqlite").path
        let store = try SubmissionStore(path: path)
        let other = try SubmissionStore(path: path)
        try await store.recordSubmitting(request: sampleRequest(), key: "a", lookName: nil, voiceName: nil, source: .cli)
        let log = BoardEngineTestLog()
        let engine = BoardEngine(store: store, service: client, downloads: try makeTemporaryDirectory(),
                                 schedule: PollSchedule(scale: 0.05), logger: quietFeed, post: log.post)
        let watch = Task { await engine.watchStore() }
        defer { watch.cancel() }
        let first = await eventually { history(log.all).count == 1 }
        #expect(first, "the first look posts the whole history, without a poll round")
        try await other.recordSubmitting(request: sampleRequest(title: "From elsewhere"), key: "b", lookName: nil, voiceName: nil,
                                         source: .cli)
        let seen = await eventually { changes(log.all).contains { $0.rows.map(\.idempotencyKey) == ["b"] } }
        #expect(seen)
        #expect(history(log.all).count == 1)
    }
}

private func rawExecute(_ path: String, _ sql: String) async throws {
    let queue = try DatabaseQueue(path: path)
    try await queue.write { db in try db.execute(sql: sql) }
}
