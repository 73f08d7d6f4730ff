import Foundation
import HeyGen
import Synchronization

/// Where a batch row stands in the history before a run.
public enum BatchRowState: Sendable, Equatable {
    /// Not in the history: it will be recorded and sent.
    case new
    /// Recorded and maybe sent, but no answer was recorded (a run was killed): sent again with its own key.
    case resend
    /// Already has its video: skipped.
    case done(videoID: String)
    /// Refused for good on an earlier run: skipped.
    case rejected(String)

    /// The row's state in `store`.
    public static func of(_ row: BatchRow, in store: SubmissionStore) async throws -> BatchRowState {
        guard let existing = try await store.submission(key: row.key) else { return .new }
        switch existing.submitState {
        case .submitting: return .resend
        case .submitted: return existing.videoID.map { .done(videoID: $0) } ?? .resend
        case .rejected: return .rejected(existing.submitError ?? "no reason recorded")
        }
    }
}

/// The looks and voices a batch names, fetched once by ``BatchRunner/check(_:service:)``.
public struct BatchCatalog: Sendable {
    /// The looks by id (Avatar V is checked against them; their names go into the history).
    public var looks: [String: Look]
    /// The voices by id (their names go into the history).
    public var voices: [String: Voice]

    public init(looks: [String: Look] = [:], voices: [String: Voice] = [:]) {
        self.looks = looks
        self.voices = voices
    }
}

/// What happened to one row in a run.
public struct BatchResult: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// Sent for the first time; the server made the video.
        case submitted
        /// Sent again with its key after an earlier run lost the answer; the server made or replayed the video.
        case resent
        /// Had its video from an earlier run; nothing sent.
        case skipped
        /// Refused for good (now or on an earlier run); never sent again.
        case rejected
        /// Still no answer after the retries (network, 5xx); the row stays `submitting` and the next run, `twindeck
        /// resume` or the board sends it again with the same key.
        case unresolved
    }

    public var row: Int
    public var key: String
    public var outcome: Outcome
    public var videoID: String?
    public var error: String?

    /// Whether the row has its video.
    public var hasVideo: Bool { videoID != nil }
}

/// Something a run reports while it goes.
public enum BatchEvent: Sendable {
    /// A row is finished.
    case finished(BatchResult)
    /// A row waits before trying again (the server said 429, or had no answer).
    case waiting(row: Int, seconds: Double, reason: String)
}

/// Sends the rows of a checked batch file, each exactly once: a row is recorded in the history (state `submitting`)
/// before its request, with its own Idempotency-Key, so a run killed at any moment is finished by running the file
/// again — rows with a video are skipped, rows without an answer are re-sent with the same key and the server
/// replays the video it made.
///
/// At most ``concurrency`` requests are in flight. A 429 (the account's rate or concurrent-render limit) holds every
/// worker until its `Retry-After` has passed, then the row is sent again: a 429 never drops a row.
public struct BatchRunner: Sendable {
    /// HeyGen allows at most 10 videos rendering at once on an ordinary account.
    public static let maxConcurrency = 10

    let store: SubmissionStore
    let service: any HeyGenService
    /// Requests in flight at once, 1 to ``maxConcurrency``.
    public let concurrency: Int
    /// Tries after a network error, timeout, 5xx or 409 before the row is left for the next run.
    public var transientRetries = 5
    /// A `Retry-After` longer than this is not waited for; the row is left for the next run.
    public var maxRetryAfter: Duration = .seconds(600)
    /// How the runner waits (tests pass a faster one).
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    /// Uploads the rows' local files; rows naming one are unresolved without it.
    public var uploader: LocalFileUploader?

    public init(store: SubmissionStore, service: any HeyGenService, concurrency: Int, uploader: LocalFileUploader? = nil) {
        self.uploader = uploader
        self.store = store
        self.service = service
        self.concurrency = min(max(1, concurrency), Self.maxConcurrency)
    }

    /// Fetches each look the file names once, and the voice catalogue once; a look or voice the server does not know
    /// is an issue on every row naming it.
    /// - Returns: the looks and voices, and the issues of the whole file with them (empty when it may be sent).
    public static func check(_ file: BatchFile, service: any HeyGenService) async throws -> (catalog: BatchCatalog, issues: [BatchIssue]) {
        var looks: [String: Look] = [:]
        var missingLooks: [String: String] = [:]
        for id in file.lookIDs {
            do {
                looks[id] = try await service.look(id: id)
            } catch let error as HeyGenError where error.kind == .notFound {
                missingLooks[id] = "look \"\(id)\" was not found on the account (twindeck looks lists them)"
            }
        }
        var voices: [String: Voice] = [:]
        var missingVoices: [String: String] = [:]
        if !file.voiceIDs.isEmpty {
            let wanted = Set(file.voiceIDs)
            for voice in try await service.catalogue() where wanted.contains(voice.voiceID) { voices[voice.voiceID] = voice }
            for id in file.voiceIDs where voices[id] == nil {
                missingVoices[id] = "voice \"\(id)\" was not found (twindeck voices lists them)"
            }
        }
        // The voices' own limits (pauses, a locale) and each local file (size, type) are checked too.
        let issues = file.issues(looks: looks, missingLooks: missingLooks, missingVoices: missingVoices, voices: voices,
                                 extra: file.fileIssues())
        return (BatchCatalog(looks: looks, voices: voices), issues)
    }

    /// Sends every row that has no video yet; returns one result per row, in file order.
    /// - Parameters:
    ///   - rows: the rows of a file whose ``check(_:service:)`` found no issue.
    ///   - catalog: the looks and voices from that check.
    ///   - events: called as rows finish and wait, from several tasks at once.
    /// - Throws: a history (SQLite) error, or `CancellationError`; a row's own failure is a result, not a throw.
    public func run(_ rows: [BatchRow], catalog: BatchCatalog = BatchCatalog(), events: @escaping @Sendable (BatchEvent) -> Void = { _ in })
        async throws -> [BatchResult]
    {
        // Each distinct file is uploaded once, before the workers start: two rows naming one recording must not both
        // find it missing from the cache and upload it twice. A file that fails here fails again on its row, with the reason.
        if let uploader {
            var seen = Set<String>()
            for row in rows {
                for field in RequestFields.files {
                    guard let url = row.files.url(for: field), seen.insert(field.column + "\u{0}" + url.path).inserted,
                        let file = try? AssetFile.check(url, for: field.purpose)  // the row says why, when it is sent
                    else { continue }
                    do {
                        _ = try await uploader.upload(file) { _ in }
                    } catch {
                        continue  // the row's own upload tries again and reports it
                    }
                }
            }
        }
        let work = Work(rows)
        let gate = RateGate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<min(concurrency, rows.count) {
                group.addTask {
                    while let row = work.next() {
                        let result = try await process(row, catalog: catalog, gate: gate, events: events)
                        work.finish(result)
                        events(.finished(result))
                    }
                }
            }
            try await group.waitForAll()
        }
        return work.results.sorted { $0.row < $1.row }
    }

    private func process(_ row: BatchRow, catalog: BatchCatalog, gate: RateGate, events: @Sendable (BatchEvent) -> Void) async throws -> BatchResult {
        var row = row
        let look = catalog.looks[row.request.avatarID]
        var outcome = BatchResult.Outcome.submitted
        let state = try await BatchRowState.of(row, in: store)
        let sends: Bool = switch state {
        case .new, .resend: true
        default: false
        }
        if sends, !row.files.isEmpty {
            // Uploaded before the row is recorded, once per content: a re-run (a re-send with the same key) finds them
            // uploaded and sends the same body. A file that cannot be uploaded leaves the row unsent, with the reason.
            guard let uploader else {
                return BatchResult(row: row.number, key: row.key, outcome: .unresolved, error: "uploads are not set up here")
            }
            do {
                row = BatchRow(number: row.number, request: try await uploader.resolve(row.request, files: row.files).request,
                               key: row.key, filled: row.filled, files: row.files)
            } catch let error as HeyGenError {
                return BatchResult(row: row.number, key: row.key, outcome: .unresolved, error: error.description)
            }
        }
        switch state {
        case .done(let videoID):
            return BatchResult(row: row.number, key: row.key, outcome: .skipped, videoID: videoID)
        case .rejected(let reason):
            return BatchResult(row: row.number, key: row.key, outcome: .rejected, error: "refused on an earlier run: \(reason)")
        case .resend:
            outcome = .resent
        case .new:
            do {
                try await store.recordSubmitting(request: row.request, key: row.key, lookName: look?.name, voiceName: catalog.voices[row.request.voiceID]?.name, source: .batch)
            } catch let error as SubmissionStoreError where error.kind == .duplicateKey {
                outcome = .resent  // another run of the same file recorded it a moment ago: same key, so no second video
            }
        }
        let pipeline = SubmitPipeline(service: service, recorder: store)
        var failures = 0
        while true {
            try await gate.pass(sleep)
            switch try await pipeline.send(row.request, key: row.key, look: look) {
            case .created(let created):
                return BatchResult(row: row.number, key: row.key, outcome: outcome, videoID: created.videoID)
            case .rejected(let error):
                return BatchResult(row: row.number, key: row.key, outcome: .rejected, error: error.description)
            case .unrecorded(let created, let error):
                // Made, but not in the history: the row stays `submitting`, and the next run records the replay.
                return BatchResult(row: row.number, key: row.key, outcome: .unresolved,
                                   error: "video \(created.videoID) was made but could not be recorded: \(error)")
            case .pending(let error) where error.kind == .rateLimited:
                failures += 1
                let wait = error.retryAfter ?? Self.backoff(failures)
                guard wait <= maxRetryAfter else {
                    return BatchResult(row: row.number, key: row.key, outcome: .unresolved, error: error.description)
                }
                gate.hold(for: wait)
                events(.waiting(row: row.number, seconds: Self.seconds(wait), reason: "429 \(error.code ?? "rate limited")"))
            case .pending(let error):
                failures += 1
                guard failures <= transientRetries else {
                    return BatchResult(row: row.number, key: row.key, outcome: .unresolved, error: error.description)
                }
                let wait = Self.backoff(failures)
                events(.waiting(row: row.number, seconds: Self.seconds(wait), reason: error.shortDescription))
                try await sleep(wait)
            }
        }
    }

    /// 0.5 s, 1 s, 2 s … capped at 30 s.
    static func backoff(_ failures: Int) -> Duration {
        min(.milliseconds(500) * (1 << min(max(0, failures - 1), 10)), .seconds(30))
    }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The rows still to do and the results so far, shared by a run's workers.
private final class Work: Sendable {
    private let queue: Mutex<ArraySlice<BatchRow>>
    private let done = Mutex<[BatchResult]>([])

    init(_ rows: [BatchRow]) { queue = Mutex(rows[...]) }

    func next() -> BatchRow? { queue.withLock { $0.popFirst() } }
    func finish(_ result: BatchResult) { done.withLock { $0.append(result) } }
    var results: [BatchResult] { done.withLock { $0 } }
}

/// Holds every worker of a run until the last `Retry-After` has passed.
final class RateGate: Sendable {
    private let notBefore = Mutex<ContinuousClock.Instant>(.now)

    /// No request before `wait` from now (a later hold wins).
    func hold(for wait: Duration) {
        let until = ContinuousClock.now + wait
        notBefore.withLock { $0 = max($0, until) }
    }

    /// Returns once the gate is open.
    func pass(_ sleep: @Sendable (Duration) async throws -> Void) async throws {
        while true {
            let wait = notBefore.withLock { $0 } - .now
            guard wait > .zero else { return }
            try await sleep(wait)
        }
    }
}
