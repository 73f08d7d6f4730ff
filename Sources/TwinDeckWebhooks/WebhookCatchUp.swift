import Foundation
import HeyGen
import TwinDeckCore

/// What one catch-up found in HeyGen's delivery history (`GET /v3/webhooks/events`).
public struct CatchUpReport: Equatable, Sendable {
    /// Events created at or after this were read.
    public var since: Date
    /// Events in the log since then.
    public var read = 0
    /// Missed deliveries now recorded into the history (their video ids).
    public var recorded: [String] = []
    /// Already taken in (a live delivery or an earlier catch-up had them).
    public var duplicates = 0
    /// About videos this history does not hold (made elsewhere on the account).
    public var notInHistory = 0
    /// Kinds of event TwinDeck does not act on, or entries without a video.
    public var ignored = 0
    /// The event log could not be read; nothing was recorded and the next catch-up starts from the same moment.
    public var error: HeyGenError?

    public init(since: Date) { self.since = since }

    /// The plan has no webhooks (403): catching up cannot work, so it is not tried again.
    public var forbidden: Bool { error?.kind == .forbidden }

    /// One line for the receiver's log.
    public var summary: String {
        let time = PlainFormat.iso8601(since)
        if let error {
            if forbidden {
                return "Catch-up unavailable: HeyGen refused the event log (\(error.message)); this plan may not include webhooks. "
                    + "Missed deliveries are not caught up; the board's polling still finds every outcome."
            }
            return "Catch-up since \(time) failed: \(error.description). Nothing was lost; it is tried again from the same moment."
        }
        var parts = ["\(recorded.count) missed deliver\(recorded.count == 1 ? "y" : "ies") recorded"]
        if duplicates > 0 { parts.append("\(duplicates) already taken in") }
        if notInHistory > 0 { parts.append("\(notInHistory) for videos not in this history") }
        if ignored > 0 { parts.append("\(ignored) not about a video outcome") }
        return "Caught up since \(time): \(read) event\(read == 1 ? "" : "s") in HeyGen's log — " + parts.joined(separator: ", ") + "."
    }
}

/// Reads the deliveries a receiver missed from HeyGen's delivery history and records them as a live delivery would be:
/// the same parsing of the event, the same one-transaction record keyed by the event id (`Heygen-Event-Id` of the
/// delivery, `event_id` of the log), so an event taken in live is never recorded twice and a catch-up repeated over
/// the same window changes nothing. The log is read over the API with the account's key, so it needs no signature.
public struct WebhookCatchUp: Sendable {
    /// How far before the last heartbeat (or the last catch-up) reading starts: an event made just before the
    /// receiver stopped may not have been delivered yet. Repeats are harmless (de-duplicated by id).
    public static let overlap: TimeInterval = 120
    /// How far back the first catch-up of a history that never had a receiver reads (HeyGen retries for 24 h).
    public static let firstLookBack: TimeInterval = 24 * 3600

    public var store: SubmissionStore
    /// The events created at or after a moment (``HeyGenClient/webhookEvents(since:_:maxPages:)`` in the app).
    public var events: @Sendable (Date) async throws -> [WebhookLogEntry]
    public var clock: @Sendable () -> Date

    public init(store: SubmissionStore, events: @escaping @Sendable (Date) async throws -> [WebhookLogEntry],
                clock: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.events = events
        self.clock = clock
    }

    /// Where the first catch-up starts: a little before the last heartbeat any receiver recorded for this store, or a
    /// day back when none ever ran. Read it before the new receiver's first heartbeat.
    public func start() async throws -> Date {
        let now = clock()
        guard let last = try await store.lastReceiverHeartbeat() else { return now.addingTimeInterval(-Self.firstLookBack) }
        return min(now, last).addingTimeInterval(-Self.overlap)
    }

    /// One catch-up: reads the events since `since` and records each outcome this history lacks.
    public func once(since: Date) async -> CatchUpReport {
        var report = CatchUpReport(since: since)
        let entries: [WebhookLogEntry]
        do {
            entries = try await events(since)
        } catch {
            report.error = error as? HeyGenError ?? HeyGenError(kind: .transport, message: String(describing: error))
            return report
        }
        report.read = entries.count
        for entry in entries {
            // The payload as a live delivery's body: one TwinDeck cannot read as a video outcome is not acted on.
            guard let event = entry.delivery else {
                report.ignored += 1
                continue
            }
            do {
                switch try await store.recordWebhook(eventID: entry.eventID, event: event, now: clock()) {
                case .recorded: report.recorded.append(event.eventData.videoID)
                case .duplicate: report.duplicates += 1
                case .unknownVideo: report.notInHistory += 1
                case .ignored: report.ignored += 1
                }
            } catch {
                // The history could not be written: stop here, and start from the same moment next time.
                report.error = HeyGenError(kind: .configuration, message: "the history could not be written: \(error)")
                return report
            }
        }
        return report
    }

    /// Catches up now, then every `interval`, until cancelled; each report goes to `report`. A failed catch-up is
    /// retried from the same moment; a successful one moves the start to just before it began. A 403 (no webhooks
    /// on the plan) ends the loop.
    public func run(from start: Date, every interval: Duration, sleep: @escaping @Sendable (Duration) async throws -> Void,
                    report: @Sendable (CatchUpReport) async -> Void) async {
        var since = start
        while !Task.isCancelled {
            let began = clock()
            let result = await once(since: since)
            await report(result)
            if result.forbidden { return }
            if result.error == nil { since = max(since, began.addingTimeInterval(-Self.overlap)) }
            do { try await sleep(interval) } catch { return }
        }
    }
}
