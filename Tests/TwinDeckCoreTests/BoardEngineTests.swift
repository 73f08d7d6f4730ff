import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import Synchronization
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

// The board's poller against a real simulator over loopback, with a scaled schedule (2 s → 0.1 s).
// Names here carry a `BoardEngine` prefix or are private: other test files share this module.

/// What an engine posted, in order, recorded from any thread.
final class BoardEngineTestLog: Sendable {
    private let messages = Mutex<[Message]>([])

    var post: @Sendable (Message) -> Void { { [self] message in messages.withLock { $0.append(message) } } }
    var all: [Message] { messages.withLock { $0 } }

    /// Every `pollHealthChanged`, in order.
    var health: [PollHealth] {
        all.compactMap { if case .pollHealthChanged(let health) = $0 { health } else { nil } }
    }

    var failures: [(text: String, retryAt: Date)] {
        health.compactMap { if case .failing(let text, let retryAt) = $0 { (text, retryAt) } else { nil } }
    }

    var followerCount: Int { health.filter { $0 == .follower }.count }
    var okCount: Int { health.filter { if case .ok = $0 { true } else { false } }.count }
}

private let quiet: Logger = {
    var logger = Logger(label: "board-engine-tests")
    logger.logLevel = .critical
    return logger
}()

private func boardEngineTempDir() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-board-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private let scale = 0.05

private func makeEngine(store: SubmissionStore, client: HeyGenClient, log: BoardEngineTestLog) throws -> BoardEngine {
    BoardEngine(store: store, service: client, downloads: try boardEngineTempDir(), schedule: PollSchedule(scale: scale),
                logger: quiet, post: log.post)
}

/// Creates videos through the client the way the app does: record `submitting`, send, record the answer.
/// - Parameter failing: which indices get a script the simulator fails (`[[fail]]`).
private func submitVideos(
    _ count: Int, client: HeyGenClient, store: SubmissionStore, failing: (Int) -> Bool = { _ in false }
) async throws -> [(key: String, videoID: String, scriptedFail: Bool)] {
    var made: [(key: String, videoID: String, scriptedFail: Bool)] = []
    for index in 0..<count {
        var request = sampleRequest(title: "Board video \(index)")
        let fails = failing(index)
        if fails { request.script += " [[fail]]" }
        let key = "board-\(index)-\(UUID().uuidString.prefix(8))"
        try await store.recordSubmitting(request: request, key: key, lookName: "Office", voiceName: nil, source: .batch)
        let created = try await client.createVideo(request, idempotencyKey: key)
        try await store.markSubmitted(key: key, videoID: created.videoID, status: created.status)
        made.append((key, created.videoID, fails))
    }
    return made
}

/// Media downloads the simulator served. Its route grouping leaves `/media/<file>` as it is (the path has only
/// two segments), so this adds up every `GET /media/…` key rather than reading `"GET /media/{file}"`.
private func mediaGets(_ counts: [String: Int]) -> Int {
    counts.filter { $0.key == "GET /media/{file}" || $0.key.hasPrefix("GET /media/") }.values.reduce(0, +)
}

/// Every video the simulator holds, all pages.
private func simulatorVideos(_ client: HeyGenClient) async throws -> [Video] {
    try await HeyGenClient.collectPages { token in try await client.videos(limit: 100, token: token) }
}

@Suite("Board engine", .serialized)
struct BoardEngineTests {
    // MARK: - 1. Many videos, mixed outcomes, cost

    @Test("a board of many videos ends final, at a bounded cost per video", arguments: [1, 20])
    func manyVideos(boardSize: Int) async throws {
        let render = 3.0
        try await withSimulator(configure: { options in
            options.renderSeconds = render
            options.maxConcurrentRenders = nil
            options.faultRates.renderFailure = 0.3
            options.faultRates.seed = 20_240_611
        }) { sim, client in
            let store = try SubmissionStore.inMemory()
            // Every fifth video is also failed by its script, so both outcomes occur whatever the seed draws.
            let made = try await submitVideos(boardSize, client: client, store: store, failing: { $0 % 5 == 4 })
            let before = await sim.state.requestCounts()
            let log = BoardEngineTestLog()
            let engine = try makeEngine(store: store, client: client, log: log)
            let started = ContinuousClock.now
            engine.start()
            let allFinal = try await eventually(timeout: .seconds(20)) { try await store.all().allSatisfy(\.isFinal) }
            let elapsed = ContinuousClock.now - started
            await engine.stop()
            #expect(allFinal)

            let rows = try await store.all()
            #expect(rows.count == boardSize)
            #expect(Set(rows.compactMap(\.videoID)) == Set(made.map(\.videoID)))
            var completed = 0, failed = 0
            for row in rows {
                #expect(row.submitState == .submitted)
                switch row.videoStatus {
                case .completed?:
                    completed += 1
                    #expect(row.videoURL?.isEmpty == false, "completed \(row.videoID ?? "?") has no video_url")
                    #expect(row.completedAt != nil)
                case .failed?:
                    failed += 1
                    #expect(row.failureMessage?.isEmpty == false, "failed \(row.videoID ?? "?") has no failure_message")
                default:
                    Issue.record("\(row.videoID ?? "?") ended \(row.status ?? "nil")")
                }
            }
            for video in made where video.scriptedFail {
                #expect(rows.first { $0.idempotencyKey == video.key }?.videoStatus == .failed)
            }
            if boardSize >= 10 {
                #expect(completed > 0)
                #expect(failed > 0)
            }
            #expect(log.okCount > 0)
            #expect(log.failures.isEmpty)

            // The cost: every request the engine made, as the server counted them.
            let after = await sim.state.requestCounts()
            let statuses = after["GET /v3/videos/statuses", default: 0] - before["GET /v3/videos/statuses", default: 0]
            let details = after["GET /v3/videos/{id}", default: 0] - before["GET /v3/videos/{id}", default: 0]
            #expect(engine.requestCount.load(ordering: .relaxed) == statuses + details)
            #expect(details == boardSize, "one detail fetch per finished video")
            // Rounds are never closer together than the schedule's shortest interval (2 s scaled).
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            #expect(Double(statuses) <= seconds / (2 * scale) + 2)
            let perVideo = Double(statuses + details) / Double(boardSize)
            // The guide's loop: one GET per video right away and then every 10 s until final (scaled like ours).
            let guidePerVideo = Double(Int(render / (10 * scale)) + 1)
            print(String(
                format: "[cost] board of %d: %d statuses + %d details = %d requests = %.2f per video "
                    + "(render %.1f s at schedule scale %.2f, i.e. %.0f s at full scale; %d completed, %d failed; "
                    + "the guide's GET every 10 s: %.0f per video)",
                boardSize, statuses, details, statuses + details, perVideo, render, scale, render / scale, completed, failed,
                guidePerVideo))
            #expect(perVideo <= guidePerVideo, "never more than the guide's GET every 10 s")
            if boardSize >= 20 {
                #expect(perVideo <= 3)
            }
        }
    }

    // MARK: - Finishing needs the detail

    @Test("a failed detail fetch does not leave a completed video without its link")
    func detailFailureIsRetried() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let made = try await submitVideos(1, client: client, store: store)
            // The first detail fetch fails three times in a row: the client's two retries are used up.
            await sim.state.inject([ScriptedFault(.serverError(status: 503), pathPrefix: "/v3/videos/v_", method: "GET", count: 3)])
            let log = BoardEngineTestLog()
            let engine = try makeEngine(store: store, client: client, log: log)
            engine.start()
            let linked = try await eventually(timeout: .seconds(10)) {
                try await store.submission(key: made[0].key)?.videoURL != nil
            }
            await engine.stop()
            #expect(linked)
            let row = try #require(try await store.submission(key: made[0].key))
            #expect(row.videoStatus == .completed)
            #expect(log.failures.contains { $0.text.contains("503") })
            let counts = await sim.state.requestCounts()
            #expect(counts["GET /v3/videos/{id}", default: 0] == 4, "three refused attempts, then one that worked")
        }
    }

    // MARK: - 2. 429 storms and 5xx bursts

    @Test("429 storms and 5xx bursts on statuses: failing, then ok, nothing lost or duplicated")
    func stormsAndBursts() async throws {
        let count = 8
        try await withSimulator(configure: { options in
            options.renderSeconds = 2
            options.maxConcurrentRenders = nil
        }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let made = try await submitVideos(count, client: client, store: store, failing: { $0 == 3 })
            let path = "/v3/videos/statuses"
            await sim.state.inject([
                ScriptedFault(.rateLimited(retryAfterSeconds: 0), pathPrefix: path, method: "GET", count: 5),
                ScriptedFault(.serverError(status: 503), pathPrefix: path, method: "GET", count: 5),
                ScriptedFault(.serverError(status: 502), pathPrefix: path, method: "GET", count: 2),  // a gateway's HTML page
            ])
            let log = BoardEngineTestLog()
            let engine = try makeEngine(store: store, client: client, log: log)
            engine.start()
            let allFinal = try await eventually(timeout: .seconds(20)) { try await store.all().allSatisfy(\.isFinal) }
            await engine.stop()
            #expect(allFinal)

            let health = log.health
            let firstFailing = try #require(health.firstIndex { if case .failing = $0 { true } else { false } })
            #expect(health[firstFailing...].contains { if case .ok = $0 { true } else { false } }, "recovers to ok")
            if case .ok = health.last {} else { Issue.record("last health is \(String(describing: health.last))") }
            let texts = log.failures.map(\.text)
            #expect(texts.contains { $0.contains("429") }, "\(texts)")
            #expect(texts.contains { $0.contains("503") }, "\(texts)")

            let rows = try await store.all()
            #expect(rows.count == count)
            #expect(Set(rows.compactMap(\.videoID)).count == count)
            #expect(Set(rows.compactMap(\.videoID)) == Set(made.map(\.videoID)))
            for row in rows {
                #expect(row.videoStatus == (row.idempotencyKey == made[3].key ? .failed : .completed))
                #expect(row.videoURL != nil || row.failureMessage != nil)
            }
            let videos = try await simulatorVideos(client)
            #expect(videos.count == count)
            #expect(Set(videos.map(\.id)) == Set(made.map(\.videoID)))
            let counts = await sim.state.requestCounts()
            #expect(counts["POST /v3/videos", default: 0] == count)
            #expect(counts["GET /v3/videos/statuses", default: 0] > 12, "every injected fault was served, then real answers")
        }
    }

    @Test("a 429's Retry-After is waited out in full, not scaled down")
    func retryAfterIsHonoured() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            _ = try await submitVideos(1, client: client, store: store)
            // One client call: the first try and its two retries.
            await sim.state.inject([
                ScriptedFault(.rateLimited(retryAfterSeconds: 1), pathPrefix: "/v3/videos/statuses", method: "GET", count: 3)
            ])
            let log = BoardEngineTestLog()
            let engine = try makeEngine(store: store, client: client, log: log)
            let started = Date()
            engine.start()
            let allFinal = try await eventually(timeout: .seconds(10)) { try await store.all().allSatisfy(\.isFinal) }
            await engine.stop()
            #expect(allFinal)
            let failure = try #require(log.failures.first)
            #expect(failure.text.contains("429"))
            #expect(failure.retryAt.timeIntervalSince(started) >= 1, "the next try waits for Retry-After (1 s)")
        }
    }

    // MARK: - 3. Resubmitting lost submissions

    @Test("submitting rows are re-sent with their own key: never-sent ones once, lost answers replayed")
    func resubmitsLostSubmissions() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 30 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            // Recorded, never sent (the app died before sending).
            let neverSent = "lost-never-\(UUID().uuidString.prefix(8))"
            try await store.recordSubmitting(request: sampleRequest(title: "Never sent"), key: neverSent, lookName: nil,
                                             voiceName: nil, source: .form)
            // Sent, and the server made the video, but the answer was lost.
            let answerLost = "lost-answer-\(UUID().uuidString.prefix(8))"
            let lostRequest = sampleRequest(title: "Answer lost")
            try await store.recordSubmitting(request: lostRequest, key: answerLost, lookName: nil, voiceName: nil, source: .form)
            let firstAnswer = try await client.createVideo(lostRequest, idempotencyKey: answerLost)
            // Recorded, and the server refuses it for good (no such look).
            let refused = "lost-refused-\(UUID().uuidString.prefix(8))"
            try await store.recordSubmitting(request: sampleRequest(look: "lk_does_not_exist", title: "Refused"), key: refused,
                                             lookName: nil, voiceName: nil, source: .form)

            let log = BoardEngineTestLog()
            let engine = try makeEngine(store: store, client: client, log: log)
            engine.start()
            let settled = try await eventually(timeout: .seconds(10)) {
                try await store.awaitingResubmit().isEmpty
            }
            await engine.stop()
            #expect(settled)

            let never = try #require(try await store.submission(key: neverSent))
            let lost = try #require(try await store.submission(key: answerLost))
            let refusedRow = try #require(try await store.submission(key: refused))
            #expect(never.submitState == .submitted)
            #expect(lost.submitState == .submitted)
            #expect(lost.videoID == firstAnswer.videoID, "the replay names the video the first send made")
            #expect(refusedRow.submitState == .rejected)
            #expect(refusedRow.submitError?.isEmpty == false)

            let videos = try await simulatorVideos(client)
            #expect(videos.count == 2)
            #expect(Set(videos.map(\.id)) == Set([never.videoID, lost.videoID].compactMap { $0 }))
            #expect(videos.filter { $0.title == "Answer lost" }.count == 1)
            let counts = await sim.state.requestCounts()
            // Mine for the lost answer, then one re-send per submitting row; nothing sent twice by the engine.
            #expect(counts["POST /v3/videos", default: 0] == 4)

            // A second engine finds nothing to re-send.
            let again = try makeEngine(store: store, client: client, log: BoardEngineTestLog())
            try await again.resubmitLost()
            #expect(await sim.state.requestCounts()["POST /v3/videos", default: 0] == 4)
        }
    }

    @Test("a re-send refused at the concurrency limit waits for its Retry-After, while polling goes on")
    func resendAtTheConcurrencyLimitWaitsForRetryAfter() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 30; $0.maxConcurrentRenders = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            _ = try await submitVideos(1, client: client, store: store, failing: { _ in false })  // takes the only slot
            let waiting = "limit-\(UUID().uuidString.prefix(8))"
            try await store.recordSubmitting(request: sampleRequest(title: "Waits its turn"), key: waiting, lookName: nil,
                                             voiceName: nil, source: .form)
            let before = await sim.state.requestCounts()
            let log = BoardEngineTestLog()
            let engine = try makeEngine(store: store, client: client, log: log)
            engine.start()
            // Many rounds at the scaled schedule (each ~0.1–0.8 s), well inside the 15 s Retry-After.
            let polled = await eventually(timeout: .seconds(10)) {
                let counts = await sim.state.requestCounts()
                return counts["GET /v3/videos/statuses", default: 0] - before["GET /v3/videos/statuses", default: 0] >= 3
            }
            await engine.stop()
            #expect(polled, "polling goes on while the re-send waits")
            let after = await sim.state.requestCounts()
            // One re-send (the client's own retries of the 429 included), not one per round.
            let sends = after["POST /v3/videos", default: 0] - before["POST /v3/videos", default: 0]
            #expect(sends >= 1 && sends <= 3, "re-sends: \(sends)")
            #expect(try await store.submission(key: waiting)?.submitState == .submitting, "kept for later, not rejected")
        }
    }

    // MARK: - 4. Two instances, one store

    @Test("two engines on one file: one polls, the other follows, then takes over when the first stops")
    func leaseAcrossInstances() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 60 }) { sim, client in
            let path = try boardEngineTempDir().appendingPathComponent("store.sqlite").path
            let storeA = try SubmissionStore(path: path)
            let storeB = try SubmissionStore(path: path)
            _ = try await submitVideos(2, client: client, store: storeA)

            let logA = BoardEngineTestLog()
            let logB = BoardEngineTestLog()
            let engineA = try makeEngine(store: storeA, client: client, log: logA)
            let engineB = try makeEngine(store: storeB, client: client, log: logB)
            engineA.start()
            let leading = await eventually { engineA.requestCount.load(ordering: .relaxed) >= 1 }
            #expect(leading)
            engineB.start()
            let aAtFollow = engineA.requestCount.load(ordering: .relaxed)
            // B keeps looking at the lease (every 0.25 s) while A goes on polling (every 0.1 s).
            let followed = await eventually {
                logB.followerCount >= 3 && engineA.requestCount.load(ordering: .relaxed) >= aAtFollow + 3
            }
            #expect(followed)
            #expect(engineB.requestCount.load(ordering: .relaxed) == 0)
            #expect(logB.okCount == 0)
            #expect(logA.followerCount == 0)
            // The server saw A's requests only: A counts a request just before sending it, one at a time, so what
            // was served lies between A's count before the look (less one in flight) and its count after.
            let countedBefore = engineA.requestCount.load(ordering: .relaxed)
            let served = await sim.state.requestCounts()["GET /v3/videos/statuses", default: 0]
            let countedAfter = engineA.requestCount.load(ordering: .relaxed)
            #expect(served >= countedBefore - 1 && served <= countedAfter, "served \(served), A counted \(countedBefore)…\(countedAfter)")
            // B shows the board it does not poll.
            #expect(logB.all.contains { if case .historyLoaded(let history) = $0 { history.rows.count == 2 } else { false } })

            await engineA.stop()
            let aAfterStop = engineA.requestCount.load(ordering: .relaxed)
            let tookOver = await eventually { engineB.requestCount.load(ordering: .relaxed) >= 2 && logB.okCount >= 1 }
            #expect(tookOver)
            #expect(engineA.requestCount.load(ordering: .relaxed) == aAfterStop)
            await engineB.stop()
            // Each engine counts a request just before sending it; a stop may cancel that last one unsent.
            let total = await sim.state.requestCounts()["GET /v3/videos/statuses", default: 0]
            let counted = aAfterStop + engineB.requestCount.load(ordering: .relaxed)
            #expect(total <= counted && total >= counted - 2, "served \(total), counted \(counted)")
        }
    }
}

// MARK: - 5. Downloads

@Suite("Downloader")
struct BoardEngineDownloaderTests {
    static let fixture: Data = {
        (try? Data(contentsOf: repositoryRoot.appendingPathComponent("Resources/Fixtures/sample.mp4"))) ?? Data()
    }()

    /// A completed video in the simulator, on the board as submitted (no link stored yet).
    private func completedVideo(sim: RunningSimulator, client: HeyGenClient, store: SubmissionStore, title: String = "Quarterly update")
        async throws -> (key: String, videoID: String)
    {
        let key = "dl-\(UUID().uuidString.prefix(8))"
        let request = sampleRequest(title: title)
        try await store.recordSubmitting(request: request, key: key, lookName: nil, voiceName: nil, source: .cli)
        let created = try await client.createVideo(request, idempotencyKey: key)
        try await store.markSubmitted(key: key, videoID: created.videoID, status: created.status)
        await sim.state.advance(seconds: 2)  // renders take 1 s here
        return (key, created.videoID)
    }

    private final class ProgressLog: Sendable {
        private let reports = Mutex<[DownloadProgress]>([])
        var record: @Sendable (DownloadProgress) -> Void { { [self] p in reports.withLock { $0.append(p) } } }
        var all: [DownloadProgress] { reports.withLock { $0 } }
    }

    private func checkMonotonic(_ reports: [DownloadProgress], total: Int) {
        #expect(!reports.isEmpty)
        for (a, b) in zip(reports, reports.dropFirst()) {
            #expect(a.received <= b.received, "progress went back from \(a.received) to \(b.received)")
        }
        #expect(reports.last?.received == Int64(total))
        #expect(reports.last?.total == Int64(total))
    }

    @Test("a completed video downloads byte for byte, with monotonic progress")
    func plainDownload() async throws {
        #expect(Self.fixture.count > 1000)
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await completedVideo(sim: sim, client: client, store: store)
            let dir = try boardEngineTempDir()
            let progress = ProgressLog()
            let result = try await Downloader(store: store, service: client, logger: quiet)
                .download(key: video.key, into: dir, overwrite: false, progress: progress.record)
            #expect(result.url.deletingLastPathComponent().standardizedFileURL.path == dir.standardizedFileURL.path)
            #expect(result.url.lastPathComponent == DownloadName.make(title: "Quarterly update", videoID: video.videoID, extension: "mp4"))
            #expect(result.size == Int64(Self.fixture.count))
            #expect(try Data(contentsOf: result.url) == Self.fixture)
            checkMonotonic(progress.all, total: Self.fixture.count)
            // Nothing left behind but the video.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [result.url.lastPathComponent])
            let row = try #require(try await store.submission(key: video.key))
            #expect(row.downloadState == .done)
            #expect(row.downloadPath == result.url.path)
            #expect(row.downloadedBytes == Int64(Self.fixture.count))
        }
    }

    @Test("an expired link is replaced by a fresh one and the download succeeds")
    func expiredLinkIsRefreshed() async throws {
        try await withSimulator(configure: { options in
            options.renderSeconds = 1
            options.urlLifetimeSeconds = 60  // simulator seconds; the test moves the clock, not the wall
        }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await completedVideo(sim: sim, client: client, store: store)
            // The board got the link earlier; by now it has expired.
            try await store.update(with: try await client.video(id: video.videoID))
            let stale = try #require(try await store.submission(key: video.key)?.videoURL)
            await sim.state.advance(seconds: 120)
            let before = await sim.state.requestCounts()
            let progress = ProgressLog()
            let result = try await Downloader(store: store, service: client, logger: quiet)
                .download(key: video.key, into: try boardEngineTempDir(), overwrite: false, progress: progress.record)
            #expect(try Data(contentsOf: result.url) == Self.fixture)
            let after = await sim.state.requestCounts()
            #expect(after["GET /v3/videos/{id}", default: 0] - before["GET /v3/videos/{id}", default: 0] == 1)
            #expect(mediaGets(after) - mediaGets(before) == 2, "refused, then served")
            let fresh = try #require(try await store.submission(key: video.key)?.videoURL)
            #expect(fresh != stale)
            checkMonotonic(progress.all, total: Self.fixture.count)
        }
    }

    @Test("an interrupted download resumes from its part file with one ranged request")
    func resumesFromPartFile() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await completedVideo(sim: sim, client: client, store: store)
            let dir = try boardEngineTempDir()
            let name = DownloadName.make(title: "Quarterly update", videoID: video.videoID, extension: "mp4")
            let part = dir.appendingPathComponent("." + name + ".part")
            let already = Self.fixture.count / 3
            try Self.fixture.prefix(already).write(to: part)
            let before = mediaGets(await sim.state.requestCounts())
            let progress = ProgressLog()
            let result = try await Downloader(store: store, service: client, logger: quiet)
                .download(key: video.key, into: dir, overwrite: false, progress: progress.record)
            #expect(result.url.lastPathComponent == name)
            #expect(try Data(contentsOf: result.url) == Self.fixture)
            #expect(!FileManager.default.fileExists(atPath: part.path))
            #expect(mediaGets(await sim.state.requestCounts()) == before + 1)
            // A 206 goes on from what the file held; a 200 would have started again from 0.
            let first = try #require(progress.all.first)
            #expect(first.received == Int64(already))
            #expect(first.total == Int64(Self.fixture.count))
            checkMonotonic(progress.all, total: Self.fixture.count)
        }
    }

    @Test("a part file that already holds the whole video is finished without fetching it again")
    func completePartFile() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await completedVideo(sim: sim, client: client, store: store)
            let dir = try boardEngineTempDir()
            let name = DownloadName.make(title: "Quarterly update", videoID: video.videoID, extension: "mp4")
            try Self.fixture.write(to: dir.appendingPathComponent("." + name + ".part"))
            let result = try await Downloader(store: store, service: client, logger: quiet)
                .download(key: video.key, into: dir, overwrite: false) { _ in }
            #expect(try Data(contentsOf: result.url) == Self.fixture)
        }
    }

    @Test("a stale part file longer than the video is not passed off as the video")
    func overlongPartFile() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await completedVideo(sim: sim, client: client, store: store)
            let dir = try boardEngineTempDir()
            let name = DownloadName.make(title: "Quarterly update", videoID: video.videoID, extension: "mp4")
            try (Self.fixture + Data("left over from something else".utf8)).write(to: dir.appendingPathComponent("." + name + ".part"))
            let result = try await Downloader(store: store, service: client, logger: quiet)
                .download(key: video.key, into: dir, overwrite: false) { _ in }
            #expect(try Data(contentsOf: result.url) == Self.fixture)
        }
    }

    @Test("an existing file is never overwritten unless asked")
    func existingDestination() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await completedVideo(sim: sim, client: client, store: store)
            let dir = try boardEngineTempDir()
            let downloader = Downloader(store: store, service: client, logger: quiet)
            let keep = Data("keep me".utf8)

            // An exact path that exists: refused, untouched.
            let exact = dir.appendingPathComponent("mine.mp4")
            try keep.write(to: exact)
            await #expect(throws: HeyGenError.self) {
                try await downloader.download(key: video.key, into: exact, exactPath: true, overwrite: false) { _ in }
            }
            #expect(try Data(contentsOf: exact) == keep)
            // Asked to overwrite: replaced.
            let replaced = try await downloader.download(key: video.key, into: exact, exactPath: true, overwrite: true) { _ in }
            #expect(replaced.url == exact)
            #expect(try Data(contentsOf: exact) == Self.fixture)

            // A folder whose usual name is taken: a new name, the old file untouched.
            let usual = dir.appendingPathComponent(DownloadName.make(title: "Quarterly update", videoID: video.videoID, extension: "mp4"))
            try keep.write(to: usual)
            let second = try await downloader.download(key: video.key, into: dir, overwrite: false) { _ in }
            #expect(second.url.lastPathComponent != usual.lastPathComponent)
            #expect(second.url.lastPathComponent.hasSuffix(" (2).mp4"))
            #expect(try Data(contentsOf: usual) == keep)
            #expect(try Data(contentsOf: second.url) == Self.fixture)
        }
    }
}

// MARK: - 6. Download names

@Suite("Download names")
struct BoardEngineDownloadNameTests {
    static let hostileTitles: [String?] = [
        "../../../etc/passwd", "/etc/passwd", "..", "...", " . ", ".hidden", "a/../b", "C:\\Windows\\system32",
        "bell\u{07} nul\u{00} esc\u{1B}[2J newline\n cr\r tab\t del\u{7F} c1\u{85}\u{9B}",
        String(repeating: "x", count: 10_000), String(repeating: "é", count: 10_000), String(repeating: "👩‍👩‍👧‍👦", count: 10_000),
        "e" + String(repeating: "\u{301}", count: 10_000), "", nil, "Quarterly update: Q3/Q4 *final* <v2>?",
    ]

    @Test("hostile titles become one safe path component", arguments: hostileTitles)
    func safeName(title: String?) {
        for (id, ext) in [("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "mp4"), ("v_123", "webm"), (String(repeating: "a", count: 300), "srt"),
                          ("../../x", "mp4"), ("../..", "mp4"), ("ü".padding(toLength: 64, withPad: "ü", startingAt: 0), "mp4")] {
            let name = DownloadName.make(title: title, videoID: id, extension: ext)
            #expect(!name.contains("/"), "\(name)")
            #expect(!name.contains("\\"), "\(name)")
            #expect(!name.contains(".."), "\(name)")
            #expect(name != "." && name != "..")
            #expect(!name.hasPrefix("."), "a hidden file: \(name)")
            #expect(name.utf8.count <= 120, "\(name.utf8.count) bytes")
            #expect(name.hasSuffix("." + ext))
            #expect(!name.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "\(name.debugDescription)")
            #expect(URL(fileURLWithPath: "/tmp").appendingPathComponent(name).lastPathComponent == name)
            #expect((name as NSString).pathComponents.count == 1)
        }
    }

    @Test("an ordinary title is kept and the video id makes it unique")
    func ordinaryTitle() {
        let name = DownloadName.make(title: "Quarterly update", videoID: "abc123", extension: "mp4")
        #expect(name == "Quarterly update [abc123].mp4")
        #expect(DownloadName.make(title: nil, videoID: "abc123", extension: "mp4") == "abc123.mp4")
    }
}
