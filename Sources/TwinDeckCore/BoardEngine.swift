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
    /// The one poller (shared with `create --wait` and `status --wait`), on the engine's clock.
    let poller: Poller
    /// The time: leases, the not-found grace, backoffs, re-sends (tests pass a ``ManualPollClock``).
    var clock: any PollClock { poller.clock }
    /// Wakes the poll loop (a change of webhook coverage).
    var wakeup: Wakeup { poller.wakeup }
    /// The estimates of the running rows, rebuilt when a video finishes.
    private let estimates = RunningEstimates()
    private let postedEstimates = Mutex<[String: RenderEstimate]?>(nil)
    /// What the board was last sent of the history.
    private let feed = HistoryFeed()
    private let loop = Mutex<Task<Void, Never>?>(nil)
    private let watcher = Mutex<Task<Void, Never>?>(nil)
    /// After a 429 on a re-send (the account's concurrency limit), no re-send before this moment.
    private let resendNotBefore = Mutex<Date>(.distantPast)
    /// Submissions this process is sending right now: not "lost", so not re-sent.
    private let inFlight = Mutex<Set<String>>([])

    /// Marks a submission as being sent by this process (the compose form), or done.
    public func sending(_ key: String, _ active: Bool) {
        inFlight.withLock { if active { $0.insert(key) } else { $0.remove(key) } }
    }
    /// Requests made, for the cost figures (statuses calls, detail calls).
    public var requestCount: RequestCounter { poller.requestCount }

    public init(store: SubmissionStore, service: any VideoService, downloads: URL, schedule: PollSchedule = PollSchedule(),
                clock: any PollClock = SystemPollClock(), logger: Logger, post: @escaping @Sendable (Message) -> Void) {
        self.store = store
        self.service = service
        self.downloads = downloads
        self.owner = "twindeck-\(getpid())-\(UUID().uuidString.prefix(8))"
        self.schedule = schedule
        self.logger = logger
        self.post = post
        self.poller = Poller(service: service, clock: clock, schedule: schedule, logger: logger)
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
        poller.interrupt()
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
    public func pollNow() { poller.pollNow() }

    /// Plans the next round again now, without forcing a poll (rows another process added).
    public func replan() { poller.interrupt() }

    // MARK: - The loop

    func run() async {
        do {
            try await poller.run(round: { try await round() }, failed: { error, retryAt in
                let text = (error as? HeyGenError)?.shortDescription ?? String(describing: error)
                post(.pollHealthChanged(.failing(text, retryAt: retryAt)))
                logger.warning("poll failed: \(text); retrying in \(Int(saturating: retryAt.timeIntervalSince(clock.now).rounded())) s")
                await postHistory()
            })
        } catch {
            logger.error("the poll loop ended: \(error)")  // not reached: `failed` never throws
        }
    }

    /// One round of the loop: the lease, lost submissions, then the statuses of what is due.
    /// - Returns: when the next round is due.
    private func round() async throws -> Date? {
        if let reason = store.readOnlyReason {
            // Never written by this binary: shown, not polled (polling records what it learns).
            post(.pollHealthChanged(.readOnly(reason)))
            try await refreshEstimates(try await store.unfinished())
            await postHistory()
            return clock.now.addingTimeInterval(5 * schedule.scale)
        }
        guard try await store.acquireLease(owner: owner, ttl: 30 * max(1, schedule.scale), now: clock.now) else {
            post(.pollHealthChanged(.follower))
            try await refreshEstimates(try await store.unfinished())
            await postHistory()
            return clock.now.addingTimeInterval(5 * schedule.scale)
        }
        // A failed re-send (429 at the concurrency limit, say) must not hold up polling the others.
        if clock.now >= resendNotBefore.withLock({ $0 }) {
            do { try await resubmitLost() } catch let error as HeyGenError {
                let wait = min(error.retryAfter.map { Double($0.components.seconds) } ?? 0, schedule.maxRetryAfter)
                resendNotBefore.withLock { $0 = clock.now.addingTimeInterval(wait) }
                logger.info("re-sending lost submissions: \(error.shortDescription); again in \(Int(saturating: wait)) s or next round")
            }
        }
        let coverage = try await store.webhookCoverage(now: clock.now)
        let unfinished = try await store.unfinished()
        let next = try await poller.round(try await targets(unfinished, coverage: coverage), into: store)
        post(.pollHealthChanged(.ok(at: clock.now)))
        try await refreshEstimates(try await store.unfinished())
        await postHistory()
        // Rows still to be (re-)sent are looked at on the no-estimate schedule; nothing at all: an occasional look.
        let resend = unfinished.filter { $0.videoID == nil }.map { clock.now.timeIntervalSince($0.createdAt) }.min()
            .map { clock.now.addingTimeInterval(schedule.interval(youngestAge: $0)) }
        return [next, resend].compactMap { $0 }.min() ?? clock.now.addingTimeInterval(schedule.idleInterval)
    }

    /// The running rows with a video, as the poller tracks them.
    private func targets(_ unfinished: [Submission], coverage: WebhookCoverage?) async throws -> [PollTarget] {
        let estimates = try await estimates.update(unfinished: unfinished, store: store)
        return unfinished.filter(\.needsPolling).compactMap { row in
            row.videoID.map { id in
                PollTarget(videoID: id, createdAt: row.createdAt, lastLook: row.lastPolledAt, covered: coverage?.covers(row) ?? false,
                           estimate: estimates[row.idempotencyKey])
            }
        }
    }

    /// Posts the running rows' estimates when they changed.
    private func refreshEstimates(_ unfinished: [Submission]) async throws {
        let current = try await estimates.update(unfinished: unfinished, store: store)
        let changed = postedEstimates.withLock { posted in
            defer { posted = current }
            return posted != current
        }
        if changed { post(.renderEstimatesChanged(current)) }
    }

    /// One round now, whatever the schedule says (tests): the statuses of every running video no webhook covers, and
    /// of the covered ones due for their safety-net look, then the detail of those that finished.
    /// - Returns: when the schedule would look next; nil when nothing is running.
    func pollOnce(coverage: WebhookCoverage? = nil) async throws -> Date? {
        let targets = try await targets(try await store.unfinished(), coverage: coverage)
        let now = clock.now
        try await poller.poll(targets.filter { !$0.covered || schedule.nextLook($0) <= now }.map(\.videoID), into: store)
        return poller.plan(try await self.targets(try await store.unfinished(), coverage: coverage)).wakeAt
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
                        if !changes.isEmpty {
                            post(.historyChanged(changes))
                            // A row another process added (a `create`, an import) is planned now, not at the next round.
                            replan()
                        }
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
