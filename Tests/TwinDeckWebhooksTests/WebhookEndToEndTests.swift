import Foundation
import HeyGen
import HeyGenSimulator
import Synchronization
import Testing
import TwinDeckCore
import TwinDeckTestSupport
import TwinDeckWebhooks

/// Messages an engine posted.
final class PostedMessages: Sendable {
    private let messages = Mutex<[Message]>([])
    var post: @Sendable (Message) -> Void { { [self] message in messages.withLock { $0.append(message) } } }
    var all: [Message] { messages.withLock { $0 } }
}

@Suite("Webhooks end to end", .serialized)
struct WebhookEndToEndTests {
    /// Simulator → signed delivery to a registered endpoint → receiver → store → board, with the poller
    /// leaving the covered video to the webhook.
    @Test func aSignedDeliveryFeedsTheBoard() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1; $0.webhookRetryDelaySeconds = 0.1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let secret = SecretList()
            var options = WebhookServerOptions()
            options.port = 0
            options.heartbeatSeconds = 0.2
            let server = try await WebhookServer.start(
                options, gate: WebhookGate(store: store, secrets: secret.read), logger: quietLogger)
            let endpoint = try await client.createWebhookEndpoint(.init(url: server.url))
            secret.set([endpoint.secret ?? ""])
            // The next heartbeat says the receiver now verifies signed deliveries: every video is covered.
            #expect(await eventually { (try? await store.webhookCoverage())?.signed == true })

            let messages = PostedMessages()
            let engine = BoardEngine(store: store, service: client, downloads: FileManager.default.temporaryDirectory,
                                     schedule: PollSchedule(scale: 1), logger: quietLogger, post: messages.post)
            engine.start()
            let request = sampleRequest(title: "Via webhook")
            let key = "e2e-\(UUID().uuidString.prefix(8))"
            try await store.recordSubmitting(request: request, key: key, lookName: "Office", voiceName: nil, source: .form)
            let created = try await client.createVideo(request, idempotencyKey: key)
            try await store.markSubmitted(key: key, videoID: created.videoID, status: created.status)
            engine.pollNow()  // as the app does after a submit: without the webhook, this round would poll the video

            let arrived = await eventually(timeout: .seconds(60)) { (try? await store.submission(key: key))?.webhookAt != nil }
            let row = try #require(try await store.submission(key: key))
            // The board's view of the store, as the app folds the engine's messages.
            let boardShows = await eventually(timeout: .seconds(30)) {
                var state = AppState(width: 80, height: 24, baseURL: sim.baseURL, isDemo: true)
                for message in messages.all { _ = update(&state, message) }
                return state.board.rows.first { $0.idempotencyKey == key }.map { state.board.viaWebhook($0) && $0.status == "completed" } ?? false
            }
            let polls = engine.requestCount.load(ordering: .relaxed)
            await engine.stop()
            await server.stop()

            #expect(arrived, "the signed delivery reached the store")
            #expect(row.status == "completed")
            let url = try #require(row.videoURL)
            #expect(url.hasPrefix(sim.baseURL + "/media/\(created.videoID).mp4"))
            #expect(boardShows, "the board shows the video completed via webhook")
            #expect(polls == 0, "the covered video was left to the webhook (safety net is 120 s)")
            #expect(await sim.state.deliveryLog().contains("\(server.url) \(created.videoID) ok"))
        }
    }
}
