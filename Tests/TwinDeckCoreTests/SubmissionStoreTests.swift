import Foundation
import HeyGen
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    // Every access holds `lock`.
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_790_000_000.25)

    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    var function: @Sendable () -> Date { { self.now } }
}

/// A fresh folder under the temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case memory, file
    var testDescription: String { rawValue }

    func make(clock: ManualClock) throws -> SubmissionStore {
        switch self {
        case .memory: try SubmissionStore.inMemory(clock: clock.function)
        case .file: try SubmissionStore(path: makeTemporaryDirectory().appendingPathComponent("store.sqlite").path, clock: clock.function)
        }
    }
}

@Suite("Submission store")
struct SubmissionStoreTests {
    @Test(arguments: StoreKind.allCases)
    func wholeLifeCycle(kind: StoreKind) async throws {
        // Given an empty store
        let clock = ManualClock()
        let store = try kind.make(clock: clock)
        #expect(try await store.all().isEmpty)

        // When a request is recorded before sending
        let request = sampleRequest(engine: .avatarV, title: "Life cycle")
        let recorded = try await store.recordSubmitting(
            request: request, key: "key-1", lookName: "Office — Blue Shirt", voiceName: "Sara", source: .form)

        // Then it is submitting, with the exact body that will be sent
        #expect(recorded.submitState == .submitting)
        #expect(recorded.needsResubmit && !recorded.needsPolling && !recorded.isFinal)
        #expect(recorded.requestBody == String(decoding: try request.jsonBody(), as: UTF8.self))
        #expect(try recorded.storedRequest() == request)
        #expect(recorded.engine == "avatar_v" && recorded.lookID == "lk_twin_office" && recorded.title == "Life cycle")
        #expect(try await store.submission(key: "key-1") == recorded)
        #expect(try await store.awaitingResubmit().map(\.idempotencyKey) == ["key-1"])
        #expect(try await store.unfinished().map(\.idempotencyKey) == ["key-1"])

        // When the server answers
        clock.advance(1)
        let submitted = try await store.markSubmitted(key: "key-1", videoID: "v_1", status: .waiting)
        #expect(submitted.submitState == .submitted && submitted.videoID == "v_1" && submitted.status == "waiting")
        #expect(submitted.needsPolling && !submitted.needsResubmit)
        #expect(submitted.updatedAt == clock.now && submitted.createdAt == recorded.createdAt)
        #expect(try await store.awaitingResubmit().isEmpty)
        #expect(try await store.submission(videoID: "v_1") == submitted)

        // When polling reports progress, then completion
        clock.advance(1)
        let polled = try await store.update(statuses: [VideoStatusEntry(videoID: "v_1", status: .processing), VideoStatusEntry(videoID: "v_other", status: .completed)])
        #expect(polled.map(\.status) == ["processing"])
        #expect(try await store.submission(key: "key-1")?.lastPolledAt == clock.now)
        clock.advance(1)
        let done = try #require(try await store.update(with: Video(
            id: "v_1", status: .completed, completedAt: 1_790_000_100, duration: 2.5, videoURL: "https://media/v_1.mp4",
            thumbnailURL: "https://media/v_1.jpg")))
        #expect(done.isFinal && !done.needsPolling)
        #expect(done.videoURL == "https://media/v_1.mp4" && done.thumbnailURL == "https://media/v_1.jpg" && done.duration == 2.5)
        #expect(done.completedAt == Date(timeIntervalSince1970: 1_790_000_100))
        #expect(try await store.unfinished().isEmpty)
        #expect(try await store.update(with: Video(id: "v_unknown", status: .completed)) == nil)

        // When it is downloaded
        let downloading = try await store.updateDownload(key: "key-1", path: "/tmp/v_1.mp4", state: .downloading, downloadedBytes: 10, totalBytes: 100)
        #expect(downloading.downloadState == .downloading && downloading.downloadedBytes == 10 && downloading.totalBytes == 100)
        try await store.updateDownload(key: "key-1", path: "/tmp/v_1.mp4", state: .done, downloadedBytes: 100, totalBytes: 100)

        // Then a later submission is listed first, and everything read back equals what was returned
        clock.advance(1)
        let second = try await store.recordSubmitting(request: sampleRequest(), key: "key-2", lookName: nil, voiceName: nil, source: .cli)
        let all = try await store.all()
        #expect(all.map(\.idempotencyKey) == ["key-2", "key-1"])
        #expect(all.first == second)
        #expect(all.last?.downloadState == .done && all.last?.downloadPath == "/tmp/v_1.mp4")

        // When a refused one is marked and another removed
        let rejected = try await store.markRejected(key: "key-2", error: "HeyGen refused the request: bad voice")
        #expect(rejected.submitState == .rejected && rejected.isFinal && !rejected.needsResubmit)
        #expect(rejected.submitError == "HeyGen refused the request: bad voice")
        #expect(try await store.remove(key: "key-1"))
        #expect(try await !store.remove(key: "key-1"))
        #expect(try await store.all().map(\.idempotencyKey) == ["key-2"])
    }

    @Test func reopeningKeepsRowsAndMigratesOnce() async throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("store.sqlite").path
        var rows: [Submission] = []
        do {
            let store = try SubmissionStore(path: path)
            try await store.recordSubmitting(request: sampleRequest(), key: "a", lookName: nil, voiceName: nil, source: .cli)
            try await store.markSubmitted(key: "a", videoID: "v_a", status: .pending)
            try await store.importVideo(Video(id: "v_b", status: .completed, title: "Elsewhere", videoURL: "https://x/b.mp4"))
            rows = try await store.all()
            #expect(try await store.appliedMigrations() == ["v1", "v2-webhooks", "v3-missing", "v4-render-time", "v5-change-log"])
        }
        for _ in 0..<2 {
            let reopened = try SubmissionStore(path: path)
            #expect(try await reopened.all() == rows)
            #expect(try await reopened.appliedMigrations() == ["v1", "v2-webhooks", "v3-missing", "v4-render-time", "v5-change-log"])
            #expect(try await reopened.integrityCheck() == "ok")
        }
    }

    @Test func fileIsPrivateToItsOwner() async throws {
        let directory = try makeTemporaryDirectory().appendingPathComponent("nested/twindeck")
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try SubmissionStore(path: path)
        try await store.recordSubmitting(request: sampleRequest(), key: "k", lookName: nil, voiceName: nil, source: .cli)
        let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(directoryMode == 0o700)
        for sidecar in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + sidecar) {
            #expect(try FileManager.default.attributesOfItem(atPath: path + sidecar)[.posixPermissions] as? Int == 0o600, "\(sidecar)")
        }
    }

    @Test func finalStatusIsNotOverwrittenByALateRunningOne() async throws {
        let store = try SubmissionStore.inMemory()
        try await store.recordSubmitting(request: sampleRequest(), key: "k", lookName: nil, voiceName: nil, source: .form)
        try await store.markSubmitted(key: "k", videoID: "v", status: .pending)
        try await store.update(with: Video(id: "v", status: .completed, videoURL: "https://x/v.mp4"))

        let late = try await store.update(with: Video(id: "v", status: .processing))
        #expect(late?.status == "completed" && late?.videoURL == "https://x/v.mp4")
        let lateStatus = try await store.update(statuses: [VideoStatusEntry(videoID: "v", status: .queued)])
        #expect(lateStatus.first?.status == "completed")
        // A replayed create answer (status waiting) does not move it back either.
        #expect(try await store.markSubmitted(key: "k", videoID: "v", status: .waiting).status == "completed")
        // A fresh link for the completed video is still taken.
        #expect(try await store.update(with: Video(id: "v", status: .completed, videoURL: "https://x/v2.mp4"))?.videoURL == "https://x/v2.mp4")

        try await store.recordSubmitting(request: sampleRequest(), key: "f", lookName: nil, voiceName: nil, source: .form)
        try await store.markSubmitted(key: "f", videoID: "vf", status: .pending)
        try await store.update(with: Video(id: "vf", status: .failed, failureCode: "timeout", failureMessage: "Avatar rendering timed out"))
        let failed = try await store.update(with: Video(id: "vf", status: .pending))
        #expect(failed?.status == "failed" && failed?.failureMessage == "Avatar rendering timed out" && failed?.failureCode == "timeout")
    }

    @Test func importingTwiceReturnsTheSameRow() async throws {
        let store = try SubmissionStore.inMemory()
        let video = Video(id: "v_web", status: .processing, title: "Made on the web", createdAt: 1_790_000_000)
        let first = try await store.importVideo(video)
        #expect(first.idempotencyKey == "import-v_web" && first.source == .imported && first.submitState == .submitted)
        #expect(first.status == "processing" && first.needsPolling && first.requestBody == nil)
        #expect(first.createdAt == Date(timeIntervalSince1970: 1_790_000_000))
        let second = try await store.importVideo(Video(id: "v_web", status: .completed))
        #expect(second == first)
        #expect(try await store.all().count == 1)

        // A video made here is not imported a second time either.
        try await store.recordSubmitting(request: sampleRequest(), key: "mine", lookName: nil, voiceName: nil, source: .cli)
        try await store.markSubmitted(key: "mine", videoID: "v_mine", status: .pending)
        #expect(try await store.importVideo(Video(id: "v_mine", status: .pending)).idempotencyKey == "mine")
        #expect(try await store.all().count == 2)
    }

    @Test func anImportedCopyIsFoldedIntoItsSubmission() async throws {
        // The answer was lost, the video was imported by ID, and then the re-send got its answer.
        let store = try SubmissionStore.inMemory()
        try await store.recordSubmitting(request: sampleRequest(), key: "lost", lookName: nil, voiceName: nil, source: .cli)
        try await store.importVideo(Video(id: "v_lost", status: .completed, videoURL: "https://x/lost.mp4"))
        let merged = try await store.markSubmitted(key: "lost", videoID: "v_lost", status: .waiting)
        #expect(merged.status == "completed" && merged.videoURL == "https://x/lost.mp4" && merged.source == .cli)
        #expect(try await store.all().map(\.idempotencyKey) == ["lost"])

        // Two submissions from here never share a video.
        try await store.recordSubmitting(request: sampleRequest(), key: "other", lookName: nil, voiceName: nil, source: .cli)
        await #expect(throws: SubmissionStoreError.self) {
            try await store.markSubmitted(key: "other", videoID: "v_lost", status: .pending)
        }
    }

    @Test func duplicateKeyIsAClearError() async throws {
        let store = try SubmissionStore.inMemory()
        try await store.recordSubmitting(request: sampleRequest(), key: "same", lookName: nil, voiceName: nil, source: .cli)
        let error = await #expect(throws: SubmissionStoreError.self) {
            try await store.recordSubmitting(request: sampleRequest(title: "Other"), key: "same", lookName: nil, voiceName: nil, source: .form)
        }
        #expect(error?.kind == .duplicateKey)
        #expect(error?.description == "a submission with Idempotency-Key same is already recorded")
        #expect(try await store.all().count == 1)
        #expect(try await store.submission(key: "same")?.title == "Test video")

        let unknown = await #expect(throws: SubmissionStoreError.self) { try await store.markSubmitted(key: "nope", videoID: "v", status: .pending) }
        #expect(unknown?.kind == .unknownKey)
    }

    @Test func leaseGoesToOneOwnerUntilItExpiresOrIsReleased() async throws {
        let store = try SubmissionStore.inMemory()
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(try await store.acquireLease(owner: "A", ttl: 30, now: t0))
        #expect(try await !store.acquireLease(owner: "B", ttl: 30, now: t0 + 10))
        #expect(try await store.acquireLease(owner: "A", ttl: 30, now: t0 + 10), "renewal: now until t0+40")
        #expect(try await !store.acquireLease(owner: "B", ttl: 30, now: t0 + 35), "renewed, so not expired at t0+35")
        #expect(try await store.acquireLease(owner: "B", ttl: 30, now: t0 + 41), "expired")
        #expect(try await !store.acquireLease(owner: "A", ttl: 30, now: t0 + 42))
        try await store.releaseLease(owner: "A")  // not the holder: no effect
        #expect(try await !store.acquireLease(owner: "A", ttl: 30, now: t0 + 43))
        try await store.releaseLease(owner: "B")
        #expect(try await store.acquireLease(owner: "A", ttl: 30, now: t0 + 44))
    }

    @Test func leaseIsSharedBetweenTwoOpenings() async throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("store.sqlite").path
        let first = try SubmissionStore(path: path), second = try SubmissionStore(path: path)
        let now = Date()
        #expect(try await first.acquireLease(owner: "first", ttl: 60, now: now))
        #expect(try await !second.acquireLease(owner: "second", ttl: 60, now: now))
        try await first.releaseLease(owner: "first")
        #expect(try await second.acquireLease(owner: "second", ttl: 60, now: now))
    }

    @Test func definiteRejectionsAreTheRefusingFourHundreds() {
        func error(_ kind: HeyGenError.Kind, _ status: Int?) -> HeyGenError { HeyGenError(kind: kind, httpStatus: status, message: "m") }
        #expect(error(.validation, 400).isDefiniteRejection)
        #expect(error(.unauthorized, 401).isDefiniteRejection)
        #expect(error(.insufficientCredit, 402).isDefiniteRejection)
        #expect(error(.notFound, 404).isDefiniteRejection)
        #expect(error(.http, 418).isDefiniteRejection)
        #expect(!error(.conflict, 409).isDefiniteRejection)
        #expect(!error(.rateLimited, 429).isDefiniteRejection)
        #expect(!error(.server, 502).isDefiniteRejection)
        #expect(!error(.timeout, nil).isDefiniteRejection)
        #expect(!error(.transport, nil).isDefiniteRejection)
        #expect(!error(.undecodable, 200).isDefiniteRejection)
    }
}

@Suite("Poller lease of a dead instance")
struct DeadLeaseTests {
    @Test func aLeaseNamingAProcessThatNoLongerRunsIsTakenOverAtOnce() async throws {
        let store = try SubmissionStore.inMemory()
        // A child that has exited: its pid names no process any more.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = "twindeck-\(child.processIdentifier)-deadbeef"
        #expect(try await store.acquireLease(owner: dead, ttl: 300))
        #expect(try await store.acquireLease(owner: "twindeck-\(getpid())-live", ttl: 300), "the dead owner's lease is taken")
        #expect(try await store.acquireLease(owner: "twindeck-1-other", ttl: 300) == false, "a live owner's lease is kept")
    }
}
