import Foundation
import HeyGen
import TwinDeckCore

/// The receiver's answer to one delivery: an HTTP status and a one-line JSON body.
public struct WebhookReply: Equatable, Sendable {
    public var status: Int
    public var body: [String: String]

    public init(_ status: Int, _ body: [String: String]) {
        self.status = status
        self.body = body
    }

    static func refuse(_ status: Int, _ reason: String) -> Self { Self(status, ["error": reason]) }
}

/// Decides what to do with one delivery, whatever carried it (the HTTP server, tests):
///
/// 1. a body over `maxBodyBytes` → 413;
/// 2. signed (`Heygen-Signature` present): the hex HMAC-SHA256 of the raw body must match one of the endpoint
///    secrets (constant-time) → else 401; `Heygen-Timestamp` must be within `tolerance` of now, either way
///    → else 401 (400 when missing or not a number); `Heygen-Event-Id` is required → else 400;
/// 3. unsigned: refused (401) unless unsigned `callback_url` deliveries were opted into, and then only for a
///    video the store already holds (403 otherwise);
/// 4. a body that is not a webhook event → 400;
/// 5. an event id seen before → 200 `{"duplicate": "…"}`, nothing recorded again (HeyGen stops retrying);
/// 6. a signed event for a video not in the store (another app on the account) → 202, nothing recorded;
/// 7. otherwise the outcome is recorded in the store the board reads → 200.
public struct WebhookGate: Sendable {
    public var store: SubmissionStore
    /// The endpoint secrets a signature may be made with; read for each signed delivery, so an endpoint
    /// registered while the receiver runs is accepted without a restart.
    public var secrets: @Sendable () -> [String]
    public var acceptCallbacks: Bool
    public var maxBodyBytes: Int
    /// How far `Heygen-Timestamp` may be from now, in seconds, in the past or the future.
    public var tolerance: TimeInterval
    public var clock: @Sendable () -> Date

    public init(
        store: SubmissionStore, secrets: @escaping @Sendable () -> [String], acceptCallbacks: Bool = false,
        maxBodyBytes: Int = 64 * 1024, tolerance: TimeInterval = 300, clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.secrets = secrets
        self.acceptCallbacks = acceptCallbacks
        self.maxBodyBytes = maxBodyBytes
        self.tolerance = tolerance
        self.clock = clock
    }

    /// Handles one delivery. `header` looks a header up by name, case-insensitively.
    public func handle(body: Data, header: (String) -> String?) async -> WebhookReply {
        guard body.count <= maxBodyBytes else { return .refuse(413, "body over \(maxBodyBytes) bytes") }
        let now = clock()
        let signed: Bool
        var eventID = header(WebhookSignature.eventIDHeader).flatMap { $0.isEmpty ? nil : $0 }
        if let signature = header(WebhookSignature.signatureHeader) {
            if let refusal = checkSignature(signature, body: body, timestamp: header(WebhookSignature.timestampHeader), now: now) {
                return refusal
            }
            guard eventID != nil else { return .refuse(400, "missing \(WebhookSignature.eventIDHeader)") }
            signed = true
        } else {
            guard acceptCallbacks else { return .refuse(401, "missing \(WebhookSignature.signatureHeader) (unsigned callbacks are not accepted)") }
            signed = false
        }
        guard let event = try? JSONDecoder().decode(WebhookEvent.self, from: body) else {
            return .refuse(400, "the body is not a webhook event")
        }
        if eventID == nil { eventID = "callback:\(event.eventData.videoID):\(event.eventType.rawValue)" }
        let outcome: WebhookOutcome
        do {
            outcome = try await store.recordWebhook(eventID: eventID ?? "", event: event, now: now)
        } catch {
            return .refuse(503, "the history could not be written")  // HeyGen retries later
        }
        switch outcome {
        case .recorded(let row): return WebhookReply(200, ["recorded": event.eventData.videoID, "status": row.status ?? ""])
        case .duplicate: return WebhookReply(200, ["duplicate": eventID ?? ""])
        case .ignored: return WebhookReply(202, ["ignored": "event type \(event.eventType.rawValue)"])
        case .unknownVideo where signed: return WebhookReply(202, ["ignored": "unknown video"])
        case .unknownVideo: return .refuse(403, "unsigned delivery for a video this history does not hold")
        }
    }

    private func checkSignature(_ signature: String, body: Data, timestamp: String?, now: Date) -> WebhookReply? {
        let keys = secrets()
        guard !keys.isEmpty else { return .refuse(401, "signed delivery but no endpoint secret is configured") }
        // Every secret is tried, so the time taken does not say which one (if any) was close.
        var valid = false
        for key in keys where WebhookSignature.isValid(signature, body: body, secret: key) { valid = true }
        guard valid else { return .refuse(401, "bad signature") }
        guard let timestamp, let seconds = Double(timestamp.trimmingCharacters(in: .whitespaces)) else {
            return .refuse(400, "missing or unreadable \(WebhookSignature.timestampHeader)")
        }
        guard abs(now.timeIntervalSince1970 - seconds) <= tolerance else { return .refuse(401, "stale timestamp") }
        return nil
    }
}
