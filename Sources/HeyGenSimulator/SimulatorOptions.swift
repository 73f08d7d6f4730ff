import Foundation
import HeyGen

/// A fault the simulator can inject into an API response.
public enum Fault: Sendable, Hashable, Codable {
    /// 429 `rate_limit_exceeded` with `Retry-After` (integer seconds, or an HTTP-date when `httpDate`).
    case rateLimited(retryAfterSeconds: Int, httpDate: Bool = false)
    /// A 5xx with the JSON error body (502/503/504 from a "gateway" answer with an HTML page).
    case serverError(status: Int)
    /// The answer is held back this long before the real handler runs.
    case slow(milliseconds: Int)
    /// The request is handled, then answered with a 200 whose body is cut in the middle of the JSON.
    case malformed
    /// The request is handled (a create makes its video), then the connection closes after part of the answer was sent.
    case drop
    /// A 200 whose body is an `{"error": …}` object and no data.
    case errorIn200
    /// The server answers with an HTML page and status 503 (a gateway's maintenance page).
    case htmlPage
    /// Video statuses (detail, list and `statuses`) carry this word instead of the real one, e.g. `reticulating`.
    case unknownStatus(String)
    /// A list answers `{"data": [], "has_more": true}` with a token that asks for the same page again.
    case emptyPage
    /// A list answers an empty page with `has_more: true` and this fixed `next_token`, every time it is hit.
    case repeatingToken(String)
    /// `302 Found` to this URL (another host, say): a client must not follow it with its key.
    case redirect(location: String)
}

/// A fault aimed at the next matching requests.
public struct ScriptedFault: Sendable, Hashable, Codable {
    /// The fault to inject.
    public var fault: Fault
    /// Only requests whose path starts with this (e.g. `/v3/videos`); ending in `?`, only that exact path
    /// (`/v3/videos?` is the list, not a video or the statuses); nil for any API path.
    public var pathPrefix: String?
    /// Only this method (`GET`, `POST`…); nil for any.
    public var method: String?
    /// How many matching requests get it.
    public var count: Int

    public init(_ fault: Fault, pathPrefix: String? = nil, method: String? = nil, count: Int = 1) {
        self.fault = fault
        self.pathPrefix = pathPrefix
        self.method = method
        self.count = count
    }
}

/// Random faults for a whole run, drawn from a seeded generator so a run can be repeated.
public struct FaultRates: Sendable, Hashable {
    /// Share of API requests answered 429.
    public var rateLimited: Double = 0
    /// The `Retry-After` those 429s carry.
    public var retryAfterSeconds: Int = 1
    /// Share answered with a 5xx.
    public var serverError: Double = 0
    /// Share held back by `slowMilliseconds`.
    public var slow: Double = 0
    public var slowMilliseconds: Int = 1_500
    /// Share answered with cut-off JSON.
    public var malformed: Double = 0
    /// Share whose connection drops mid-body.
    public var drop: Double = 0
    /// Share of renders that end `failed`.
    public var renderFailure: Double = 0
    public var seed: UInt64 = 42

    public init() {}

    /// Whether any request fault is enabled.
    public var anyRequestFault: Bool { rateLimited + serverError + slow + malformed + drop > 0 }
}

/// How a simulator run behaves.
public struct SimulatorOptions: Sendable {
    /// The address to bind; loopback by default.
    public var host: String = "127.0.0.1"
    /// 0 picks a free port.
    public var port: Int = 0
    /// The only key accepted in `x-api-key`.
    public var apiKey: String = "demo"
    /// When set, every render takes exactly this long from create to completed/failed (the first 20 % `pending`):
    /// the override for tests that need a known time. nil draws each render from ``renderModel``.
    public var renderSeconds: Double?
    /// How long renders take when ``renderSeconds`` is nil: queue wait, then processing by script length, engine,
    /// resolution, seeded noise (``FaultRates/seed``) and outliers.
    public var renderModel = RenderModel()
    /// The simulator's clock (Unix seconds): the wall clock, or a ``VirtualTime`` for tests.
    public var time = SimulatorTime.wall
    /// Grow the voice catalogue to this many voices (synthetic ones after the fixtures); nil keeps the fixtures.
    public var voiceCount: Int?
    /// How long a presigned media URL stays valid.
    public var urlLifetimeSeconds: Double = 3_600
    /// Concurrent renders allowed before `POST /v3/videos` answers 429 (pay-as-you-go allows 10); nil for no limit.
    public var maxConcurrentRenders: Int? = 10
    /// Credits on the account; each video costs one. nil for unlimited.
    public var credits: Int?
    /// Extra time `POST /v3/videos` takes before answering (to exercise timeouts and 409 in-flight).
    public var createDelayMilliseconds: Int = 0
    /// Keep every API request as it arrived (method, path, query, body) for conformance tests; off by default.
    public var recordRequests = false
    /// Random faults.
    public var faultRates = FaultRates()
    /// A JSON file that keeps the simulator's videos across restarts; nil keeps them in memory only.
    public var statePath: String?
    /// Serve video files of this size (the sample repeated) to measure download throughput; nil serves the sample.
    public var mediaBytes: Int?
    /// Retries of a failed webhook delivery, and the delay between them.
    public var webhookRetries: Int = 5
    public var webhookRetryDelaySeconds: Double = 1
    /// Serve ``HostileStrings`` as the names of looks and voices and as video titles (tests of what reaches a terminal).
    public var hostileNames = false
    /// Which `billing_type` `GET /v3/users/me` reports (the demo's: a wallet in credits).
    public var billing = SimulatedBilling.wallet
    /// The plan has no webhooks: `GET /v3/webhooks/events` answers 403.
    public var planWithoutWebhooks = false

    public init() {}

    /// How render times are decided: the fixed override when ``renderSeconds`` is set, else the model.
    public var renderTimes: RenderTimes { renderSeconds.map(RenderTimes.fixed) ?? .realistic(renderModel) }
}

/// The account kinds `GET /v3/users/me` can report (`billing_type`), each with its own balance object.
public enum SimulatedBilling: String, CaseIterable, Sendable, Codable {
    /// Prepaid: in credits when ``SimulatorOptions/credits`` is set (each video costs one), else a USD balance.
    case wallet
    /// A `pro` plan: premium credits (the account's credits when set) and add-on credits, with a reset date.
    case subscription
    /// Metered: included credits (the account's credits when set), then spending against a cap.
    case usageBased = "usage_based"
}
