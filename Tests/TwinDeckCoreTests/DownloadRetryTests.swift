import AsyncHTTPClient
import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import Synchronization
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

#if canImport(Glibc)
import Glibc
#endif

// Downloads whose link is dead (the app restarted and the demo simulator moved, the network is gone) or whose disk
// is full, against real loopback sockets. Waits between tries are virtual: the sleep records and returns at once.

private let quietLogger: Logger = {
    var logger = Logger(label: "download-retry-tests")
    logger.logLevel = .critical
    return logger
}()

/// A loopback port nothing listens on: bound, then closed.
private func deadPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The link with its host's port replaced.
private func relink(_ link: String, port: Int) throws -> String {
    var parts = try #require(URLComponents(string: link))
    parts.port = port
    return try #require(parts.string)
}

private func downloadTempDir() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-retry-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Waits that are recorded, not slept.
private final class VirtualSleep: Sendable {
    private let waits = Mutex<[Duration]>([])
    var recorded: [Duration] { waits.withLock { $0 } }

    func retry(maxTries: Int = 5, now: @escaping @Sendable () -> Date = Date.init) -> DownloadRetry {
        DownloadRetry(maxTries: maxTries, sleep: { [self] d in waits.withLock { $0.append(d) } }, now: now)
    }
}

private func mediaGetCount(_ counts: [String: Int]) -> Int {
    counts.filter { $0.key.hasPrefix("GET /media/") }.values.reduce(0, +)
}

/// A completed video in the simulator, on the board with its link stored (as the board does when it completes).
private func storedCompletedVideo(sim: RunningSimulator, client: HeyGenClient, store: SubmissionStore) async throws -> (key: String, videoID: String) {
    let key = "retry-\(UUID().uuidString.prefix(8))"
    let request = sampleRequest(title: "Retry me")
    try await store.recordSubmitting(request: request, key: key, lookName: nil, voiceName: nil, source: .cli)
    let created = try await client.createVideo(request, idempotencyKey: key)
    try await store.markSubmitted(key: key, videoID: created.videoID, status: created.status)
    await sim.state.advance(seconds: 2)
    try await store.update(with: try await client.video(id: created.videoID))
    return (key, created.videoID)
}

/// The fixture the simulator serves.
private let servedVideo: Data = (try? Data(contentsOf: repositoryRoot.appendingPathComponent("Resources/Fixtures/sample.mp4"))) ?? Data()

@Suite("Download retries and dead links", .serialized)
struct DownloadRetryTests {
    @Test("a stored link to a dead port is replaced by a fresh one from the service, and the download completes")
    func deadLinkIsRefreshed() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await storedCompletedVideo(sim: sim, client: client, store: store)
            // The link a previous run stored points to a port nothing listens on any more.
            var detail = try await client.video(id: video.videoID)
            let dead = try relink(try #require(detail.videoURL), port: try deadPort())
            detail.videoURL = dead
            try await store.update(with: detail)
            #expect(try await store.submission(key: video.key)?.videoURL == dead)

            let sleep = VirtualSleep()
            let notes = Mutex<[String]>([])
            let before = await sim.state.requestCounts()
            let result = try await Downloader(store: store, service: client, logger: quietLogger, retry: sleep.retry())
                .download(key: video.key, into: try downloadTempDir(), overwrite: false) { p in
                    if let note = p.note { notes.withLock { $0.append(note) } }
                }
            #expect(try Data(contentsOf: result.url) == servedVideo)
            let after = await sim.state.requestCounts()
            #expect(after["GET /v3/videos/{id}", default: 0] - before["GET /v3/videos/{id}", default: 0] == 1, "one fresh link")
            #expect(mediaGetCount(after) - mediaGetCount(before) == 1, "the refused connection never reached the simulator")
            #expect(sleep.recorded == [.seconds(1)], "one wait, virtual")
            #expect(notes.withLock { $0 } == ["no connection; try 2 of 5 in 1 s"])
            let row = try #require(try await store.submission(key: video.key))
            #expect(row.videoURL != dead && row.videoURL?.hasPrefix(sim.baseURL) == true, "the fresh link is stored")
            #expect(row.downloadState == .done)
        }
    }

    @Test("a stored link past its expiry is replaced before use, without a refused request")
    func expiredLinkIsRefreshedFirst() async throws {
        try await withSimulator(configure: { options in
            options.renderSeconds = 1
            options.urlLifetimeSeconds = 600
        }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await storedCompletedVideo(sim: sim, client: client, store: store)
            let stored = try #require(try await store.submission(key: video.key)?.videoURL)
            let expiry = try #require(DownloadRetry.expiry(of: stored))
            #expect(abs(expiry.timeIntervalSinceNow - 602) < 5, "the simulator's link says when it expires: \(expiry)")
            // The app was closed for an hour: the clock is past the link's expiry (so is the simulator's).
            await sim.state.advance(seconds: 3_600)
            let sleep = VirtualSleep()
            let before = await sim.state.requestCounts()
            let result = try await Downloader(store: store, service: client, logger: quietLogger,
                                              retry: sleep.retry(now: { Date().addingTimeInterval(3_600) }))
                .download(key: video.key, into: try downloadTempDir(), overwrite: false) { _ in }
            #expect(try Data(contentsOf: result.url) == servedVideo)
            let after = await sim.state.requestCounts()
            #expect(after["GET /v3/videos/{id}", default: 0] - before["GET /v3/videos/{id}", default: 0] == 1)
            #expect(mediaGetCount(after) - mediaGetCount(before) == 1, "no request with the expired link")
            #expect(sleep.recorded.isEmpty)
            #expect(try await store.submission(key: video.key)?.videoURL != stored)
        }
    }

    @Test("with the service down too, the board gives up after 5 tries with the reason; d starts it again once it is back")
    func serviceDownGivesUpThenDRestarts() async throws {
        let folder = try downloadTempDir()
        var options = SimulatorOptions()
        options.renderSeconds = 0  // complete at once, on the restarted simulator too (its moved clock is not kept)
        options.statePath = folder.appendingPathComponent("sim.json").path
        var simLogger = Logger(label: "sim")
        simLogger.logLevel = .critical
        // Made on a simulator that is then stopped: its port, in the stored link and the API address, is dead.
        let first = try await Simulator.start(options, logger: simLogger)
        let port = first.port
        let client = HeyGenClient(
            configuration: HeyGenConfiguration(baseURL: first.baseURL, apiKey: options.apiKey, readTimeout: .seconds(5),
                                               retry: SleepRecorder().policy(maxRetries: 0)),
            httpClient: Self.failFastClient)
        let store = try SubmissionStore.inMemory()
        let video: (key: String, videoID: String)
        do {
            video = try await storedCompletedVideo(sim: first, client: client, store: store)
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()

        let log = BoardEngineTestLog()
        let downloads = try downloadTempDir()
        let engine = BoardEngine(store: store, service: client, downloads: downloads, schedule: PollSchedule(scale: 0.05),
                                 logger: quietLogger, post: log.post)
        let sleep = VirtualSleep()
        engine.downloadRetry.withLock { $0 = sleep.retry() }
        engine.download(key: video.key)
        let failed = try await Self.finalProgress(of: video.key, in: log)
        #expect(failed.error?.contains("gave up after 5 tries") == true, "\(failed)")
        #expect(failed.error?.localizedCaseInsensitiveContains("refused") == true, "the last failure is named: \(failed)")
        #expect(failed.error?.hasSuffix("press d to try again") == true, "\(failed)")
        #expect(failed.reason == "no connection")
        #expect(sleep.recorded == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)], "bounded exponential backoff, virtual")
        let notes = Self.progress(of: video.key, in: log).compactMap(\.note)
        #expect(notes.last == "no connection; try 5 of 5 in 8 s", "\(notes)")
        #expect(try await store.submission(key: video.key)?.downloadState == .failed)
        // Once failed, it is not "already downloading".
        #expect(!log.all.contains { if case .boardActionFailed = $0 { true } else { false } })

        // The service is back (on the same address, as after a network outage); d again completes the download.
        var again = options
        again.port = port
        let second = try await Simulator.start(again, logger: simLogger)
        do {
            let count = Self.progress(of: video.key, in: log).count
            engine.download(key: video.key)
            let done = try await Self.finalProgress(of: video.key, in: log, after: count)
            #expect(done.done, "\(done)")
            let path = try #require(done.path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == servedVideo)
            #expect(try await store.submission(key: video.key)?.downloadState == .done)
            await second.stop()
        } catch {
            await second.stop()
            throw error
        }
    }

    @Test("d on a download already running starts nothing and says so")
    func secondDownloadIsRefused() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await storedCompletedVideo(sim: sim, client: client, store: store)
            var detail = try await client.video(id: video.videoID)
            detail.videoURL = try relink(try #require(detail.videoURL), port: try deadPort())
            try await store.update(with: detail)
            let log = BoardEngineTestLog()
            let engine = BoardEngine(store: store, service: client, downloads: try downloadTempDir(), schedule: PollSchedule(scale: 0.05),
                                     logger: quietLogger, post: log.post)
            // The first download waits in its backoff until the test lets it go on.
            let gate = AsyncStream<Void>.makeStream()
            let waiting = Mutex(false)
            engine.downloadRetry.withLock {
                $0 = DownloadRetry(sleep: { _ in
                    waiting.withLock { $0 = true }
                    for await _ in gate.stream { break }
                })
            }
            engine.download(key: video.key)
            try await eventuallyTrue { waiting.withLock { $0 } }
            engine.download(key: video.key)
            #expect(log.all.contains { if case .boardActionFailed(let text) = $0 { text == "Already downloading this video" } else { false } })
            gate.continuation.yield()
            let done = try await Self.finalProgress(of: video.key, in: log)
            #expect(done.done, "\(done)")
            let media = mediaGetCount(await sim.state.requestCounts())
            #expect(media == 1, "one download, not two: \(media)")
        }
    }

    @Test("a full disk is not retried: one request, no wait, the part file kept")
    func fullDiskIsNotRetried() async throws {
        try await withSimulator(configure: { options in
            options.renderSeconds = 1
            options.mediaBytes = 3_000_000
        }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let video = try await storedCompletedVideo(sim: sim, client: client, store: store)
            let disk = try downloadTempDir()
            guard mount("tmpfs", disk.path, "tmpfs", 0, "size=1m") == 0 else {
                Issue.record("cannot mount a tmpfs (errno \(errno)); the test needs root")
                return
            }
            defer { _ = umount2(disk.path, Int32(MNT_DETACH)) }
            let sleep = VirtualSleep()
            let before = mediaGetCount(await sim.state.requestCounts())
            await #expect(throws: DownloadWriteError.self) {
                try await Downloader(store: store, service: client, logger: quietLogger, retry: sleep.retry())
                    .download(key: video.key, into: disk, overwrite: false) { _ in }
            }
            #expect(mediaGetCount(await sim.state.requestCounts()) - before == 1)
            #expect(sleep.recorded.isEmpty)
            let names = try FileManager.default.contentsOfDirectory(atPath: disk.path)
            #expect(names.count == 1 && names.first?.hasSuffix(".part") == true, "\(names)")
            let row = try #require(try await store.submission(key: video.key))
            #expect(row.downloadState == .failed)
            #expect((row.downloadedBytes ?? 0) > 500_000, "the bytes kept are recorded: \(String(describing: row.downloadedBytes))")
        }
    }

    @Test("link expiry is read from presigned queries")
    func expiryParsing() {
        #expect(DownloadRetry.expiry(of: "https://cdn.test/v.mp4?Expires=1790000000&Signature=x") == Date(timeIntervalSince1970: 1_790_000_000))
        #expect(DownloadRetry.expiry(of: "https://s3.test/v.mp4?X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=x")
            == Date(timeIntervalSince1970: 1_767_225_600 + 3_600))
        #expect(DownloadRetry.expiry(of: "https://cdn.test/v.mp4") == nil)
        #expect(DownloadRetry.expiry(of: "https://cdn.test/v.mp4?Expires=nan") == nil)
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let retry = DownloadRetry(now: { now })
        #expect(retry.isStale("https://cdn.test/v.mp4?Expires=1790000010", fetchedAt: nil), "expires within the margin")
        #expect(!retry.isStale("https://cdn.test/v.mp4?Expires=1790003600", fetchedAt: nil))
        #expect(retry.isStale("https://cdn.test/v.mp4", fetchedAt: now.addingTimeInterval(-7_200)), "no expiry: older than an hour")
        #expect(!retry.isStale("https://cdn.test/v.mp4", fetchedAt: now.addingTimeInterval(-60)))
        #expect(retry.delay(afterFailure: 1) == .seconds(1))
        #expect(retry.delay(afterFailure: 10) == .seconds(30), "capped")
        #expect(retry.delay(afterFailure: 1_000) == .seconds(30), "no overflow")
    }

    // MARK: - Helpers

    /// An API client that fails a refused connection at once (the default one waits up to 10 s for it).
    static let failFastClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    static func progress(of key: String, in log: BoardEngineTestLog) -> [DownloadProgress] {
        log.all.compactMap { if case .downloadProgressed(let k, let p) = $0, k == key { p } else { nil } }
    }

    /// The first report after `after` that ends the download (done or failed).
    static func finalProgress(of key: String, in log: BoardEngineTestLog, after: Int = 0) async throws -> DownloadProgress {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let last = progress(of: key, in: log).dropFirst(after).first(where: { !$0.isRunning }) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the download of \(key) did not end: \(progress(of: key, in: log))")
        throw CancellationError()
    }
}

private func eventuallyTrue(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw CancellationError() }
        try await Task.sleep(for: .milliseconds(10))
    }
}
