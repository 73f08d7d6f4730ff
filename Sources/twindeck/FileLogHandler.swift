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

    /// The open log file. A line that cannot be written (a full disk, a failing one) is dropped and counted, never
    /// fatal: the next line that can be written is preceded by a note of how many were lost and why.
    final class Sink: Sendable {
        struct State {
            var handle: FileHandle?
            /// Lines lost since the last one written, and the last error.
            var dropped = 0
            var lastError: String?
        }

        let state: Mutex<State>

        init(url: URL) {
            let fm = FileManager.default
            // Logging is best effort: a folder or file that cannot be made leaves the app without a log, not stopped.
            try? fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o700])
            if !fm.fileExists(atPath: url.path) {
                _ = fm.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            let handle = try? FileHandle(forWritingTo: url)
            _ = try? handle?.seekToEnd()
            self.state = Mutex(State(handle: handle))
        }

        /// Lines dropped since the last one written.
        var dropped: Int { state.withLock { $0.dropped } }

        func write(_ line: String) {
            state.withLock { s in
                guard let handle = s.handle else { return }
                do {
                    if s.dropped > 0 {
                        let note = "\(PlainFormat.iso8601(Date())) warning twindeck: \(s.dropped) log line(s) were dropped (\(s.lastError ?? "write failed"))\n"
                        try handle.write(contentsOf: Data(note.utf8))
                        s.dropped = 0
                        s.lastError = nil
                    }
                    try handle.write(contentsOf: Data(line.utf8))
                } catch {
                    s.dropped += 1
                    s.lastError = Sanitizer.inert(String(describing: error), limit: 120)
                }
            }
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
