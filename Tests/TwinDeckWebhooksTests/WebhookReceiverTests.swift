import Foundation
import HeyGen
import Synchronization
import Testing
import TwinDeckCore
import TwinDeckTestSupport
import TwinDeckWebhooks

@Suite("Webhook receiver")
struct WebhookReceiverTests {
    @Test func aValidSignedDeliveryIsRecorded() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_ok")
        try await withReceiver(store: store) { server in
            let body = eventBody(videoID: "v_ok", url: "https://media.test/ok.mp4")
            let answer = try await deliver(server.url, body: body, headers: signed(body))
            #expect(answer.status == 200)
            #expect(answer.body["recorded"] == "v_ok")
            let row = try #require(try await store.submission(key: key))
            #expect(row.status == "completed")
            #expect(row.videoURL == "https://media.test/ok.mp4")
            #expect(row.webhookAt != nil && row.completedAt != nil)
        }
    }

    @Test func aFailEventRecordsTheFailureMessage() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_bad")
        try await withReceiver(store: store) { server in
            let body = eventBody(.videoFail, videoID: "v_bad")
            #expect(try await deliver(server.url, body: body, headers: signed(body)).status == 200)
            let row = try #require(try await store.submission(key: key))
            #expect(row.status == "failed" && row.failureMessage == "Avatar rendering timed out")
        }
    }

    @Test func badSignaturesAreRefusedAndRecordNothing() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_sig")
        try await withReceiver(store: store) { server in
            let body = eventBody(videoID: "v_sig")
            var tampered = body
            tampered.replaceSubrange(tampered.count - 3..<tampered.count - 2, with: Data("X".utf8))
            let good = WebhookSignature.sign(body, secret: endpointSecret)
            let cases: [(String, Data, [(String, String)])] = [
                ("wrong secret", body, signed(body, secret: "whsec_someone_else")),
                ("tampered body", tampered, signed(body).map { $0.0 == WebhookSignature.signatureHeader ? ($0.0, good) : $0 }),
                ("missing signature", body, signed(body).filter { $0.0 != WebhookSignature.signatureHeader }),
                ("not hex", body, signed(body).map { $0.0 == WebhookSignature.signatureHeader ? ($0.0, String(repeating: "zz", count: 32)) : $0 }),
                ("truncated", body, signed(body).map { $0.0 == WebhookSignature.signatureHeader ? ($0.0, String(good.dropLast(2))) : $0 }),
                ("empty", body, signed(body).map { $0.0 == WebhookSignature.signatureHeader ? ($0.0, "") : $0 }),
            ]
            for (name, payload, headers) in cases {
                let answer = try await deliver(server.url, body: payload, headers: headers)
                #expect(answer.status == 401, "\(name): \(answer.status) \(answer.body)")
            }
            // The same body with its own signature goes through: the refusals were about the signature.
            #expect(try await deliver(server.url, body: body, headers: signed(body)).status == 200)
            #expect(try await store.submission(key: key)?.status == "completed")
        }
    }

    @Test func aReplayedEventIsRecordedOnce() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_replay")
        try await withReceiver(store: store) { server in
            let first = eventBody(videoID: "v_replay", url: "https://media.test/first.mp4")
            #expect(try await deliver(server.url, body: first, headers: signed(first, eventID: "evt_1")).status == 200)
            let before = try #require(try await store.submission(key: key))
            // Same event id, a validly signed different body: answered 2xx (so HeyGen stops) but not taken in.
            let second = eventBody(.videoFail, videoID: "v_replay")
            let answer = try await deliver(server.url, body: second, headers: signed(second, eventID: "evt_1"))
            #expect(answer.status == 200 && answer.body["duplicate"] == "evt_1")
            let after = try #require(try await store.submission(key: key))
            #expect(after == before)
            #expect(after.status == "completed" && after.videoURL == "https://media.test/first.mp4")
        }
    }

    @Test func staleAndFutureTimestampsAreRefused() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_time")
        try await withReceiver(store: store) { server in
            let body = eventBody(videoID: "v_time")
            // A margin over 300 s: a loaded machine may take seconds to answer.
            for offset in [-330.0, -3600, 330, 86_400] {
                let answer = try await deliver(server.url, body: body, headers: signed(body, timestamp: Date().addingTimeInterval(offset)))
                #expect(answer.status == 401, "timestamp \(offset) s away: \(answer.status)")
            }
            let unreadable = signed(body).map { $0.0 == WebhookSignature.timestampHeader ? ($0.0, "yesterday") : $0 }
            #expect(try await deliver(server.url, body: body, headers: unreadable).status == 400)
            #expect(try await store.submission(key: key)?.status == "processing")
            // Four minutes old is within the window.
            let answer = try await deliver(server.url, body: body, headers: signed(body, timestamp: Date().addingTimeInterval(-240)))
            #expect(answer.status == 200)
        }
    }

    @Test func anOversizeBodyIs413() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_big")
        try await withReceiver(store: store) { server in
            // A real event padded past 64 KiB, correctly signed: refused for its size alone.
            let event = String(decoding: eventBody(videoID: "v_big"), as: UTF8.self)
            let padded = Data((String(event.dropLast()) + ",\"pad\":\"" + String(repeating: "x", count: 64 * 1024) + "\"}").utf8)
            let answer = try await deliver(server.url, body: padded, headers: signed(padded))
            #expect(answer.status == 413)
            #expect(try await store.submission(key: key)?.status == "processing")
        }
    }

    @Test func malformedJSONIs400() async throws {
        let store = try SubmissionStore.inMemory()
        try await knownVideo(store, videoID: "v_json")
        try await withReceiver(store: store) { server in
            for text in ["{\"event_type\": \"avatar_video.success\", \"event_data\": {", "[]", "{\"event_type\": \"avatar_video.success\"}"] {
                let body = Data(text.utf8)
                let answer = try await deliver(server.url, body: body, headers: signed(body))
                #expect(answer.status == 400, "\(text): \(answer.status)")
            }
            let event = eventBody(videoID: "v_json")
            let noEventID = signed(event).filter { $0.0 != WebhookSignature.eventIDHeader }
            #expect(try await deliver(server.url, body: event, headers: noEventID).status == 400)
        }
    }

    @Test func anEventForAnUnknownVideoIsAcceptedButNotRecorded() async throws {
        let store = try SubmissionStore.inMemory()
        try await knownVideo(store, videoID: "v_mine")
        let before = try await store.all()
        try await withReceiver(store: store) { server in
            let body = eventBody(videoID: "v_someone_elses")
            let answer = try await deliver(server.url, body: body, headers: signed(body))
            #expect(answer.status == 202 && answer.body["ignored"] == "unknown video")
            #expect(try await store.all() == before)
        }
    }

    @Test func unsignedCallbacksNeedTheOptInAndAKnownVideo() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_cb", callbackURL: "https://hooks.test/cb")
        let body = eventBody(videoID: "v_cb")
        try await withReceiver(store: store) { server in
            let answer = try await deliver(server.url, body: body, headers: [])
            #expect(answer.status == 401)
        }
        #expect(try await store.submission(key: key)?.status == "processing")
        try await withReceiver(store: store, secrets: [], acceptCallbacks: true) { server in
            let stranger = eventBody(videoID: "v_unknown")
            #expect(try await deliver(server.url, body: stranger, headers: []).status == 403)
            #expect(try await store.submission(videoID: "v_unknown") == nil)
            // Without a configured secret, a signed delivery cannot be checked: refused, not taken as unsigned.
            #expect(try await deliver(server.url, body: body, headers: signed(body)).status == 401)
            let answer = try await deliver(server.url, body: body, headers: [])
            #expect(answer.status == 200 && answer.body["recorded"] == "v_cb")
            // Retried without an event id: recognised by video and event type.
            #expect(try await deliver(server.url, body: body, headers: [])
                .body["duplicate"] == "callback:v_cb:avatar_video.success")
        }
        #expect(try await store.submission(key: key)?.status == "completed")
    }

    @Test func aSecretSavedWhileRunningIsUsed() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_later")
        let secrets = SecretList()
        var options = WebhookServerOptions()
        options.port = 0
        let server = try await WebhookServer.start(
            options, gate: WebhookGate(store: store, secrets: secrets.read), logger: quietLogger)
        let body = eventBody(videoID: "v_later")
        let before = try await deliver(server.url, body: body, headers: signed(body))
        secrets.set(["whsec_other", endpointSecret])
        let after = try await deliver(server.url, body: body, headers: signed(body))
        await server.stop()
        #expect(before.status == 401 && after.status == 200)
        #expect(try await store.submission(key: key)?.status == "completed")
    }

    @Test func theHeartbeatCoversVideosWhileTheReceiverRuns() async throws {
        let store = try SubmissionStore.inMemory()
        try await knownVideo(store, videoID: "v_plain")
        try await knownVideo(store, videoID: "v_hooked", callbackURL: "https://hooks.test/cb")
        #expect(try await store.webhookCoverage() == nil)
        let rows = try await store.all()
        let plain = try #require(rows.first { $0.videoID == "v_plain" }), hooked = try #require(rows.first { $0.videoID == "v_hooked" })
        try await withReceiver(store: store, secrets: [], acceptCallbacks: true) { server in
            let coverage = try #require(try await store.webhookCoverage())
            #expect(server.url.hasSuffix(coverage.address))
            #expect(!coverage.signed && coverage.callbacks)
            #expect(coverage.covers(hooked) && !coverage.covers(plain))
        }
        try await withReceiver(store: store) { _ in
            let coverage = try #require(try await store.webhookCoverage())
            #expect(coverage.signed && coverage.covers(plain) && coverage.covers(hooked))
        }
        #expect(try await store.webhookCoverage() == nil, "stopping removes the heartbeat")
        // A heartbeat older than the freshness window does not count.
        try await store.receiverHeartbeat(owner: "elsewhere", address: "x", signed: true, callbacks: false, now: Date().addingTimeInterval(-60))
        #expect(try await store.webhookCoverage() == nil)
    }
}
