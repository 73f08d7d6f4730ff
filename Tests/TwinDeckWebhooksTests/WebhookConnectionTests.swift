import Foundation
import HeyGen
import Testing
import TwinDeckCore
import TwinDeckTestSupport
import TwinDeckWebhooks

/// The receiver under hostile connections, over real loopback TCP: idle sockets, a slowloris, oversized heads,
/// a flood past the connection cap.
@Suite("Webhook receiver connections")
struct WebhookConnectionTests {
    /// The first line and headers of a request to the delivery path, without the blank line that ends the head.
    static let halfHead = "POST /webhooks/heygen HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"

    @Test func idleConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let store = try SubmissionStore.inMemory()
        try await withReceiver(store: store, configure: {
            $0.idleTimeout = .milliseconds(500)
            $0.headerTimeout = .seconds(60)  // so only the idle timeout can close them
        }) { server in
            let opened = ContinuousClock.now
            let silent = try RawConnection(port: server.port)
            let answered = try RawConnection(port: server.port)
            try answered.send("GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await eventually(timeout: .seconds(10)) { answered.poll(); return answered.text.contains("\r\n\r\n") })
            #expect(answered.text.hasPrefix("HTTP/1.1 404"), "kept alive after its answer: \(answered.text)")

            #expect(await silent.waitForClose(timeout: .seconds(10)), "a connection that never sent anything is closed")
            #expect(await answered.waitForClose(timeout: .seconds(10)), "a kept-alive connection left idle is closed")
            #expect(ContinuousClock.now - opened >= .milliseconds(450), "not before the idle timeout")
            #expect(silent.received.isEmpty)
            #expect(await eventually(timeout: .seconds(10)) { server.openConnections == 0 })
        }
    }

    @Test func aSlowlorisIsClosedAfterTheHeaderTimeout() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_slow")
        try await withReceiver(store: store, configure: {
            $0.idleTimeout = .seconds(60)  // so only the header timeout can close it
            $0.headerTimeout = .milliseconds(500)
        }) { server in
            // A connection whose request head came in time, opened first: the header timer must leave it alone.
            let prompt = try RawConnection(port: server.port)
            try prompt.send("GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await eventually(timeout: .seconds(10)) { prompt.poll(); return prompt.text.contains("\r\n\r\n") })

            let opened = ContinuousClock.now
            let slow = try RawConnection(port: server.port)
            try slow.send(Self.halfHead)
            #expect(await slow.waitForClose(timeout: .seconds(10)), "half a header then nothing: closed")
            #expect(ContinuousClock.now - opened >= .milliseconds(450), "not before the header timeout")
            #expect(slow.received.isEmpty, "closed without an answer: \(slow.text)")
            #expect(!prompt.poll(), "the connection that sent its head in time is still open")

            // The receiver still takes deliveries.
            let body = eventBody(videoID: "v_slow")
            #expect(try await deliver(server.url, body: body, headers: signed(body)).status == 200)
            #expect(try await store.submission(key: key)?.status == "completed")
        }
    }

    @Test func oversizedHeadersAreAnswered431() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_big")
        try await withReceiver(store: store, configure: { $0.headerTimeout = .seconds(60) }) { server in
            let big = try RawConnection(port: server.port)
            try big.send(Self.halfHead + "X-Padding: " + String(repeating: "a", count: 20 * 1024) + "\r\nContent-Length: 2\r\n\r\n{}")
            #expect(await big.waitForClose(timeout: .seconds(10)), "closed after the answer, not left hanging")
            #expect(big.text.hasPrefix("HTTP/1.1 431 "), "\(big.text.prefix(200))")
            #expect(big.text.contains("request headers over 16384 bytes"))

            // Also when the head never ends: the limit is seen while the headers arrive.
            let endless = try RawConnection(port: server.port)
            try endless.send(Self.halfHead + "X-Padding: " + String(repeating: "b", count: 17 * 1024))
            #expect(await endless.waitForClose(timeout: .seconds(10)))
            #expect(endless.text.hasPrefix("HTTP/1.1 431 "), "\(endless.text.prefix(200))")

            // Headers under the limit are fine: a signed delivery with 12 KiB of extra header is recorded.
            let body = eventBody(videoID: "v_big")
            let answer = try await deliver(server.url, body: body, headers: signed(body) + [("X-Padding", String(repeating: "c", count: 12 * 1024))])
            #expect(answer.status == 200, "\(answer)")
            #expect(try await store.submission(key: key)?.status == "completed")
        }
    }

    @Test func aDeliveryGetsThroughMoreIdleConnectionsThanTheCap() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await knownVideo(store, videoID: "v_flood")
        try await withReceiver(store: store, configure: {
            $0.maxConnections = 20
            $0.idleTimeout = .seconds(60)
            $0.headerTimeout = .seconds(60)  // so only the cap closes them
        }) { server in
            #expect(server.maxConnections == 20)
            // Twenty connections, each taken in before the next opens, so their order is known.
            var first: [RawConnection] = []
            for index in 0..<20 {
                let connection = try RawConnection(port: server.port)
                if !index.isMultiple(of: 2) { try connection.send(Self.halfHead) }  // half of them start a request
                first.append(connection)
                #expect(await eventually(timeout: .seconds(10)) { server.openConnections == index + 1 })
            }
            // The oldest of them makes a request: it is now the one idle the shortest.
            try first[0].send("GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await eventually(timeout: .seconds(10)) { first[0].poll(); return first[0].text.contains("\r\n\r\n") })

            // Nineteen more at once: each one closes the longest-idle connection, never refused.
            var flood: [RawConnection] = []
            for index in 0..<19 {
                let connection = try RawConnection(port: server.port)
                if index.isMultiple(of: 2) { try connection.send(Self.halfHead) }
                flood.append(connection)
            }
            #expect(await eventually(timeout: .seconds(10)) { first.dropFirst().allSatisfy { $0.poll() } },
                    "closed: \(first.indices.filter { first[$0].isClosed })")
            #expect(!first[0].poll(), "the connection active most recently was kept, though it is the oldest")
            #expect(flood.allSatisfy { !$0.poll() }, "the new connections were taken in")
            #expect(server.openConnections == 20)

            let body = eventBody(videoID: "v_flood")
            let answer = try await deliver(server.url, body: body, headers: signed(body))
            #expect(answer.status == 200, "\(answer)")
            #expect(answer.body["recorded"] == "v_flood")
            #expect(try await store.submission(key: key)?.status == "completed")
            #expect(server.openConnections <= 20)
        }
    }

    @Test func theCapStaysUnderTheFileLimit() throws {
        #expect(WebhookServerOptions.connectionCap(requested: 512, fileLimit: 128) == 64)
        #expect(WebhookServerOptions.connectionCap(requested: 512, fileLimit: 1024) == 512)
        #expect(WebhookServerOptions.connectionCap(requested: 512, fileLimit: nil) == 512)
        #expect(WebhookServerOptions.connectionCap(requested: 512, fileLimit: 30) == 1)
        #expect(WebhookServerOptions.connectionCap(requested: 20, fileLimit: Int.max) == 20)
        #expect(try #require(WebhookServerOptions.softFileLimit()) > 0)
    }
}
