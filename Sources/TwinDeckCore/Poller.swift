import Foundation
import HeyGen
import Logging
import Synchronization

// MARK: - Time

/// Where the poller gets its time: wall-clock dates (rows store dates) and a sleep until one of them.
/// The app and the CLI use ``SystemPollClock``; tests use ``ManualPollClock``, so a ten-minute render is
/// tested in milliseconds.
public protocol PollClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Returns at `deadline` (at once when it has passed).
    /// - Throws: `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

/// The wall clock.
public struct SystemPollClock: PollClock {
    public init() {}
    public var now: Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(for: .seconds(saturating: seconds))
    }
}

/// A clock that moves only when told to: ``advance(by:)`` wakes every sleeper whose deadline it reaches, earliest first.
public final class ManualPollClock: PollClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        /// Sleepers cancelled before their continuation was stored.
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    /// Starts at `start` (2027-01-15 by default).
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { state = Mutex(State(now: start)) }

    public var now: Date { state.withLock { $0.now } }

    /// How many tasks sleep on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline anyone sleeps until; nil when nobody sleeps.
    public var nextDeadline: Date? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    public func sleep(until deadline: Date) async throws {
        let id: UInt64? = state.withLock { s in
            guard deadline > s.now else { return nil }
            defer { s.nextID += 1 }
            return s.nextID
        }
        guard let id else { return try Task.checkCancellation() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= s.now { return .success(()) }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { s in
                if let index = s.sleepers.firstIndex(where: { $0.id == id }) { return s.sleepers.remove(at: index) }
                s.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `seconds` (a negative or non-finite amount is ignored) and wakes, earliest
    /// deadline first, everyone whose deadline it reached.
    public func advance(by seconds: TimeInterval) {
        guard seconds.isFinite, seconds > 0 else { return }
        advance(to: now.addingTimeInterval(seconds))
    }

    /// Moves the clock to `date` (never back) and wakes those due, earliest first.
    public func advance(to date: Date) {
        let due: [Sleeper] = state.withLock { s in
            if date > s.now { s.now = date }
            let due = s.sleepers.filter { $0.deadline <= s.now }.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
            s.sleepers.removeAll { $0.deadline <= s.now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves the clock to the earliest sleeper's deadline and wakes it (and any due with it); false when nobody sleeps.
    @discardableResult
    public func advanceToNextSleeper() -> Bool {
        guard let next = nextDeadline else { return false }
        advance(to: next)
        return true
    }
}

/// A wake-up call for a sleeping loop: `wait` returns at its deadline on the clock or at the first `wake`.
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

    /// Waits until `deadline` on `clock`, or less when woken.
    func wait(until deadline: Date, on clock: any PollClock) async {
        let timer = Task { [weak self] in
            do {
                try await clock.sleep(until: deadline)
                self?.wake()
            } catch {
                // Cancelled: the wait ended another way.
            }
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

// MARK: - The schedule

/// When to look at a running video. The times are the app's; ``scale`` compresses them for tests that still run
/// on the wall clock (tests on a ``ManualPollClock`` use 1).
///
/// - Without an estimate, the young-fast/old-slow schedule: the first look when the video is 2 s old, then a wait
///   as long as its age at the last look, from 2 s up to 30 s (looks at 2, 4, 8, 16, 32, 62, 92 … s), so a short
///   render is seen finishing quickly and a long one costs little.
/// - With an estimate (``RenderEstimate``): sparse while far from done (half the time left to the estimate's window,
///   at most 30 s apart), dense (every ``denseInterval``) inside the window — the estimate's spread widened by a
///   quarter of its width, at least 2 s, on each side — then backing off once the window has passed (the wait grows
///   by a third of the time past it, up to 30 s).
/// - A video a live webhook receiver covers is looked at only every ``safetyNet``.
public struct PollSchedule: Sendable {
    /// Time compression for tests on the wall clock: 0.05 makes a minute three seconds.
    public var scale: Double

    public init(scale: Double = 1) { self.scale = scale }

    /// The first look at a new video waits until it is this old.
    public var firstPollAge: Double { 2 * scale }
    /// The shortest and longest wait of the no-estimate schedule.
    public var shortest: Double { 2 * scale }
    public var longest: Double { 30 * scale }
    /// The wait between looks inside the estimate's window.
    public var denseInterval: Double { 1.5 * scale }
    /// Nothing running: an occasional look (new rows from other processes, lost submissions to re-send).
    public var idleInterval: Double { 15 * scale }

    /// The wait before the next poll, from the age of the youngest running video (the no-estimate schedule).
    public func interval(youngestAge: TimeInterval?) -> Double {
        guard let age = youngestAge else { return idleInterval }
        return min(longest, max(shortest, age))
    }

    /// How often a video a live webhook receiver covers is still polled, as a safety net for a lost delivery.
    public var safetyNet: Double { 120 * scale }

    /// How long a video HeyGen says it does not know (statuses `not_found`, then a 404 from its detail) is still
    /// polled before it is final: a video just made may not be indexed yet, a server may have restarted.
    public var missingGrace: Double { 600 * scale }

    /// How often the store is re-read for changes other processes made (a webhook receiver, the CLI).
    public var storeRefresh: Double { max(0.05, 1 * scale) }

    /// The longest a server's `Retry-After` is waited for (a huge one would stall polling for years).
    public var maxRetryAfter: Double { 300 }

    /// Exponential backoff with jitter after `failures` failures in a row, capped at 60 s.
    public func backoff(failures: Int, jitter: Double = Double.random(in: 0.75...1.25)) -> Double {
        min(60, 2 * pow(2, Double(max(0, failures - 1)))) * jitter * scale
    }

    /// The estimate's window of dense polling, in seconds since the video was recorded.
    public func denseWindow(_ estimate: RenderEstimate) -> ClosedRange<Double> {
        let margin = max(2 * scale, 0.25 * (estimate.upperSeconds - estimate.lowerSeconds))
        let low = max(0, estimate.lowerSeconds - margin)
        return low...max(low, estimate.upperSeconds + margin)
    }

    /// When `target` is next due for a look.
    public func nextLook(_ target: PollTarget) -> Date {
        let base = target.lastLook ?? target.createdAt
        if target.covered { return base.addingTimeInterval(safetyNet) }
        // Seconds since the video was recorded at the last look (0 before the first).
        let looked = target.lastLook.map { max(0, Self.finite($0.timeIntervalSince(target.createdAt))) }
        guard let estimate = target.estimate else {
            guard let looked else { return target.createdAt.addingTimeInterval(firstPollAge) }
            return base.addingTimeInterval(min(longest, max(shortest, looked)))
        }
        let t = looked ?? 0
        let window = denseWindow(estimate)
        let wait: Double
        if t < window.lowerBound {
            // Halving the way to the window; at least the dense interval apart, and never past the window's start.
            let gap = window.lowerBound - t
            wait = min(gap, min(longest, max(denseInterval, gap / 2)))
        } else if t <= window.upperBound {
            wait = denseInterval
        } else {
            wait = min(longest, denseInterval + (t - window.upperBound) / 3)
        }
        // Never before the first-look age (a video just sent cannot have finished).
        let next = target.createdAt.addingTimeInterval(t + max(wait, 0.1 * scale))
        return max(next, target.createdAt.addingTimeInterval(firstPollAge))
    }

    /// Which targets to look at `now` and when to wake after that.
    ///
    /// A target is due when its next look has come; once one is due, the others whose next look is near (within a
    /// quarter of their own wait, or the dense interval) come along in the same call, which costs nothing more and
    /// puts their looks in step, so twenty videos in their dense windows share one call every 1.5 s. `forced` (the `r` key)
    /// makes every target not covered by a webhook and old enough for a first look due.
    public func plan(_ targets: [PollTarget], now: Date, forced: Bool = false) -> PollPlan {
        let looks = targets.map { (target: $0, next: nextLook($0)) }
        let anyDue = looks.contains { $0.next <= now }
        var due: [String] = []
        var wakes: [Date] = []
        for (target, next) in looks {
            let base = target.lastLook ?? target.createdAt
            let slack = max(denseInterval, max(0, next.timeIntervalSince(base)) / 4)
            let old = now.timeIntervalSince(target.createdAt) >= firstPollAge
            if next <= now || (anyDue && next.timeIntervalSince(now) <= slack) || (forced && !target.covered && old) {
                due.append(target.videoID)
                var looked = target
                looked.lastLook = now
                wakes.append(nextLook(looked))
            } else {
                wakes.append(next)
            }
        }
        return PollPlan(due: due, wakeAt: wakes.min())
    }

    static func finite(_ value: Double) -> Double { value.isFinite ? value : 0 }
}

/// A video the poller tracks: when it was recorded and last looked at, whether a webhook covers it, its estimate.
public struct PollTarget: Sendable, Equatable {
    public var videoID: String
    public var createdAt: Date
    /// The last look at it (a statuses entry or its detail); nil before the first.
    public var lastLook: Date?
    /// A live webhook receiver covers it: only the safety-net look.
    public var covered: Bool
    public var estimate: RenderEstimate?

    public init(videoID: String, createdAt: Date, lastLook: Date? = nil, covered: Bool = false, estimate: RenderEstimate? = nil) {
        self.videoID = videoID
        self.createdAt = createdAt
        self.lastLook = lastLook
        self.covered = covered
        self.estimate = estimate
    }
}

/// One round's plan: the videos to look at now (one statuses call), and when the next round is due.
public struct PollPlan: Sendable, Equatable {
    public var due: [String]
    /// Nil when nothing is tracked.
    public var wakeAt: Date?
}

// MARK: - The poller

/// Where a round's answers go: the history (the board, `create --wait`), or memory (`status --wait` of a video
/// the history does not hold).
public protocol PollSink: Sendable {
    /// Running statuses from `GET /v3/videos/statuses` (never a final or `not_found` one: those are confirmed by
    /// the video's detail first).
    func pollSaw(statuses: [VideoStatusEntry]) async throws
    /// A video's detail.
    func pollSaw(video: Video) async throws
    /// A final status from the batch whose detail is not to be had (a 404 after it finished).
    func pollSawFinal(entry: VideoStatusEntry) async throws
    /// HeyGen does not know the video (a 404 from its detail): final only after `grace`.
    func pollMissing(videoID: String, at now: Date, grace: TimeInterval) async throws
}

extension SubmissionStore: PollSink {
    public func pollSaw(statuses: [VideoStatusEntry]) async throws { try await update(statuses: statuses) }
    public func pollSaw(video: Video) async throws { try await update(with: video) }
    public func pollSawFinal(entry: VideoStatusEntry) async throws { try await update(statuses: [entry]) }
    public func pollMissing(videoID: String, at now: Date, grace: TimeInterval) async throws {
        try await markMissing(videoID: videoID, at: now, grace: grace)
    }
}

/// The one poller the board (``BoardEngine``) and `create --wait` / `status --wait` use: plans each round with
/// ``PollSchedule/plan(_:now:forced:)``, asks for the statuses of everything due in one `GET /v3/videos/statuses`
/// (per hundred), fetches the detail of those that finished, and sleeps on its ``PollClock`` until the next round,
/// backing off on errors (a server's `Retry-After` honoured, capped at ``PollSchedule/maxRetryAfter``).
public final class Poller: Sendable {
    let service: any VideoService
    public let clock: any PollClock
    public let schedule: PollSchedule
    let logger: Logger
    let wakeup = Wakeup()
    private let statusesSupported = Atomic<Bool>(true)
    private let forced = Atomic<Bool>(false)
    /// The last look at each video, on ``clock``.
    private let looks = Mutex<[String: Date]>([:])
    /// Requests made (statuses calls, detail calls).
    public let requestCount = RequestCounter()

    public init(service: any VideoService, clock: any PollClock = SystemPollClock(), schedule: PollSchedule = PollSchedule(),
                logger: Logger) {
        self.service = service
        self.clock = clock
        self.schedule = schedule
        self.logger = logger
    }

    /// Ends the current wait at once, and makes every target due in the next round (`r`, a new submission).
    public func pollNow() {
        forced.store(true, ordering: .relaxed)
        wakeup.wake()
    }

    /// Ends the current wait at once (stopping).
    func interrupt() { wakeup.wake() }

    /// The last look at a video this poller made; nil before its first.
    public func lastLook(at videoID: String) -> Date? { looks.withLock { $0[videoID] } }

    /// The plan for `targets` now; a target's last look is this poller's own when it made one.
    public func plan(_ targets: [PollTarget]) -> PollPlan {
        let known = looks.withLock { $0 }
        let targets = targets.map { target in
            var target = target
            if let mine = known[target.videoID] { target.lastLook = mine }
            return target
        }
        return schedule.plan(targets, now: clock.now, forced: forced.exchange(false, ordering: .relaxed))
    }

    /// One round: plans, polls what is due into `sink`, and returns when the next round is due (nil: nothing tracked).
    public func round(_ targets: [PollTarget], into sink: any PollSink) async throws -> Date? {
        let plan = plan(targets)
        try await poll(plan.due, into: sink)
        return plan.wakeAt
    }

    /// Asks for the statuses of `ids` (one batched call per hundred) and the detail of those that finished.
    public func poll(_ ids: [String], into sink: any PollSink) async throws {
        guard !ids.isEmpty else { return }
        var finished: [VideoStatusEntry] = []
        if statusesSupported.load(ordering: .relaxed) {
            do {
                requestCount.add((ids.count + 99) / 100, ordering: .relaxed)
                let entries = try await service.statuses(of: ids)
                let now = clock.now
                looks.withLock { for entry in entries { $0[entry.videoID] = now } }
                // A finished video is written from its detail, so it is never final without its link or failure
                // message: when the detail fetch fails (or the process stops), the next round asks again.
                let done: (VideoStatusEntry) -> Bool = { $0.status == .completed || $0.status == .failed }
                // not_found is not an answer yet: it is confirmed with the video's own detail below.
                try await sink.pollSaw(statuses: entries.filter { !done($0) && $0.status != .notFound })
                finished = entries.filter(done)
                for entry in entries where entry.status == .notFound {
                    try await confirm(videoID: entry.videoID, into: sink)
                }
            } catch let error as HeyGenError where error.kind == .notFound && error.code == nil {
                // No batch endpoint on this server: one GET per video from now on.
                statusesSupported.store(false, ordering: .relaxed)
                logger.info("GET /v3/videos/statuses unavailable; polling videos one by one")
            }
        }
        if !statusesSupported.load(ordering: .relaxed) {
            for id in ids {
                try await confirm(videoID: id, into: sink)
            }
        } else {
            for entry in finished {
                requestCount.add(1, ordering: .relaxed)
                do {
                    try await sink.pollSaw(video: try await service.video(id: entry.videoID))
                } catch let error as HeyGenError where error.kind == .notFound {
                    try await sink.pollSawFinal(entry: entry)  // no detail to be had: keep what the batch said
                }
            }
        }
    }

    /// Asks for one video's detail: found, it is recorded; a 404 marks it missing (final only after the grace period).
    private func confirm(videoID id: String, into sink: any PollSink) async throws {
        requestCount.add(1, ordering: .relaxed)
        do {
            let video = try await service.video(id: id)
            let now = clock.now
            looks.withLock { $0[id] = now }
            try await sink.pollSaw(video: video)
        } catch let error as HeyGenError where error.kind == .notFound {
            let now = clock.now
            looks.withLock { $0[id] = now }
            logger.warning("video \(id) not found")
            try await sink.pollMissing(videoID: id, at: now, grace: schedule.missingGrace)
        }
    }

    /// The wait after `failures` failures in a row ending in `error`: the backoff, or the server's `Retry-After`
    /// when longer (capped).
    public func failureWait(_ error: any Error, failures: Int) -> Double {
        let retryAfter = (error as? HeyGenError)?.retryAfter.map { Double($0.components.seconds) } ?? 0
        return max(schedule.backoff(failures: failures), min(retryAfter, schedule.maxRetryAfter))
    }

    /// The loop: `round` until it returns nil or the task is cancelled, sleeping on the clock until the moment it
    /// returned (or less, when woken). A failed round waits ``failureWait(_:failures:)``; `failed` hears of it with
    /// the moment of the next try, and may rethrow to end the loop.
    public func run(round: () async throws -> Date?, failed: (any Error, _ retryAt: Date) async throws -> Void) async throws {
        var failures = 0
        while !Task.isCancelled {
            let wakeAt: Date
            do {
                guard let next = try await round() else { return }
                failures = 0
                wakeAt = next
            } catch _ where Task.isCancelled {
                return  // stopping: not a poll failure
            } catch {
                failures += 1
                wakeAt = clock.now.addingTimeInterval(failureWait(error, failures: failures))
                try await failed(error, wakeAt)
            }
            await wakeup.wait(until: wakeAt, on: clock)
        }
    }
}

/// A count of requests, shared by whoever reads it.
public final class RequestCounter: Sendable {
    private let value = Atomic<Int>(0)
    public init() {}
    /// Adds `n` (relaxed: a count, not a synchronisation).
    public func add(_ n: Int, ordering: AtomicUpdateOrdering = .relaxed) { value.add(n, ordering: .relaxed) }
    /// The count so far (relaxed whatever is asked: a count, not a synchronisation).
    public func load(ordering: AtomicLoadOrdering = .relaxed) -> Int { value.load(ordering: .relaxed) }
}

// MARK: - Estimates of running videos

/// The render-time estimates of the running videos, from the history's finished renders (``SubmissionStore/renderHistory(limit:)``).
/// The estimator is rebuilt only when a video finished since the last build, never per round or frame.
public final class RunningEstimates: Sendable {
    private struct State {
        var estimator: RenderEstimator?
        var running: Set<String> = []
        var estimates: [String: RenderEstimate] = [:]
    }

    private let state = Mutex(State())
    public init() {}

    /// The estimates by Idempotency-Key of `unfinished`'s rows (those the history has usable renders for), reading
    /// the history again when a row that was running is no longer among them.
    public func update(unfinished: [Submission], store: SubmissionStore) async throws -> [String: RenderEstimate] {
        let keys = Set(unfinished.map(\.idempotencyKey))
        let (stale, known) = state.withLock { s in (s.estimator == nil || !s.running.isSubset(of: keys), s.estimator) }
        var estimator = known
        if stale || estimator == nil { estimator = RenderEstimator(history: try await store.renderHistory()) }
        guard let estimator else { return [:] }
        var estimates: [String: RenderEstimate] = [:]
        for row in unfinished where row.videoStatus?.isFinal != true {
            if let estimate = estimator.estimate(row) { estimates[row.idempotencyKey] = estimate }
        }
        state.withLock { s in
            s.estimator = estimator
            s.running = keys
            s.estimates = estimates
        }
        return estimates
    }

    /// The last estimates computed.
    public var current: [String: RenderEstimate] { state.withLock { $0.estimates } }
}

// MARK: - Waiting for one video (`create --wait`, `status --wait`)

/// What a wait for one video reports while it goes on.
public enum WaitEvent: Sendable, Equatable {
    /// The status changed.
    case status(VideoStatus)
    /// A transient error (429, 5xx, network): ridden out, the next try in `seconds`.
    case retrying(String, seconds: Int)
}

/// A wait's answers, kept in memory: the latest status and, once final, the video's detail.
public final class WaitSink: PollSink {
    private struct State {
        var status: VideoStatus?
        var final: Video?
        var missingSince: Date?
    }

    private let state = Mutex(State())
    public init() {}

    public var status: VideoStatus? { state.withLock { $0.status } }
    /// The video's detail once it is completed or failed.
    public var final: Video? { state.withLock { $0.final } }

    public func pollSaw(statuses: [VideoStatusEntry]) async throws {
        state.withLock { s in
            for entry in statuses where s.final == nil {
                s.status = entry.status
                s.missingSince = nil
            }
        }
    }

    public func pollSaw(video: Video) async throws {
        state.withLock { s in
            guard s.final == nil else { return }
            s.status = video.status
            s.missingSince = nil
            if video.status == .completed || video.status == .failed { s.final = video }
        }
    }

    public func pollSawFinal(entry: VideoStatusEntry) async throws {
        state.withLock { s in
            guard s.final == nil else { return }
            s.status = entry.status
            s.final = Video(id: entry.videoID, status: entry.status, failureMessage: entry.error)
        }
    }

    public func pollMissing(videoID: String, at now: Date, grace: TimeInterval) async throws {
        let since = state.withLock { s in
            let since = s.missingSince ?? now
            s.missingSince = since
            return since
        }
        if now.timeIntervalSince(since) >= grace {
            throw HeyGenError(kind: .notFound, message: "HeyGen has not known video \(videoID) for \(Int(saturating: now.timeIntervalSince(since))) s")
        }
    }
}

extension Poller {
    /// Polls one video until it is completed or failed, on the same schedule as the board (the estimate's when there
    /// is one), riding out transient errors (429, 5xx, network) with the wait reported; another error ends the wait.
    /// - Parameters:
    ///   - target: the video, when it was recorded, its estimate; `lastLook` when it was just looked at.
    ///   - sink: where the answers go (the caller reads ``WaitSink/status`` for its progress line).
    /// - Returns: the video's detail, completed or failed.
    /// - Throws: a non-transient error, or `CancellationError`.
    public func wait(for target: PollTarget, sink: WaitSink, event: @Sendable (WaitEvent) -> Void) async throws -> Video {
        var last = sink.status
        try await run(round: {
            if sink.final != nil { return nil }
            let next = try await round([target], into: sink)
            if let status = sink.status, status != last {
                event(.status(status))
                last = status
            }
            return sink.final == nil ? (next ?? clock.now.addingTimeInterval(schedule.shortest)) : nil
        }, failed: { error, retryAt in
            guard let error = error as? HeyGenError, error.isTransient else { throw error }
            event(.retrying(error.shortDescription, seconds: Int(saturating: retryAt.timeIntervalSince(clock.now).rounded(.up))))
        })
        if let video = sink.final { return video }
        throw CancellationError()
    }
}

// MARK: - How an estimate reads

extension RenderEstimate {
    /// "~40 s left", "~3 min left", "overdue by 20 s" at `now`.
    public func shortText(at now: Date) -> String {
        if let over = overdueSeconds(at: now) { return "overdue by \(Self.duration(over))" }
        return "~\(Self.duration(max(1, remainingSeconds(at: now)))) left"
    }

    /// A bar of `cells` cells for how far along the render is expected to be: `███░░░` (`###...` without UTF-8).
    public func bar(at now: Date, cells: Int) -> String {
        let cells = max(1, cells)
        let filled = min(cells, max(0, Int(saturating: (fractionDone(at: now) * Double(cells)).rounded(.down))))
        return String(repeating: "█", count: filled) + String(repeating: "░", count: cells - filled)
    }

    /// The spread for a person: "expected 1 min 40 s (1 min 30 s – 1 min 55 s)".
    public var spreadText: String {
        "expected \(Self.duration(Int(saturating: expectedSeconds.rounded()))) (\(Self.duration(Int(saturating: lowerSeconds.rounded()))) – "
            + "\(Self.duration(Int(saturating: upperSeconds.rounded()))))"
    }

    /// "40 s", "1 min 40 s", "12 min", "1 h 5 min".
    public static func duration(_ seconds: Int) -> String {
        switch seconds {
        case ..<90: "\(max(0, seconds)) s"
        case ..<600: seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(seconds % 60) s"
        case ..<3600: "\((seconds + 30) / 60) min"
        default: "\(seconds / 3600) h \((seconds % 3600 + 30) / 60) min"
        }
    }
}
