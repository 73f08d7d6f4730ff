import ArgumentParser
import Foundation
import HeyGen
import Logging
import TwinDeckCore
import TwinDeckWebhooks

#if canImport(Glibc)
import Glibc
#endif

extension TwinDeckCommand {
    /// `twindeck webhook …`: registered endpoints and the receiver.
    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Webhooks instead of polling: register endpoints, and run the receiver that feeds the board.",
            discussion: """
                HeyGen signs deliveries to a registered endpoint with the endpoint's secret. `register` saves that \
                secret (mode 0600, under the config directory) and never prints it unless --show-secret is given; \
                `listen` verifies every delivery with it and records the outcome into the history the board reads, and \
                catches up on deliveries it missed while it was down from HeyGen's delivery history (`webhook events`).
                """,
            subcommands: [Register.self, List.self, Update.self, RotateSecret.self, Delete.self, Events.self, Listen.self])
    }
}

extension TwinDeckCommand.Webhook {
    /// `twindeck webhook register --url URL [--events …]`.
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an endpoint (POST /v3/webhooks/endpoints) and save its secret.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("The public https URL HeyGen posts to (your proxy or tunnel in front of `webhook listen`).", valueName: "url"))
        var url: String
        @Option(help: ArgumentHelp("Comma-separated events (default: avatar_video.success,avatar_video.fail).", valueName: "list"))
        var events: String?
        @Flag(help: "Print the endpoint's signing secret (it is saved either way).") var showSecret = false

        func validate() throws {
            guard VideoRules.isURL(url, schemes: ["https", "http"]) else { throw ValidationError("--url must be an http(s) URL") }
            _ = try eventTypes()
        }

        func eventTypes() throws -> [WebhookEventType]? { try parseEventTypes(events) }

        func run() async throws {
            try await Session.with(global) { session in
                var endpoint = try await session.client.createWebhookEndpoint(.init(url: url, events: try eventTypes()))
                let saved = try endpoint.secret.map { try WebhookSecrets(demo: session.isDemo).save($0, endpoint: endpoint.endpointID) }
                if !showSecret { endpoint.secret = nil }
                if output.json { return try Output.json(RegisteredEndpoint(endpoint: endpoint, secretFile: saved?.path)) }
                Output.fields(endpointFields(endpoint) + [
                    ("Secret", endpoint.secret), ("Secret file", saved.map { "\($0.path) (0600)" } ?? "none: the answer carried no secret"),
                ])
            }
        }
    }

    /// `twindeck webhook list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered endpoints.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Also print the secrets saved here for each endpoint.") var showSecrets = false

        func run() async throws {
            try await Session.with(global) { session in
                let secrets = WebhookSecrets(demo: session.isDemo)
                let endpoints = try await session.client.webhookEndpoints().map { endpoint in
                    var endpoint = endpoint
                    endpoint.secret = showSecrets ? secrets.secret(for: endpoint.endpointID) : nil
                    return endpoint
                }
                if output.json {
                    return try Output.json(endpoints.map { RegisteredEndpoint(endpoint: $0, secretFile: secrets.file(for: $0.endpointID)?.path) })
                }
                Output.table(
                    ["ENDPOINT", "URL", "EVENTS", "STATUS", "SECRET"],
                    endpoints.map { e in
                        [e.endpointID, e.url, (e.events ?? []).map(\.rawValue).joined(separator: ","), e.status ?? "-",
                         e.secret ?? (secrets.file(for: e.endpointID) == nil ? "not saved here" : "saved")]
                    }, maxWidths: [30, 60, 40, 10, 80])
                if endpoints.isEmpty { Output.note("No endpoints: twindeck webhook register --url URL adds one.") }
            }
        }
    }

    /// `twindeck webhook delete <endpoint-id>`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a registered endpoint and its saved secret.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The endpoint id.") var endpointID: String

        func run() async throws {
            try await Session.with(global) { session in
                try await session.client.deleteWebhookEndpoint(id: endpointID)
                let removed = WebhookSecrets(demo: session.isDemo).remove(endpoint: endpointID)
                Output.line("Deleted endpoint \(Sanitizer.inert(endpointID, limit: 100))" + (removed ? " and its saved secret" : ""))
            }
        }
    }

    /// `twindeck webhook update <endpoint-id> [--events …] [--url URL]`.
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an endpoint's events or URL (PATCH /v3/webhooks/endpoints/{id}); the events list is replaced whole.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The endpoint id (twindeck webhook list shows them).") var endpointID: String
        @Option(help: ArgumentHelp("Comma-separated events: the whole new list (e.g. avatar_video.success,avatar_video.fail).", valueName: "list"))
        var events: String?
        @Option(help: ArgumentHelp("A new public https URL.", valueName: "url")) var url: String?

        func validate() throws {
            guard events != nil || url != nil else { throw ValidationError("nothing to change: give --events and/or --url") }
            if let url, !VideoRules.isURL(url, schemes: ["https", "http"]) { throw ValidationError("--url must be an http(s) URL") }
            _ = try eventTypes()
        }

        func eventTypes() throws -> [WebhookEventType]? { try parseEventTypes(events) }

        func run() async throws {
            try await Session.with(global) { session in
                let endpoint: WebhookEndpoint
                do {
                    endpoint = try await session.client.updateWebhookEndpoint(id: endpointID, .init(url: url, events: try eventTypes()))
                } catch let error as HeyGenError where error.kind == .notFound {
                    throw unknownEndpoint(endpointID)
                }
                let secrets = WebhookSecrets(demo: session.isDemo)
                if output.json { return try Output.json(RegisteredEndpoint(endpoint: endpoint, secretFile: secrets.file(for: endpoint.endpointID)?.path)) }
                Output.fields(endpointFields(endpoint))
            }
        }
    }

    /// `twindeck webhook rotate-secret <endpoint-id> [--show-secret]`.
    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Give an endpoint a new signing secret (the old one stops working at once) and save it (0600).",
            discussion: "A running `webhook listen` reads the saved secret for each delivery, so it verifies with the new one at once.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The endpoint id.") var endpointID: String
        @Flag(help: "Print the new secret (it is saved either way).") var showSecret = false

        func run() async throws {
            try await Session.with(global) { session in
                let secrets = WebhookSecrets(demo: session.isDemo)
                // Refused before rotating when the secret could not be saved: the old one would stop working for nothing.
                guard secrets.path(for: endpointID) != nil else {
                    throw CLIError("the endpoint id \(Sanitizer.inert(endpointID, limit: 80)) is not a plain name", code: 64)
                }
                try secrets.checkWritable()
                let rotated: RotatedSecret
                do {
                    rotated = try await session.client.rotateWebhookSecret(id: endpointID)
                } catch let error as HeyGenError where error.kind == .notFound {
                    throw unknownEndpoint(endpointID)
                }
                let file: URL
                do {
                    file = try secrets.save(rotated.secret, endpoint: rotated.endpointID)
                } catch let error as CLIError {
                    throw CLIError(error.message + ". The old secret no longer works: fix the folder and rotate again"
                                   + (showSecret ? "; the new secret was \(rotated.secret)" : ""))
                }
                if output.json {
                    var object: [String: String] = ["endpoint_id": rotated.endpointID, "secret_file": file.path]
                    if showSecret { object["secret"] = rotated.secret }
                    return try Output.json(object)
                }
                Output.fields([("Endpoint", rotated.endpointID), ("Secret", showSecret ? rotated.secret : nil),
                               ("Secret file", "\(file.path) (0600)"), ("Old secret", "no longer verifies deliveries")])
            }
        }
    }

    /// `twindeck webhook events [--since …] [--type …] [--video …] [--json]`.
    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List HeyGen's delivery history (GET /v3/webhooks/events), newest first, and whether this history has each.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Only events since then: an ISO 8601 time (2026-01-02T03:04:05Z) or an age (90s, 30m, 6h, 2d).",
                                   valueName: "when"))
        var since: String?
        @Option(help: ArgumentHelp("Only this event type (e.g. avatar_video.fail).", valueName: "type")) var type: String?
        @Option(help: ArgumentHelp("Only events about this video.", valueName: "video-id")) var video: String?
        @Option(help: ArgumentHelp("Without --since: at most this many of the newest (1-100).", valueName: "n")) var limit = 20

        func validate() throws {
            if let since, Self.moment(since, now: Date()) == nil {
                throw ValidationError("--since must be an ISO 8601 time (2026-01-02T03:04:05Z) or an age like 90s, 30m, 6h, 2d (got \(since))")
            }
            guard (1...100).contains(limit) else { throw ValidationError("--limit must be from 1 to 100") }
        }

        /// An ISO 8601 time, or now minus an age (`90s`, `30m`, `6h`, `2d`).
        static func moment(_ text: String, now: Date) -> Date? {
            if let date = ISO8601.parse(text) { return date }
            guard let unit = text.last, let amount = Double(text.dropLast()), amount.isFinite, amount >= 0, amount < 1e7 else { return nil }
            let scale: Double? = switch unit {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86_400
            default: nil
            }
            return scale.map { now.addingTimeInterval(-amount * $0) }
        }

        func run() async throws {
            try await Session.with(global) { session in
                let filter = WebhookEventQuery(eventType: type.map(WebhookEventType.init(rawValue:)), entityID: video, limit: since == nil ? limit : 100)
                let entries: [WebhookLogEntry]
                do {
                    if let since, let moment = Self.moment(since, now: Date()) {
                        entries = Array(try await session.client.webhookEvents(since: moment, filter).reversed())
                    } else {
                        entries = try await session.client.webhookEvents(filter).data
                    }
                } catch let error as HeyGenError where error.kind == .forbidden {
                    throw CLIError("HeyGen refused the delivery history (403: \(Sanitizer.inert(error.message))): the plan may not include webhooks")
                }
                let store = try Session.openStore(demo: session.isDemo)
                var here: [String: Bool] = [:]
                for id in Set(entries.compactMap(\.videoID)) { here[id] = try await store.submission(videoID: id) != nil }
                if output.json {
                    return try Output.json(entries.map { LoggedEvent(entry: $0, inHistory: $0.videoID.flatMap { here[$0] } ?? false) })
                }
                Output.table(
                    ["CREATED", "EVENT", "TYPE", "VIDEO", "HERE"],
                    entries.map { e in
                        [e.createdAt ?? "-", e.eventID, e.eventType.rawValue, e.videoID ?? "-",
                         e.videoID.flatMap { here[$0] }.map { $0 ? "yes" : "no" } ?? "-"]
                    }, maxWidths: [25, 40, 30, 40, 4])
                if entries.isEmpty { Output.note(since == nil ? "No events in HeyGen's delivery history." : "No events since then.") }
            }
        }
    }

    /// `twindeck webhook listen`.
    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the webhook receiver; prints its URL as the first line, serves until interrupted.",
            discussion: """
                Deliveries are verified (Heygen-Signature with a saved endpoint secret, Heygen-Timestamp within 5 minutes, \
                Heygen-Event-Id seen once) and recorded into the history, so the board shows them "via webhook" and polls \
                those videos only every 2 minutes as a safety net. Unsigned callback_url deliveries are refused unless \
                --accept-callbacks is given, and then taken only for videos the history already holds. Idle connections \
                and half-sent requests are closed after --idle-timeout / --header-timeout, request headers over 16 KiB \
                are answered 431, and past --max-connections the longest-idle connection makes room for a new one.
                """)
        @Option(help: "Address to listen on (keep loopback behind a reverse proxy or tunnel).") var host = "127.0.0.1"
        @Option(help: "Port (0 picks a free one).") var port = 8787
        @Option(help: "The path deliveries are posted to.") var path = "/webhooks/heygen"
        @Option(parsing: .singleValue, help: ArgumentHelp(
            "A file holding an endpoint secret (repeatable; env TWINDECK_WEBHOOK_SECRET also works). Secrets saved by `register` are always read.",
            valueName: "path"))
        var secretFile: [String] = []
        @Flag(help: "Accept unsigned callback_url deliveries, for videos already in the history.") var acceptCallbacks = false
        @Flag(help: "Record into the demo history (the one --demo commands use) and read the demo secrets.") var demo = false
        @Option(help: ArgumentHelp("Close a connection with nothing read or written for this long.", valueName: "seconds"))
        var idleTimeout: Double = 30
        @Option(help: ArgumentHelp("Close a connection whose request headers have not arrived this long after it opened.", valueName: "seconds"))
        var headerTimeout: Double = 10
        @Option(help: ArgumentHelp(
            "At most this many connections (lowered to stay 64 under the open-file limit); past it the longest-idle one is closed.",
            valueName: "n"))
        var maxConnections = 512
        @Option(name: .long, help: ArgumentHelp("HeyGen API base URL for the catch-up (env HEYGEN_BASE_URL).", valueName: "url"))
        var baseURL: String?
        @Option(name: .long, help: ArgumentHelp("HeyGen API key for the catch-up (env HEYGEN_API_KEY).", valueName: "key"))
        var apiKey: String?
        @Option(help: ArgumentHelp("Read HeyGen's delivery history for missed deliveries this often (and once at start).", valueName: "seconds"))
        var catchUpEvery: Double = 300
        @Flag(help: "Do not read HeyGen's delivery history for deliveries missed while the receiver was down.") var noCatchUp = false

        func validate() throws {
            guard path.hasPrefix("/") else { throw ValidationError("--path must start with /") }
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535 (got \(port))") }
            for (name, value) in [("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout)] where !(value > 0 && value <= 86_400) {
                throw ValidationError("\(name) must be more than 0 and at most 86400 seconds")
            }
            guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--max-connections must be from 1 to 1000000") }
            guard catchUpEvery >= 10, catchUpEvery <= 86_400 else { throw ValidationError("--catch-up-every must be from 10 to 86400 seconds") }
            for file in secretFile where WebhookSecrets.read(file) == nil {
                throw ValidationError("cannot read a secret from \(file)")
            }
        }

        /// The catch-up over the API, or nil (said) when no key is configured: the receiver still serves.
        func catchUpClient(store: SubmissionStore) async throws -> WebhookCatchUp? {
            let arguments = (baseURL.map { ["--base-url", $0] } ?? []) + (apiKey.map { ["--api-key", $0] } ?? [])
            let session: Session
            do {
                session = try await Session.open(try GlobalOptions.parse(arguments), quiet: true)
            } catch let error as CLIError {
                Output.note("No catch-up of missed deliveries: \(error.message)")
                return nil
            }
            let client = session.client
            return WebhookCatchUp(store: store, events: { since in try await client.webhookEvents(since: since) })
        }

        func run() async throws {
            let logger = Logging.makeLogger(quiet: false)
            let saved = WebhookSecrets(demo: demo)
            let files = secretFile
            let fromEnv = ProcessInfo.processInfo.environment["TWINDECK_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
            let gate = WebhookGate(
                store: try Session.openStore(demo: demo),
                secrets: { saved.all() + files.compactMap(WebhookSecrets.read) + (fromEnv.map { [$0] } ?? []) },
                acceptCallbacks: acceptCallbacks)
            var options = WebhookServerOptions()
            options.host = host
            options.port = port
            options.path = path
            options.idleTimeout = .seconds(idleTimeout)
            options.headerTimeout = .seconds(headerTimeout)
            options.maxConnections = maxConnections
            let termination = TerminationSignals()
            let store = gate.store
            // Where the catch-up starts: read before this receiver's first heartbeat replaces the last one.
            let catchUp = noCatchUp ? nil : try await catchUpClient(store: store)
            let catchUpStart = try await catchUp?.start()
            let server: RunningWebhookServer
            do {
                server = try await WebhookServer.start(options, gate: gate, logger: logger)
            } catch {
                throw CLIError.wrap(error)
            }
            Output.line(server.url)
            let secrets = gate.secrets().count
            Output.note("Webhook receiver on \(server.url) — \(secrets) endpoint secret\(secrets == 1 ? "" : "s")"
                + (acceptCallbacks ? ", unsigned callbacks accepted for known videos" : "") + ". Ctrl-C stops it.")
            if server.maxConnections < maxConnections {
                Output.note("At most \(server.maxConnections) connections: the open-file limit (ulimit -n) is \(WebhookServerOptions.softFileLimit() ?? 0).")
            }
            if secrets == 0 && !acceptCallbacks {
                Output.note("No endpoint secret and no --accept-callbacks: every delivery will be refused. Run twindeck webhook register first.")
            }
            let every = Duration.seconds(saturating: catchUpEvery)
            let catchUpTask = catchUp.flatMap { catchUp in
                catchUpStart.map { start in
                    Task {
                        await catchUp.run(from: start, every: every, sleep: { try await Task.sleep(for: $0) }) { report in
                            Output.note(report.summary)
                        }
                    }
                }
            }
            let signal = await termination.next()
            Output.note("stopping (\(signal))…")
            catchUpTask?.cancel()
            await catchUpTask?.value
            await server.stop()
        }
    }
}

/// A 404 for an endpoint id, said plainly.
private func unknownEndpoint(_ id: String) -> CLIError {
    CLIError("no webhook endpoint \(Sanitizer.inert(id, limit: 100)) on this account (twindeck webhook list shows them)")
}

/// An event of the delivery history as `webhook events --json` prints it: the API's fields plus `in_history`.
struct LoggedEvent: Encodable {
    var entry: WebhookLogEntry
    var inHistory: Bool

    func encode(to encoder: any Encoder) throws {
        try entry.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inHistory, forKey: .inHistory)
    }

    enum CodingKeys: String, CodingKey { case inHistory = "in_history" }
}

/// The lines `register` and `list` print about an endpoint.
private func endpointFields(_ endpoint: WebhookEndpoint) -> [(String, String?)] {
    [("Endpoint", endpoint.endpointID), ("URL", endpoint.url), ("Events", endpoint.events.map { $0.map(\.rawValue).joined(separator: ", ") }),
     ("Status", endpoint.status), ("Created", endpoint.createdAt)]
}

/// An endpoint as `--json` prints it: the API's fields (the secret only when asked for), plus where its
/// secret is saved here.
struct RegisteredEndpoint: Encodable {
    var endpoint: WebhookEndpoint
    var secretFile: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(endpoint.endpointID, forKey: .endpointID)
        try c.encode(endpoint.url, forKey: .url)
        try c.encode(endpoint.events?.map(\.rawValue), forKey: .events)
        try c.encode(endpoint.status, forKey: .status)
        try c.encode(endpoint.createdAt, forKey: .createdAt)
        try c.encodeIfPresent(endpoint.secret, forKey: .secret)
        try c.encode(secretFile, forKey: .secretFile)
    }

    enum CodingKeys: String, CodingKey {
        case endpointID = "endpoint_id", url, events, status, createdAt = "created_at", secret, secretFile = "secret_file"
    }
}

/// Endpoint secrets, one file per endpoint (`<config>/twindeck/webhooks/<endpoint-id>.secret`, or
/// `demo-webhooks/` for the simulator): the folder is 0700, each file 0600, like the history.
struct WebhookSecrets: Sendable {
    let directory: URL

    init(demo: Bool) {
        directory = Paths.configDirectory.appendingPathComponent(demo ? "demo-webhooks" : "webhooks", isDirectory: true)
    }

    /// The file for an endpoint; nil for an id that is not a plain name.
    func path(for endpoint: String) -> URL? {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-."))
        guard !endpoint.isEmpty, !endpoint.hasPrefix("."), endpoint.unicodeScalars.allSatisfy(allowed.contains) else { return nil }
        return directory.appendingPathComponent(endpoint + ".secret")
    }

    /// Writes the secret, readable by the owner only; returns the file.
    func save(_ secret: String, endpoint: String) throws -> URL {
        guard let url = path(for: endpoint) else { throw CLIError("the endpoint id \(Sanitizer.inert(endpoint, limit: 80)) is not a plain name") }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            chmod(directory.path, 0o700)
            let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(fd) }
            fchmod(fd, 0o600)
            let bytes = Array((secret + "\n").utf8)
            guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot save the endpoint secret at \(url.path): \(error.localizedDescription)")
        }
        return url
    }

    /// Throws unless a secret could be saved here now (the folder exists or can be made, and takes a file).
    func checkWritable() throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIError("cannot save endpoint secrets in \(directory.path): \(error.localizedDescription)")
        }
        guard access(directory.path, W_OK) == 0 else { throw CLIError("cannot save endpoint secrets in \(directory.path): not writable") }
    }

    func file(for endpoint: String) -> URL? {
        path(for: endpoint).flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
    }

    func secret(for endpoint: String) -> String? { file(for: endpoint).flatMap { Self.read($0.path) } }

    /// Every saved secret.
    func all() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".secret") }.sorted().compactMap { Self.read(directory.appendingPathComponent($0).path) }
    }

    @discardableResult
    func remove(endpoint: String) -> Bool {
        guard let url = file(for: endpoint) else { return false }
        return (try? FileManager.default.removeItem(at: url)) != nil
    }

    /// The secret in a file (surrounding whitespace dropped); nil when unreadable or empty.
    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// `--events a,b`: the known event types named, or nil when the option was not given.
func parseEventTypes(_ events: String?) throws -> [WebhookEventType]? {
    guard let events else { return nil }
    let types = events.split(separator: ",").map { WebhookEventType(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
    if types.isEmpty { throw ValidationError("--events lists no event") }
    if let bad = types.first(where: { !$0.isKnown }) {
        throw ValidationError("unknown event \(bad.rawValue); known: \(WebhookEventType.known.map(\.rawValue).joined(separator: ", "))")
    }
    return types
}
