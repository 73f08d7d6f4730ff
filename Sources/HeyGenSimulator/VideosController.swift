import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v3/videos`, `GET /v3/videos`, `GET /v3/videos/statuses`, `GET /v3/videos/{video_id}`.
struct VideosController {
    let state: SimulatorState
    let media: MediaSigner

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v3/videos") { request, _ in try await create(request) }
        router.get("/v3/videos") { request, _ in try await list(request) }
        router.get("/v3/videos/statuses") { request, _ in try await statuses(request) }
        router.get("/v3/videos/{id}") { _, context in try await detail(context.parameters.require("id")) }
    }

    // MARK: - Create

    func create(_ request: Request) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 1 << 20)
        } catch {
            throw SimError(.contentTooLarge, "invalid_parameter", "the request body is larger than 1 MiB")
        }
        let key = request.headers[.idempotencyKey]
        if let key, !IdempotencyKey.isValid(key) {
            throw SimError.invalid("Idempotency-Key must be 1-255 characters of A-Z a-z 0-9 _ - : .", param: "Idempotency-Key")
        }
        let videoRequest = try Self.decodeStrictly(Data(buffer: body))
        if let issue = videoRequest.validate().first {
            throw SimError.invalid(issue.message, param: issue.field)
        }
        guard let look = state.looks.first(where: { $0.look.id == videoRequest.avatarID })?.look else {
            throw SimError(.notFound, "avatar_not_found", "Avatar \(videoRequest.avatarID) was not found", param: "avatar_id")
        }
        let voice = state.voices.first(where: { $0.voiceID == videoRequest.voiceID })
        // With a recording the voice is optional; one that is named must exist.
        if voice == nil && !(videoRequest.usesAudio && videoRequest.voiceID.isEmpty) {
            throw SimError(.notFound, "voice_not_found", "Voice \(videoRequest.voiceID) was not found", param: "voice_id")
        }
        if let issue = videoRequest.validate(look: look, voice: voice).first {
            throw SimError.invalid(issue.message, param: issue.field)
        }
        // An uploaded asset must exist on the account and be what its field needs.
        let uploads: [(String, String?, AssetPurpose)] = [
            ("audio_asset_id", videoRequest.audioAssetID, .audio), ("background.asset_id", videoRequest.background?.assetID, .image),
        ]
        for case let (param, id?, purpose) in uploads {
            guard let asset = await state.asset(id: id) else {
                throw SimError(.notFound, "asset_not_found", "Asset \(id) was not found", param: param)
            }
            guard purpose.accepts(asset.type) else {
                throw SimError.invalid("Asset \(id) is \(asset.type.rawValue), not \(purpose.typeList)", param: param)
            }
        }
        let hash = stableHash(try videoRequest.jsonBody(pretty: false))
        switch await state.beginCreate(key: key, bodyHash: hash) {
        case .inFlight:
            throw SimError(.conflict, "request_in_progress", "A request with this Idempotency-Key is still in progress")
        case .keyReused:
            throw SimError.invalid("this Idempotency-Key was used with a different request body", param: "Idempotency-Key")
        case .replay(let response):
            return try jsonResponse(DataBox(data: response))
        case .proceed:
            break
        }
        if let refusal = await state.admit() {
            await state.abandonCreate(key: key)
            throw SimError.from(refusal)
        }
        if state.options.createDelayMilliseconds > 0 {
            try? await Task.sleep(for: .milliseconds(state.options.createDelayMilliseconds))
        }
        return try jsonResponse(DataBox(data: await state.create(videoRequest, key: key, bodyHash: hash)))
    }

    /// Decodes a create body the way the server does: a JSON object, no unknown keys, right types.
    static func decodeStrictly(_ data: Data) throws -> CreateVideoRequest {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SimError.invalid("the body must be a JSON object", param: nil)
        }
        func checkKeys(_ object: [String: Any], allowed: Set<String>, prefix: String) throws {
            for key in object.keys.sorted() where !allowed.contains(key) {
                throw SimError.invalid("Extra inputs are not permitted", param: prefix + key)
            }
        }
        try checkKeys(object, allowed: CreateVideoRequest.allowedKeys, prefix: "")
        let nestedObjects: [(String, Set<String>)] = [
            ("engine", ["type"]), ("background", Background.allowedKeys), ("voice_settings", VoiceSettings.allowedKeys),
            ("caption", Caption.allowedKeys),
        ]
        for (name, allowed) in nestedObjects {
            guard let value = object[name], !(value is NSNull) else { continue }
            guard let nested = value as? [String: Any] else { throw SimError.invalid("\(name) must be an object", param: name) }
            try checkKeys(nested, allowed: allowed, prefix: name + ".")
        }
        func present(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }
        for required in ["type", "avatar_id"] where !present(required) {
            throw SimError.invalid("Field required", param: required)
        }
        // A script (with its voice) or a recording: the schema's "mutually exclusive with script".
        let recording = present("audio_url") || present("audio_asset_id")
        if !recording {
            for required in ["script", "voice_id"] where !present(required) {
                throw SimError.invalid("Field required", param: required)
            }
        }
        do {
            return try JSONDecoder().decode(CreateVideoRequest.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw SimError.invalid("Input should be of a different type", param: path)
        } catch {
            throw SimError.invalid("the body could not be read", param: nil)
        }
    }

    // MARK: - Read

    func detail(_ id: String) async throws -> Response {
        guard let video = await state.video(id: id) else {
            throw SimError(.notFound, "video_not_found", "Video \(id) was not found")
        }
        return try jsonResponse(DataBox(data: await render(video)))
    }

    func list(_ request: Request) async throws -> Response {
        let title = request.query("title")?.lowercased()
        var videos: [Video] = []
        for video in await state.allVideos() where title.map({ (video.request.title ?? "").lowercased().contains($0) }) ?? true {
            videos.append(await render(video))
        }
        return try jsonResponse(PageToken.page(videos, request: request, list: "videos", defaultLimit: 10, maxLimit: 100))
    }

    func statuses(_ request: Request) async throws -> Response {
        guard let raw = request.query("video_ids"), !raw.isEmpty else {
            throw SimError.invalid("video_ids is required (comma-separated, up to 100)", param: "video_ids")
        }
        let ids = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard ids.count <= 100 else { throw SimError.invalid("at most 100 video_ids per request", param: "video_ids") }
        // The published schema's item: `error` is an object (failure details), not a string.
        var entries: [JSONValue] = []
        for id in ids {
            guard let video = await state.video(id: id) else {
                entries.append(.object(["video_id": .string(id), "status": .string(VideoStatus.notFound.rawValue),
                                        "error": .object(["code": .string("video_not_found"), "message": .string("video not found")])]))
                continue
            }
            let status = await state.status(of: video)
            var entry: [String: JSONValue] = ["video_id": .string(id), "status": .string((status == .pending ? .queued : status).rawValue)]
            if status == .failed {
                entry["error"] = .object(["code": .string(Self.failureCode), "message": .string(Self.failureMessage)])
            }
            entries.append(.object(entry))
        }
        return try jsonResponse(Page(data: entries, hasMore: false, nextToken: nil))
    }

    static let failureCode = "rendering_failed"
    static let failureMessage = "Avatar rendering timed out"

    /// The API's view of a simulated video at this moment.
    func render(_ video: SimVideo) async -> Video {
        let status = await state.status(of: video)
        let now = await state.now
        var out = Video(id: video.id, status: status, title: video.request.title, createdAt: Int(video.createdAt))
        if state.options.hostileNames {
            out.title = HostileStrings.name(Int(stableHash(Data(video.id.utf8)) % UInt64(HostileStrings.all.count)), original: out.title ?? "")
        }
        switch status {
        case .completed:
            let ext = (video.request.outputFormat ?? .mp4) == .webm ? "webm" : "mp4"
            out.completedAt = Int(video.createdAt + video.renderSeconds)
            // An uploaded recording's length from its header; one at a URL is not fetched, and taken as 6 s.
            out.duration = await state.spokenSeconds(of: video.request)
            out.videoURL = media.url(path: "\(video.id).\(ext)", now: now)
            out.captionedVideoURL = media.url(path: "\(video.id)_captioned.\(ext)", now: now)
            out.thumbnailURL = media.url(path: "\(video.id).jpg", now: now)
            out.gifURL = media.url(path: "\(video.id).gif", now: now)
            out.subtitleURL = media.url(path: "\(video.id).srt", now: now)
            out.videoPageURL = media.base + "/videos/\(video.id)"
            out.outputLanguage = video.request.voiceSettings?.locale ?? "en-US"
        case .failed:
            out.failureCode = Self.failureCode
            out.failureMessage = Self.failureMessage
        default:
            break
        }
        return out
    }

    /// About 15 characters a second of speech.
    static func duration(of script: String) -> Double {
        (Double(VideoRules.scriptLength(script)) / 15 * 10).rounded() / 10
    }
}
