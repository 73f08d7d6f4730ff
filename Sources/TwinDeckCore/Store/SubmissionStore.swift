import Foundation
import GRDB
import HeyGen

#if canImport(Glibc)
import Glibc
#endif

/// The persisted history of submissions, in SQLite through GRDB.
///
/// Every method is one transaction, so a row is always whole; the file is in WAL mode and survives
/// `kill -9` at any moment. The store never hands out its database: callers say what happened
/// (``recordSubmitting(request:key:lookName:voiceName:source:)``, ``markSubmitted(key:videoID:status:)``, …).
///
/// ```swift
/// let store = try SubmissionStore(path: dataDirectory.appendingPathComponent("store.sqlite").path)
/// try await store.recordSubmitting(request: request, key: key, lookName: look.name, voiceName: nil, source: .cli)
/// let created = try await heygen.createVideo(request, idempotencyKey: key)
/// try await store.markSubmitted(key: key, videoID: created.videoID, status: created.status)
/// ```
public final class SubmissionStore: Sendable {
    // Internal only for the store's own extensions (the lease); nothing outside the Store folder uses it.
    let writer: any DatabaseWriter
    private let clock: @Sendable () -> Date
    /// The database file, or nil for an in-memory store.
    public let path: String?
    /// Why the history is open read-only (nil when it is writable): every write throws ``SubmissionStoreError`` `readOnly`.
    public let readOnlyReason: String?

    /// Every write goes through here, so a read-only history is never written.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if let readOnlyReason {
            throw SubmissionStoreError(kind: .readOnly, message: "the history is read-only, so nothing was recorded: \(readOnlyReason)")
        }
        return try await writer.write(updates)
    }

    /// Opens (creating when missing) the store at `path`: the file is 0600, a missing directory is made 0700,
    /// and the schema is migrated.
    ///
    /// Two cases open the history read-only instead (reads work, every write throws ``SubmissionStoreError``
    /// `readOnly`, and ``readOnlyReason`` says why): a file whose migrations include one this binary does not
    /// know (written by a newer TwinDeck — an older binary never writes it), and a file or folder that cannot be
    /// written (a read-only mount, another user's folder).
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - clock: the time stamped on rows (tests pass a fixed one).
    /// - Throws: ``SubmissionStoreError`` (`unavailable`) or a GRDB `DatabaseError`.
    public convenience init(path: String, clock: @escaping @Sendable () -> Date = Date.init) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let exists = FileManager.default.fileExists(atPath: path)
        if exists, access(directory, W_OK) != 0 || access(path, W_OK) != 0 {
            let reason = "\(access(directory, W_OK) != 0 ? directory : path) cannot be written: \(String(cString: strerror(errno)))"
            try self.init(readOnlyAt: path, reason: reason, clock: clock)
            return
        }
        do {
            if !FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            // Made by us with 0600 before SQLite sees it; SQLite gives the -wal and -shm files the same mode.
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            fchmod(fd, 0o600)
            close(fd)
        } catch {
            throw SubmissionStoreError(kind: .unavailable, message: "cannot create the history at \(path): \(error.localizedDescription)")
        }
        let pool = try Self.openPool(path: path)
        if let unknown = try Self.unknownMigrations(pool), !unknown.isEmpty {
            try self.init(readOnlyAt: path, reason: Self.newerReason(unknown), clock: clock)
            return
        }
        try self.init(writer: pool, path: path, clock: clock)
    }

    /// Opens an existing history for reading only.
    private convenience init(readOnlyAt path: String, reason: String, clock: @escaping @Sendable () -> Date) throws {
        var configuration = Self.configuration()
        configuration.readonly = true
        let reader: any DatabaseWriter
        do {
            // A WAL file in a folder that cannot be written may still be read when its -shm file is there; a queue
            // on the file itself reads it otherwise.
            reader = try DatabasePool(path: path, configuration: configuration)
            _ = try reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        } catch {
            // Without its -shm file a WAL database can be read only as immutable (SQLite cannot make the shared
            // memory in a folder it cannot write): nobody can change it there, so that is what it is.
            let uri = "file:" + PlainText.percentEncoded(path, keeping: "/-._~") + "?immutable=1"
            do {
                let queue = try DatabaseQueue(path: uri, configuration: configuration)
                _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
                try self.init(writer: queue, path: path, clock: clock, readOnlyReason: reason)
                return
            } catch {
                throw SubmissionStoreError(kind: .unavailable, message: "cannot read the history at \(path) (\(reason)): \(error)")
            }
        }
        try self.init(writer: reader, path: path, clock: clock, readOnlyReason: reason)
    }

    static func newerReason(_ unknown: [String]) -> String {
        "it was written by a newer TwinDeck (schema \(unknown.joined(separator: ", ")) is unknown to this version); "
            + "update TwinDeck to change it"
    }

    /// The migrations recorded in the file that this binary does not know (nil when the file has no schema yet).
    static func unknownMigrations(_ reader: any DatabaseReader) throws -> [String]? {
        try reader.read { db in
            guard try db.tableExists("grdb_migrations") else { return nil }
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            let known = Set(migrator.migrations)
            return applied.filter { !known.contains($0) }.sorted()
        }
    }

    /// Opens the pool, waiting while another process holds a lock SQLite does not wait for itself: the first
    /// open of a new file switches it to WAL, which needs the file to itself, and `PRAGMA journal_mode` answers
    /// SQLITE_BUSY at once instead of calling the busy handler (two `twindeck create` started together on a
    /// fresh history failed with "database is locked"). Up to about 7 s, then the error as it is.
    static func openPool(path: String) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration())
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && attempt < 60 {
                attempt += 1
                usleep(useconds_t(20_000 + min(attempt, 20) * 5_000))
            }
        }
    }

    /// A store in memory, for tests and previews.
    public static func inMemory(clock: @escaping @Sendable () -> Date = Date.init) throws -> SubmissionStore {
        try SubmissionStore(writer: DatabaseQueue(configuration: configuration()), path: nil, clock: clock)
    }

    private init(writer: any DatabaseWriter, path: String?, clock: @escaping @Sendable () -> Date,
                 readOnlyReason: String? = nil) throws {
        self.writer = writer
        self.path = path
        self.clock = clock
        self.readOnlyReason = readOnlyReason
        if readOnlyReason != nil { return }
        // Two processes opening a new file at once may both try v1; the loser sees it applied on the retry.
        var attempt = 0
        while true {
            do {
                try Self.migrator.migrate(writer)
                return
            } catch {
                attempt += 1
                if attempt >= 3 { throw error }
            }
        }
    }

    static func configuration() -> Configuration {
        var configuration = Configuration()
        // Other processes (a second app, a CLI command) may hold the write lock for a moment.
        configuration.busyMode = .timeout(10)
        configuration.label = "TwinDeck.SubmissionStore"
        // One reader beside the writer: the board and the poller read a few hundred rows now and then, and each
        // SQLite connection keeps its own page and schema caches (three connections held ~0.5 MiB more).
        configuration.maximumReaderCount = 1
        return configuration
    }

    // MARK: - Writes: submitting

    /// Records a request before it is sent (state `submitting`), with the exact body that will be sent.
    /// - Throws: ``SubmissionStoreError`` `duplicateKey` when the key is already recorded.
    @discardableResult
    public func recordSubmitting(
        request: CreateVideoRequest, key: String, lookName: String?, voiceName: String?, source: Submission.Source
    ) async throws -> Submission {
        let now = clock()
        let row = Submission(
            idempotencyKey: key, title: request.title, lookID: request.avatarID, lookName: lookName, voiceID: request.voiceID,
            voiceName: voiceName, engine: request.effectiveEngine.rawValue,
            requestBody: String(decoding: try request.jsonBody(), as: UTF8.self), source: source, createdAt: now,
            submitState: .submitting, callbackURL: request.callbackURL,
            spokenSeconds: Preflight.spokenSeconds(request.script), resolution: request.resolution?.rawValue)
        do {
            return try await write { db in try row.inserted(db) }
        } catch DatabaseError.SQLITE_CONSTRAINT_UNIQUE {
            throw SubmissionStoreError.duplicateKey(key)
        }
    }

    /// Records the server's answer: the submission now has a video. An imported copy of the same video is
    /// folded into it.
    /// - Throws: ``SubmissionStoreError`` `unknownKey`, or `duplicateVideo` when another submission holds the video.
    @discardableResult
    public func markSubmitted(key: String, videoID: String, status: VideoStatus) async throws -> Submission {
        let now = clock()
        return try await write { db in
            guard var row = try Submission.filter(idempotencyKey: key).fetchOne(db) else { throw SubmissionStoreError.unknownKey(key) }
            if let other = try Submission.filter(videoID: videoID).fetchOne(db), other.idempotencyKey != key {
                guard other.source == .imported else { throw SubmissionStoreError.duplicateVideo(videoID, key: other.idempotencyKey) }
                try other.delete(db)
                row.adoptStatus(of: other)
            }
            row.submitState = .submitted
            row.submitError = nil
            row.videoID = videoID
            if !(row.videoStatus?.isFinal ?? false) {
                row.noteProcessing(status, at: now)
                row.status = status.rawValue
            }
            row.updatedAt = now
            try row.update(db)
            return row
        }
    }

    /// Records a definite refusal: the submission will never be re-sent. A submission that already has a
    /// video is left as it is.
    @discardableResult
    public func markRejected(key: String, error: String) async throws -> Submission {
        let now = clock()
        return try await modify(key: key) { row in
            guard row.submitState != .submitted else { return }
            row.submitState = .rejected
            row.submitError = error
            row.updatedAt = now
        }
    }

    // MARK: - Writes: what the server says

    /// Takes in a video's detail for the submission that holds it; returns nil when no submission does.
    @discardableResult
    public func update(with video: Video) async throws -> Submission? {
        let now = clock()
        return try await write { db in
            guard var row = try Submission.filter(videoID: video.id).fetchOne(db) else { return nil }
            row.apply(video, at: now)
            try row.update(db)
            return row
        }
    }

    /// Takes in a batch of statuses (`GET /v3/videos/statuses`) in one transaction; returns the rows it touched.
    @discardableResult
    public func update(statuses: [VideoStatusEntry]) async throws -> [Submission] {
        let now = clock()
        return try await write { db in
            var touched: [Submission] = []
            for entry in statuses {
                guard var row = try Submission.filter(videoID: entry.videoID).fetchOne(db) else { continue }
                row.apply(entry, at: now)
                try row.update(db)
                touched.append(row)
            }
            return touched
        }
    }

    /// Records that HeyGen said it does not know a video (a `not_found` from the statuses call, confirmed by a 404
    /// from its detail). A transient not_found (a video just made and not yet indexed, a server restarted) must not
    /// end a paid video: the row is marked final `not_found` only once the video has been missing for `grace`.
    /// - Returns: the row, or nil when no submission holds the video.
    @discardableResult
    public func markMissing(videoID: String, at now: Date, grace: TimeInterval) async throws -> Submission? {
        try await write { db in
            guard var row = try Submission.filter(videoID: videoID).fetchOne(db) else { return nil }
            if row.videoStatus?.isFinal ?? false { return row }
            let since = row.missingSince ?? now
            row.missingSince = since
            row.lastPolledAt = now
            row.updatedAt = now
            if now.timeIntervalSince(since) >= grace {
                row.status = VideoStatus.notFound.rawValue
                row.failureMessage = "HeyGen has not known this video for \(Int(saturating: now.timeIntervalSince(since))) s"
            }
            try row.update(db)
            return row
        }
    }

    /// Adds a video made elsewhere (key `import-<videoID>`, state `submitted`). A video already in the store,
    /// imported or submitted from here, is returned as it is.
    @discardableResult
    public func importVideo(_ video: Video) async throws -> Submission {
        let now = clock()
        return try await write { db in
            if let existing = try Submission.filter(videoID: video.id).fetchOne(db) { return existing }
            var row = Submission(
                idempotencyKey: "import-" + video.id, videoID: video.id, title: video.title, source: .imported,
                createdAt: video.createdAt.map { Date(timeIntervalSince1970: Double($0)) } ?? now, updatedAt: now,
                submitState: .submitted)
            row.apply(video, at: now)
            return try row.inserted(db)
        }
    }

    /// Records the progress of a download.
    @discardableResult
    public func updateDownload(
        key: String, path: String?, state: Submission.DownloadState, downloadedBytes: Int64?, totalBytes: Int64?
    ) async throws -> Submission {
        let now = clock()
        return try await modify(key: key) { row in
            row.downloadPath = path
            row.downloadState = state
            row.downloadedBytes = downloadedBytes
            row.totalBytes = totalBytes
            row.updatedAt = now
        }
    }

    /// Forgets a submission; returns whether there was one.
    @discardableResult
    public func remove(key: String) async throws -> Bool {
        try await write { db in try Submission.filter(idempotencyKey: key).deleteAll(db) > 0 }
    }

    private func modify(key: String, _ change: @escaping @Sendable (inout Submission) -> Void) async throws -> Submission {
        try await write { db in
            guard var row = try Submission.filter(idempotencyKey: key).fetchOne(db) else { throw SubmissionStoreError.unknownKey(key) }
            change(&row)
            try row.update(db)
            return row
        }
    }

    // MARK: - Reads

    /// Every submission, newest first, with the rows this version cannot read (see ``history()``) left out.
    public func all() async throws -> [Submission] {
        try await history().rows
    }

    /// Every submission, newest first, and the rows that could not be read: a value this version does not know
    /// (a `submitState`, `source` or `downloadState` from a newer TwinDeck, a bad hand edit) makes that one row
    /// unreadable, never the whole history.
    public func history() async throws -> History {
        try await writer.read { db in
            var history = try Self.fetchLeniently(db, Submission.all().newestFirst())
            history.mark = try Self.changeMark(db)
            return history
        }
    }

    /// Submissions not yet final (waiting to be re-sent, or still rendering), newest first; unreadable rows left out.
    public func unfinished() async throws -> [Submission] {
        try await writer.read { db in try Self.fetchLeniently(db, Submission.all().unfinished().newestFirst()).rows }
    }

    /// Submissions whose request must be sent again with the same key, oldest first; unreadable rows left out.
    public func awaitingResubmit() async throws -> [Submission] {
        try await writer.read { db in try Self.fetchLeniently(db, Submission.all().awaitingResubmit()).rows }
    }

    /// Decodes each row on its own, so one bad row is reported instead of failing the whole read.
    static func fetchLeniently(_ db: Database, _ request: QueryInterfaceRequest<Submission>) throws -> History {
        var history = History()
        // A cursor: each row is decoded as it is read, never all the raw rows and all the decoded ones at once.
        let rows = try Row.fetchCursor(db, request)
        while let row = try rows.next() { decodeLeniently(row, into: &history) }
        return history
    }

    static func decodeLeniently(_ cursorRow: Row, into history: inout History) {
        // A copy holds each value as SQLite stored it: read from a cursor's row straight, a text where a number
        // belongs would be converted by SQLite (`'yesterday'` read as 0) instead of reported.
        let row = cursorRow.copy()
        do {
            history.rows.append(try Submission(row: row))
        } catch {
            history.unreadable.append(UnreadableSubmission(
                rowID: row["rowID"], idempotencyKey: row["idempotencyKey"], videoID: row["videoID"],
                reason: UnreadableSubmission.reason(for: error)))
        }
    }

    /// The most recently completed renders that can teach the render-time estimate (engine and spoken length
    /// known), newest completed first, at most `limit`: what ``RenderEstimator`` is built from, read without the
    /// rest of a long history.
    public func renderHistory(limit: Int = 500) async throws -> [RenderSample] {
        let request = Submission.all()
            .filter(Submission.Columns.status == VideoStatus.completed.rawValue && Column("completedAt") != nil
                    && Column("spokenSeconds") != nil && Column("engine") != nil)
            .order(Column("completedAt").desc)
            .limit(max(limit, 0))
        return try await writer.read { db in try Self.fetchLeniently(db, request).rows.compactMap(RenderSample.init) }
    }

    /// The submission with this Idempotency-Key.
    public func submission(key: String) async throws -> Submission? {
        try await writer.read { db in try Submission.filter(idempotencyKey: key).fetchOne(db) }
    }

    /// The submission that holds this video.
    public func submission(videoID: String) async throws -> Submission? {
        try await writer.read { db in try Submission.filter(videoID: videoID).fetchOne(db) }
    }

    /// The migrations applied to the file, in order (for tests and diagnostics).
    func appliedMigrations() async throws -> [String] {
        try await writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// The result of SQLite's `PRAGMA integrity_check` (`ok` when the file is sound).
    public func integrityCheck() async throws -> String {
        try await writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }
}
