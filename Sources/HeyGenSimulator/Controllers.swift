import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v3/avatars/looks`, `GET /v3/avatars/looks/{look_id}`.
struct LooksController {
    let state: SimulatorState
    let media: MediaSigner

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v3/avatars/looks") { request, _ in try await list(request) }
        router.get("/v3/avatars/looks/{id}") { _, context in try await detail(context.parameters.require("id")) }
    }

    func list(_ request: Request) async throws -> Response {
        let type = request.query("avatar_type").map { $0 == "video_avatar" ? AvatarType.digitalTwin : AvatarType(rawValue: $0) }
        let ownership = request.query("ownership")
        if let ownership, ownership != "private", ownership != "public" {
            throw SimError.invalid("ownership must be private or public", param: "ownership")
        }
        let group = request.query("group_id")
        let looks = state.looks.filter { sim in
            (type.map { sim.look.avatarType == $0 } ?? true) && (ownership.map { sim.ownership.rawValue == $0 } ?? true)
                && (group.map { sim.look.groupID == $0 } ?? true)
        }.map { PreviewController.rewrite($0.look, base: media.base) }
        return try jsonResponse(PageToken.page(looks, request: request, list: "looks", defaultLimit: 20, maxLimit: 50))
    }

    func detail(_ id: String) async throws -> Response {
        guard let look = state.looks.first(where: { $0.look.id == id })?.look else {
            throw SimError(.notFound, "avatar_not_found", "Look \(id) was not found")
        }
        return try jsonResponse(DataBox(data: PreviewController.rewrite(look, base: media.base)))
    }
}

/// `GET /v3/voices`.
struct VoicesController {
    let state: SimulatorState
    let media: MediaSigner

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v3/voices") { request, _ in try await list(request) }
    }

    func list(_ request: Request) async throws -> Response {
        let type = request.query("type") ?? "public"
        guard type == "public" || type == "private" else { throw SimError.invalid("type must be public or private", param: "type") }
        let gender = request.query("gender")
        if let gender, gender != "male", gender != "female" {
            throw SimError.invalid("gender must be male or female", param: "gender")
        }
        let language = request.query("language")?.lowercased()
        // `engine=starfish`: the voices `POST /v3/voices/speech` can speak; no voice is compatible with another engine.
        let engine = request.query("engine")?.lowercased()
        let voices = state.voices.filter { v in
            v.type.rawValue == type && (gender.map { v.gender.rawValue == $0 } ?? true)
                && (language.map { v.language.lowercased() == $0 } ?? true)
                && (engine.map { $0 == SpeechRequest.engine && SpeechController.isStarfish(v) } ?? true)
        }.map { PreviewController.rewrite($0, base: media.base) }
        let key = "voices|\(type)|\(gender ?? "")|\(language ?? "")" + (engine.map { "|\($0)" } ?? "")
        return try jsonResponse(PageToken.page(voices, request: request, list: String(stableHash(Data(key.utf8)) % 100_000),
                                               defaultLimit: 20, maxLimit: 100))
    }
}

/// `GET /v3/users/me` and the webhook endpoints.
struct AccountController {
    let state: SimulatorState

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v3/users/me") { _, _ in
            // The published schema's shape: username, email, first_name, last_name (required), and the one billing
            // object its billing_type names (``SimulatorOptions/billing``).
            var user: [String: JSONValue] = [
                "username": .string("demo-twin"), "email": .string("demo@twindeck.invalid"),
                "first_name": .string("Demo"), "last_name": .string("Twin"),
                // Not in the schema (clients ignore unknown fields): what the simulated plan renders at once.
                "plan": .object(["name": .string("Pay-as-you-go (simulated)"), "concurrent_jobs": .number(10)]),
            ]
            for (key, value) in await state.billingFields() { user[key] = value }
            return try jsonResponse(DataBox(data: JSONValue.object(user)))
        }
        router.post("/v3/webhooks/endpoints") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            guard let create = try? JSONDecoder().decode(CreateWebhookEndpointRequest.self, from: body) else {
                throw SimError.invalid("body must be {\"url\": …, \"events\": […]}", param: "url")
            }
            guard VideoRules.isURL(create.url, schemes: ["https", "http"]) else {
                throw SimError.invalid("url must be an http(s) URL", param: "url")
            }
            if let bad = create.events?.first(where: { !$0.isKnown }) {
                throw SimError.invalid("unknown event \(bad)", param: "events")
            }
            return try jsonResponse(DataBox(data: await state.addEndpoint(url: create.url, events: create.events)))
        }
        router.get("/v3/webhooks/endpoints") { request, _ in
            try jsonResponse(PageToken.page(await state.listEndpoints(), request: request, list: "endpoints", defaultLimit: 10, maxLimit: 100))
        }
        router.delete("/v3/webhooks/endpoints/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard await state.deleteEndpoint(id: id) else { throw SimError(.notFound, "not_found", "Endpoint \(id) was not found") }
            return try jsonResponse(DataBox(data: ["endpoint_id": id, "deleted": "true"]))
        }
    }
}
