import Foundation
import HeyGen
import Logging

/// How a download rides out network failures: a bounded number of tries in a row that make no progress, with an
/// exponential wait between them on an injected sleep (tests pass one that returns at once), and when a stored
/// link is taken to be stale.
public struct DownloadRetry: Sendable {
    /// Tries in a row without a byte of progress before the download is marked failed.
    public var maxTries: Int
    /// The wait after the first failure; it doubles after each one, up to `maxDelay`.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A link whose expiry (from its query: `Expires`, `X-Amz-Date` + `X-Amz-Expires`, …) is nearer than this is
    /// replaced before use.
    public var expiryMargin: TimeInterval
    /// A link that carries no expiry is replaced when it was fetched longer ago than this.
    public var linkLifetime: TimeInterval
    public var sleep: @Sendable (Duration) async throws -> Void
    public var now: @Sendable () -> Date

    public init(
        maxTries: Int = 5, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(30), expiryMargin: TimeInterval = 30,
        linkLifetime: TimeInterval = 3_600, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.maxTries = max(1, maxTries)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.expiryMargin = expiryMargin
        self.linkLifetime = linkLifetime
        self.sleep = sleep
        self.now = now
    }

    public static let standard = DownloadRetry()

    /// The wait after `failures` failures in a row (1-based): base·2ⁿ⁻¹, capped.
    public func delay(afterFailure failures: Int) -> Duration {
        min(maxDelay, baseDelay * (1 << min(max(0, failures - 1), 20)))
    }

    /// When a presigned link stops working, from its query; nil when it does not say.
    public static func expiry(of link: String) -> Date? {
        guard let items = URLComponents(string: link)?.queryItems else { return nil }
        func value(_ name: String) -> String? { items.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value }
        for (dateName, lifetimeName) in [("X-Amz-Date", "X-Amz-Expires"), ("X-Goog-Date", "X-Goog-Expires")] {
            if let stamp = value(dateName), let lifetime = value(lifetimeName).flatMap(Double.init), lifetime.isFinite {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
                if let signed = formatter.date(from: stamp) { return signed.addingTimeInterval(min(lifetime, 1e9)) }
            }
        }
        // CloudFront and S3 query-string auth v2 (`Expires`), the simulator (`expires`): seconds since 1970.
        if let epoch = value("Expires").flatMap(Double.init), epoch.isFinite, epoch > 0, epoch < 1e11 {
            return Date(timeIntervalSince1970: epoch)
        }
        return nil
    }

    /// Whether a link fetched at `fetchedAt` should be replaced before it is used.
    public func isStale(_ link: String, fetchedAt: Date?) -> Bool {
        let now = now()
        if let expiry = Self.expiry(of: link) { return expiry.timeIntervalSince(now) < expiryMargin }
        guard let fetchedAt else { return false }
        return now.timeIntervalSince(fetchedAt) > linkLifetime
    }
}

/// A download gave up: the last failure, after how many tries, with the bytes kept.
public struct DownloadFailure: Error, Sendable, CustomStringConvertible {
    public var underlying: HeyGenError
    public var tries: Int
    public var received: Int64

    /// In a word or two, for a board row.
    public var reason: String { Downloader.shortReason(underlying) }

    public var description: String {
        let what = tries > 1 ? "gave up after \(tries) tries" : "stopped"
        return "the download \(what) (\(received) bytes kept): \(underlying.description)"
    }
}

/// Downloads a submission's video: into a `.part` file, resumed with `Range`, renamed into place when
/// complete. An expired link (403/404) is replaced by a fresh one from `GET /v3/videos/{id}`, and so is a link
/// that cannot be reached (a connection refused, a host gone): after each such failure the downloader waits
/// (``DownloadRetry``), fetches a fresh link and goes on from the part file, and gives up after
/// ``DownloadRetry/maxTries`` tries in a row without progress. A disk that refuses the bytes is not retried.
public struct Downloader: Sendable {
    public enum Kind: String, Sendable { case video, captioned, subtitles }

    let store: SubmissionStore
    let service: any VideoService
    let logger: Logger
    let retry: DownloadRetry

    public init(store: SubmissionStore, service: any VideoService, logger: Logger, retry: DownloadRetry = .standard) {
        self.store = store
        self.service = service
        self.logger = logger
        self.retry = retry
    }

    /// - Parameters:
    ///   - target: a folder (the file is named from the title) or, with `exactPath`, the file itself.
    ///   - overwrite: replace an existing file; otherwise a new name is chosen (folder) or the call fails (exact path).
    ///   - progress: bytes as they arrive, and a report with a ``DownloadProgress/note`` before each wait.
    /// - Returns: where the file is and its size.
    /// - Throws: ``DownloadFailure`` when the tries are used up, ``DownloadWriteError`` when the disk refuses the
    ///   bytes, ``HeyGenError`` for what no retry fixes (no such video, no link, the file exists).
    public func download(
        key: String, into target: URL, exactPath: Bool = false, kind: Kind = .video, overwrite: Bool,
        progress: @escaping @Sendable (DownloadProgress) -> Void
    ) async throws -> (url: URL, size: Int64) {
        guard var row = try await store.submission(key: key), let videoID = row.videoID else {
            throw HeyGenError(kind: .notFound, message: "no such video on the board")
        }
        func link(_ row: Submission) -> String? {
            switch kind {
            case .video: row.videoURL
            case .captioned: row.captionedVideoURL
            case .subtitles: row.subtitleURL
            }
        }
        // A link missing, or one that may have expired since it was stored (the app was closed for a day), is
        // replaced first. A network failure here is not final: the stored link may still work.
        let fetchedAt = [row.lastPolledAt, row.webhookAt, row.completedAt].compactMap { $0 }.max()
        if link(row) == nil || link(row).map({ retry.isStale($0, fetchedAt: fetchedAt) }) == true {
            do {
                row = try await store.update(with: try await service.video(id: videoID)) ?? row
            } catch let error as HeyGenError where Self.isRetryable(error) && link(row) != nil {
                logger.info("could not refresh the download link (\(error.shortDescription)); trying the stored one")
            }
        }
        guard var url = link(row) else { throw HeyGenError(kind: .notFound, message: "the video has no \(kind.rawValue) link yet") }
        let ext = kind == .subtitles ? "srt" : (row.requestBody?.contains("\"webm\"") == true ? "webm" : "mp4")
        let destination: URL
        if exactPath {
            destination = target
        } else {
            let name = DownloadName.make(title: row.title.map { kind == .captioned ? $0 + " (captioned)" : $0 }, videoID: videoID, extension: ext)
            destination = Self.free(target.appendingPathComponent(name), overwrite: overwrite)
        }
        if FileManager.default.fileExists(atPath: destination.path), !overwrite {
            throw HeyGenError(kind: .configuration, message: "\(destination.path) exists; use --force to replace it")
        }
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        let part = destination.deletingLastPathComponent().appendingPathComponent("." + destination.lastPathComponent + ".part")
        func held() -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: part.path))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        _ = try await store.updateDownload(key: key, path: destination.path, state: .downloading, downloadedBytes: held(), totalBytes: nil)
        let meter = ProgressMeter(started: Date(), report: progress)
        var refusedOnce = false
        var needsFreshLink = false
        var failures = 0
        var tries = 0
        func fail(_ error: any Error) async -> any Error {
            // Not `try?` over the error being reported: a store failure here is logged, the download's own error thrown.
            do {
                _ = try await store.updateDownload(key: key, path: destination.path, state: .failed, downloadedBytes: held(), totalBytes: nil)
            } catch {
                logger.error("recording the failed download of \(key): \(error)")
            }
            return error
        }
        while true {
            tries += 1
            let before = held()
            do {
                if needsFreshLink {
                    // A network failure may mean a dead link (an old simulator port, a moved host): ask for a fresh one.
                    row = try await store.update(with: try await service.video(id: videoID)) ?? row
                    guard let fresh = link(row) else { throw HeyGenError(kind: .notFound, message: "the video has no \(kind.rawValue) link any more") }
                    url = fresh
                    needsFreshLink = false
                }
                let size: Int64
                do {
                    size = try await service.download(from: url, to: part) { received, total in meter.update(received, total) }
                } catch let error as HeyGenError where (error.kind == .forbidden || error.kind == .notFound) && !refusedOnce {
                    // Presigned links expire: get a fresh one at once and go on from the same part file.
                    logger.info("download link refused (\(error.shortDescription)); fetching a fresh one")
                    refusedOnce = true
                    needsFreshLink = true
                    tries -= 1
                    continue
                }
                if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
                try FileManager.default.moveItem(at: part, to: destination)
                _ = try await store.updateDownload(key: key, path: destination.path, state: .done, downloadedBytes: size, totalBytes: size)
                return (destination, size)
            } catch let error as HeyGenError where Self.isRetryable(error) {
                // Only failures in a row count: a try that moved the download on starts the count again.
                if held() > before { failures = 0 }
                failures += 1
                guard failures < retry.maxTries else {
                    logger.warning("download of \(key) failed \(failures) times in a row: \(error.description)")
                    throw await fail(DownloadFailure(underlying: error, tries: failures, received: held()))
                }
                needsFreshLink = true
                let wait = retry.delay(afterFailure: failures)
                let note = "\(Self.shortReason(error)); try \(failures + 1) of \(retry.maxTries) in \(Self.seconds(wait)) s"
                logger.info("download of \(key) interrupted (\(error.message)); \(note)")
                progress(DownloadProgress(received: held(), total: meter.lastTotal, bytesPerSecond: 0, note: note))
                meter.reset()
                do {
                    try await retry.sleep(wait)
                } catch {
                    throw await fail(error)  // cancelled
                }
            } catch {
                throw await fail(error)
            }
        }
    }

    /// "4", "0.5": a wait in seconds, for people.
    static func seconds(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return s == s.rounded() ? String(Int(saturating: s)) : String(format: "%.1f", s)
    }

    /// Failures another try may fix: the network, a timeout, a server error, a rate limit.
    static func isRetryable(_ error: HeyGenError) -> Bool {
        switch error.kind {
        case .transport, .timeout, .server, .rateLimited: true
        default: false
        }
    }

    /// A failure in a word or two, for a board row.
    public static func shortReason(_ error: HeyGenError) -> String {
        switch error.kind {
        case .transport: "no connection"  // refused, reset, no route: the detail gives the message
        case .timeout: "timed out"
        case .server: "server error"
        case .rateLimited: "rate limited"
        case .forbidden: "link refused"
        case .notFound: "link gone"
        default: error.kind.rawValue
        }
    }

    /// `name.mp4`, or `name (2).mp4` when taken.
    static func free(_ url: URL, overwrite: Bool) -> URL {
        guard !overwrite, FileManager.default.fileExists(atPath: url.path) else { return url }
        let stem = url.deletingPathExtension().lastPathComponent, ext = url.pathExtension
        for n in 2...999 {
            let candidate = url.deletingLastPathComponent().appendingPathComponent("\(stem) (\(n)).\(ext)")
            if !FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return url
    }
}

/// Turns byte counts into progress reports at most every 200 ms, with a rate.
final class ProgressMeter: @unchecked Sendable {
    // Called from one download task at a time.
    let started: Date
    let report: @Sendable (DownloadProgress) -> Void
    var last = Date.distantPast
    /// The size the server gave last, for the reports made between tries.
    private(set) var lastTotal: Int64?

    /// The next update is reported whatever the time (after a "retrying" note, so the row shows progress again).
    func reset() { last = .distantPast }

    init(started: Date, report: @escaping @Sendable (DownloadProgress) -> Void) {
        self.started = started
        self.report = report
    }

    func update(_ received: Int64, _ total: Int64?) {
        lastTotal = total ?? lastTotal
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.2 || received == total else { return }
        last = now
        let rate = Double(received) / max(0.001, now.timeIntervalSince(started))
        report(DownloadProgress(received: received, total: total, bytesPerSecond: rate))
    }
}
