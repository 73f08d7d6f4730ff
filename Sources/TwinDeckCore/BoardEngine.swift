import Foundation
import HeyGen
import Logging
import Synchronization

/// The calls the board makes besides browsing.
public protocol VideoService: HeyGenService {
    func statuses(of ids: [String]) async throws -> [VideoStatusEntry]
    func video(id: String) async throws -> Video
    func download(from url: String, to partFile: URL, progress: @Sendable (Int64, Int64?) -> Void) async throws -> Int64
}

extension HeyGenClient: VideoService {}

/// How often to poll: the wait grows with the age of the youngest running video (2 s, 4 s, 8 s, 16 s, then
/// every 30 s), so a short render is seen finishing quickly and a long one costs little. A 60 s render costs
/// six status calls — polls at 2, 4, 8, 16, 32 and 62 s — plus one detail call: seven requests, the same as the
/// guide's loop (a GET every 10 s), and on a busy board the status calls are shared by every video.
public struct PollSchedule: Sendable {
    /// Time compression for tests: 0.05 makes a minute three seconds.
    public var scale: Double

    public init(scale: Double = 1) { self.scale = scale }

    /// The first look at a new video waits until it is this old (full-scale seconds).
    public var firstPollAge: Double { 2 * scale }

    /// The wait before the next poll, from the age of the youngest running video (real seconds).
    public func interval(youngestAge: TimeInterval?) -> Double {
        guard let age = youngestAge else { return 15 * scale }  // nothing running: an occasional look
        return min(30, max(2, age / scale)) * scale
    }

    /// How often a video a live webhook receiver covers is still polled, as a safety net for a lost delivery.
    public var safetyNet: Double { 120 * scale }

    /// How long a video HeyGen says it does not know (statuses `not_found`, then a 404 from its detail) is still
    /// polled before it is final: a video just made may not be indexed yet, a server may have restarted.
    public var missingGrace: Double { 600 * scale }

    /// How often the store is re-read for changes other processes made (a webhook receiver, the CLI).
    public var storeRefresh: Double { max(0.05, 1 * scale) }

    /// Exponential backoff with jitter after `failures` failures in a row, capped at 60 s.
    public func backoff(failures: Int, jitter: Double = Double.random(in: 0.75...1.25)) -> Double {
        min(60, 2 * pow(2, Double(max(0, failures - 1)))) * jitter * scale
    }
}

/// A wake-up call for a sleeping loop: `wait` returns after the timeout or at the first `wake`.
final class Wakeup: Sendable {
    private let state = Mutex<(pending: Bool, continuation: CheckedContinuation<Void, Never>?)>((false, nil))

    func wake() {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let c = s.continuation {
                s.continuation = nil
                return c
            }
            s.pending = true
            return nil
        }
        continuation?.resume()
    }

    func wait(seconds: Double) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .seconds(saturating: seconds))
            self?.wake()
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.pending {
                    s.pending = false
                    return true
                }
                s.continuation = c
                return false
            }
            if resumeNow { c.resume() }
        }
        timer.cancel()
        state.withLock { $0.pending = false }
    }
}

/// Polls the board (one batched status call for every running video), re-sends submissions whose answer
/// was lost (same Idempotency-Key), downloads finished videos, and posts the store's rows to the UI.
public final class BoardEngine: Sendable {
    let store: SubmissionStore
    let service: any VideoService
    let downloads: URL
    let owner: String
    let schedule: PollSchedule
    let logger: Logger
    let post: @Sendable (Message) -> Void
    /// The time for the not-found grace period (tests move it).
    let now: @Sendable () -> Date
    private let wakeup = Wakeup()
    /// What the board was last sent of the history.
    private let feed = HistoryFeed()
    private let loop = Mutex<Task<Void, Never>?>(nil)
    private let watcher = Mutex<Task<Void, Never>?>(nil)
    private let statusesSupported = Atomic<Bool>(true)
    /// After a 429 on a re-send (the account's concurrency limit), no re-send before this moment.
    private let resendNotBefore = Mutex<Date>(.distantPast)
    /// Submissions this process is sending right now: not "lost", so not re-sent.
    private let inFlight = Mutex<Set<String>>([])

    /// Marks a submission as being sent by this process (the compose form), or done.
    public func sending(_ key: String, _ active: Bool) {
        inFlight.withLock { if active { $0.insert(key) } else { $0.remove(key) } }
    }
    /// Requests made, for the cost figures (statuses calls, detail calls).
    public let requestCount = Atomic<Int>(0)

    public init(store: SubmissionStore, service: any VideoService, downloads: URL, schedule: PollSchedule = PollSchedule(),
                logger: Logger, now: @escaping @Sendable () -> Date = Date.init, post: @escaping @Sendable (Message) -> Void) {
        self.now = now
        self.store = store
        self.service = service
        self.downloads = downloads
        self.owner = "twindeck-\(getpid())-\(UUID().uuidString.prefix(8))"
        self.schedule = schedule
        self.logger = logger
        self.post = post
    }

    public func start() {
        let task = Task { [self] in await run() }
        loop.withLock { $0 = task }
        let watch = Task { [self] in await watchStore() }
        watcher.withLock { $0 = watch }
    }

    public func stop() async {
        let task = loop.withLock { t in defer { t = nil }; return t }
        let watch = watcher.withLock { t in defer { t = nil }; return t }
        task?.cancel()
        watch?.cancel()
        wakeup.wake()
        await task?.value
        await watch?.value
        do {
            try await store.releaseLease(owner: owner)
        } catch {
            // Not fatal: the lease expires, and a live instance takes over a dead owner's lease at once.
            logger.warning("could not give up the poller lease: \(error)")
        }
    }

    /// Polls at once (`r`, a new submission).
    public func pollNow() { wakeup.wake() }

    // MARK: - The loop

    func run() async {
        var failures = 0
        while !Task.isCancelled {
            var wait = schedule.interval(youngestAge: nil)
            do {
                if let reason = store.readOnlyReason {
                    // Never written by this binary: shown, not polled (polling records what it learns).
                    post(.pollHealthChanged(.readOnly(reason)))
                    await postHistory()
                    await wakeup.wait(seconds: 5 * schedule.scale)
                    continue
                }
                guard try await store.acquireLease(owner: owner, ttl: 30 * max(1, schedule.scale), now: Date()) else {
                    post(.pollHealthChanged(.follower))
                    await postHistory()
                    await wakeup.wait(seconds: 5 * schedule.scale)
                    continue
                }
                // A failed re-send (429 at the concurrency limit, say) must not hold up polling the others.
                if Date() >= resendNotBefore.withLock({ $0 }) {
                    do { try await resubmitLost() } catch let error as HeyGenError {
                        let wait = error.retryAfter.map { Double($0.components.seconds) } ?? 0
                        resendNotBefore.withLock { $0 = Date().addingTimeInterval(wait) }
                        logger.info("re-sending lost submissions: \(error.shortDescription); again in \(Int(saturating: wait)) s or next round")
                    }
                }
                // A video just sent is not looked at before it is two seconds old: it cannot have finished.
                if let age = try await store.unfinished().map({ Date().timeIntervalSince($0.createdAt) }).min(),
                    age < schedule.firstPollAge
                {
                    try await Task.sleep(for: .milliseconds(Int((schedule.firstPollAge - age) * 1000)))
                }
                let coverage = try await store.webhookCoverage()
                let next = try await pollOnce(coverage: coverage)
                failures = 0
                post(.pollHealthChanged(.ok(at: Date())))
                wait = next.wait(schedule)
            } catch _ where Task.isCancelled {
                break  // stopping (`stop()`): not a poll failure
            } catch let error as HeyGenError {
                failures += 1
                wait = max(schedule.backoff(failures: failures), error.retryAfter.map { Double($0.components.seconds) } ?? 0)
                post(.pollHealthChanged(.failing(error.shortDescription, retryAt: Date().addingTimeInterval(wait))))
                logger.warning("poll failed: \(error.shortDescription); retrying in \(Int(saturating: wait)) s")
            } catch {
                failures += 1
                wait = schedule.backoff(failures: failures)
                post(.pollHealthChanged(.failing(String(describing: error), retryAt: Date().addingTimeInterval(wait))))
            }
            await postHistory()
            await wakeup.wait(seconds: wait)
        }
    }

    /// When the next round is due, from what one round left running.
    struct NextRound: Equatable {
        /// Age of the youngest running video no webhook covers; nil when there is none.
        var youngestAge: TimeInterval?
        /// Seconds until the first covered video is due for its safety-net poll; nil when none is running.
        var safetyNetIn: TimeInterval?

        func wait(_ schedule: PollSchedule) -> Double {
            guard let due = safetyNetIn else { return schedule.interval(youngestAge: youngestAge) }
            let soonest = youngestAge.map { min(schedule.interval(youngestAge: $0), due) } ?? due
            return max(schedule.firstPollAge, soonest)
        }
    }

    /// One round: the statuses of every running video, then the full detail of those that finished. A video a
    /// live webhook receiver covers is left to the webhook, and polled only every ``PollSchedule/safetyNet``.
    /// - Returns: what is still running, for the wait before the next round.
    func pollOnce(coverage: WebhookCoverage? = nil) async throws -> NextRound {
        let now = Date()
        let unfinished = try await store.unfinished()
        let covers: (Submission) -> Bool = { coverage?.covers($0) ?? false }
        let sinceLook: (Submission) -> TimeInterval = { now.timeIntervalSince($0.lastPolledAt ?? $0.createdAt) }
        let due = unfinished.filter { row in !covers(row) || sinceLook(row) >= schedule.safetyNet }
        try await pollStatuses(of: due.compactMap(\.videoID))
        let stillRunning = try await store.unfinished()
        return NextRound(
            youngestAge: stillRunning.filter { !covers($0) }.map { now.timeIntervalSince($0.createdAt) }.min(),
            safetyNetIn: stillRunning.filter(covers).map { max(0, schedule.safetyNet - sinceLook($0)) }.min())
    }

    /// Asks for the statuses of `ids` (one batched call per hundred) and the detail of those that finished.
    private func pollStatuses(of ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        var finished: [VideoStatusEntry] = []
        if statusesSupported.load(ordering: .relaxed) {
            do {
                requestCount.add((ids.count + 99) / 100, ordering: .relaxed)
                let entries = try await service.statuses(of: ids)
                // A finished video is written from its detail, so it is never final on the board without its link or
                // failure message: when the detail fetch fails (or the app stops), the next round asks again.
                let done: (VideoStatusEntry) -> Bool = { $0.status == .completed || $0.status == .failed }
                // not_found is not an answer yet: it is confirmed with the video's own detail below.
                try await store.update(statuses: entries.filter { !done($0) && $0.status != .notFound })
                finished = entries.filter(done)
                for entry in entries where entry.status == .notFound {
                    try await confirm(videoID: entry.videoID)
                }
            } catch let error as HeyGenError where error.kind == .notFound && error.code == nil {
                // No batch endpoint on this server: one GET per video from now on.
                statusesSupported.store(false, ordering: .relaxed)
                logger.info("GET /v3/videos/statuses unavailable; polling videos one by one")
            }
        }
        if !statusesSupported.load(ordering: .relaxed) {
            for id in ids {
                try await confirm(videoID: id)
            }
        } else {
            for entry in finished {
                requestCount.add(1, ordering: .relaxed)
                do {
                    try await store.update(with: try await service.video(id: entry.videoID))
                } catch let error as HeyGenError where error.kind == .notFound {
                    try await store.update(statuses: [entry])  // no detail to be had: keep what the batch said
                }
            }
        }
    }

    /// Asks for one video's detail: found, it is recorded; a 404 marks it missing (final only after the grace period).
    private func confirm(videoID id: String) async throws {
        requestCount.add(1, ordering: .relaxed)
        do {
            try await store.update(with: try await service.video(id: id))
        } catch let error as HeyGenError where error.kind == .notFound {
            let row = try await store.markMissing(videoID: id, at: now(), grace: schedule.missingGrace)
            logger.warning("video \(id) not found (\(row?.videoStatus == .notFound ? "final" : "still polled"))")
        }
    }

    /// Looks at the store every ``PollSchedule/storeRefresh``: posts the rows another process (a webhook receiver,
    /// a CLI command) changed, and the webhook coverage when a receiver starts or stops; a change of coverage also
    /// starts a poll round at once. The first look posts the whole history, so the board fills without waiting for
    /// a poll round; after that a look at an unchanged history reads one counter.
    func watchStore() async {
        var coverage: WebhookCoverage??
        while !Task.isCancelled {
            await postHistory()
            // Not `try?`: it would fold "no receiver" into "could not read".
            if let current = await Result(catching: { try await store.webhookCoverage() }).ok, coverage != .some(current) {
                if coverage != nil { wakeup.wake() }
                coverage = .some(current)
                post(.webhookCoverageChanged(current))
            }
            try? await Task.sleep(for: .seconds(saturating: schedule.storeRefresh))
        }
    }

    /// Re-sends every submission whose answer was lost, with its own key: the server replays if it made the video.
    /// - Throws: the first answer that leaves the outcome unknown (a 429 at the concurrency limit, a network error),
    ///   so the loop waits before the next try; the row stays `submitting`.
    func resubmitLost() async throws {
        let sending = inFlight.withLock { $0 }
        let pipeline = SubmitPipeline(service: service, recorder: store)
        for row in try await store.awaitingResubmit() where !sending.contains(row.idempotencyKey) {
            switch try await pipeline.resend(row) {
            case .created(let response): logger.info("resubmitted \(row.idempotencyKey) → \(response.videoID)")
            case .rejected(let error): logger.info("resubmitted \(row.idempotencyKey): refused, \(error.shortDescription)")
            case .pending(let error): throw error
            case .unrecorded(let response, let error):
                logger.error("video \(response.videoID) (\(row.idempotencyKey)) was made but could not be recorded: \(error)")
                throw error
            }
        }
    }

    /// Posts what the board has not seen yet: the whole history on the first read (and after a failed one; its
    /// newest ``firstPage`` rows first), then only the rows changed since (``SubmissionStore/changes(since:)``),
    /// and nothing when nothing changed. One read at a time (``HistoryFeed``), so the changes reach the board in the
    /// order they were read. A history without a change log (an older file open read-only) is read whole again when
    /// its stamp moves. Never a silent "Loading…": a read that fails posts why.
    func postHistory() async {
        await feed.next { [self] seen in
            do {
                switch seen {
                case .mark(let mark):
                    if let changes = try await store.changes(since: mark) {
                        if !changes.isEmpty { post(.historyChanged(changes)) }
                        return .mark(changes.mark)
                    }
                case .stamp(let stamp):
                    if try await store.changeStamp() == stamp { return seen }
                case .nothing:
                    break
                }
                // The stamp before the rows: a change in between moves it again, and the next look reads it.
                let stamp = try await store.changeStamp()
                // The newest rows first, so the board shows its first screen at once, however long the history.
                let first = try await store.historyPage(after: nil, limit: Self.firstPage)
                guard let cursor = first.next, let mark = first.history.mark else {
                    let history = first.next == nil ? first.history : try await store.history()
                    post(.historyLoaded(history))
                    return history.mark.map(HistoryFeed.Seen.mark) ?? .stamp(stamp)
                }
                var partial = first.history
                partial.expected = try await store.historyCount()
                post(.historyLoaded(partial))
                // Then the rest; the mark stays the first page's, so whatever changed meanwhile comes in the next read.
                let rest = try await store.historyPage(after: cursor, limit: .max).history
                post(.historyLoaded(History(rows: first.history.rows + rest.rows, unreadable: first.history.unreadable + rest.unreadable,
                                            mark: mark)))
                return .mark(mark)
            } catch {
                logger.error("reading the history: \(error)")
                post(.historyFailed(Self.describe(error)))
                return .nothing
            }
        }
    }

    /// How many of the newest rows the first read posts before the rest: more than a screen holds.
    static let firstPage = 120

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HeyGenError: error.shortDescription
        case let error as SubmissionStoreError: error.message
        default: Sanitizer.inert(String(describing: error), limit: 200)
        }
    }

    // MARK: - Board actions

    /// Fetches one video's detail (fresh links) into the store.
    public func refresh(videoID: String) {
        Task { [self] in
            do {
                try await store.update(with: try await service.video(id: videoID))
            } catch {
                logger.warning("refreshing \(videoID): \(error)")
                post(.boardActionFailed("Could not refresh \(videoID): \(Self.describe(error))"))
            }
            await postHistory()
        }
    }

    /// Removes a row from the local board.
    public func remove(key: String) {
        Task { [self] in
            do {
                try await store.remove(key: key)
            } catch {
                post(.boardActionFailed("Could not remove the row: \(Self.describe(error))"))
            }
            await postHistory()
        }
    }

    /// Downloads running in this process (a second `d` on one of them starts nothing).
    private let activeDownloads = Mutex<Set<String>>([])
    /// How downloads retry (tests put in a sleep that returns at once).
    let downloadRetry = Mutex<DownloadRetry>(.standard)

    /// Downloads a completed video next to the others: resumed after interruptions, a stale or dead link replaced
    /// by a fresh one, given up after a bounded number of tries with the reason on the row (`d` starts it again).
    public func download(key: String) {
        guard activeDownloads.withLock({ $0.insert(key).inserted }) else {
            post(.boardActionFailed("Already downloading this video"))
            return
        }
        let retry = downloadRetry.withLock { $0 }
        Task { [self] in
            defer { _ = activeDownloads.withLock { $0.remove(key) } }
            do {
                let path = try await Downloader(store: store, service: service, logger: logger, retry: retry).download(
                    key: key, into: downloads, overwrite: false
                ) { progress in self.post(.downloadProgressed(key: key, progress)) }
                post(.downloadProgressed(key: key, DownloadProgress(received: path.size, total: path.size, bytesPerSecond: 0, done: true,
                                                                       path: path.url.path)))
            } catch let error as DownloadWriteError {
                // A full disk: shown on the row and kept for a resume; the app goes on.
                logger.error("download of \(key) stopped: \(error)")
                post(.downloadProgressed(key: key, DownloadProgress(received: error.written, total: error.total, bytesPerSecond: 0,
                                                                   error: error.message(retry: "press d"), reason: error.short)))
            } catch let error as DownloadFailure {
                logger.error("download of \(key): \(error)")
                post(.downloadProgressed(key: key, DownloadProgress(received: error.received, total: nil, bytesPerSecond: 0,
                                                                   error: "\(error.description); press d to try again", reason: error.reason)))
            } catch {
                logger.error("download of \(key): \(error)")
                let reason = (error as? HeyGenError).map(Downloader.shortReason) ?? "error"
                let text = (error as? HeyGenError)?.description ?? Self.describe(error)
                post(.downloadProgressed(key: key, DownloadProgress(received: 0, total: nil, bytesPerSecond: 0, error: text, reason: reason)))
            }
            await postHistory()
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }

    /// The value, or nil on failure (keeping an optional value's own nil distinct).
    var ok: Success? { if case .success(let value) = self { value } else { nil } }
}
