import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import TwinDeckCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and how the receiver listens.
public struct WebhookServerOptions: Sendable {
    /// Loopback by default: put a reverse proxy or a tunnel in front of it (see the README).
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 8787
    /// The path deliveries are posted to; anything else is 404.
    public var path = "/webhooks/heygen"
    /// How often the receiver tells the store it is alive.
    public var heartbeatSeconds: Double = 10
    /// A connection with nothing read or written for this long is closed (Hummingbird's idle timeout).
    public var idleTimeout: Duration = .seconds(30)
    /// A connection whose request head has not arrived this long after it opened is closed (slowloris).
    public var headerTimeout: Duration = .seconds(10)
    /// At most this many connections at once; lowered to stay ``fileLimitReserve`` under the process's
    /// file-descriptor limit. A new connection past the cap closes the longest-idle one.
    public var maxConnections = 512
    /// Request headers over this many bytes are answered 431.
    public var maxHeaderBytes = 16 * 1024

    /// File descriptors kept free of connections under the soft RLIMIT_NOFILE (the store, logs, the event loops).
    public static let fileLimitReserve = 64

    public init() {}

    /// The cap actually used: `requested`, lowered to stay ``fileLimitReserve`` under `fileLimit`, at least 1.
    public static func connectionCap(requested: Int, fileLimit: Int?) -> Int {
        guard let fileLimit else { return max(1, requested) }
        return max(1, min(requested, fileLimit - fileLimitReserve))
    }

    /// The soft RLIMIT_NOFILE of this process (unlimited reads as a huge number); nil when unreadable.
    public static func softFileLimit() -> Int? {
        var limit = rlimit()
        #if canImport(Glibc)
        let read = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #else
        let read = getrlimit(RLIMIT_NOFILE, &limit)
        #endif
        guard read == 0 else { return nil }
        return Int(clamping: limit.rlim_cur)
    }
}

/// A running receiver: its address, and a way to stop it.
public final class RunningWebhookServer: Sendable {
    /// `http://127.0.0.1:PORT/webhooks/heygen`.
    public let url: String
    public let port: Int
    /// The connection cap in force (``WebhookServerOptions/maxConnections`` after the file-limit check).
    public let maxConnections: Int
    private let connections: ConnectionTable
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let heartbeat: Task<Void, Never>
    private let store: SubmissionStore
    private let owner: String

    init(url: String, port: Int, connections: ConnectionTable, group: ServiceGroup, task: Task<Void, any Error>, heartbeat: Task<Void, Never>,
         store: SubmissionStore, owner: String) {
        self.url = url
        self.port = port
        self.connections = connections
        self.maxConnections = connections.limit
        self.group = group
        self.task = task
        self.heartbeat = heartbeat
        self.store = store
        self.owner = owner
    }

    /// How many connections are open now.
    public var openConnections: Int { connections.count }

    /// Stops serving, removes the heartbeat (the board goes back to polling), and waits until the port is closed.
    public func stop() async {
        heartbeat.cancel()
        await heartbeat.value
        try? await store.removeReceiver(owner: owner)
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// `twindeck webhook listen`: a small Hummingbird server that takes HeyGen's webhook deliveries through a
/// ``WebhookGate`` into the store the board reads, and keeps a heartbeat in that store so the board's poller
/// knows to leave covered videos to it.
public enum WebhookServer {
    public static func start(_ options: WebhookServerOptions, gate: WebhookGate, logger: Logger) async throws -> RunningWebhookServer {
        let router = Router(context: BasicRequestContext.self)
        router.post(RouterPath(options.path)) { request, _ -> Response in
            var request = request
            let reply: WebhookReply
            if let length = request.headers[.contentLength].flatMap(Int.init), length > gate.maxBodyBytes {
                reply = .refuse(413, "body over \(gate.maxBodyBytes) bytes")
            } else if let body = try? await request.collectBody(upTo: gate.maxBodyBytes) {
                let headers = request.headers
                reply = await gate.handle(body: Data(buffer: body)) { name in
                    HTTPField.Name(name).flatMap { headers[$0] }
                }
            } else {
                reply = .refuse(413, "body over \(gate.maxBodyBytes) bytes")
            }
            if reply.status >= 400 { logger.info("webhook refused (\(reply.status)): \(reply.body["error"] ?? "")") }
            let json = (try? JSONEncoder().encode(reply.body)) ?? Data("{}".utf8)
            return Response(status: .init(code: reply.status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(data: json)))
        }
        let connections = ConnectionTable(limit: WebhookServerOptions.connectionCap(
            requested: options.maxConnections, fileLimit: WebhookServerOptions.softFileLimit()))
        let headerTimeout = TimeAmount(options.headerTimeout)
        let maxHeaderBytes = max(1024, options.maxHeaderBytes)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                ConnectionGuardHandler(table: connections, headerTimeout: headerTimeout, maxHeaderBytes: maxHeaderBytes, logger: logger),
            ],
            idleTimeout: TimeAmount(options.idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, server: .http1(configuration: http1), configuration: .init(address: .hostname(options.host, port: options.port), serverName: "twindeck-webhooks"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? -1)
                continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var port = -1
        for await p in ports { port = p }
        guard port > 0 else {
            _ = try? await task.value
            throw HeyGenError(kind: .configuration, message: "the webhook receiver could not listen on \(options.host):\(options.port)")
        }
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        let address = "\(host):\(port)\(options.path)"
        let owner = "twindeck-\(getpid())-\(UUID().uuidString.prefix(8))"
        let store = gate.store
        // `signed` is read again each beat: an endpoint registered while the receiver runs covers every video.
        try await store.receiverHeartbeat(owner: owner, address: address, signed: !gate.secrets().isEmpty, callbacks: gate.acceptCallbacks)
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(saturating: options.heartbeatSeconds))
                if Task.isCancelled { break }
                do {
                    try await store.receiverHeartbeat(owner: owner, address: address, signed: !gate.secrets().isEmpty,
                                                      callbacks: gate.acceptCallbacks)
                } catch {
                    // The board falls back to polling when the heartbeat goes stale: said, then tried again next beat.
                    logger.warning("could not record the receiver's heartbeat: \(error)")
                }
            }
        }
        return RunningWebhookServer(url: "http://\(address)", port: port, connections: connections, group: group, task: task,
                                    heartbeat: heartbeat, store: store,
                                    owner: owner)
    }
}
