import Foundation

// MARK: - Consent

/// The answer to `POST /v3/avatars/{group_id}/consent`: the page where the person in the avatar approves its use.
public struct ConsentLink: Codable, Hashable, Sendable {
    /// The consent page; absent when a consent video was submitted instead.
    public var url: String?
    public var group: AvatarGroupSummary?

    public init(url: String?, group: AvatarGroupSummary? = nil) {
        self.url = url
        self.group = group
    }

    enum CodingKeys: String, CodingKey { case url, group = "avatar_group" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        group = try? c.decodeIfPresent(AvatarGroupSummary.self, forKey: .group)
    }
}

/// The parts of an avatar group TwinDeck shows.
public struct AvatarGroupSummary: Codable, Hashable, Sendable {
    public var id: String
    public var name: String?
    /// Unix seconds.
    public var createdAt: Int?
    public var status: LookStatus?
    public var consentStatus: String?

    public init(id: String, name: String? = nil, createdAt: Int? = nil, status: LookStatus? = nil, consentStatus: String? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.status = status
        self.consentStatus = consentStatus
    }

    enum CodingKeys: String, CodingKey { case id, name, createdAt = "created_at", status, consentStatus = "consent_status" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        createdAt = try c.decodeLenientInt(forKey: .createdAt)
        status = try c.decodeIfPresent(LookStatus.self, forKey: .status)
        consentStatus = try c.decodeIfPresent(String.self, forKey: .consentStatus)
    }
}

// MARK: - Webhook event log

/// One entry of `GET /v3/webhooks/events`: an event HeyGen delivered (or tried to) to the account's endpoints.
public struct WebhookLogEntry: Codable, Hashable, Sendable, Identifiable {
    /// The `Heygen-Event-Id` of its delivery: a live delivery and its log entry share it.
    public var eventID: String
    public var eventType: WebhookEventType
    /// The payload as sent (kept whole: events other than video outcomes have other shapes).
    public var eventData: JSONValue
    /// ISO 8601, as sent.
    public var createdAt: String?

    public var id: String { eventID }

    public init(eventID: String, eventType: WebhookEventType, eventData: JSONValue, createdAt: String?) {
        self.eventID = eventID
        self.eventType = eventType
        self.eventData = eventData
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case eventID = "event_id", eventType = "event_type", eventData = "event_data", createdAt = "created_at"
    }

    /// When it was created, when `created_at` reads as ISO 8601 (with or without fractional seconds).
    public var createdDate: Date? {
        guard let createdAt else { return nil }
        return ISO8601.parse(createdAt)
    }

    /// The video the event is about, when it names one.
    public var videoID: String? { eventData["video_id"]?.stringValue }

    /// The entry as a live delivery's body, when it is about a video (`nil` for other kinds of event).
    public var delivery: WebhookEvent? {
        guard let data = try? JSONEncoder().encode(eventData),
            let payload = try? JSONDecoder().decode(WebhookEvent.EventData.self, from: data)
        else { return nil }
        return WebhookEvent(eventType: eventType, eventData: payload)
    }
}

/// Filters of `GET /v3/webhooks/events`.
public struct WebhookEventQuery: Sendable, Hashable {
    public var eventType: WebhookEventType?
    /// The entity (a video id) the events are about.
    public var entityID: String?
    public var limit: Int?

    public init(eventType: WebhookEventType? = nil, entityID: String? = nil, limit: Int? = nil) {
        self.eventType = eventType
        self.entityID = entityID
        self.limit = limit
    }
}

/// The body of `PATCH /v3/webhooks/endpoints/{endpoint_id}`: only what changes (the events list is replaced whole).
public struct UpdateWebhookEndpointRequest: Codable, Hashable, Sendable {
    public var url: String?
    public var events: [WebhookEventType]?

    public init(url: String? = nil, events: [WebhookEventType]? = nil) {
        self.url = url
        self.events = events
    }
}

/// The answer to `POST /v3/webhooks/endpoints/{endpoint_id}/rotate-secret`. The old secret stops working at once.
public struct RotatedSecret: Codable, Hashable, Sendable {
    public var endpointID: String
    public var secret: String

    public init(endpointID: String, secret: String) {
        self.endpointID = endpointID
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey { case endpointID = "endpoint_id", secret }
}

/// ISO 8601 timestamps from outside, read without `ISO8601DateFormatter` (see ``PlainFormat``):
/// `2026-01-02T03:04:05Z`, with optional fractional seconds and a `±hh:mm` offset.
public enum ISO8601 {
    public static func parse(_ text: String) -> Date? {
        let scalars = Array(text.utf8)
        guard scalars.count >= 20 else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= scalars.count else { return nil }
            var n = 0
            for b in scalars[from..<(from + length)] {
                guard b >= 48, b <= 57 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            return n
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), scalars[4] == 45, scalars[7] == 45,
            scalars[10] == 84 || scalars[10] == 116 || scalars[10] == 32, scalars[13] == 58, scalars[16] == 58,
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < scalars.count, scalars[i] == 46 {
            i += 1
            var scale = 0.1
            while i < scalars.count, scalars[i] >= 48, scalars[i] <= 57 {
                fraction += Double(scalars[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < scalars.count, scalars[i] == 90 || scalars[i] == 122 {
            i += 1
        } else if i + 6 <= scalars.count, scalars[i] == 43 || scalars[i] == 45, let h = number(i + 1, 2), let m = number(i + 4, 2) {
            offset = (h * 3600 + m * 60) * (scalars[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == scalars.count else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm), no calendar tables.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }
}
