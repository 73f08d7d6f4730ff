import Foundation
import HeyGen
import HeyGenSimulator
import Synchronization
import Testing
import TwinDeckCore
import TwinDeckTestSupport
import TwinDeckWebhooks

@Suite("Webhook catch-up from HeyGen's delivery history", .serialized)
struct CatchUpTests {
    /// A receiver up for one video, then down for two more (their deliveries fail for good), then a catch-up from the
    /// simulator's event log since the last heartbeat: the two missed outcomes are recorded, the one taken in live is a
    /// duplicate, a video made elsewhere is left alone, and a second catch-up (or a late live re-delivery) changes nothing.
    @Test func missedDeliveriesAreCaughtUpOnceEach() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 1; $0.webhookRetries = 0; $0.webhookRetryDelaySeconds = 0.05 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let secret = SecretList()
            var options = WebhookServerOptions()
            options.port = 0
            options.heartbeatSeconds = 0.2
            let gate = WebhookGate(store: store, secrets: secret.read)
            let server = try await WebhookServer.start(options, gate: gate, logger: quietLogger)
            let endpoint = try await client.createWebhookEndpoint(.init(url: server.url))
            let signingSecret = try #require(endpoint.secret)
            secret.set([signingSecret])

            // 1. Up: the first video's outcome arrives live.
            let live = try await client.createVideo(sampleRequest(title: "Live"), idempotencyKey: "cu-live", look: nil).videoID
            try await knownVideo(store, videoID: live)
            #expect(await eventually { (try? await store.submission(videoID: live))?.webhookAt != nil }, "delivered live")

            // 2. Down: two more finish; their deliveries fail (no retries) and are not in the history.
            await server.stop()
            let lastBeat = try #require(try await store.lastReceiverHeartbeat(), "the last heartbeat outlives the receiver")
            #expect(try await store.webhookCoverage() == nil, "the kept heartbeat is no live receiver")
            var missed: [String] = []
            for n in 1...2 {
                let id = try await client.createVideo(sampleRequest(title: "Missed \(n)"), idempotencyKey: "cu-missed-\(n)", look: nil).videoID
                try await knownVideo(store, videoID: id)
                missed.append(id)
            }
            // Made elsewhere on the account (not in this history).
            let elsewhere = try await client.createVideo(sampleRequest(title: "Elsewhere"), idempotencyKey: "cu-else", look: nil).videoID
            // Finished with the endpoint registered: in HeyGen's delivery history, whatever their deliveries do (each
            // to the closed port fails after the HTTP client's connect retries).
            #expect(await eventually {
                let logged = (try? await client.webhookEvents(since: Date(timeIntervalSince1970: 0)))?.compactMap(\.videoID) ?? []
                return Set(logged) == Set([live, elsewhere] + missed)
            }, "every outcome is in the log")
            for id in missed { #expect(try await store.submission(videoID: id)?.webhookAt == nil) }

            // 3. Caught up from just before the last heartbeat.
            let catchUp = WebhookCatchUp(store: store, events: { since in try await client.webhookEvents(since: since) })
            let start = try await catchUp.start()
            #expect(start == lastBeat.addingTimeInterval(-WebhookCatchUp.overlap))
            let first = await catchUp.once(since: start)
            #expect(first.error == nil)
            #expect(Set(first.recorded) == Set(missed), "\(first)")
            #expect(first.duplicates == 1, "the live one was taken in already")
            #expect(first.notInHistory == 1)
            #expect(first.read == 4)
            for id in missed {
                let row = try #require(try await store.submission(videoID: id))
                #expect(row.status == "completed" && row.webhookAt != nil)
                #expect(row.videoURL?.hasPrefix(sim.baseURL + "/media/\(id)") == true, "the log's link, signed afresh")
            }
            #expect(first.summary.contains("2 missed deliveries recorded"), "\(first.summary)")

            // 4. Again: nothing new. A late live re-delivery of a caught-up event is a duplicate too.
            let again = await catchUp.once(since: start)
            #expect(again.recorded.isEmpty && again.duplicates == 3, "\(again)")
            let body = try JSONEncoder().encode(WebhookEvent(eventType: .videoSuccess, eventData: .init(videoID: missed[0], url: "https://x.test/v.mp4")))
            let reply = await gate.handle(body: body) { name in
                [WebhookSignature.signatureHeader: WebhookSignature.sign(body, secret: signingSecret),
                 WebhookSignature.timestampHeader: String(Int(Date().timeIntervalSince1970)),
                 WebhookSignature.eventIDHeader: "evt_\(missed[0])"][name]
            }
            #expect(reply.status == 200 && reply.body["duplicate"] == "evt_\(missed[0])")
            #expect(try await store.submission(videoID: missed[0])?.videoURL?.hasPrefix(sim.baseURL) == true, "not recorded twice")
        }
    }

    /// A plan without webhooks answers the event log 403: the report says so, nothing is recorded, and the periodic
    /// catch-up stops instead of asking every few minutes.
    @Test func aPlanWithoutWebhooksIsSaidAndNotRetried() async throws {
        try await withSimulator(configure: { $0.planWithoutWebhooks = true }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let catchUp = WebhookCatchUp(store: store, events: { since in try await client.webhookEvents(since: since) })
            let report = await catchUp.once(since: Date(timeIntervalSince1970: 0))
            #expect(report.forbidden)
            #expect(report.summary.contains("plan may not include webhooks"), "\(report.summary)")
            let sleeps = Counter()
            let reports = Counter()
            await catchUp.run(from: Date(), every: .seconds(60), sleep: { _ in sleeps.add() }) { _ in reports.add() }
            #expect(reports.value == 1 && sleeps.value == 0, "one try, then it stops")
        }
    }

    /// The periodic loop with virtual time: a failure keeps the start; a success moves it to just before it began.
    @Test func thePeriodicLoopMovesItsStartOnlyAfterASuccess() async throws {
        let store = try SubmissionStore.inMemory()
        let asked = Recorded<Date>()
        let calls = Counter()
        let clock = VirtualClock(Date(timeIntervalSince1970: 1_000_000))
        let catchUp = WebhookCatchUp(store: store, events: { since in
            asked.append(since)
            if calls.add() == 1 { throw HeyGenError(kind: .server, httpStatus: 503, message: "down") }
            return []
        }, clock: { clock.now })
        let start = Date(timeIntervalSince1970: 900_000)
        await catchUp.run(from: start, every: .seconds(300), sleep: { _ in
            clock.advance(300)
            if calls.value >= 3 { throw CancellationError() }
        }) { _ in }
        let times = asked.all
        #expect(times.count == 3)
        #expect(times[0] == start && times[1] == start, "after a failure, the same moment again")
        #expect(times[2] == Date(timeIntervalSince1970: 1_000_300 - WebhookCatchUp.overlap), "after a success, just before it began")
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    @discardableResult func add() -> Int { count.withLock { $0 += 1; return $0 } }
    var value: Int { count.withLock { $0 } }
}

final class Recorded<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func append(_ item: T) { items.withLock { $0.append(item) } }
    var all: [T] { items.withLock { $0 } }
}

final class VirtualClock: Sendable {
    private let time: Mutex<Date>
    init(_ start: Date) { time = Mutex(start) }
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
