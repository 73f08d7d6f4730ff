import Foundation
import HeyGen

extension SimulatorState {
    /// `billing_type` and its object for `GET /v3/users/me`, from the account's credits (nil: unlimited) and how many
    /// videos it has made.
    func billingFields() -> [String: JSONValue] {
        let made = Double(videoOrder.count)
        switch options.billing {
        case .wallet:
            let wallet: JSONValue = if let credits {
                .object(["currency": .string("credits"), "remaining_balance": .number(Double(credits)), "auto_reload": .object(["enabled": .bool(false)])])
            } else {
                // A USD balance a video at a time draws down, topped up by auto-reload below $20.
                .object(["currency": .string("usd"), "remaining_balance": .number(max(0, 250 - made * 1.5)),
                         "auto_reload": .object(["enabled": .bool(true), "amount_usd": .number(100), "threshold_usd": .number(20)])])
            }
            return ["billing_type": .string("wallet"), "wallet": wallet]
        case .subscription:
            let premium = credits.map(Double.init) ?? max(0, 200 - made)
            return ["billing_type": .string("subscription"), "subscription": .object([
                "plan": .string("pro"),
                "credits": .object([
                    "premium_credits": .object(["remaining": .number(premium), "resets_at": .string(resetDate())]),
                    "add_on_credits": .object(["remaining": .number(25), "resets_at": .null]),
                ]),
            ])]
        case .usageBased:
            let included = 100.0
            let remaining = credits.map(Double.init) ?? max(0, included - made)
            let spent = max(0, made - included) * 1.25
            return ["billing_type": .string("usage_based"), "usage_based": .object([
                "included_credits": .number(included), "remaining_credits": .number(remaining),
                "spending_cap_usd": .number(50), "spending_current_usd": .number(spent),
            ])]
        }
    }

    /// The first of next month (UTC) as ISO 8601: when the subscription's premium credits reset.
    private func resetDate() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let today = Date(timeIntervalSince1970: now)
        let start = calendar.dateInterval(of: .month, for: today)?.end ?? today.addingTimeInterval(30 * 86_400)
        return PlainFormat.iso8601(start)
    }
}

// MARK: - Webhook event log and endpoint changes

extension SimulatorState {
    /// The event a finished video's outcome makes, as deliveries carry it (the same id, type and data).
    static func outcomeEvent(_ video: SimVideo, status: VideoStatus, mediaURL: (String) -> String) -> WebhookEvent {
        let ext = (video.request.outputFormat ?? .mp4) == .webm ? "webm" : "mp4"
        let data: WebhookEvent.EventData = status == .completed
            ? .init(videoID: video.id, url: mediaURL("\(video.id).\(ext)"), callbackID: video.id)
            : .init(videoID: video.id, msg: VideosController.failureMessage, callbackID: video.id)
        return WebhookEvent(eventType: status == .completed ? .videoSuccess : .videoFail, eventData: data)
    }

    /// Marks a media path in the log's event data: the answer signs it afresh (a link in a log would expire).
    static let unsignedMedia = "sim-media:"

    /// The `Heygen-Event-Id` of a video's outcome event.
    static func eventID(of videoID: String) -> String { "evt_\(videoID)" }

    /// Adds to the log the outcome event of each video that finished while an endpoint subscribed to it was
    /// registered (whether or not its delivery then succeeds: the log is what HeyGen sent, or tried to).
    func logEvents() {
        for id in videoOrder where !loggedVideos.contains(id) {
            guard let video = videos[id] else { continue }
            let outcome = status(of: video)
            guard outcome.isFinal else { continue }
            let finished = video.createdAt + video.renderSeconds
            let event: WebhookEventType = outcome == .completed ? .videoSuccess : .videoFail
            let subscribed = registeredEndpoints().contains { endpoint in
                (endpoint.events ?? WebhookEventType.known).contains(event)
                    && endpointSince[endpoint.endpointID, default: .infinity] <= finished
            }
            guard subscribed else { continue }
            loggedVideos.insert(id)
            // The data as a delivery carries it, with the media link left for the answer to sign afresh.
            let body = Self.outcomeEvent(video, status: outcome) { Self.unsignedMedia + $0 }
            let data = (try? JSONDecoder().decode(JSONValue.self, from: simEncoder.encode(body.eventData))) ?? .object([:])
            eventLog.append(WebhookLogEntry(eventID: Self.eventID(of: id), eventType: event, eventData: data,
                                            createdAt: PlainFormat.iso8601(Date(timeIntervalSince1970: finished))))
        }
    }

    /// The log, newest first, filtered as `GET /v3/webhooks/events` asks.
    func events(type: String?, entity: String?) -> [WebhookLogEntry] {
        logEvents()
        return eventLog.reversed().filter { e in
            (type.map { e.eventType.rawValue == $0 } ?? true) && (entity.map { e.videoID == $0 } ?? true)
        }
    }

    func updateEndpoint(id: String, url: String?, events: [WebhookEventType]?) -> WebhookEndpoint? {
        guard var endpoint = endpoints[id] else { return nil }
        if let url { endpoint.url = url }
        if let events { endpoint.events = events }
        endpoints[id] = endpoint
        endpoint.secret = nil
        return endpoint
    }

    /// A new secret, in force at once (deliveries are signed with it from now on).
    func rotateSecret(id: String) -> String? {
        guard endpoints[id] != nil else { return nil }
        let secret = "whsec_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        endpoints[id]?.secret = secret
        return secret
    }

    /// An avatar group built from the looks that share its id; nil when no look has it.
    func avatarGroup(id: String) -> [String: JSONValue]? {
        let members = looks.filter { $0.look.groupID == id }
        guard let first = members.first else { return nil }
        let statuses = members.compactMap(\.look.status)
        let status: LookStatus? = statuses.isEmpty ? nil : statuses.contains(.pendingConsent) ? .pendingConsent
            : statuses.contains(.completed) ? .completed : statuses[0]
        var group: [String: JSONValue] = [
            "id": .string(id), "name": .string(id == "ag_me" ? "Demo Twin" : id == "ag_me2" ? "Demo Twin (second)" : "Public avatars"),
            "created_at": .number(1_767_225_600), "looks_count": .number(Double(members.count)),
            "gender": first.look.gender.map { .string($0.rawValue) } ?? .null,
            "default_voice_id": first.look.defaultVoiceID.map(JSONValue.string) ?? .null,
            "preview_image_url": first.look.previewImageURL.map(JSONValue.string) ?? .null,
            "preview_video_url": .null,
            "status": status.map { .string($0.rawValue) } ?? .null,
            "consent_status": .string(statuses.contains(.pendingConsent) ? "pending" : "approved"),
        ]
        if first.ownership == .public { group["status"] = .null; group["consent_status"] = .null }
        return group
    }
}
