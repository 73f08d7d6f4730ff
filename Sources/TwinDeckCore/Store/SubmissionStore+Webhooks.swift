import Foundation
import GRDB
import HeyGen

/// An event id already taken in (`Heygen-Event-Id`), kept long enough to outlast HeyGen's 24 h of retries.
struct WebhookEventRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "webhookEvent"
    var eventID: String
    /// Seconds since 1970.
    var receivedAt: Double
}

/// A running webhook receiver (`twindeck webhook listen`) and its last sign of life.
struct ReceiverHeartbeat: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "receiver"
    var owner: String
    var address: String
    var signed: Bool
    var callbacks: Bool
    /// Seconds since 1970.
    var heartbeatAt: Double
}

/// Which videos a live webhook receiver covers for this store, as the poller and the board see it.
public struct WebhookCoverage: Equatable, Sendable {
    /// Where the receiver listens (`127.0.0.1:8787/webhooks/heygen`), for the board's status line.
    public var address: String
    /// It verifies signed deliveries to a registered endpoint: every video on the account is covered.
    public var signed: Bool
    /// It accepts unsigned `callback_url` deliveries: videos sent with a callback URL are covered.
    public var callbacks: Bool

    public init(address: String, signed: Bool, callbacks: Bool) {
        self.address = address
        self.signed = signed
        self.callbacks = callbacks
    }

    /// Whether a webhook is expected to report this submission's outcome.
    public func covers(_ row: Submission) -> Bool {
        row.videoID != nil && (signed || (callbacks && row.callbackURL != nil))
    }
}

/// What became of one webhook delivery.
public enum WebhookOutcome: Equatable, Sendable {
    /// Taken in: the submission as it is now.
    case recorded(Submission)
    /// The event id was seen before; nothing changed.
    case duplicate
    /// No submission holds the video (another app on the account, or a forged id); nothing changed.
    case unknownVideo
    /// An event type TwinDeck does not act on; nothing changed.
    case ignored
}

extension SubmissionStore {
    // MARK: - Webhook deliveries

    /// How long an event id is remembered (HeyGen retries a failed delivery for 24 h).
    static let eventMemory: TimeInterval = 48 * 3600

    /// Takes in one webhook delivery, in one transaction: the event id is checked and remembered, and the
    /// submission holding the video is updated (see ``Submission/apply(_:at:)``).
    /// - Parameters:
    ///   - eventID: `Heygen-Event-Id`, or a name derived from the body when the delivery had none.
    ///   - event: the parsed body.
    public func recordWebhook(eventID: String, event: WebhookEvent, now: Date = Date()) async throws -> WebhookOutcome {
        try await write { db in
            let moment = now.timeIntervalSince1970
            try WebhookEventRecord.filter(Column("receivedAt") < moment - Self.eventMemory).deleteAll(db)
            if try WebhookEventRecord.exists(db, key: eventID) { return .duplicate }
            guard var row = try Submission.filter(videoID: event.eventData.videoID).fetchOne(db) else { return .unknownVideo }
            guard row.apply(event, at: now) else { return .ignored }
            try row.update(db)
            try WebhookEventRecord(eventID: eventID, receivedAt: moment).insert(db)
            return .recorded(row)
        }
    }

    // MARK: - Receiver heartbeat

    /// Records that a receiver runs for this store (call again every few seconds while it does). The latest beat
    /// of any receiver is also kept after it stops (``lastReceiverHeartbeat()``): the next one catches up from there.
    public func receiverHeartbeat(owner: String, address: String, signed: Bool, callbacks: Bool, now: Date = Date()) async throws {
        try await write { db in
            try ReceiverHeartbeat(owner: owner, address: address, signed: signed, callbacks: callbacks,
                                  heartbeatAt: now.timeIntervalSince1970).save(db)
            let last = try ReceiverHeartbeat.fetchOne(db, key: Self.lastBeatOwner)?.heartbeatAt ?? 0
            try ReceiverHeartbeat(owner: Self.lastBeatOwner, address: "", signed: false, callbacks: false,
                                  heartbeatAt: max(last, now.timeIntervalSince1970)).save(db)
        }
    }

    /// The receiver table's row that keeps the latest heartbeat of any receiver; never a live receiver (an owner is
    /// `twindeck-<pid>-…`).
    static let lastBeatOwner = "~last-heartbeat"

    /// When a receiver last said it was alive for this store (running now or not); nil when none ever ran.
    public func lastReceiverHeartbeat() async throws -> Date? {
        try await writer.read { db in
            try ReceiverHeartbeat.fetchOne(db, key: Self.lastBeatOwner).map { Date(timeIntervalSince1970: $0.heartbeatAt) }
        }
    }

    /// Forgets a receiver that stops.
    public func removeReceiver(owner: String) async throws {
        try await write { db in _ = try ReceiverHeartbeat.deleteOne(db, key: owner) }
    }

    /// What the live receivers cover, or nil when none runs: a receiver counts while its heartbeat is younger
    /// than `freshness` and its process (on this machine) still exists.
    public func webhookCoverage(now: Date = Date(), freshness: TimeInterval = 30) async throws -> WebhookCoverage? {
        let live = try await writer.read { db in
            try ReceiverHeartbeat.filter(Column("heartbeatAt") > now.timeIntervalSince1970 - freshness).order(Column("owner")).fetchAll(db)
        }.filter { $0.owner != Self.lastBeatOwner && !Self.ownerIsGone($0.owner) }
        guard let first = live.first else { return nil }
        return WebhookCoverage(address: first.address, signed: live.contains(where: \.signed), callbacks: live.contains(where: \.callbacks))
    }

    /// Changes whenever a row is added, removed or updated (by any process): the change counter, or on a file
    /// without the change log (an older one open read-only) the row count and the last update time.
    public func changeStamp() async throws -> String {
        try await writer.read { db in
            if let mark = try Self.changeMark(db) { return String(mark) }
            return try String.fetchOne(db, sql: "SELECT count(*) || ':' || ifnull(max(updatedAt), 0) FROM submission") ?? ""
        }
    }
}
