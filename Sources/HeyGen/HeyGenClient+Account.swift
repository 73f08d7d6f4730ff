import Foundation
import NIOHTTP1

extension HeyGenClient {
    // MARK: - Consent

    /// Starts the consent flow of an avatar group (`POST /v3/avatars/{group_id}/consent`) and returns the page where
    /// the person in the avatar approves it. Each call may give a new link; asking again is harmless.
    public func consent(groupID: String) async throws -> ConsentLink {
        guard !PlainText.trimmed(groupID).isEmpty else {
            throw HeyGenError(kind: .invalidRequest, message: "the look belongs to no avatar group, so it has no consent flow")
        }
        return try await send(.POST, "/v3/avatars/\(Self.escape(groupID))/consent", body: Data("{}".utf8), idempotent: true,
                              as: DataEnvelope<ConsentLink>.self).data
    }

    // MARK: - Webhook event log

    /// One page of the delivery history (`GET /v3/webhooks/events`), newest first.
    public func webhookEvents(_ filter: WebhookEventQuery = WebhookEventQuery(), token: String? = nil) async throws -> Page<WebhookLogEntry> {
        var query: [(String, String)] = []
        if let type = filter.eventType { query.append(("event_type", type.rawValue)) }
        if let entity = filter.entityID { query.append(("entity_id", entity)) }
        query.append(("limit", String(min(100, max(1, filter.limit ?? 100)))))
        if let token { query.append(("token", token)) }
        return try await send(.GET, "/v3/webhooks/events", query: query, as: Page<WebhookLogEntry>.self)
    }

    /// The events created at or after `since`, across pages (stopping at the first page that reaches back past it),
    /// oldest first. An entry without a readable `created_at` is kept (it cannot be proven old).
    public func webhookEvents(since: Date, _ filter: WebhookEventQuery = WebhookEventQuery(), maxPages: Int = 1_000) async throws -> [WebhookLogEntry] {
        var all: [WebhookLogEntry] = []
        var token: String?
        var seen = Set<String>()
        for _ in 0..<maxPages {
            let page = try await webhookEvents(filter, token: token)
            all += page.data.filter { ($0.createdDate ?? since) >= since }
            let reachedBack = page.data.contains { ($0.createdDate.map { $0 < since }) ?? false }
            guard page.hasMore, !reachedBack else { return Self.oldestFirst(all) }
            guard let next = page.nextToken, !next.isEmpty else {
                throw HeyGenError(kind: .pagination, message: "the server said more events follow but sent no next_token")
            }
            guard seen.insert(next).inserted else {
                throw HeyGenError(kind: .pagination, message: "the server sent the same next_token twice; stopped to avoid an endless loop")
            }
            token = next
        }
        throw HeyGenError(kind: .pagination, message: "more than \(maxPages) pages of events; stopped")
    }

    static func oldestFirst(_ entries: [WebhookLogEntry]) -> [WebhookLogEntry] {
        var seen = Set<String>()
        return entries.filter { seen.insert($0.eventID).inserted }
            .enumerated().sorted { a, b in
                let (x, y) = (a.element.createdDate ?? .distantPast, b.element.createdDate ?? .distantPast)
                return x != y ? x < y : a.offset > b.offset
            }.map(\.element)
    }

    // MARK: - Webhook endpoints

    /// Changes an endpoint's URL and/or events (`PATCH`); the events list replaces the old one whole.
    public func updateWebhookEndpoint(id: String, _ change: UpdateWebhookEndpointRequest) async throws -> WebhookEndpoint {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try await send(.PATCH, "/v3/webhooks/endpoints/\(Self.escape(id))", body: try encoder.encode(change), idempotent: true,
                              as: DataEnvelope<WebhookEndpoint>.self).data
    }

    /// A new signing secret for the endpoint; the old one stops working at once. Retried like a read: each answer is
    /// a working secret, and the last one is the one in force.
    public func rotateWebhookSecret(id: String) async throws -> RotatedSecret {
        try await send(.POST, "/v3/webhooks/endpoints/\(Self.escape(id))/rotate-secret", idempotent: true,
                       as: DataEnvelope<RotatedSecret>.self).data
    }
}
