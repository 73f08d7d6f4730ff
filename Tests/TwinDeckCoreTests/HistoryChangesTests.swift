import Foundation
import GRDB
import HeyGen
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

// Issue 16, item 6: the board's cost does not grow with its history. The store says what changed since a mark
// (a change counter the triggers keep on every row, and a log of removals), so the board reads only that.

private func storePath() throws -> String {
    try makeTemporaryDirectory().appendingPathComponent("store.sqlite").path
}

private func record(_ store: SubmissionStore, _ key: String, video: String? = nil, status: VideoStatus = .processing) async throws {
    try await store.recordSubmitting(request: sampleRequest(title: key), key: key, lookName: "Office", voiceName: nil, source: .cli)
    if let video { try await store.markSubmitted(key: key, videoID: video, status: status) }
}

@Suite("History changes: what changed since a mark")
struct HistoryChangesTests {
    @Test func aWholeReadCarriesTheMarkAndNothingHasChangedSinceIt() async throws {
        let store = try SubmissionStore(path: try storePath())
        try await record(store, "a", video: "v_a")
        try await record(store, "b")
        let history = try await store.history()
        let mark = try #require(history.mark)
        let changes = try #require(try await store.changes(since: mark))
        #expect(changes.isEmpty && changes.mark == mark)
        #expect(try await store.changeStamp() == String(mark), "the stamp is the counter: no scan of the rows")
    }

    @Test func changesByAnotherConnectionAreReadAloneAndInOrder() async throws {
        let path = try storePath()
        let board = try SubmissionStore(path: path)
        let other = try SubmissionStore(path: path)
        for key in ["old-1", "old-2", "old-3"] { try await record(other, key, video: "v_\(key)") }
        let mark = try #require(try await board.history().mark)

        try await other.update(statuses: [VideoStatusEntry(videoID: "v_old-2", status: .completed)])
        try await record(other, "new", video: "v_new")
        let changes = try #require(try await board.changes(since: mark))
        #expect(changes.rows.map(\.idempotencyKey) == ["new", "old-2"], "only what changed, newest first")
        #expect(changes.rows.last?.status == "completed")
        #expect(changes.removed.isEmpty && changes.unreadable.isEmpty)
        #expect(changes.mark > mark)
        // From the new mark on, nothing again; an unchanged history costs one look at the counter.
        #expect(try await board.changes(since: changes.mark)?.isEmpty == true)
    }

    @Test func aHandEditWithSQLiteIsSeenToo() async throws {
        let path = try storePath()
        let store = try SubmissionStore(path: path)
        try await record(store, "a", video: "v_a")
        let mark = try #require(try await store.history().mark)
        // Not through the store: the triggers number the row all the same.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "UPDATE submission SET title = 'Edited' WHERE idempotencyKey = 'a'") }
        let changes = try #require(try await store.changes(since: mark))
        #expect(changes.rows.map(\.title) == ["Edited"])
    }

    @Test func removalsAreReportedWithTheirKeyAndRow() async throws {
        let path = try storePath()
        let board = try SubmissionStore(path: path)
        let other = try SubmissionStore(path: path)
        try await record(other, "kept", video: "v_kept")
        try await record(other, "gone", video: "v_gone")
        let gone = try #require(try await other.submission(key: "gone")?.rowID)
        let mark = try #require(try await board.history().mark)

        #expect(try await other.remove(key: "gone"))
        // Made and removed between two reads: only its removal is there to see.
        try await record(other, "brief")
        let brief = try #require(try await other.submission(key: "brief")?.rowID)
        #expect(try await other.remove(key: "brief"))
        // A key removed and recorded again is a new row: removed (old row) and added (new row).
        try await record(other, "again")
        let firstAgain = try #require(try await other.submission(key: "again")?.rowID)
        let mark2 = try #require(try await board.changes(since: mark)?.mark)
        #expect(try await other.remove(key: "again"))
        try await record(other, "again", video: "v_again")

        let changes = try #require(try await board.changes(since: mark))
        #expect(changes.removed == [
            .init(rowID: gone, idempotencyKey: "gone"), .init(rowID: brief, idempotencyKey: "brief"),
            .init(rowID: firstAgain, idempotencyKey: "again"),
        ])
        #expect(changes.rows.map(\.idempotencyKey) == ["again"])
        #expect(changes.rows.first?.rowID != firstAgain)
        let later = try #require(try await board.changes(since: mark2))
        #expect(later.removed.map(\.idempotencyKey) == ["again"] && later.rows.map(\.idempotencyKey) == ["again"])
    }

    @Test func anImportFoldedIntoItsSubmissionIsARemovalAndAChange() async throws {
        let store = try SubmissionStore.inMemory()
        try await store.importVideo(Video(id: "v_1", status: .processing, title: "Imported first"))
        try await record(store, "mine")
        let mark = try #require(try await store.history().mark)
        try await store.markSubmitted(key: "mine", videoID: "v_1", status: .processing)
        let changes = try #require(try await store.changes(since: mark))
        #expect(changes.removed.map(\.idempotencyKey) == ["import-v_1"])
        #expect(changes.rows.map(\.idempotencyKey) == ["mine"] && changes.rows.first?.videoID == "v_1")
    }

    @Test func aMarkOlderThanTheRemovalsKeptMeansReadEverythingAgain() async throws {
        let store = try SubmissionStore.inMemory()
        try await record(store, "first")
        let mark = try #require(try await store.history().mark)
        for index in 0...SubmissionStore.removalsKept {
            try await record(store, "brief-\(index)")
            #expect(try await store.remove(key: "brief-\(index)"))
        }
        #expect(try await store.changes(since: mark) == nil, "some removals since the mark are forgotten")
        let fresh = try #require(try await store.history().mark)
        #expect(try await store.changes(since: fresh)?.isEmpty == true)
        // A mark past the counter is another file's: read everything again too.
        #expect(try await store.changes(since: fresh + 1) == nil)
    }

    @Test func aRowThatBecomesUnreadableComesAsUnreadable() async throws {
        let path = try storePath()
        let store = try SubmissionStore(path: path)
        try await record(store, "fine", video: "v_fine")
        try await record(store, "odd", video: "v_odd")
        let mark = try #require(try await store.history().mark)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "UPDATE submission SET submitState = 'archived' WHERE idempotencyKey = 'odd'") }
        let changes = try #require(try await store.changes(since: mark))
        #expect(changes.rows.isEmpty)
        #expect(changes.unreadable.map(\.idempotencyKey) == ["odd"])
    }

    @Test func anOlderFileIsMigratedAndItsRowsAreTheFirstRead() async throws {
        let path = try storePath()
        do {
            // A history as version 4 left it.
            let queue = try DatabaseQueue(path: path)
            try SubmissionStore.migrator.migrate(queue, upTo: "v4-render-time")
            try await queue.write { db in
                for index in 0..<3 {
                    try db.execute(sql: """
                        INSERT INTO submission (idempotencyKey, videoID, source, createdAt, updatedAt, submitState, status)
                        VALUES (?, ?, 'cli', ?, ?, 'submitted', 'completed')
                        """, arguments: ["old-\(index)", "v_old_\(index)", Double(index), Double(index)])
                }
            }
        }
        let store = try SubmissionStore(path: path)
        #expect(try await store.appliedMigrations().last == "v5-change-log")
        let history = try await store.history()
        #expect(history.rows.map(\.idempotencyKey) == ["old-2", "old-1", "old-0"])
        let mark = try #require(history.mark)
        #expect(try await store.changes(since: mark)?.isEmpty == true)
        try await store.update(statuses: [VideoStatusEntry(videoID: "v_old_1", status: .failed, error: "late")])
        // A final status is kept, but the poll time is new: the row changed.
        #expect(try await store.changes(since: mark)?.rows.map(\.idempotencyKey) == ["old-1"])
        #expect(try await store.integrityCheck() == "ok")
    }

    @Test func aReadOnlyFileWithoutTheLogIsReadWhole() async throws {
        let path = try storePath()
        do {
            // Version 4's schema plus a migration from elsewhere: opened read-only, so never given the log.
            let queue = try DatabaseQueue(path: path)
            try SubmissionStore.migrator.migrate(queue, upTo: "v4-render-time")
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO submission (idempotencyKey, source, createdAt, updatedAt, submitState) VALUES ('old', 'cli', 0, 0, 'submitting');
                    INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-elsewhere');
                    """)
            }
        }
        let store = try SubmissionStore(path: path)
        #expect(store.readOnlyReason != nil)
        let history = try await store.history()
        #expect(history.rows.map(\.idempotencyKey) == ["old"])
        #expect(history.mark == nil)
        #expect(try await store.changes(since: 0) == nil)
        #expect(try await store.changeStamp() == "1:0.0", "the old stamp stands in")
    }

    @Test func thePollersReadOfUnfinishedRowsUsesItsIndex() async throws {
        let store = try SubmissionStore.inMemory()
        try await record(store, "a", video: "v_a")
        let plan = try await store.unfinishedQueryPlan()
        #expect(plan.contains("submission_unfinished"), "\(plan)")
        #expect(!plan.contains("SCAN submission\n") && !plan.hasSuffix("SCAN submission"), "\(plan)")
        // The index's condition names every final status this version knows.
        let finals = VideoStatus.known.filter(\.isFinal).map(\.rawValue).sorted()
        #expect(SubmissionStore.finalStatuses.sorted() == finals)
    }

    @Test func pagesGoThroughTheWholeHistoryNewestFirstOnce() async throws {
        let clock = ManualClock()
        let store = try SubmissionStore.inMemory(clock: clock.function)
        for index in 0..<23 {
            try await record(store, String(format: "k%02d", index))
            if index % 5 != 0 { clock.advance(1) }  // some made in the same instant: the row number orders them
        }
        var seen: [String] = []
        var cursor: HistoryCursor?
        repeat {
            let page = try await store.historyPage(after: cursor, limit: 4)
            #expect(page.history.rows.count <= 4)
            seen += page.history.rows.map(\.idempotencyKey)
            cursor = page.next
        } while cursor != nil
        #expect(seen == (try await store.history()).rows.map(\.idempotencyKey))
        #expect(Set(seen).count == 23)
    }
}
