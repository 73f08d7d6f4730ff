import Foundation
import GRDB
import HeyGen
import HeyGenSimulator
import Logging
import Synchronization
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

// Issue 14, items 8, 10 and 13 (read-only folder) and the one submit pipeline: the history never loses the board to
// one bad row, is never written by an older binary, and a transient not_found never ends a paid video.

private func historyFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-hardening-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private let quietLogger: Logger = {
    var logger = Logger(label: "history-hardening-tests")
    logger.logLevel = .critical
    return logger
}()

/// Writes straight into the file, as a newer TwinDeck or a hand edit would.
private func rawWrite(_ path: String, _ sql: String) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.inDatabase { db in try db.execute(sql: sql) }
}

@Suite("History hardening: bad rows, newer schemas, read-only folders, not_found")
struct HistoryHardeningTests {
    @Test("one row with values this version does not know is reported, the rest is read", arguments: [
        ("submitState", "'paused'"), ("source", "'mobile'"), ("downloadState", "'queued'"), ("createdAt", "'yesterday'"),
    ])
    func oneBadRowLeavesTheRestReadable(column: String, value: String) async throws {
        let folder = try historyFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let store = try SubmissionStore(path: path)
        for key in ["good-1", "bad", "good-2"] {
            try await store.recordSubmitting(request: sampleRequest(title: key), key: key, lookName: nil, voiceName: nil, source: .cli)
        }
        try rawWrite(path, "UPDATE submission SET \(column) = \(value) WHERE idempotencyKey = 'bad'")

        let history = try await store.history()
        #expect(Set(history.rows.map(\.idempotencyKey)) == ["good-1", "good-2"])
        let bad = try #require(history.unreadable.first)
        #expect(history.unreadable.count == 1)
        #expect(bad.idempotencyKey == "bad")
        #expect(bad.reason.contains(column), "the reason names the column: \(bad.reason)")
        #expect(try await store.all().count == 2)
        #expect(try await store.unfinished().count == 2, "the poller's reads skip the bad row too")
        // The bad row is left exactly as it is in the file.
        let raw = try await DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT CAST(\(column) AS TEXT) FROM submission WHERE idempotencyKey = 'bad'")
        }
        #expect(raw == value.trimmingCharacters(in: CharacterSet(charactersIn: "'")))
    }

    @Test("the board engine posts the readable rows and the unreadable count, not \"Loading\" forever")
    func theBoardShowsUnreadableRows() async throws {
        let folder = try historyFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let store = try SubmissionStore(path: path)
        try await store.recordSubmitting(request: sampleRequest(title: "Fine"), key: "fine", lookName: nil, voiceName: nil, source: .form)
        try await store.recordSubmitting(request: sampleRequest(title: "Odd"), key: "odd", lookName: nil, voiceName: nil, source: .form)
        try await store.markSubmitted(key: "odd", videoID: "vid_odd", status: .processing)
        try rawWrite(path, "UPDATE submission SET submitState = 'archived' WHERE idempotencyKey = 'odd'")
        try await withSimulator { _, client in
            let log = BoardEngineTestLog()
            let engine = BoardEngine(store: store, service: client, downloads: folder, schedule: PollSchedule(scale: 0.05),
                                     logger: quietLogger, post: log.post)
            await engine.postHistory()
            let posted = log.all.compactMap { if case .historyLoaded(let history) = $0 { history } else { nil } }
            let history = try #require(posted.last)
            #expect(history.rows.map(\.idempotencyKey) == ["fine"])
            #expect(history.unreadable.map(\.idempotencyKey) == ["odd"])

            var state = AppState(width: 100, height: 30, baseURL: "http://127.0.0.1:1", isDemo: true)
            _ = update(&state, .historyLoaded(history))
            #expect(state.board.loaded && state.board.unreadable.count == 1)
        }
    }

    @Test("a history with a migration this binary does not know opens read-only and is never written")
    func aNewerSchemaOpensReadOnly() async throws {
        let folder = try historyFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        do {
            let store = try SubmissionStore(path: path)
            try await store.recordSubmitting(request: sampleRequest(title: "Kept"), key: "kept", lookName: nil, voiceName: nil, source: .cli)
        }
        // A newer TwinDeck added a migration (and a column) this binary does not know.
        try rawWrite(path, """
            INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future');
            ALTER TABLE submission ADD COLUMN futureThing TEXT;
            """)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let store = try SubmissionStore(path: path)
        let reason = try #require(store.readOnlyReason)
        #expect(reason.contains("newer TwinDeck") && reason.contains("v9-from-the-future"))
        #expect(try await store.all().map(\.idempotencyKey) == ["kept"], "reads work")
        await #expect(throws: SubmissionStoreError.self) {
            try await store.recordSubmitting(request: sampleRequest(), key: "new", lookName: nil, voiceName: nil, source: .cli)
        }
        do {
            try await store.markRejected(key: "kept", error: "x")
            Issue.record("a write went through on a read-only history")
        } catch let error as SubmissionStoreError {
            #expect(error.kind == .readOnly && error.message.contains("read-only"))
        }
        await #expect(throws: SubmissionStoreError.self) { try await store.acquireLease(owner: "twindeck-1-x", ttl: 30) }
        // The file is byte for byte as the newer binary left it.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("a history on a read-only mount is opened read-only: listing works, writing says why")
    func aReadOnlyFolderOpensReadOnly() async throws {
        guard getuid() == 0 else { return }  // mounting needs root (the CI and dev machines run as root)
        let mountPoint = try historyFolder()
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        try #require(runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.path]) == 0)
        defer { _ = runTool("/bin/umount", ["-l", mountPoint.path]) }
        let path = mountPoint.appendingPathComponent("store.sqlite").path
        do {
            let store = try SubmissionStore(path: path)
            try await store.recordSubmitting(request: sampleRequest(title: "On tmpfs"), key: "ro", lookName: nil, voiceName: nil, source: .cli)
        }
        try #require(runTool("/bin/mount", ["-o", "remount,ro", mountPoint.path]) == 0)

        let store = try SubmissionStore(path: path)
        let reason = try #require(store.readOnlyReason)
        #expect(reason.contains("cannot be written"), "\(reason)")
        #expect(try await store.all().map(\.title) == ["On tmpfs"])
        do {
            try await store.recordSubmitting(request: sampleRequest(), key: "new", lookName: nil, voiceName: nil, source: .cli)
            Issue.record("recorded on a read-only mount")
        } catch let error as SubmissionStoreError {
            #expect(error.kind == .readOnly)
        }
    }

    @Test("a 429 on the form's create leaves the row submitting (the board re-sends it), as every other path does")
    func rateLimitIsNotARefusal() async throws {
        try await withSimulator(retry: RetryPolicy(maxRetries: 0)) { sim, client in
            let store = try SubmissionStore.inMemory()
            await sim.state.inject([.init(.rateLimited(retryAfterSeconds: 30), pathPrefix: "/v3/videos", method: "POST", count: 1)])
            let result = await EffectRunner.submit(sampleRequest(title: "Limited"), lookName: nil, voiceName: nil, look: nil,
                                                   service: client, recorder: store, logger: quietLogger)
            guard case .success(.uncertain) = result else {
                Issue.record("a 429 ended the submission: \(result)")
                return
            }
            let row = try #require(try await store.all().first)
            #expect(row.submitState == .submitting && row.needsResubmit)
            // The pipeline's re-send (board, resume) makes the one video.
            let outcome = try await SubmitPipeline(service: client, recorder: store).resend(row)
            guard case .created(let created) = outcome else {
                Issue.record("the re-send did not make it: \(outcome)")
                return
            }
            #expect(try await store.submission(key: row.idempotencyKey)?.videoID == created.videoID)
        }
    }

    @Test("the pipeline reports a video made but not recorded, and the next re-send records the replay")
    func madeButNotRecorded() async throws {
        try await withSimulator { sim, client in
            let store = try SubmissionStore.inMemory()
            let failing = FailingAnswerRecorder(store: store)
            let pipeline = SubmitPipeline(service: client, recorder: failing)
            let outcome = try await pipeline.submit(sampleRequest(title: "Disk full"), key: "full-1", look: nil, lookName: nil,
                                                    voiceName: nil, source: .cli)
            guard case .unrecorded(let made, _) = outcome else {
                Issue.record("expected unrecorded, got \(outcome)")
                return
            }
            #expect(try await store.submission(key: "full-1")?.submitState == .submitting)
            let again = try await SubmitPipeline(service: client, recorder: store).resend(try #require(try await store.submission(key: "full-1")))
            guard case .created(let replayed) = again else {
                Issue.record("re-send: \(again)")
                return
            }
            #expect(replayed.videoID == made.videoID, "the same key replays the same video")
            let onServer = try await HeyGenClient.collectPages { token in try await client.videos(limit: 50, token: token) }
            #expect(onServer.count == 1)
        }
    }
}

@Suite("The form says when a video was made but not recorded")
struct UnrecordedFormTests {
    @Test func theToastNamesTheVideoAndItIsNotSubmittedAgain() {
        var state = AppState(width: 100, height: 30, baseURL: "http://127.0.0.1:1", isDemo: true)
        let effects = update(&state, .submitted(.success(.createdUnrecorded(
            CreateVideoResponse(videoID: "v_made_1", status: .pending), key: "k-1", reason: "disk full"))))
        #expect(state.toast?.text.contains("v_made_1") == true && state.toast?.level == .error)
        #expect(state.toast?.text.contains("disk full") == true)
        #expect(!effects.contains { if case .submit = $0 { true } else { false } }, "never sent twice from the form")
        #expect(state.board.selectedKey == "k-1")
    }
}

/// Records before sending, then fails to record the answer (a full disk at COMMIT).
private struct FailingAnswerRecorder: SubmissionRecorder {
    let store: SubmissionStore
    func recordBeforeSending(request: CreateVideoRequest, key: String, lookName: String?, voiceName: String?,
                             source: Submission.Source) async throws {
        try await store.recordBeforeSending(request: request, key: key, lookName: lookName, voiceName: voiceName, source: source)
    }
    func recordSubmitted(key: String, videoID: String, status: VideoStatus) async throws {
        throw CocoaError(.fileWriteOutOfSpace)
    }
    func recordRejected(key: String, error: String) async throws {
        try await store.recordRejected(key: key, error: error)
    }
}

/// A clock the test moves.
final class HardeningClock: Sendable {
    private let current = Mutex<Date>(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

@Suite("not_found is not final until HeyGen confirms it for the grace period")
struct NotFoundGraceTests {
    @Test("a transient not_found from statuses (a restarted server) does not end the video; it completes")
    func transientNotFoundKeepsPolling() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 3 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let created = try await client.createVideo(sampleRequest(title: "Blip"), idempotencyKey: "blip")
            try await store.recordSubmitting(request: sampleRequest(title: "Blip"), key: "blip", lookName: nil, voiceName: nil, source: .form)
            try await store.markSubmitted(key: "blip", videoID: created.videoID, status: created.status)
            let engine = BoardEngine(store: store, service: client, downloads: try historyFolder(), schedule: PollSchedule(scale: 0.05),
                                     logger: quietLogger, post: { _ in })
            await sim.state.inject([.init(.unknownStatus("not_found"), pathPrefix: "/v3/videos/statuses", count: 1)])
            _ = try await engine.pollOnce()
            let after = try #require(try await store.submission(key: "blip"))
            #expect(after.videoStatus != .notFound, "one not_found ended a paid video: \(after.status ?? "nil")")
            #expect(after.missingSince == nil, "its detail answered, so it is not missing")
            let done = try await eventually(timeout: .seconds(20)) {
                _ = try await engine.pollOnce()
                return try await store.submission(key: "blip")?.videoStatus == .completed
            }
            #expect(done)
        }
    }

    @Test("a video whose detail is 404 too is polled through the grace period, then final")
    func confirmedMissingBecomesFinalAfterTheGrace() async throws {
        try await withSimulator { sim, client in
            let store = try SubmissionStore.inMemory()
            try await store.recordSubmitting(request: sampleRequest(title: "Gone"), key: "gone", lookName: nil, voiceName: nil, source: .cli)
            try await store.markSubmitted(key: "gone", videoID: "vid_never_existed", status: .processing)
            let clock = ManualPollClock()
            let schedule = PollSchedule(scale: 1)
            let engine = BoardEngine(store: store, service: client, downloads: try historyFolder(), schedule: schedule,
                                     clock: clock, logger: quietLogger, post: { _ in })
            let detailsBefore = await sim.state.requestCounts()["GET /v3/videos/{id}", default: 0]
            _ = try await engine.pollOnce()
            var row = try #require(try await store.submission(key: "gone"))
            #expect(!row.isFinal && row.missingSince == clock.now)
            let detailsAfter = await sim.state.requestCounts()["GET /v3/videos/{id}", default: 0]
            #expect(detailsAfter > detailsBefore, "the not_found was confirmed with the detail endpoint")

            clock.advance(by: schedule.missingGrace - 1)
            _ = try await engine.pollOnce()
            row = try #require(try await store.submission(key: "gone"))
            #expect(!row.isFinal, "still inside the grace period")
            #expect(row.needsPolling)

            clock.advance(by: 2)
            _ = try await engine.pollOnce()
            row = try #require(try await store.submission(key: "gone"))
            #expect(row.videoStatus == .notFound && row.isFinal)
            #expect(row.failureMessage?.contains("has not known this video") == true)
        }
    }
}
