import Foundation
import HeyGen
import Logging

/// Downloads a submission's video: into a `.part` file, resumed with `Range`, renamed into place when
/// complete; an expired link (403/404) is replaced by a fresh one from `GET /v3/videos/{id}`.
public struct Downloader: Sendable {
    public enum Kind: String, Sendable { case video, captioned, subtitles }

    let store: SubmissionStore
    let service: any VideoService
    let logger: Logger

    public init(store: SubmissionStore, service: any VideoService, logger: Logger) {
        self.store = store
        self.service = service
        self.logger = logger
    }

    /// - Parameters:
    ///   - target: a folder (the file is named from the title) or, with `exactPath`, the file itself.
    ///   - overwrite: replace an existing file; otherwise a new name is chosen (folder) or the call fails (exact path).
    /// - Returns: where the file is and its size.
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
        if link(row) == nil {
            row = try await store.update(with: try await service.video(id: videoID)) ?? row
        }
        guard let firstURL = link(row) else { throw HeyGenError(kind: .notFound, message: "the video has no \(kind.rawValue) link yet") }
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
        _ = try await store.updateDownload(key: key, path: destination.path, state: .downloading, downloadedBytes: 0, totalBytes: nil)
        var url = firstURL
        var refreshed = false
        var attempts = 0
        let started = Date()
        let meter = ProgressMeter(started: started, report: progress)
        while true {
            attempts += 1
            do {
                let size = try await service.download(from: url, to: part) { received, total in meter.update(received, total) }
                if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
                try FileManager.default.moveItem(at: part, to: destination)
                _ = try await store.updateDownload(key: key, path: destination.path, state: .done, downloadedBytes: size, totalBytes: size)
                return (destination, size)
            } catch let error as HeyGenError where (error.kind == .forbidden || error.kind == .notFound) && !refreshed {
                // Presigned links expire: get a fresh one and go on from the same part file.
                logger.info("download link refused (\(error.shortDescription)); fetching a fresh one")
                refreshed = true
                row = try await store.update(with: try await service.video(id: videoID)) ?? row
                guard let fresh = link(row) else { throw error }
                url = fresh
            } catch let error as HeyGenError where (error.kind == .transport || error.kind == .timeout) && attempts < 5 {
                logger.info("download interrupted (\(error.message)); resuming")
                try? await Task.sleep(for: .milliseconds(200 * attempts))
            } catch {
                _ = try? await store.updateDownload(key: key, path: destination.path, state: .failed, downloadedBytes: nil, totalBytes: nil)
                throw error
            }
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

    init(started: Date, report: @escaping @Sendable (DownloadProgress) -> Void) {
        self.started = started
        self.report = report
    }

    func update(_ received: Int64, _ total: Int64?) {
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.2 || received == total else { return }
        last = now
        let rate = Double(received) / max(0.001, now.timeIntervalSince(started))
        report(DownloadProgress(received: received, total: total, bytesPerSecond: rate))
    }
}
