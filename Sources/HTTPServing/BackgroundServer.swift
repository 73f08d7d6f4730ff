import Hummingbird
import Logging
import ServiceLifecycle

/// A Hummingbird router served in the background on a known port: the simulator, the webhook receiver and the
/// tests' small receivers all start and stop this way.
public final class BackgroundServer: Sendable {
    /// The port it listens on (the one picked when asked for 0).
    public let port: Int
    /// `host:port`, with an IPv6 host in brackets, for URLs.
    public let authority: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, authority: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.authority = authority
        self.group = group
        self.task = task
    }

    /// Starts serving and returns once connections are accepted; nil when it could not listen.
    public static func start(
        router: Router<BasicRequestContext>, host: String, port: Int, serverName: String, logger: Logger
    ) async -> BackgroundServer? {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? -1)
                continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var bound = -1
        for await p in ports { bound = p }
        guard bound > 0 else {
            _ = try? await task.value
            return nil
        }
        let authority = (host.contains(":") ? "[\(host)]" : host) + ":\(bound)"
        return BackgroundServer(port: bound, authority: authority, group: group, task: task)
    }

    /// Stops serving and waits until the port is closed.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
