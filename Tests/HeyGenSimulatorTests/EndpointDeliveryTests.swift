import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

@Suite("Registered endpoint deliveries")
struct EndpointDeliveryTests {
    @Test func signedDeliveryIsRetriedUntilAccepted() async throws {
        let receiver = try await WebhookReceiver.start(failFirst: 2)
        try await withSimulator(configure: { $0.renderSeconds = 0.3; $0.webhookRetryDelaySeconds = 0.05 }) { sim, client in
            let endpoint = try await client.createWebhookEndpoint(.init(url: receiver.url))
            let secret = try #require(endpoint.secret)
            let created = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            #expect(await eventually { await sim.state.deliveryLog().contains("\(receiver.url) \(created.videoID) ok") })
            let deliveries = await receiver.inbox.deliveries
            #expect(deliveries.count == 3, "two 500s, then the accepted retry")
            for delivery in deliveries {
                let signature = try #require(delivery.signature, "registered endpoints get signed deliveries")
                #expect(WebhookSignature.isValid(signature, body: delivery.body, secret: secret))
                #expect(!WebhookSignature.isValid(signature, body: delivery.body, secret: secret + "x"))
                let timestamp = try #require(delivery.timestamp.flatMap(Double.init))
                #expect(abs(timestamp - Date().timeIntervalSince1970) < 120)
                #expect(delivery.eventID == "evt_\(created.videoID)")
            }
            let event = try JSONDecoder().decode(WebhookEvent.self, from: try #require(deliveries.last?.body))
            #expect(event.eventType == .videoSuccess && event.eventData.videoID == created.videoID)
            // Delivered once accepted: nothing more arrives.
            try await Task.sleep(for: .milliseconds(400))
            #expect(await receiver.inbox.deliveries.count == 3)
        }
        await receiver.stop()
    }

    @Test func onlySubscribedEndpointsRegisteredBeforeTheEndAreSent() async throws {
        let success = try await WebhookReceiver.start(failFirst: 0)
        let failOnly = try await WebhookReceiver.start(failFirst: 0)
        let late = try await WebhookReceiver.start(failFirst: 0)
        try await withSimulator(configure: { $0.renderSeconds = 0.3; $0.webhookRetryDelaySeconds = 0.05 }) { sim, client in
            _ = try await client.createWebhookEndpoint(.init(url: success.url, events: [.videoSuccess]))
            _ = try await client.createWebhookEndpoint(.init(url: failOnly.url, events: [.videoFail]))
            let created = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            #expect(await eventually { await success.inbox.deliveries.count >= 1 })
            // Registered after the video finished: it does not get that event.
            _ = try await client.createWebhookEndpoint(.init(url: late.url))
            try await Task.sleep(for: .milliseconds(400))
            #expect(await failOnly.inbox.deliveries.isEmpty, "subscribed to avatar_video.fail only")
            #expect(await late.inbox.deliveries.isEmpty, "registered after the video finished")
            #expect(await success.inbox.deliveries.count == 1)
            #expect(await sim.state.deliveryLog() == ["\(success.url) \(created.videoID) ok"])
        }
        for receiver in [success, failOnly, late] { await receiver.stop() }
    }

    @Test func aDeletedEndpointGetsNothing() async throws {
        let receiver = try await WebhookReceiver.start(failFirst: 0)
        try await withSimulator(configure: { $0.renderSeconds = 0.3 }) { sim, client in
            let endpoint = try await client.createWebhookEndpoint(.init(url: receiver.url))
            try await client.deleteWebhookEndpoint(id: endpoint.endpointID)
            let created = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            #expect(try await finished(client, created.videoID).status == .completed)
            try await Task.sleep(for: .milliseconds(400))
            #expect(await receiver.inbox.deliveries.isEmpty)
            #expect(await sim.state.deliveryLog().isEmpty)
        }
        await receiver.stop()
    }
}
