import Foundation
import GRDB

/// What changed in the history since a reader last looked (``SubmissionStore/changes(since:)``): the rows added or
/// changed, whole, and the rows removed. A reader that keeps the history in memory applies these instead of
/// reading every row again.
public struct HistoryChanges: Sendable, Equatable {
    /// Rows added or changed since the reader's mark, newest first.
    public var rows: [Submission] = []
    /// Rows added or changed that this version cannot read (they replace what the reader had for their row).
    public var unreadable: [UnreadableSubmission] = []
    /// Rows removed since the reader's mark.
    public var removed: [Removal] = []
    /// The mark these changes bring the reader to: the next read asks for changes since this one.
    public var mark: Int64

    /// A removed row: its row number, and its key (a new row may take the same key later).
    public struct Removal: Sendable, Equatable {
        public var rowID: Int64
        public var idempotencyKey: String?
        public init(rowID: Int64, idempotencyKey: String?) {
            self.rowID = rowID
            self.idempotencyKey = idempotencyKey
        }
    }

    public init(rows: [Submission] = [], unreadable: [UnreadableSubmission] = [], removed: [Removal] = [], mark: Int64) {
        self.rows = rows
        self.unreadable = unreadable
        self.removed = removed
        self.mark = mark
    }

    /// Whether nothing changed.
    public var isEmpty: Bool { rows.isEmpty && unreadable.isEmpty && removed.isEmpty }
}

extension SubmissionStore {
    // MARK: - The change log (migration v5-change-log)

    /// How many removals the log remembers; a reader whose mark is older than the forgotten ones reads everything again.
    static let removalsKept = 1_000

    /// Every write to `submission` takes the next number of one counter, kept on the row (`changeSeq`), and every
    /// removal leaves its row number and key in `submission_removal`: triggers, so no write path can forget it (a
    /// hand edit with `sqlite3` included), and a reader finds what changed with one indexed query.
    static func createChangeLog(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE submission_change (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                seq INTEGER NOT NULL,
                forgottenThrough INTEGER NOT NULL DEFAULT 0);
            INSERT INTO submission_change (id, seq) VALUES (1, 0);
            ALTER TABLE submission ADD COLUMN changeSeq INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX submission_changeSeq ON submission(changeSeq);
            CREATE TABLE submission_removal (seq INTEGER PRIMARY KEY, rowID INTEGER NOT NULL, idempotencyKey TEXT);
            CREATE TRIGGER submission_change_insert AFTER INSERT ON submission BEGIN
                UPDATE submission_change SET seq = seq + 1 WHERE id = 1;
                UPDATE submission SET changeSeq = (SELECT seq FROM submission_change WHERE id = 1) WHERE rowID = NEW.rowID;
            END;
            CREATE TRIGGER submission_change_update AFTER UPDATE ON submission WHEN NEW.changeSeq = OLD.changeSeq BEGIN
                UPDATE submission_change SET seq = seq + 1 WHERE id = 1;
                UPDATE submission SET changeSeq = (SELECT seq FROM submission_change WHERE id = 1) WHERE rowID = NEW.rowID;
            END;
            CREATE TRIGGER submission_change_delete AFTER DELETE ON submission BEGIN
                UPDATE submission_change SET seq = seq + 1 WHERE id = 1;
                INSERT INTO submission_removal (seq, rowID, idempotencyKey)
                    SELECT seq, OLD.rowID, OLD.idempotencyKey FROM submission_change WHERE id = 1;
                UPDATE submission_change SET forgottenThrough = (
                    SELECT seq FROM submission_removal ORDER BY seq DESC LIMIT 1 OFFSET \(removalsKept))
                    WHERE id = 1 AND (SELECT count(*) FROM submission_removal) > \(removalsKept);
                DELETE FROM submission_removal WHERE seq <= (SELECT forgottenThrough FROM submission_change WHERE id = 1);
            END;
            """)
    }

    /// The change counter now, or nil when the file has no change log (written before it, and open read-only).
    static func changeMark(_ db: Database) throws -> Int64? {
        guard try db.tableExists("submission_change") else { return nil }
        return try Int64.fetchOne(db, sql: "SELECT seq FROM submission_change WHERE id = 1")
    }

    /// What changed since `mark` (from ``History/mark`` or the last ``HistoryChanges/mark``), in one read.
    /// - Returns: nil when the store cannot tell — the file has no change log, the removals since `mark` were
    ///   forgotten, or the counter is behind `mark` (another file now): read the whole ``history()`` again.
    public func changes(since mark: Int64) async throws -> HistoryChanges? {
        try await writer.read { db in
            guard try db.tableExists("submission_change"),
                let counter = try Row.fetchOne(db, sql: "SELECT seq, forgottenThrough FROM submission_change WHERE id = 1")
            else { return nil }
            let seq: Int64 = counter["seq"], forgotten: Int64 = counter["forgottenThrough"]
            guard seq >= mark, forgotten <= mark else { return nil }
            guard seq > mark else { return HistoryChanges(mark: seq) }
            let changed = try Self.fetchLeniently(db, Submission.all().filter(Column("changeSeq") > mark).newestFirst())
            let removed = try Row.fetchAll(db, sql: "SELECT rowID, idempotencyKey FROM submission_removal WHERE seq > ? ORDER BY seq",
                                           arguments: [mark])
                .map { HistoryChanges.Removal(rowID: $0["rowID"], idempotencyKey: $0["idempotencyKey"]) }
            return HistoryChanges(rows: changed.rows, unreadable: changed.unreadable, removed: removed, mark: seq)
        }
    }
}

extension SubmissionStore {
    // MARK: - What is still running

    /// The final statuses, as the `submission_unfinished` index was made with them (a test holds them to
    /// ``VideoStatus``'s own list; a new final status needs a new migration with a new index).
    static let finalStatuses = ["completed", "failed", "not_found"]

    /// Rows not yet final, in SQL: the query and the partial index say it the same way, so SQLite knows the index
    /// holds every row the query wants. The unary `+` keeps SQLite from the (submitState, status) index instead,
    /// which it would pick without statistics and then walk every submitted row of the history.
    static let unfinishedCondition = "+submitState = 'submitting' OR (+submitState = 'submitted' AND (status IS NULL OR status NOT IN ("
        + finalStatuses.map { "'\($0)'" }.joined(separator: ", ") + ")))"

    /// How SQLite reads ``unfinished()`` (for tests).
    func unfinishedQueryPlan() async throws -> String {
        try await writer.read { db in
            let request = Submission.all().unfinished().newestFirst()
            let sql = try request.makePreparedRequest(db).statement.sql
            let arguments = try request.makePreparedRequest(db).statement.arguments
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                .map { $0["detail"] as String? ?? "" }.joined(separator: "\n")
        }
    }

    // MARK: - Pages

    /// Reads the history a page at a time, newest first (`twindeck videos --json` writes each page as it comes, so a
    /// long history is never held whole).
    /// - Returns: the page, and where the next one starts (nil after the last).
    public func historyPage(after cursor: HistoryCursor?, limit: Int) async throws -> (history: History, next: HistoryCursor?) {
        let limit = max(1, limit)
        return try await writer.read { db in
            var request = Submission.all().newestFirst().limit(limit)
            if let cursor {
                // `<=` first so SQLite reads the createdAt index from the cursor on.
                request = request.filter(sql: "createdAt <= ? AND (createdAt < ? OR rowID < ?)",
                                         arguments: [cursor.createdAt, cursor.createdAt, cursor.rowID])
            }
            var history = History(mark: try Self.changeMark(db))
            var count = 0
            var last: HistoryCursor?
            let rows = try Row.fetchCursor(db, request)
            while let row = try rows.next() {
                count += 1
                last = HistoryCursor(createdAt: row["createdAt"], rowID: row["rowID"])
                Self.decodeLeniently(row, into: &history)
            }
            return (history, count == limit ? last : nil)
        }
    }
}

extension SubmissionStore {
    /// How many rows the history has, readable or not.
    public func historyCount() async throws -> Int {
        try await writer.read { db in try Submission.fetchCount(db) }
    }
}

/// Where a page of the history ended (``SubmissionStore/historyPage(after:limit:)``).
public struct HistoryCursor: Sendable, Equatable {
    /// The last row's `createdAt` as stored (a bad value orders where SQLite puts it, and paging goes on past it).
    let createdAt: DatabaseValue
    let rowID: Int64
}
