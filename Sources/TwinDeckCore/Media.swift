import Foundation
import HeyGen
import Synchronization

/// Finds helper programs (`chafa`, audio players) on `PATH`; none of them is required.
public enum Executables {
    /// The full path of `name` in the `PATH` of `environment`, when it is there and executable.
    public static func find(_ name: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A child program run with its output captured, never attached to the terminal.
public enum ChildProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var timedOut: Bool
    }

    /// Runs `executable` with `arguments`, stdin from /dev/null, and waits at most `timeout` (then SIGTERM, and
    /// SIGKILL a second later). The blocking reads and the timer run on threads of their own, so any number of runs
    /// at once neither starve each other nor the cooperative pool, nor wait for it.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           timeout: TimeInterval = 10) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let run = RunState()
        // The timer is a thread of its own too: a busy cooperative pool must not delay it.
        let reaped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            guard reaped.wait(timeout: .now() + timeout) == .timedOut else { return }
            run.timedOut.store(true, ordering: .relaxed)
            kill(pid, SIGTERM)
            if reaped.wait(timeout: .now() + 1) == .timedOut { kill(pid, SIGKILL) }
        }
        defer { reaped.signal() }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                // Both pipes are read to the end (a full pipe would stall the child), then the child is reaped. The
                // throwing read: the older `readDataToEndOfFile` traps on a read error.
                let stderrDone = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    do {
                        let data = try err.fileHandleForReading.readToEnd() ?? Data()
                        run.stderr.withLock { $0 = data }
                    } catch {
                        run.readError.withLock { $0 = $0 ?? error }
                    }
                    stderrDone.signal()
                }
                var stdout = Data()
                do {
                    stdout = try out.fileHandleForReading.readToEnd() ?? Data()
                } catch {
                    run.readError.withLock { $0 = $0 ?? error }
                }
                stderrDone.wait()
                process.waitUntilExit()
                if let error = run.readError.withLock({ $0 }) {
                    continuation.resume(throwing: error)
                } else {
                    continuation.resume(returning: Output(status: process.terminationStatus, stdout: stdout,
                                                          stderr: run.stderr.withLock { $0 }, timedOut: run.timedOut.load(ordering: .relaxed)))
                }
            }
        }
    }
}

/// What the threads of one ``ChildProcess/run`` share.
private final class RunState: Sendable {
    let timedOut = Atomic(false)
    let stderr = Mutex(Data())
    /// The first error reading the child's output.
    let readError = Mutex<(any Error)?>(nil)
}

/// Draws look pictures with `chafa` (symbols mode, so they work over any SSH link) into cells the frame can hold.
/// Images are fetched once and kept in a cache folder.
public struct PreviewRenderer: Sendable {
    public let cacheDirectory: URL
    public let environment: [String: String]
    /// `256`, `16` or `none`: what the terminal can show.
    public let colorMode: String
    public let fetch: @Sendable (String) async throws -> Data

    public init(cacheDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment,
                colorMode: String = "256", fetch: @escaping @Sendable (String) async throws -> Data) {
        self.cacheDirectory = cacheDirectory
        self.environment = environment
        self.colorMode = colorMode
        self.fetch = fetch
    }

    public static let chafaMissing =
        "Pictures need chafa: sudo apt install chafa (Debian/Ubuntu), brew install chafa (macOS). Y copies the image URL."

    /// The picture of `url` at most `width`×`height` cells, or why there is none.
    public func render(lookID: String, url: String, width: Int, height: Int) async -> PreviewPhase {
        guard let chafa = Executables.find("chafa", environment: environment) else { return .unavailable(Self.chafaMissing) }
        let file: URL
        do {
            file = try await cachedImage(lookID: lookID, url: url)
        } catch let error as HeyGenError {
            return .failed("could not fetch the image: \(error.shortDescription)")
        } catch {
            return .failed("could not fetch the image: \(Sanitizer.inert(String(describing: error)))")
        }
        let arguments = ["--format", "symbols", "--size", "\(width)x\(height)", "--colors", colorMode,
                         "--animate", "off", "--polite", "on", file.path]
        do {
            let output = try await ChildProcess.run(chafa, arguments, timeout: 10)
            guard !output.timedOut else { return .failed("chafa took longer than 10 s") }
            guard output.status == 0 else {
                let reason = String(decoding: output.stderr, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "status \(output.status)"
                return .failed("chafa could not draw it: \(Sanitizer.inert(reason))")
            }
            let picture = Picture.parseANSI(String(decoding: output.stdout, as: UTF8.self), maxWidth: width, maxHeight: height)
            return picture.height == 0 ? .failed("chafa drew nothing") : .ready(picture)
        } catch {
            return .failed("could not run chafa: \(Sanitizer.inert(String(describing: error)))")
        }
    }

    /// The image file for `url`, fetched on first use. The name carries a hash of the URL, so a new image is a new file.
    func cachedImage(lookID: String, url: String) async throws -> URL {
        let safeID = String(lookID.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }.prefix(64))
        return try await MediaCache.file(for: url, prefix: safeID + "-", suffix: ".img", in: cacheDirectory, fetch: fetch)
    }
}

/// Media files kept on disk (0600) under a name carrying a hash of their URL, so a new URL is a new file.
enum MediaCache {
    /// The file holding `url`'s bytes, fetched with `fetch` the first time.
    static func file(for url: String, prefix: String, suffix: String = "", in directory: URL,
                     fetch: @Sendable (String) async throws -> Data) async throws -> URL {
        let file = directory.appendingPathComponent(prefix + String(stableHash(url.utf8), radix: 16) + suffix)
        if !FileManager.default.fileExists(atPath: file.path) { try PrivateFile.write(try await fetch(url), to: file) }
        return file
    }
}


/// Plays voice previews with whatever player the machine has; over SSH it declines (the sound would play on the server).
public final class AudioPlayer: Sendable {
    /// Players tried in order, with the arguments that play a URL (or file) once, quietly, without a window.
    public static let players: [(name: String, arguments: [String], needsFile: Bool)] = [
        ("mpv", ["--no-video", "--really-quiet", "--no-terminal"], false),
        ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "quiet"], false),
        ("pw-play", [], true),
        ("paplay", [], true),
    ]

    let environment: [String: String]
    let cacheDirectory: URL
    let fetch: @Sendable (String) async throws -> Data
    private let current = Mutex<Process?>(nil)

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, cacheDirectory: URL,
                fetch: @escaping @Sendable (String) async throws -> Data) {
        self.environment = environment
        self.cacheDirectory = cacheDirectory
        self.fetch = fetch
    }

    /// Whether this session is over SSH (the terminal is far from the speakers).
    public var overSSH: Bool {
        !(environment["SSH_CONNECTION"] ?? "").isEmpty || !(environment["SSH_TTY"] ?? "").isEmpty
    }

    /// Plays `url`, reporting each phase through `report`; `nil` means it finished.
    public func play(_ url: String, report: @escaping @Sendable (AuditionPhase?) -> Void) async {
        stop()
        if overSSH {
            return report(.link(reason: "Over SSH the sound would play on the server: open the link on your machine"))
        }
        guard let (name, path, arguments, needsFile) = Self.players.lazy.compactMap({ p in
            Executables.find(p.name, environment: self.environment).map { (p.name, $0, p.arguments, p.needsFile) }
        }).first else {
            return report(.link(reason: "No audio player found (mpv, ffplay, pw-play or paplay): open the link instead"))
        }
        var target = url
        if needsFile {
            do {
                target = try await MediaCache.file(for: url, prefix: "audition-", in: cacheDirectory, fetch: fetch).path
            } catch {
                return report(.failed("could not fetch the preview: \(Sanitizer.inert(String(describing: error)))"))
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments + [target]
        // The player must never write over the screen.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.terminationHandler = { [weak self] finished in
            let wasCurrent = self?.current.withLock { current in
                guard current === finished else { return false }
                current = nil
                return true
            } ?? false
            guard wasCurrent else { return }  // stopped on purpose: nothing to say
            let status = finished.terminationStatus
            report(status == 0 ? nil : .failed("\(name) stopped with status \(status)"))
        }
        do {
            // Reported under the lock: the termination handler needs it too, so "finished" never comes before "playing".
            try current.withLock { current in
                try process.run()
                current = process
                report(.playing(player: name))
            }
        } catch {
            report(.failed("could not start \(name): \(Sanitizer.inert(String(describing: error)))"))
        }
    }

    /// Stops what is playing, if anything.
    public func stop() {
        let process = current.withLock { current in
            defer { current = nil }
            return current
        }
        if let process, process.isRunning { process.terminate() }
    }
}
