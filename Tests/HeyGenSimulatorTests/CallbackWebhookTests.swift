import Foundation
import HeyGen
import HeyGenSimulator
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Testing
import TwinDeckTestSupport

/// What the receiver got.
actor Inbox {
    struct Delivery: Sendable {
        var body: Data
        var eventID: String?
        var contentType: String?
        var signature: String?
        var timestamp: String?
    }

    private(set) var deliveries: [Delivery] = []
    /// How many of the first deliveries are answered 500.
    let failFirst: Int

    init(failFirst: Int) { self.failFirst = failFirst }

    /// Records a delivery; returns whether to answer it with success.
    func record(_ delivery: Delivery) -> Bool {
        deliveries.append(delivery)
        return deliveries.count > failFirst
    }
}

/// A tiny webhook receiver on a free loopback port, run like the simulator runs its own server.
struct WebhookReceiver {
    let url: String
    let inbox: Inbox
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(failFirst: Int) async throws -> WebhookReceiver {
        let inbox = Inbox(failFirst: failFirst)
        let router = Router(context: BasicRequestContext.self)
        router.post("/hook") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let header = { (name: String) in request.headers.first { $0.name.canonicalName == name }?.value }
            let ok = await inbox.record(.init(
                body: Data(buffer: body), eventID: header("heygen-event-id"), contentType: request.headers[.contentType],
                signature: header("heygen-signature"), timestamp: header("heygen-timestamp")))
            return Response(status: ok ? .ok : .internalServerError)
        }
        var logger = Logger(label: "test-webhook-receiver")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? -1)
                continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var port = -1
        for await p in ports { port = p }
        try #require(port > 0, "the receiver could not listen")
        return WebhookReceiver(url: "http://127.0.0.1:\(port)/hook", inbox: inbox, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

@Suite("callback_url deliveries")
struct CallbackWebhookTests {
    func withReceiver(failFirst: Int, _ body: (WebhookReceiver) async throws -> Void) async throws {
        let receiver = try await WebhookReceiver.start(failFirst: failFirst)
        do {
            try await body(receiver)
            await receiver.stop()
        } catch {
            await receiver.stop()
            throw error
        }
    }

    @Test func successIsDeliveredAfterARetry() async throws {
        try await withReceiver(failFirst: 1) { receiver in
            try await withSimulator(configure: { $0.renderSeconds = 0.3; $0.webhookRetryDelaySeconds = 0.05 }) { sim, client in
                var request = sampleRequest()
                request.callbackURL = receiver.url
                let created = try await client.createVideo(request, idempotencyKey: newKey())

                let delivered = await eventually { await receiver.inbox.deliveries.count >= 2 }
                #expect(delivered, "expected a failed delivery and its retry")
                let deliveries = await receiver.inbox.deliveries
                try #require(deliveries.count >= 2)
                // The first answer was a 500; the retry carries the same event (its link is signed anew).
                let failed = try JSONDecoder().decode(WebhookEvent.self, from: deliveries[0].body)
                let event = try JSONDecoder().decode(WebhookEvent.self, from: deliveries[1].body)
                #expect(failed.eventType == event.eventType)
                #expect(failed.eventData.videoID == event.eventData.videoID)
                #expect(deliveries[0].eventID == deliveries[1].eventID, "the same event id, so a receiver can de-duplicate")
                #expect(event.eventType == .videoSuccess)
                #expect(event.eventData.videoID == created.videoID)
                #expect(deliveries[1].eventID == "evt_\(created.videoID)")
                #expect(deliveries[1].contentType == "application/json")
                #expect(deliveries.allSatisfy { $0.signature == nil }, "callback_url deliveries are unsigned")
                let url = try #require(event.eventData.downloadURL)
                #expect(url.hasPrefix(sim.baseURL + "/media/\(created.videoID).mp4"))
                #expect(try await rawRequest(.GET, url, apiKey: nil).status == 200)

                // The receiver saw the retry before the simulator logged its outcome; wait for the log.
                #expect(await eventually { await sim.state.deliveryLog().count >= 2 })
                let log = await sim.state.deliveryLog()
                #expect(log.first == "\(receiver.url) \(created.videoID) failed")
                #expect(log.dropFirst().first == "\(receiver.url) \(created.videoID) ok")
                #expect(log.filter { $0.hasSuffix(" ok") }.count == 1, "delivered once it succeeded")
            }
        }
    }

    @Test func failureIsDeliveredWithItsMessage() async throws {
        try await withReceiver(failFirst: 0) { receiver in
            try await withSimulator(configure: {
                $0.renderSeconds = 0.3
                $0.webhookRetryDelaySeconds = 0.05
                $0.faultRates.renderFailure = 1
            }) { _, client in
                var request = sampleRequest()
                request.callbackURL = receiver.url
                let created = try await client.createVideo(request, idempotencyKey: newKey())
                #expect(await eventually { await receiver.inbox.deliveries.count >= 1 })
                let deliveries = await receiver.inbox.deliveries
                let body = try #require(deliveries.first?.body)
                let event = try JSONDecoder().decode(WebhookEvent.self, from: body)
                #expect(event.eventType == .videoFail)
                #expect(event.eventData.videoID == created.videoID)
                let video = try await client.video(id: created.videoID)
                #expect(video.status == .failed)
                #expect(event.eventData.failureText == video.failureMessage)
                #expect(event.eventData.downloadURL == nil)
            }
        }
    }

    @Test func aVideoWithoutACallbackSendsNothing() async throws {
        try await withReceiver(failFirst: 0) { receiver in
            try await withSimulator(configure: { $0.renderSeconds = 0.2; $0.webhookRetryDelaySeconds = 0.05 }) { sim, client in
                let quiet = try await client.createVideo(sampleRequest(title: "Quiet"), idempotencyKey: newKey())
                var request = sampleRequest(title: "Loud")
                request.callbackURL = receiver.url
                let loud = try await client.createVideo(request, idempotencyKey: newKey())
                #expect(try await finished(client, quiet.videoID).status == .completed)
                #expect(await eventually { await receiver.inbox.deliveries.count >= 1 })
                let bodies = await receiver.inbox.deliveries.map(\.body)
                let ids = try bodies.map { try JSONDecoder().decode(WebhookEvent.self, from: $0).eventData.videoID }
                #expect(ids == [loud.videoID])
                #expect(await sim.state.deliveryLog().allSatisfy { !$0.contains(quiet.videoID) })
            }
        }
    }
}
