import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Where and how to reach HeyGen.
public struct HeyGenConfiguration: Sendable {
    public static let defaultBaseURL = "https://api.heygen.com"

    /// `localhost`, `::1` or an IPv4 literal in 127.0.0.0/8 (not a name that merely starts with `127.`): the only
    /// hosts plain `http` may reach.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { $0.count <= 3 && UInt8($0) != nil }
    }

    /// `https://api.heygen.com`, or a simulator such as `http://127.0.0.1:8080`.
    public var baseURL: String
    /// Sent as `x-api-key`; never logged, printed or put in an error.
    public var apiKey: String
    /// Deadline for reads and small writes (the contract: 30 s).
    public var readTimeout: Duration
    /// Deadline for `POST /v3/videos` (the contract: p99 ~30 s, allow 120 s).
    public var createTimeout: Duration
    public var retry: RetryPolicy
    /// Largest response body read into memory.
    public var maxBodyBytes: Int

    public init(
        baseURL: String = HeyGenConfiguration.defaultBaseURL, apiKey: String,
        readTimeout: Duration = .seconds(30), createTimeout: Duration = .seconds(120),
        retry: RetryPolicy = .standard, maxBodyBytes: Int = 32 * 1024 * 1024
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.readTimeout = readTimeout
        self.createTimeout = createTimeout
        self.retry = retry
        self.maxBodyBytes = maxBodyBytes
    }
}

/// Filters for `GET /v3/voices`.
public struct VoiceQuery: Sendable, Hashable {
    public var type: VoiceType?
    public var language: String?
    public var gender: Gender?
    public var engine: Engine?
    public var limit: Int?

    public init(type: VoiceType? = nil, language: String? = nil, gender: Gender? = nil, engine: Engine? = nil, limit: Int? = nil) {
        self.type = type
        self.language = language
        self.gender = gender
        self.engine = engine
        self.limit = limit
    }
}

/// A typed client for the HeyGen v3 API over AsyncHTTPClient.
///
/// ```swift
/// let heygen = HeyGenClient(configuration: .init(apiKey: key))
/// let looks = try await heygen.allLooks()
/// let created = try await heygen.createVideo(request, idempotencyKey: IdempotencyKey.make())
/// ```
public struct HeyGenClient: Sendable {
    public let configuration: HeyGenConfiguration
    let httpClient: HTTPClient
    let logger: Logger

    /// Creates a client.
    /// - Parameters:
    ///   - configuration: base URL, key, timeouts and retry policy.
    ///   - httpClient: the AsyncHTTPClient for API calls; the caller owns its life time. It must not follow
    ///     redirects (``apiHTTPClient`` does not).
    ///   - logger: receives one line per request (method, path, status, time), never headers or bodies.
    public init(configuration: HeyGenConfiguration, httpClient: HTTPClient = HeyGenClient.apiHTTPClient, logger: Logger = Logger(label: "heygen")) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// The HTTP client for API calls, shared by the process and never shut down (like `HTTPClient.shared`), with
    /// full TLS verification. Redirects are not followed: AsyncHTTPClient would carry `x-api-key` to the new host,
    /// even over plain http. A connection that cannot be made fails within 10 s rather than at the call's deadline.
    public static let apiHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    // MARK: - Looks

    /// One page of looks.
    public func looks(
        avatarType: AvatarType? = .digitalTwin, ownership: VoiceType? = .private, groupID: String? = nil,
        limit: Int? = 50, token: String? = nil
    ) async throws -> Page<Look> {
        var query: [(String, String)] = []
        if let avatarType { query.append(("avatar_type", avatarType.rawValue)) }
        if let ownership { query.append(("ownership", ownership.rawValue)) }
        if let groupID { query.append(("group_id", groupID)) }
        if let limit { query.append(("limit", String(limit))) }
        if let token { query.append(("token", token)) }
        return try await send(.GET, "/v3/avatars/looks", query: query, as: Page<Look>.self)
    }

    /// Every look across all pages (default: the account's private digital twins).
    public func allLooks(avatarType: AvatarType? = .digitalTwin, ownership: VoiceType? = .private) async throws -> [Look] {
        try await Self.collectPages { token in try await looks(avatarType: avatarType, ownership: ownership, token: token) }
    }

    /// One look, with its `supported_api_engines`.
    public func look(id: String) async throws -> Look {
        try await send(.GET, "/v3/avatars/looks/\(Self.escape(id))", as: DataEnvelope<Look>.self).data
    }

    // MARK: - Voices

    /// One page of voices.
    public func voices(_ filter: VoiceQuery = VoiceQuery(), token: String? = nil) async throws -> Page<Voice> {
        var query: [(String, String)] = []
        if let type = filter.type { query.append(("type", type.rawValue)) }
        if let language = filter.language { query.append(("language", language)) }
        if let gender = filter.gender { query.append(("gender", gender.rawValue)) }
        if let engine = filter.engine { query.append(("engine", engine.rawValue)) }
        query.append(("limit", String(filter.limit ?? 100)))
        if let token { query.append(("token", token)) }
        return try await send(.GET, "/v3/voices", query: query, as: Page<Voice>.self)
    }

    /// Every voice matching `filter`, across all pages.
    public func allVoices(_ filter: VoiceQuery = VoiceQuery()) async throws -> [Voice] {
        try await Self.collectPages { token in try await voices(filter, token: token) }
    }

    /// The public catalogue and the account's private (cloned) voices together.
    public func catalogue(language: String? = nil, gender: Gender? = nil) async throws -> [Voice] {
        async let publicVoices = allVoices(VoiceQuery(type: .public, language: language, gender: gender))
        async let privateVoices = allVoices(VoiceQuery(type: .private, language: language, gender: gender))
        var seen = Set<String>()
        return try await (privateVoices + publicVoices).filter { seen.insert($0.voiceID).inserted }
    }

    // MARK: - Videos

    /// Creates a video after checking it against ``VideoRules``.
    /// - Parameters:
    ///   - request: the body; it is validated first and nothing is sent when a rule fails.
    ///   - idempotencyKey: makes a repeat (a retry after a timeout, a double keypress) return the first answer.
    ///   - look: the look, when known, so Avatar V can be refused before sending.
    /// - Throws: ``HeyGenError`` (`invalidRequest` with `issues` when a local rule fails).
    public func createVideo(_ request: CreateVideoRequest, idempotencyKey: String, look: Look? = nil) async throws -> CreateVideoResponse {
        let issues = request.validate(look: look)
        if !issues.isEmpty {
            throw HeyGenError(kind: .invalidRequest, message: "the request is invalid", param: issues.first?.field, issues: issues)
        }
        guard IdempotencyKey.isValid(idempotencyKey) else {
            throw HeyGenError(kind: .invalidRequest, message: "Idempotency-Key must be 1–255 characters of A-Z a-z 0-9 _ - : .")
        }
        let body = try request.jsonBody()
        return try await send(
            .POST, "/v3/videos", body: body, headers: [("Idempotency-Key", idempotencyKey)],
            timeout: configuration.createTimeout, idempotent: true, as: DataEnvelope<CreateVideoResponse>.self
        ).data
    }

    /// A video's detail; a completed one carries a fresh presigned `video_url`.
    public func video(id: String) async throws -> Video {
        try await send(.GET, "/v3/videos/\(Self.escape(id))", as: DataEnvelope<Video>.self).data
    }

    /// One page of the account's videos, newest first.
    public func videos(limit: Int? = nil, token: String? = nil, title: String? = nil) async throws -> Page<Video> {
        var query: [(String, String)] = []
        if let limit { query.append(("limit", String(limit))) }
        if let token { query.append(("token", token)) }
        if let title { query.append(("title", title)) }
        return try await send(.GET, "/v3/videos", query: query, as: Page<Video>.self)
    }

    /// The statuses of many videos, 100 ids a request.
    public func statuses(of ids: [String]) async throws -> [VideoStatusEntry] {
        var result: [VideoStatusEntry] = []
        for start in stride(from: 0, to: ids.count, by: 100) {
            let chunk = ids[start..<min(start + 100, ids.count)]
            let page = try await send(
                .GET, "/v3/videos/statuses", query: [("video_ids", chunk.joined(separator: ","))], as: Page<VideoStatusEntry>.self)
            result += page.data
        }
        return result
    }

    // MARK: - Account

    /// Who the key belongs to; a cheap check that the key works.
    public func me() async throws -> User {
        try await send(.GET, "/v3/users/me", as: DataEnvelope<User>.self).data
    }

    // MARK: - Webhook endpoints

    /// Registers a webhook endpoint; the answer carries the signing `secret`, shown only this once.
    public func createWebhookEndpoint(_ request: CreateWebhookEndpointRequest) async throws -> WebhookEndpoint {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try await send(.POST, "/v3/webhooks/endpoints", body: try encoder.encode(request), as: DataEnvelope<WebhookEndpoint>.self).data
    }

    /// Every registered webhook endpoint.
    public func webhookEndpoints() async throws -> [WebhookEndpoint] {
        try await Self.collectPages { token in
            try await send(.GET, "/v3/webhooks/endpoints", query: [("limit", "100")] + (token.map { [("token", $0)] } ?? []),
                           as: Page<WebhookEndpoint>.self)
        }
    }

    /// Deletes a webhook endpoint.
    public func deleteWebhookEndpoint(id: String) async throws {
        _ = try await sendRaw(.DELETE, "/v3/webhooks/endpoints/\(Self.escape(id))", query: [], body: nil, headers: [],
                              timeout: configuration.readTimeout, idempotent: true)
    }

    // MARK: - Paging

    /// Follows `next_token` until `has_more` is false; a repeated token or a missing one is an error.
    public static func collectPages<T>(maxPages: Int = 100_000, _ fetch: (String?) async throws -> Page<T>) async throws -> [T] {
        var all: [T] = []
        var token: String?
        var seen = Set<String>()
        for _ in 0..<maxPages {
            let page = try await fetch(token)
            all += page.data
            guard page.hasMore else { return all }
            guard let next = page.nextToken, !next.isEmpty else {
                throw HeyGenError(kind: .pagination, message: "the server said more pages follow but sent no next_token")
            }
            guard seen.insert(next).inserted else {
                throw HeyGenError(kind: .pagination, message: "the server sent the same next_token twice; stopped to avoid an endless loop")
            }
            token = next
        }
        throw HeyGenError(kind: .pagination, message: "more than \(maxPages) pages; stopped")
    }

    static func escape(_ segment: String) -> String {
        PlainText.percentEncoded(segment, keeping: "!$&'()*+,-.:;=@_~")
    }
}
