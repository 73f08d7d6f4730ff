import Foundation
import HeyGen
import Logging
import Synchronization

/// Appends log lines to a file (created 0600 in a 0700 folder): while the full-screen app owns the
/// terminal, nothing may be printed to it.
struct FileLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String
    let sink: Sink

    final class Sink: Sendable {
        let handle: Mutex<FileHandle?>

        init(url: URL) {
            let fm = FileManager.default
            try? fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o700])
            if !fm.fileExists(atPath: url.path) {
                fm.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            let handle = try? FileHandle(forWritingTo: url)
            _ = try? handle?.seekToEnd()
            self.handle = Mutex(handle)
        }

        func write(_ line: String) {
            handle.withLock { $0?.write(Data(line.utf8)) }
        }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let stamp = PlainFormat.iso8601(Date())
        sink.write("\(stamp) \(event.level) \(label): \(event.message)\n")
    }

    /// A logger writing to `$XDG_STATE_HOME/twindeck/twindeck.log`.
    static func logger() -> Logger {
        let sink = Sink(url: Paths.stateDirectory.appendingPathComponent("twindeck.log"))
        var logger = Logger(label: "twindeck") { label in FileLogHandler(label: label, sink: sink) }
        logger.logLevel = ProcessInfo.processInfo.environment["TWINDECK_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }
}
