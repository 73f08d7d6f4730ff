import ArgumentParser
import Foundation
import HeyGen
import TwinDeckCore

extension TwinDeckCommand {
    /// `twindeck download <video-id>`: the rendered file, resumable, never overwriting without `--force`.
    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a completed video (resumes after an interruption; an expired link is refreshed).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var format: OutputOptions
        @Argument(help: "The video id.") var videoID: String
        @Option(name: .shortAndLong, help: ArgumentHelp("A folder, or the file to write (default: TWINDECK_DOWNLOAD_DIR, XDG_DOWNLOAD_DIR or ~/Downloads).", valueName: "path"))
        var output: String?
        @Flag(help: "The captioned version.") var captioned = false
        @Flag(help: "The subtitles (.srt) instead of the video.") var subtitles = false
        @Flag(help: "Replace an existing file.") var force = false

        func validate() throws {
            if captioned && subtitles { throw ValidationError("use --captioned or --subtitles, not both") }
        }

        func run() async throws {
            try await Session.with(global) { session in
                let store = try session.openStore()
                // The download works from the board's row: add the video when it was made elsewhere.
                let key: String
                if let row = try await store.submission(videoID: videoID) {
                    key = row.idempotencyKey
                    _ = try await store.update(with: try await session.client.video(id: videoID))
                } else {
                    key = try await store.importVideo(try await session.client.video(id: videoID)).idempotencyKey
                }
                guard let row = try await store.submission(key: key), row.status == VideoStatus.completed.rawValue else {
                    throw CLIError("video \(videoID) is not completed yet; try twindeck status \(videoID) --wait", code: 1)
                }
                var target = Paths.downloadDirectory
                var exact = false
                if let path = output {
                    var isDir: ObjCBool = false
                    target = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
                    exact = !(FileManager.default.fileExists(atPath: target.path, isDirectory: &isDir) && isDir.boolValue) && !path.hasSuffix("/")
                }
                let progress = ProgressLine()
                defer { progress.finish() }
                let kind: Downloader.Kind = subtitles ? .subtitles : captioned ? .captioned : .video
                let result = try await Downloader(store: store, service: session.client, logger: Logging.makeLogger(quiet: format.json))
                    .download(key: key, into: target, exactPath: exact, kind: kind, overwrite: force) { p in
                        if !format.json { progress.update(Self.describe(p)) }
                    }
                if format.json {
                    try Output.json(Saved(videoID: videoID, path: result.url.path, bytes: result.size))
                } else {
                    progress.event("Saved \(result.url.path) (\(result.size) bytes)")
                }
            }
        }

        struct Saved: Encodable {
            var videoID: String
            var path: String
            var bytes: Int64
            enum CodingKeys: String, CodingKey { case videoID = "video_id", path, bytes }
        }

        static func describe(_ p: DownloadProgress) -> String {
            let total = p.total.map { " of \($0)" } ?? ""
            let percent = p.total.map { $0 > 0 ? " \(Int(saturating: Double(p.received) * 100 / Double($0)))%" : "" } ?? ""
            let rate = p.bytesPerSecond > 0 ? " · \(Int(saturating: p.bytesPerSecond / 1024)) KB/s" : ""
            return "downloading\(percent) · \(p.received)\(total) bytes\(rate)"
        }
    }
}
