import ArgumentParser
import AsyncHTTPClient
import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import TwinDeckCore

/// A client ready to use, plus the in-process simulator when `--demo` started one.
struct Session {
    let client: HeyGenClient
    let simulator: RunningSimulator?

    var isDemo: Bool { simulator != nil }

    /// Resolves options and environment into a client; starts the simulator for `--demo`.
    static func open(_ options: GlobalOptions, quiet: Bool = false, logger: Logger? = nil) async throws -> Session {
        let env = ProcessInfo.processInfo.environment
        let logger = logger ?? Logging.makeLogger(quiet: quiet)
        if options.demo {
            // The simulator's own URL is used; a bad --base-url given as well is still refused, not ignored.
            if let given = options.baseURL, !given.isEmpty { try checkBaseURL(given) }
            var simOptions = SimulatorOptions()
            simOptions.statePath = Paths.dataDirectory.appendingPathComponent("demo-simulator.json").path
            // A balance, so the header and the pre-flight show what a pay-as-you-go account shows.
            simOptions.credits = 1_000
            // Renders follow the simulator's realistic model (a short script takes 10-15 s, Avatar V and 4k longer,
            // seeded, an outlier now and then); TWINDECK_DEMO_RENDER_SECONDS fixes every render's time instead.
            if let seconds = env["TWINDECK_DEMO_RENDER_SECONDS"].flatMap(Double.init), seconds.isFinite, seconds >= 0 {
                simOptions.renderSeconds = seconds
            }
            // TWINDECK_DEMO_BILLING=subscription|usage_based shows the other account kinds (the default: a wallet in credits).
            if let word = env["TWINDECK_DEMO_BILLING"], !word.isEmpty {
                guard let billing = SimulatedBilling(rawValue: word) else {
                    throw CLIError("TWINDECK_DEMO_BILLING must be \(SimulatedBilling.allCases.map(\.rawValue).joined(separator: ", ")) (got \(Sanitizer.inert(word, limit: 40)))", code: 64)
                }
                simOptions.billing = billing
            }
            var simLogger = Logger(label: "simulator")
            simLogger.logLevel = .critical
            let simulator = try await Simulator.start(simOptions, logger: simLogger)
            let client = HeyGenClient(
                configuration: HeyGenConfiguration(baseURL: simulator.baseURL, apiKey: simOptions.apiKey), logger: logger)
            return Session(client: client, simulator: simulator)
        }
        // Surrounding spaces and line breaks go (a key file saved with CRLF, a CI secret ending in a newline).
        func given(_ value: String?) -> String? {
            value.map { PlainText.trimmed($0, newlines: true) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var baseURL = given(options.baseURL).map { ($0, "--base-url") } ?? given(env["HEYGEN_BASE_URL"]).map { ($0, "HEYGEN_BASE_URL") }
        var key = given(options.apiKey).map { ($0, "--api-key") } ?? given(env["HEYGEN_API_KEY"]).map { ($0, "HEYGEN_API_KEY") }
        // The config file fills in what the flags and the environment left open (it is refused when others can read it).
        if baseURL == nil || key == nil, let file = try ConfigFile.load() {
            baseURL = baseURL ?? given(file.baseURL).map { ($0, "base_url in \(ConfigFile.url.path)") }
            key = key ?? given(file.apiKey).map { ($0, "api_key in \(ConfigFile.url.path)") }
        }
        let url = baseURL?.0 ?? HeyGenConfiguration.defaultBaseURL
        try checkBaseURL(url, from: baseURL?.1)
        if let (value, source) = key, let problem = HeyGenConfiguration.problem(withAPIKey: value) {
            throw CLIError("\(problem) (from \(source))", code: 64)
        }
        guard let key = key?.0 else {
            throw CLIError(
                "no API key: set HEYGEN_API_KEY (export HEYGEN_API_KEY=…), pass --api-key, or put api_key = … in "
                    + "\(ConfigFile.url.path) (chmod 600); or try --demo to use the built-in simulator",
                code: 1)
        }
        return Session(client: HeyGenClient(configuration: HeyGenConfiguration(baseURL: url, apiKey: key), logger: logger), simulator: nil)
    }

    /// Plain `http` is allowed only to loopback: the key must not cross a network in clear text.
    /// The rules are ``HeyGenConfiguration/problem(withBaseURL:)``'s; a refusal is exit 64, before any request.
    static func checkBaseURL(_ value: String, from source: String? = nil) throws {
        if let problem = HeyGenConfiguration.problem(withBaseURL: value) {
            throw CLIError(problem + (source.map { " (from \($0))" } ?? ""), code: 64)
        }
    }

    /// Uploads local files for this session's account, remembering each (`assets-demo.json` with `--demo`).
    func uploader() -> LocalFileUploader {
        LocalFileUploader(
            service: client, cache: AssetCache(url: Paths.cacheDirectory.appendingPathComponent(isDemo ? "assets-demo.json" : "assets.json")),
            account: isDemo ? "demo" : client.configuration.accountTag)
    }

    /// The history of submissions for this session (`demo-store.sqlite` with `--demo`, so demo videos never
    /// mix with real ones).
    func openStore() throws -> SubmissionStore {
        try Self.openStore(demo: isDemo)
    }

    /// The history file: `store.sqlite` for the API, `demo-store.sqlite` for the simulator, in the data directory.
    static func storeURL(demo: Bool) -> URL {
        Paths.dataDirectory.appendingPathComponent(demo ? "demo-store.sqlite" : "store.sqlite")
    }

    /// Opens the history without a client (listing it needs no key and no network).
    static func openStore(demo: Bool) throws -> SubmissionStore {
        let url = storeURL(demo: demo)
        do {
            return try SubmissionStore(path: url.path)
        } catch {
            throw CLIError("cannot open the history at \(url.path): \(error)")
        }
    }

    func close() async {
        await simulator?.stop()
    }

    /// Runs `body` with a session and closes it afterwards; errors become one line on stderr.
    static func with(_ options: GlobalOptions, quiet: Bool = false, _ body: (Session) async throws -> Void) async throws {
        let session: Session
        do {
            session = try await open(options, quiet: quiet)
        } catch {
            throw CLIError.wrap(error)
        }
        do {
            try await body(session)
            await session.close()
        } catch {
            await session.close()
            throw CLIError.wrap(error)
        }
    }
}

/// An error the CLI prints as one line and turns into an exit code.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var code: Int32

    init(_ message: String, code: Int32 = 1) {
        self.message = message
        self.code = code
    }

    var description: String { message }

    /// Prints `error` as one line on stderr and gives the exit code to throw.
    static func wrap(_ error: any Error) -> any Error {
        switch error {
        case let error as ExitCode: return error
        case let error as CLIError:
            Output.error(error.message)
            return ExitCode(error.code)
        case let error as HeyGenError:
            if error.kind == .invalidRequest {
                for issue in error.issues { Output.error("\(issue.field): \(issue.message)") }
                if error.issues.isEmpty { Output.error(error.description) }
                return ExitCode(64)
            }
            Output.error(error.description)
            // A look, voice or video the server does not know was named by the person: invalid input, like a bad option.
            return ExitCode(error.kind == .notFound ? 64 : 1)
        case is CancellationError:
            return ExitCode(130)
        default:
            Output.error(Sanitizer.inert(String(describing: error), limit: 300))
            return ExitCode(1)
        }
    }
}

/// `$XDG_CONFIG_HOME/twindeck/config`: `key = value` lines (`api_key`, `base_url`; `#` starts a comment).
/// It holds the API key, so it must be readable by its owner only: a group- or world-readable file is refused.
enum ConfigFile {
    static var url: URL { Paths.configDirectory.appendingPathComponent("config") }

    struct Values: Equatable {
        var apiKey: String?
        var baseURL: String?
    }

    /// The file's values, or nil when there is no file.
    static func load(from url: URL = ConfigFile.url) throws -> Values? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw CLIError(
                "\(url.path) holds the API key but other users can read it (mode \(String(mode, radix: 8))); "
                    + "make it private with: chmod 600 \(url.path)",
                code: 1)
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CLIError("cannot read \(url.path)", code: 1)
        }
        return try parse(String(decoding: data, as: UTF8.self), path: url.path)
    }

    static func parse(_ text: String, path: String) throws -> Values {
        var values = Values()
        // LF, CRLF (one Character, so splitting on "\n" alone would leave the file one line) or a lone CR.
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw CLIError("\(path):\(number + 1): expected key = value", code: 1)
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            switch name {
            case "api_key": values.apiKey = value.isEmpty ? nil : value
            case "base_url": values.baseURL = value.isEmpty ? nil : value
            default:
                // Never echo the line: it might be a mistyped key holding the secret.
                throw CLIError("\(path):\(number + 1): unknown setting \"\(Sanitizer.inert(name, limit: 40))\" (api_key, base_url)", code: 1)
            }
        }
        return values
    }
}

/// XDG locations.
enum Paths {
    static var home: URL { URL(fileURLWithPath: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) }

    static func xdg(_ variable: String, fallback: String) -> URL {
        if let value = ProcessInfo.processInfo.environment[variable], value.hasPrefix("/") {
            return URL(fileURLWithPath: value).appendingPathComponent("twindeck", isDirectory: true)
        }
        return home.appendingPathComponent(fallback).appendingPathComponent("twindeck", isDirectory: true)
    }

    static var dataDirectory: URL { xdg("XDG_DATA_HOME", fallback: ".local/share") }
    static var stateDirectory: URL { xdg("XDG_STATE_HOME", fallback: ".local/state") }
    static var configDirectory: URL { xdg("XDG_CONFIG_HOME", fallback: ".config") }
    static var cacheDirectory: URL { xdg("XDG_CACHE_HOME", fallback: ".cache") }

    /// Where downloads go: `TWINDECK_DOWNLOAD_DIR`, else `XDG_DOWNLOAD_DIR`, else `~/Downloads`.
    static var downloadDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["TWINDECK_DOWNLOAD_DIR"] ?? env["XDG_DOWNLOAD_DIR"], dir.hasPrefix("/") { return URL(fileURLWithPath: dir) }
        return home.appendingPathComponent("Downloads")
    }
}

enum Logging {
    /// A logger that writes warnings to stderr (or everything at `TWINDECK_LOG_LEVEL`).
    static func makeLogger(quiet: Bool) -> Logger {
        var logger = Logger(label: "twindeck") { label in StreamLogHandler.standardError(label: label) }
        let level = ProcessInfo.processInfo.environment["TWINDECK_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = quiet ? .critical : (level ?? .warning)
        return logger
    }
}
