import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v3/avatars/{group_id}/consent`, `GET /v3/webhooks/events`, `PATCH /v3/webhooks/endpoints/{id}`,
/// `POST /v3/webhooks/endpoints/{id}/rotate-secret` (all in the published schema's `_extra`), and the consent page
/// the consent link opens (`/consent/{group_id}`, no key: a person's browser opens it).
struct AccountExtrasController {
    let state: SimulatorState
    let media: MediaSigner

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v3/avatars/{group}/consent") { request, context in
            try await consent(request, group: context.parameters.require("group"))
        }
        router.get("/consent/{group}") { _, context in
            let group = try context.parameters.require("group")
            let html = "<!DOCTYPE html><html><body><h1>Avatar consent (simulated)</h1><p>Here the person in the avatar "
                + "group \(group.filter { $0.isLetter || $0.isNumber || $0 == "_" }) would record or approve their consent.</p></body></html>"
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        router.get("/v3/webhooks/events") { request, _ in try await events(request) }
        router.patch("/v3/webhooks/endpoints/{id}") { request, context in
            try await update(request, id: context.parameters.require("id"))
        }
        router.post("/v3/webhooks/endpoints/{id}/rotate-secret") { _, context in
            let id = try context.parameters.require("id")
            guard let secret = await state.rotateSecret(id: id) else { throw SimError(.notFound, "not_found", "Endpoint \(id) was not found") }
            return try jsonResponse(DataBox(data: RotatedSecret(endpointID: id, secret: secret)))
        }
    }

    private struct ConsentBody: Decodable {
        var consentText: String?
        var rerouteURL: String?
        var consentVideo: JSONValue?
        enum CodingKeys: String, CodingKey { case consentText = "consent_text", rerouteURL = "reroute_url", consentVideo = "consent_video" }
    }

    func consent(_ request: Request, group id: String) async throws -> Response {
        var request = request
        let raw = try await request.collectBody(upTo: 64 * 1024)
        let body: ConsentBody
        if raw.readableBytes == 0 {
            body = ConsentBody()
        } else {
            guard let decoded = try? JSONDecoder().decode(ConsentBody.self, from: raw) else {
                throw SimError.invalid("body must be a JSON object", param: nil)
            }
            body = decoded
        }
        if let text = body.consentText, text.contains("<") || text.contains(">") {
            throw SimError.invalid("consent_text must not contain < or >", param: "consent_text")
        }
        if body.consentVideo != nil, body.consentVideo != .null, body.rerouteURL != nil || body.consentText != nil {
            throw SimError.invalid("consent_video cannot be combined with reroute_url or consent_text", param: "consent_video")
        }
        guard let group = await state.avatarGroup(id: id) else {
            throw SimError(.notFound, "avatar_not_found", "Avatar group \(id) was not found")
        }
        guard group["status"] != .null else {
            throw SimError.invalid("avatar group \(id) is public: it needs no consent", param: "group_id")
        }
        var data: [String: JSONValue] = ["avatar_group": .object(group)]
        if body.consentVideo == nil || body.consentVideo == .null {
            let token = String(stableHash(Data("\(id)|\(await state.now)".utf8)) % 1_000_000_000)
            data["url"] = .string("\(media.base)/consent/\(id)?token=\(token)")
        }
        return try jsonResponse(DataBox(data: JSONValue.object(data)))
    }

    func events(_ request: Request) async throws -> Response {
        if state.options.planWithoutWebhooks {
            throw SimError(.forbidden, "forbidden", "Your plan does not include webhooks: the event log is not available")
        }
        let type = request.query("event_type")
        if let type, !WebhookEventType.known.contains(WebhookEventType(rawValue: type)), !Self.otherEventTypes.contains(type) {
            throw SimError.invalid("unknown event_type \(type)", param: "event_type")
        }
        let now = await state.now
        let entries = await state.events(type: type, entity: request.query("entity_id")).map { entry in
            var entry = entry
            if case .object(var data) = entry.eventData, let url = data["url"]?.stringValue, url.hasPrefix(SimulatorState.unsignedMedia) {
                data["url"] = .string(media.url(path: String(url.dropFirst(SimulatorState.unsignedMedia.count)), now: now))
                entry.eventData = .object(data)
            }
            return entry
        }
        let key = "events|\(type ?? "")|\(request.query("entity_id") ?? "")"
        return try jsonResponse(PageToken.page(entries, request: request, list: String(stableHash(Data(key.utf8)) % 100_000),
                                               defaultLimit: 10, maxLimit: 100))
    }

    func update(_ request: Request, id: String) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        guard let change = try? JSONDecoder().decode(UpdateWebhookEndpointRequest.self, from: body) else {
            throw SimError.invalid("body must be {\"url\"?: …, \"events\"?: […]}", param: nil)
        }
        if let url = change.url, !VideoRules.isURL(url, schemes: ["https", "http"]) {
            throw SimError.invalid("url must be an http(s) URL", param: "url")
        }
        if let bad = change.events?.first(where: { !$0.isKnown && !Self.otherEventTypes.contains($0.rawValue) }) {
            throw SimError.invalid("unknown event \(bad)", param: "events")
        }
        guard let endpoint = await state.updateEndpoint(id: id, url: change.url, events: change.events) else {
            throw SimError(.notFound, "not_found", "Endpoint \(id) was not found")
        }
        return try jsonResponse(DataBox(data: endpoint))
    }

    /// Event types of the schema TwinDeck does not act on (accepted in filters and subscriptions, never made here).
    static let otherEventTypes: Set<String> = [
        "avatar_video_gif.success", "avatar_video_gif.fail", "video_translate.success", "video_translate.fail",
        "video_translate.preflight.validation_failed", "video_translate.preflight.download_failed", "personalized_video",
        "instant_avatar.success", "instant_avatar.fail", "photo_avatar_generation.success", "photo_avatar_generation.fail",
        "photo_avatar_train.success", "photo_avatar_train.fail", "photo_avatar_add_motion.success", "photo_avatar_add_motion.fail",
        "proofread_creation.success", "proofread_creation.fail", "live_avatar.success", "live_avatar.fail",
        "avatar_video_caption.success", "avatar_video_caption.fail", "video_agent.success", "video_agent.fail",
        "hyperframes_video.success", "hyperframes_video.fail", "ai_clipping.success", "ai_clipping.fail", "batch.finished",
    ]
}
