import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import Synchronization
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

// The one poller: its pure schedule, and the board engine on a virtual clock against the real simulator over loopback
// (a ten-minute render in milliseconds). Names here carry a `Poller` prefix or are private: other files share this module.

private let start = Date(timeIntervalSince1970: 1_800_000_000)

/// The looks the schedule makes at a video from its creation until `until` seconds (or its end at `finish`), as seconds
/// since it was recorded: each look is made when the plan says it is due, the way the loop does.
private func looks(estimate: RenderEstimate?, covered: Bool = false, until: Double, finish: Double? = nil,
                   schedule: PollSchedule = PollSchedule()) -> [Double] {
    var target = PollTarget(videoID: "v", createdAt: start, covered: covered, estimate: estimate)
    var made: [Double] = []
    var now = start
    while now.timeIntervalSince(start) <= until {
        let plan = schedule.plan([target], now: now)
        if plan.due == ["v"] {
            made.append(now.timeIntervalSince(start))
            target.lastLook = now
            if let finish, now.timeIntervalSince(start) >= finish { break }
            continue
        }
        guard let wake = plan.wakeAt, wake > now else {
            Issue.record("the plan neither looked nor woke later at \(now.timeIntervalSince(start))")
            break
        }
        now = wake
    }
    return made
}

private func gaps(_ times: [Double]) -> [Double] { zip(times.dropFirst(), times).map { $0 - $1 } }

/// An estimate of a ten-minute render: expected 600 s, spread 570–630 s.
private let tenMinutes = RenderEstimate(startedAt: start, expectedSeconds: 600, lowerSeconds: 570, upperSeconds: 630,
                                        method: .closeMatches, sampleCount: 12, engine: Engine.avatarV.rawValue)

@Suite("Poller: the schedule")
struct PollerScheduleTests {
    @Test("no history: the young-fast/old-slow schedule (2, 4, 8, 16, 32 s, then every 30 s)")
    func noHistory() {
        let made = looks(estimate: nil, until: 200)
        #expect(made == [2, 4, 8, 16, 32, 62, 92, 122, 152, 182])
        // A 60 s render: six looks until it is seen finished (at 62 s), plus one detail call: the guide's seven requests.
        #expect(looks(estimate: nil, until: 200, finish: 60).count == 6)
    }

    @Test("a ten-minute render: sparse while far from done, every 1.5 s inside the spread, backing off once past it")
    func tenMinuteRender() throws {
        let schedule = PollSchedule()
        let window = schedule.denseWindow(tenMinutes)
        #expect(window == 555...645, "the spread widened by a quarter of its width on each side")
        let made = looks(estimate: tenMinutes, until: 800)
        let before = made.filter { $0 < window.lowerBound }
        let inside = made.filter { window.contains($0) }
        let after = made.filter { $0 > window.upperBound }
        // Sparse: at most 30 s apart, halving the way to the window: a couple of dozen looks for 555 s, not 55.
        #expect(before.count <= 24, "\(before)")
        #expect(gaps(before).allSatisfy { $0 <= 30 }, "\(gaps(before))")
        #expect(before.first.map { $0 >= 2 && $0 <= 30 } == true, "the first look: \(before.first ?? -1)")
        // Dense: every 1.5 s from the window's start to its end.
        #expect(inside.first == window.lowerBound)
        #expect(gaps(inside).allSatisfy { abs($0 - 1.5) < 1e-6 }, "\(gaps(inside))")
        #expect(Double(inside.count) >= (window.upperBound - window.lowerBound) / 1.5)
        // Late: the waits grow, up to 30 s.
        let late = gaps(after)
        #expect(late.count >= 5)
        #expect(zip(late.dropFirst(), late).allSatisfy { $0 >= $1 - 1e-9 }, "\(late)")
        #expect(late.allSatisfy { $0 <= 30 + 1e-9 })
        #expect(late.last.map { $0 > 10 } == true, "\(late)")
        // Wherever inside the spread it finishes, it is seen within the dense interval.
        for finish in stride(from: 570.0, through: 630, by: 7.3) {
            let seen = try #require(looks(estimate: tenMinutes, until: 800, finish: finish).last)
            #expect(seen - finish <= 1.5 + 1e-6, "finished at \(finish), seen at \(seen)")
        }
        // And the whole render costs fewer looks than the guide's GET every 10 s (61 for ten minutes).
        #expect(looks(estimate: tenMinutes, until: 800, finish: 600).count < 61)
    }

    @Test("a render far over its estimate is still seen, with the waits backing off (at most 30 s late)")
    func overdue() throws {
        let seen = try #require(looks(estimate: tenMinutes, until: 3_000, finish: 1_500).last)
        #expect(seen >= 1_500 && seen - 1_500 <= 30)
    }

    @Test("a video a webhook covers is looked at only at the safety net")
    func webhookCoverage() {
        let made = looks(estimate: tenMinutes, covered: true, until: 500)
        #expect(made == [120, 240, 360, 480])
        #expect(looks(estimate: nil, covered: true, until: 250) == [120, 240])
    }

    @Test("many videos: those due come together, the near ones with them; a forced round takes every old-enough one")
    func manyVideos() {
        let schedule = PollSchedule()
        let now = start.addingTimeInterval(100)
        // Twenty videos of different ages, each last looked at 40 s ago (when 0–19 s old): all due.
        let targets = (0..<20).map { i in
            PollTarget(videoID: "v\(i)", createdAt: now.addingTimeInterval(-Double(40 + i)), lastLook: now.addingTimeInterval(-40))
        }
        let plan = schedule.plan(targets, now: now)
        #expect(plan.due.count == 20)
        #expect(plan.wakeAt.map { $0 > now } == true)
        // None due yet, and nothing forced: no call.
        let fresh = targets.map { var t = $0; t.lastLook = now; return t }
        #expect(schedule.plan(fresh, now: now).due.isEmpty)
        // `r`: every video not covered and at least 2 s old, now; a covered one waits for its safety net.
        var withCovered = fresh
        withCovered[0].covered = true
        withCovered.append(PollTarget(videoID: "new", createdAt: now.addingTimeInterval(-1)))
        let forced = schedule.plan(withCovered, now: now, forced: true)
        #expect(forced.due.count == 19 && !forced.due.contains("v0") && !forced.due.contains("new"))
    }
}

// MARK: - A virtual clock

private final class PollerWokeLog: Sendable {
    private let values = Mutex<[Int]>([])
    func append(_ value: Int) { values.withLock { $0.append(value) } }
    var all: [Int] { values.withLock { $0 } }
}

@Suite("Poller: the manual clock")
struct PollerClockTests {
    @Test("sleepers wake in deadline order when the clock reaches them; a cancelled sleeper is gone")
    func manualClock() async throws {
        let clock = ManualPollClock(start: start)
        let woke = PollerWokeLog()
        let tasks = [30, 10, 20].map { seconds in
            Task {
                try await clock.sleep(until: start.addingTimeInterval(Double(seconds)))
                woke.append(seconds)
            }
        }
        let cancelled = Task { try await clock.sleep(until: start.addingTimeInterval(15)) }
        #expect(await eventually(timeout: .seconds(30)) { clock.sleeperCount == 4 })
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(clock.sleeperCount == 3)
        clock.advance(by: 10)
        try await tasks[1].value
        #expect(woke.all == [10])
        #expect(clock.nextDeadline == start.addingTimeInterval(20))
        clock.advance(by: 25)
        for task in tasks { try await task.value }
        #expect(Set(woke.all) == [10, 20, 30])
        #expect(clock.now == start.addingTimeInterval(35) && clock.sleeperCount == 0)
        // A deadline already passed returns at once.
        try await clock.sleep(until: start)
    }
}

// MARK: - The board engine on virtual time

private let quiet: Logger = {
    var logger = Logger(label: "poller-tests")
    logger.logLevel = .critical
    return logger
}()

/// A simulator and a store on `clock`, a board engine on it, and what it posted.
private func withVirtualBoard<T>(
    _ clock: ManualPollClock, configure: @escaping (inout SimulatorOptions) -> Void = { _ in },
    _ body: (RunningSimulator, HeyGenClient, SubmissionStore, BoardEngine, BoardEngineTestLog) async throws -> T
) async throws -> T {
    try await withSimulator(configure: { options in
        options.time = SimulatorTime { clock.now.timeIntervalSince1970 }
        options.maxConcurrentRenders = nil
        configure(&options)
    }) { sim, client in
        let store = try SubmissionStore.inMemory(clock: { clock.now })
        let log = BoardEngineTestLog()
        let downloads = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-poller-\(UUID().uuidString)")
        let engine = BoardEngine(store: store, service: client, downloads: downloads, clock: clock, logger: quiet, post: log.post)
        return try await body(sim, client, store, engine, log)
    }
}

/// Moves `clock` from one sleep of the engine's loop to the next (waiting, in real time, for the loop to sleep),
/// until `done` or `limit` virtual seconds have passed. Returns whether `done` came true.
private func drive(_ clock: ManualPollClock, limit: TimeInterval, until done: () async throws -> Bool) async throws -> Bool {
    let end = clock.now.addingTimeInterval(limit)
    while clock.now < end {
        if try await done() { return true }
        guard await eventually(timeout: .seconds(30), { clock.sleeperCount > 0 }) else {
            Issue.record("the engine's loop never slept at \(clock.now)")
            return false
        }
        clock.advanceToNextSleeper()
    }
    return try await done()
}

/// Records a submission and sends it to the simulator, as the app does.
private func submit(_ store: SubmissionStore, _ client: HeyGenClient, key: String) async throws -> String {
    let request = sampleRequest(title: key)
    try await store.recordSubmitting(request: request, key: key, lookName: nil, voiceName: nil, source: .form)
    let created = try await client.createVideo(request, idempotencyKey: key)
    try await store.markSubmitted(key: key, videoID: created.videoID, status: created.status)
    return created.videoID
}

/// Puts `count` finished renders of the sample request into the history, taking `seconds[i]` each (store API, on the clock).
private func seedHistory(_ store: SubmissionStore, _ clock: ManualPollClock, seconds: [Double]) async throws {
    for (i, render) in seconds.enumerated() {
        let key = "seed-\(i)"
        try await store.recordSubmitting(request: sampleRequest(title: key), key: key, lookName: nil, voiceName: nil, source: .form)
        try await store.markSubmitted(key: key, videoID: "seed_\(i)", status: .processing)
        clock.advance(by: render)
        try await store.update(with: Video(id: "seed_\(i)", status: .completed, completedAt: Int(clock.now.timeIntervalSince1970),
                                           videoURL: "https://media.test/seed_\(i).mp4"))
        clock.advance(by: 5)
    }
}

private func statusesCalls(_ sim: RunningSimulator) async -> Int { await sim.state.requestCounts()["GET /v3/videos/statuses", default: 0] }
private func detailCalls(_ sim: RunningSimulator) async -> Int { await sim.state.requestCounts()["GET /v3/videos/{id}", default: 0] }

@Suite("Poller: the board engine on a virtual clock", .serialized)
struct PollerBoardTests {
    @Test("a ten-minute render with a history: seen within 2 s of its end, fewer requests than the guide, in milliseconds")
    func tenMinuteRenderWithHistory() async throws {
        let clock = ManualPollClock(start: start)
        try await withVirtualBoard(clock, configure: { $0.renderSeconds = 600 }) { sim, client, store, engine, log in
            try await seedHistory(store, clock, seconds: [596, 603, 599, 607, 594, 601, 598, 605, 600, 602, 597, 604])
            let videoID = try await submit(store, client, key: "ten-minutes")
            let created = clock.now
            let real = ContinuousClock.now
            engine.start()
            let done = try await drive(clock, limit: 900) { try await store.submission(key: "ten-minutes")?.videoStatus == .completed }
            await engine.stop()
            #expect(done)
            #expect(ContinuousClock.now - real < .seconds(120), "virtual time: no real ten-minute wait (a few seconds, more on a loaded machine)")
            let row = try #require(try await store.submission(key: "ten-minutes"))
            #expect(row.videoURL != nil)
            let seen = try #require(row.lastPolledAt).timeIntervalSince(created)
            #expect(seen >= 600 && seen <= 602, "seen \(seen - 600) s after the server finished")
            // The estimate the board was given, from the twelve renders of the history.
            let posted = log.all.compactMap { m -> RenderEstimate? in
                if case .renderEstimatesChanged(let e) = m { e["ten-minutes"] } else { nil }
            }
            let estimate = try #require(posted.first)
            #expect(abs(estimate.expectedSeconds - 600) < 5 && estimate.sampleCount == 12)
            #expect(estimate.basis == "from 12 similar Avatar IV renders")
            let statuses = await statusesCalls(sim), details = await detailCalls(sim)
            #expect(details == 1)
            #expect(statuses + details < 61, "the guide's GET every 10 s makes 61 for ten minutes; here \(statuses) + \(details)")
            #expect(engine.requestCount.load(ordering: .relaxed) == statuses + details)
            _ = videoID
        }
    }

    @Test("no history: the young-fast/old-slow schedule — a 60 s render in six statuses calls and one detail")
    func noHistorySchedule() async throws {
        let clock = ManualPollClock(start: start)
        try await withVirtualBoard(clock, configure: { $0.renderSeconds = 60 }) { sim, client, store, engine, log in
            _ = try await submit(store, client, key: "no-history")
            let created = clock.now
            engine.start()
            let done = try await drive(clock, limit: 200) { try await store.submission(key: "no-history")?.videoStatus == .completed }
            await engine.stop()
            #expect(done)
            #expect(await statusesCalls(sim) == 6)
            #expect(await detailCalls(sim) == 1)
            let seen = try #require(try await store.submission(key: "no-history")?.lastPolledAt).timeIntervalSince(created)
            #expect(seen == 62, "looked at 2, 4, 8, 16, 32 and 62 s")
            let estimates = log.all.compactMap { m -> [String: RenderEstimate]? in
                if case .renderEstimatesChanged(let e) = m { e } else { nil }
            }
            #expect(estimates.allSatisfy { $0.isEmpty }, "no history: no estimate, never a made-up number")
        }
    }

    @Test("twenty videos at once: one statuses call per round for all of them, one detail each")
    func oneCallPerRound() async throws {
        let clock = ManualPollClock(start: start)
        try await withVirtualBoard(clock, configure: { $0.renderSeconds = 60 }) { sim, client, store, engine, _ in
            for i in 0..<20 { _ = try await submit(store, client, key: "many-\(i)") }
            engine.start()
            let done = try await drive(clock, limit: 200) { try await store.all().allSatisfy { $0.videoStatus == .completed } }
            await engine.stop()
            #expect(done)
            #expect(await statusesCalls(sim) == 6, "the same six rounds as for one video")
            #expect(await detailCalls(sim) == 20)
        }
    }

    @Test("pollNow wakes the sleeping loop on the virtual clock without moving it")
    func pollNowWakes() async throws {
        let clock = ManualPollClock(start: start)
        try await withVirtualBoard(clock, configure: { $0.renderSeconds = 600 }) { sim, client, store, engine, _ in
            _ = try await submit(store, client, key: "woken")
            clock.advance(by: 100)  // old: the next look is 30 s away
            engine.start()
            #expect(await eventually(timeout: .seconds(30)) { await statusesCalls(sim) == 1 && clock.sleeperCount > 0 })
            let at = clock.now
            engine.pollNow()
            #expect(await eventually(timeout: .seconds(30)) { await statusesCalls(sim) == 2 })
            #expect(clock.now == at)
            await engine.stop()
        }
    }

    @Test("a 429's Retry-After is waited out on the clock: no call before it, then the video completes")
    func retryAfterOnTheClock() async throws {
        let clock = ManualPollClock(start: start)
        try await withVirtualBoard(clock, configure: { $0.renderSeconds = 30 }) { sim, client, store, engine, log in
            _ = try await submit(store, client, key: "limited")
            // One client call: the first try and its two retries (the client's retries do not sleep here).
            await sim.state.inject([ScriptedFault(.rateLimited(retryAfterSeconds: 20), pathPrefix: "/v3/videos/statuses", method: "GET",
                                                  count: 3)])
            engine.start()
            // The first look is due when the video is 2 s old: the loop sleeps until then.
            #expect(await eventually(timeout: .seconds(30)) { clock.sleeperCount > 0 })
            clock.advanceToNextSleeper()
            #expect(await eventually(timeout: .seconds(30)) { !log.failures.isEmpty && clock.sleeperCount > 0 })
            let failure = try #require(log.failures.first)
            #expect(failure.text.contains("429"))
            #expect(failure.retryAt.timeIntervalSince(clock.now) >= 19.9, "the next try waits for Retry-After (20 s)")
            let callsAtFailure = await statusesCalls(sim)
            #expect(clock.nextDeadline.map { $0 >= failure.retryAt } == true)
            #expect(await statusesCalls(sim) == callsAtFailure)
            let done = try await drive(clock, limit: 200) { try await store.submission(key: "limited")?.videoStatus == .completed }
            await engine.stop()
            #expect(done)
            if case .ok = log.health.last {} else { Issue.record("last health is \(String(describing: log.health.last))") }
        }
    }
}
