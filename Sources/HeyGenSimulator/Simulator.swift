import AsyncHTTPClient
import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A running simulator: its address, its state (for tests), and a way to stop it.
public final class RunningSimulator: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let baseURL: String
    public let port: Int
    /// The simulator's world, for tests: faults, counters, the clock.
    public let state: SimulatorState
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let deliverer: Task<Void, Never>

    init(baseURL: String, port: Int, state: SimulatorState, group: ServiceGroup, task: Task<Void, any Error>, deliverer: Task<Void, Never>) {
        self.baseURL = baseURL
        self.port = port
        self.state = state
        self.group = group
        self.task = task
        self.deliverer = deliverer
    }

    /// Stops serving and waits until the port is closed.
    public func stop() async {
        deliverer.cancel()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A HeyGen v3-compatible server for demos and tests: the contract's paths, envelopes, paging, errors,
/// a render state machine, presigned media, webhooks (unsigned to `callback_url`, signed to registered endpoints),
/// and fault injection.
public enum Simulator {
    /// Starts a simulator and returns once it accepts connections.
    /// - Parameters:
    ///   - options: address, key, render time, faults, persistence.
    ///   - logger: where the server logs; pass a quiet logger while a full-screen UI owns the terminal.
    public static func start(_ options: SimulatorOptions = SimulatorOptions(), logger: Logger = Logger(label: "simulator")) async throws -> RunningSimulator {
        let state = try SimulatorState(options: options)
        let signer = MediaSigner(lifetime: options.urlLifetimeSeconds, secret: UUID().uuidString)
        let router = makeRouter(state: state, signer: signer)
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "heygen-simulator"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? -1)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var port = -1
        for await p in portStream { port = p }
        guard port > 0 else {
            _ = try? await task.value
            throw HeyGenError(kind: .configuration, message: "the simulator could not listen on \(options.host):\(options.port)")
        }
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        let baseURL = "http://\(host):\(port)"
        signer.setBase(baseURL)
        let deliverer = Task { await WebhookDeliverer(state: state, signer: signer, logger: logger).run() }
        return RunningSimulator(baseURL: baseURL, port: port, state: state, group: group, task: task, deliverer: deliverer)
    }

    /// The simulator's routes, for in-process use.
    static func makeRouter(state: SimulatorState, signer: MediaSigner) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIGateMiddleware(state: state))
        LooksController(state: state, media: signer).addRoutes(to: router)
        VoicesController(state: state, media: signer).addRoutes(to: router)
        SpeechController(state: state, signer: signer, clips: SpeechClips()).addRoutes(to: router)
        PreviewController(state: state).addRoutes(to: router)
        VideosController(state: state, media: signer).addRoutes(to: router)
        AccountController(state: state).addRoutes(to: router)
        AccountExtrasController(state: state, media: signer).addRoutes(to: router)
        AssetsController(state: state, media: signer).addRoutes(to: router)
        MediaController(state: state, signer: signer).addRoutes(to: router)
        AdminController(state: state).addRoutes(to: router)
        return router
    }
}

/// `/v3/_simulator/…`: test and demo controls (behind the same API key).
struct AdminController {
    let state: SimulatorState

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v3/_simulator/stats") { _, _ in try jsonResponse(DataBox(data: await state.requestCounts())) }
        // Each video's render plan, oldest first: when the server finishes it, for benchmarks and tests.
        router.get("/v3/_simulator/renders") { _, _ in try jsonResponse(DataBox(data: await state.renderPlans())) }
        router.post("/v3/_simulator/faults") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            guard let faults = try? JSONDecoder().decode([ScriptedFault].self, from: body) else {
                throw SimError.invalid("body must be an array of scripted faults", param: nil)
            }
            await state.inject(faults)
            return try jsonResponse(DataBox(data: ["queued": faults.count]))
        }
        router.delete("/v3/_simulator/faults") { _, _ in
            await state.clearFaults()
            return try jsonResponse(DataBox(data: ["queued": 0]))
        }
        router.post("/v3/_simulator/advance") { request, _ in
            guard let seconds = request.query("seconds").flatMap(Double.init) else {
                throw SimError.invalid("seconds is required", param: "seconds")
            }
            await state.advance(seconds: seconds)
            return try jsonResponse(DataBox(data: ["advanced": seconds]))
        }
    }
}

/// Posts `avatar_video.success` / `avatar_video.fail` for each finished video: unsigned to its `callback_url`,
/// signed (`Heygen-Signature`, `Heygen-Timestamp`, `Heygen-Event-Id`) to every registered endpoint subscribed to
/// the event. A non-2xx answer is retried `webhookRetries` times, `webhookRetryDelaySeconds` apart.
struct WebhookDeliverer {
    let state: SimulatorState
    let signer: MediaSigner
    let logger: Logger

    func run() async {
        var attempts: [String: Int] = [:]
        var notBefore: [String: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            for delivery in await state.pendingDeliveries() {
                let key = delivery.key
                if let wait = notBefore[key], ContinuousClock.now < wait { continue }
                let tries = attempts[key, default: 0]
                let ok = await deliver(delivery)
                await state.logDelivery("\(delivery.url) \(delivery.video.id) \(ok ? "ok" : "failed")")
                if ok || tries + 1 > state.options.webhookRetries {
                    await state.markDelivered(delivery)
                    attempts[key] = nil
                    notBefore[key] = nil
                } else {
                    attempts[key] = tries + 1
                    notBefore[key] = ContinuousClock.now + .milliseconds(Int(state.options.webhookRetryDelaySeconds * 1000))
                }
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    func deliver(_ delivery: PendingDelivery) async -> Bool {
        let (video, status) = (delivery.video, delivery.status)
        let now = await state.now
        let event = SimulatorState.outcomeEvent(video, status: status) { signer.url(path: $0, now: now) }
        guard let body = try? simEncoder.encode(event) else { return false }
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: WebhookSignature.eventIDHeader, value: SimulatorState.eventID(of: video.id))
        request.headers.add(name: WebhookSignature.timestampHeader, value: String(Int(now)))
        if case .endpoint(let endpoint) = delivery.target, let secret = endpoint.secret {
            request.headers.add(name: WebhookSignature.signatureHeader, value: WebhookSignature.sign(body, secret: secret))
        }
        request.body = .bytes(ByteBuffer(data: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(Int(response.status.code))
        } catch {
            logger.debug("webhook to \(delivery.url) failed: \(error)")
            return false
        }
    }
}
