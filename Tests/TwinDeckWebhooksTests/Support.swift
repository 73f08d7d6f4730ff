import AsyncHTTPClient
import Foundation
import HeyGen
import Logging
import NIOCore
import Synchronization
import Testing
import TwinDeckCore
import TwinDeckTestSupport
import TwinDeckWebhooks

let quietLogger: Logger = {
    var logger = Logger(label: "webhook-tests")
    logger.logLevel = .critical
    return logger
}()

/// A secret distinctive enough that finding it in output is proof of a leak.
let endpointSecret = "whsec_test_4f1c9a0e7d2b"

/// What the receiver answered.
struct Answer: Sendable {
    var status: Int
    var body: [String: String]
}

/// A receiver on a free loopback port over `store`, stopped after `body`.
func withReceiver<T>(
    store: SubmissionStore, secrets: [String] = [endpointSecret], acceptCallbacks: Bool = false,
    configure: (inout WebhookServerOptions) -> Void = { _ in },
    _ body: (RunningWebhookServer) async throws -> T
) async throws -> T {
    var options = WebhookServerOptions()
    options.port = 0
    configure(&options)
    let gate = WebhookGate(store: store, secrets: { secrets }, acceptCallbacks: acceptCallbacks)
    let server = try await WebhookServer.start(options, gate: gate, logger: quietLogger)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Posts `body` with `headers` to the receiver.
func deliver(_ url: String, body: Data, headers: [(String, String)]) async throws -> Answer {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    request.body = .bytes(ByteBuffer(data: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    let json = (try? JSONDecoder().decode([String: String].self, from: Data(buffer: bytes))) ?? [:]
    return Answer(status: Int(response.status.code), body: json)
}

/// The headers of a signed delivery.
func signed(_ body: Data, secret: String = endpointSecret, timestamp: Date = Date(), eventID: String = "evt_\(UUID().uuidString)")
    -> [(String, String)]
{
    [(WebhookSignature.signatureHeader, WebhookSignature.sign(body, secret: secret)),
     (WebhookSignature.timestampHeader, String(Int(timestamp.timeIntervalSince1970))),
     (WebhookSignature.eventIDHeader, eventID)]
}

/// A delivery body as HeyGen sends it.
func eventBody(_ type: WebhookEventType = .videoSuccess, videoID: String, url: String = "https://media.test/v.mp4") -> Data {
    let data: WebhookEvent.EventData = type == .videoFail
        ? .init(videoID: videoID, msg: "Avatar rendering timed out", callbackID: videoID)
        : .init(videoID: videoID, url: url, callbackID: videoID)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys  // the same bytes each time, so a signature made from one call fits another
    return try! encoder.encode(WebhookEvent(eventType: type, eventData: data))
}

/// A submitted, still-rendering video in `store`; returns its key.
@discardableResult
func knownVideo(_ store: SubmissionStore, videoID: String, callbackURL: String? = nil) async throws -> String {
    var request = sampleRequest(title: "Known \(videoID)")
    request.callbackURL = callbackURL
    let key = "key-\(videoID)"
    try await store.recordSubmitting(request: request, key: key, lookName: nil, voiceName: nil, source: .cli)
    try await store.markSubmitted(key: key, videoID: videoID, status: .processing)
    return key
}

/// Secrets the tests change while a receiver runs.
final class SecretList: Sendable {
    private let secrets = Mutex<[String]>([])
    func set(_ values: [String]) { secrets.withLock { $0 = values } }
    var read: @Sendable () -> [String] { { [self] in secrets.withLock { $0 } } }
}
