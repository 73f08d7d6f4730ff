import Foundation
import HeyGen

/// A video the simulator is rendering or has rendered.
struct SimVideo: Codable, Sendable {
    var id: String
    var request: CreateVideoRequest
    var createdAt: Double
    /// Seconds from create to the final status.
    var renderSeconds: Double
    /// Seconds of it spent `pending` (queued); nil in older state files and fixed renders (the first 20 %).
    var queueSeconds: Double?
    /// Whether the render drew the model's slow outlier.
    var outlier: Bool?
    var fails: Bool
    var callbackDelivered: Bool = false
    /// Registered endpoints that have had (or gave up on) this video's event; optional so older state files load.
    var endpointsDone: [String]?
}

/// One webhook delivery to make: a finished video's event, to its `callback_url` (unsigned) or to a registered
/// endpoint (signed with the endpoint's secret).
struct PendingDelivery: Sendable {
    enum Target: Sendable {
        case callback(url: String)
        case endpoint(WebhookEndpoint)
    }

    var video: SimVideo
    var status: VideoStatus
    var target: Target

    var url: String {
        switch target {
        case .callback(let url): url
        case .endpoint(let endpoint): endpoint.url
        }
    }

    /// Names the delivery for retry bookkeeping: one per video and target.
    var key: String {
        switch target {
        case .callback: "\(video.id)|callback"
        case .endpoint(let endpoint): "\(video.id)|\(endpoint.endpointID)"
        }
    }
}

/// What became of a `POST /v3/videos`, kept per Idempotency-Key.
enum IdempotencyEntry: Sendable {
    case inFlight(bodyHash: UInt64)
    case done(bodyHash: UInt64, response: CreateVideoResponse, at: Double)
}

/// One API request as the simulator received it.
public struct RecordedRequest: Sendable, Hashable {
    public var method: String
    public var path: String
    /// The raw query string (percent-encoded), nil when there was none.
    public var query: String?
    /// The body, when the request had one.
    public var body: [UInt8]?

    public init(method: String, path: String, query: String?, body: [UInt8]?) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
    }
}

/// The simulator's whole world: catalogue, videos, idempotency keys, webhook endpoints, faults, counters.
public actor SimulatorState {
    let options: SimulatorOptions
    let looks: [SimLook]
    let voices: [Voice]
    var videos: [String: SimVideo] = [:]
    var videoOrder: [String] = []
    var idempotency: [String: IdempotencyEntry] = [:]
    var endpoints: [String: WebhookEndpoint] = [:]
    var endpointOrder: [String] = []
    /// When each endpoint was registered (simulator seconds): it gets the events of videos finished after that.
    var endpointSince: [String: Double] = [:]
    var scripted: [ScriptedFault] = []
    var rng: SeededGenerator
    var renderRng: SeededGenerator
    /// Draws render times (apart from the failure dice, so a fault rate does not change them).
    var timingRng: SeededGenerator
    var credits: Int?
    var clockOffset: Double = 0
    var counts: [String: Int] = [:]
    var deliveries: [String] = []
    var recorded: [RecordedRequest] = []
    var assets: [String: SimAsset] = [:]
    /// The uploaded bytes, served at an asset's `url`; in memory only (a restart keeps the asset, not its bytes).
    var assetData: [String: Data] = [:]
    /// `GET /v3/webhooks/events`: every event made for the registered endpoints, oldest first (see `logEvents()`).
    var eventLog: [WebhookLogEntry] = []
    /// Videos whose outcome event is in the log.
    var loggedVideos: Set<String> = []

    init(options: SimulatorOptions) throws {
        self.options = options
        var looks = try Fixtures.looks()
        var voices = try Fixtures.voices(count: options.voiceCount)
        if options.hostileNames {
            for i in looks.indices { looks[i].look.name = HostileStrings.name(i, original: looks[i].look.name) }
            for i in voices.indices.prefix(HostileStrings.all.count * 2) { voices[i].name = HostileStrings.name(i, original: voices[i].name) }
        }
        self.looks = looks
        self.voices = voices
        self.rng = SeededGenerator(seed: options.faultRates.seed)
        self.renderRng = SeededGenerator(seed: options.faultRates.seed &+ 1)
        self.timingRng = SeededGenerator(seed: options.faultRates.seed &+ 2)
        self.credits = options.credits
        if let path = options.statePath, let saved = try? Self.load(from: path) {
            for video in saved.videos {
                videos[video.id] = video
                videoOrder.append(video.id)
            }
            if options.credits != nil, let c = saved.credits { credits = c }
            for asset in saved.assets ?? [] { assets[asset.id] = asset }
            for (key, entry) in saved.keys ?? [:] {
                idempotency[key] = .done(bodyHash: entry.bodyHash, response: entry.response, at: entry.at)
            }
        }
        // A restarted simulator (the demo's) goes on with new draws rather than repeating its first session's.
        if !videos.isEmpty { timingRng = SeededGenerator(seed: options.faultRates.seed &+ 2 &+ UInt64(videos.count) &* 0x9E37_79B9) }
    }

    // MARK: - Time

    /// Unix seconds as the simulator sees them (its time source, the wall clock by default, plus any `advance`).
    public var now: Double { options.time.now() + clockOffset }

    /// Moves the simulator's clock forward, finishing renders early (tests and demos).
    public func advance(seconds: Double) { clockOffset += seconds }

    // MARK: - Counters

    func count(_ key: String) { counts[key, default: 0] += 1 }

    /// Requests served so far, by `METHOD /route` (e.g. `GET /v3/videos/statuses`).
    public func requestCounts() -> [String: Int] { counts }

    /// The API requests received so far, as they arrived (only with ``SimulatorOptions/recordRequests``).
    public func recordedRequests() -> [RecordedRequest] { recorded }

    func record(_ request: RecordedRequest) { recorded.append(request) }

    /// Webhook deliveries made so far, as `url status` lines.
    public func deliveryLog() -> [String] { deliveries }

    func logDelivery(_ line: String) { deliveries.append(line) }

    // MARK: - Faults

    /// Queues faults for the next matching requests.
    public func inject(_ faults: [ScriptedFault]) { scripted += faults }

    /// Removes every queued fault.
    public func clearFaults() { scripted.removeAll() }

    /// Faults served so far (scripted and random).
    public private(set) var faultsServed = 0

    func nextFault(method: String, path: String) -> Fault? {
        let fault = drawFault(method: method, path: path)
        if fault != nil { faultsServed += 1 }
        return fault
    }

    private func drawFault(method: String, path: String) -> Fault? {
        if let index = scripted.firstIndex(where: { f in
            (f.pathPrefix.map { $0.hasSuffix("?") ? path == $0.dropLast() : path.hasPrefix($0) } ?? true) && (f.method.map { $0.uppercased() == method } ?? true)
        }) {
            let fault = scripted[index].fault
            scripted[index].count -= 1
            if scripted[index].count <= 0 { scripted.remove(at: index) }
            return fault
        }
        let rates = options.faultRates
        guard rates.anyRequestFault else { return nil }
        if rng.chance(rates.rateLimited) { return .rateLimited(retryAfterSeconds: rates.retryAfterSeconds) }
        if rng.chance(rates.serverError) { return .serverError(status: [500, 502, 503, 504][Int(rng.next() % 4)]) }
        if rng.chance(rates.malformed) { return .malformed }
        if rng.chance(rates.drop) { return .drop }
        if rng.chance(rates.slow) { return .slow(milliseconds: rates.slowMilliseconds) }
        return nil
    }

    // MARK: - Videos

    func status(of video: SimVideo) -> VideoStatus {
        if let word = SimulatedFault.statusWord { return VideoStatus(rawValue: word) }
        let elapsed = now - video.createdAt
        if elapsed >= video.renderSeconds { return video.fails ? .failed : .completed }
        return elapsed < (video.queueSeconds ?? video.renderSeconds * 0.2) ? .pending : .processing
    }

    var runningCount: Int { videos.values.filter { !status(of: $0).isFinal }.count }

    func beginCreate(key: String?, bodyHash: UInt64) -> CreateOutcome {
        guard let key else { return .proceed }
        switch idempotency[key] {
        case .inFlight?:
            return .inFlight
        case .done(let hash, let response, let at)? where now - at < 86_400:
            return hash == bodyHash ? .replay(response) : .keyReused
        default:
            idempotency[key] = .inFlight(bodyHash: bodyHash)
            return .proceed
        }
    }

    enum CreateOutcome { case proceed, inFlight, replay(CreateVideoResponse), keyReused }

    func abandonCreate(key: String?) {
        if let key, case .inFlight? = idempotency[key] { idempotency[key] = nil }
    }

    /// Admits a new render, or says why not (credit, concurrency).
    func admit() -> HeyGenError? {
        if let credits, credits < 1 {
            return HeyGenError(kind: .insufficientCredit, httpStatus: 402, code: "insufficient_credit",
                               message: "Your account has \(credits) credits but this video requires 1 credits.")
        }
        if let limit = options.maxConcurrentRenders, runningCount >= limit {
            return HeyGenError(kind: .rateLimited, httpStatus: 429, code: "quota_exceeded",
                               message: "You have \(limit) videos rendering; the limit is \(limit) concurrent jobs.",
                               retryAfter: .seconds(max(1, Int(saturating: retryAfterWhenFull))))
        }
        return nil
    }

    func create(_ request: CreateVideoRequest, key: String?, bodyHash: UInt64) -> CreateVideoResponse {
        let id = "v_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let timing = renderTiming(for: request)
        let video = SimVideo(
            id: id, request: request, createdAt: now, renderSeconds: fixedRenderSeconds ?? timing.totalSeconds,
            queueSeconds: timing.queueSeconds, outlier: timing.isOutlier,
            fails: renderRng.chance(options.faultRates.renderFailure) || request.script.contains("[[fail]]"))
        videos[id] = video
        videoOrder.append(id)
        if credits != nil { credits! -= 1 }
        let response = CreateVideoResponse(videoID: id, status: .waiting, outputFormat: request.outputFormat ?? .mp4)
        if let key { idempotency[key] = .done(bodyHash: bodyHash, response: response, at: now) }
        persist()
        return response
    }

    func video(id: String) -> SimVideo? { videos[id] }

    /// How long a new render of `request` takes: the fixed override, or a draw from the model.
    func renderTiming(for request: CreateVideoRequest) -> RenderTiming {
        switch options.renderTimes {
        case .fixed(let seconds):
            let total = RenderModel.finite(seconds)
            return RenderTiming(queueSeconds: total * 0.2, processingSeconds: total * 0.8)
        case .realistic(let model):
            return model.draw(spokenSeconds: spokenSeconds(of: request), engine: request.engine,
                              resolution: request.resolution, using: &timingRng)
        }
    }

    /// How long the video speaks: an uploaded recording's own length (its header), a recording at a URL as 6 s (it is not
    /// fetched), else the script at about 15 characters a second.
    public func spokenSeconds(of request: CreateVideoRequest) -> Double {
        if let id = request.audioAssetID, let asset = assets[id], let bytes = assetData[id] {
            return AudioLength.seconds(head: [UInt8](bytes.prefix(65_536)), fileSize: Int64(bytes.count), type: asset.type) ?? 6
        }
        if request.usesAudio { return 6 }
        return VideosController.duration(of: request.script)
    }

    /// The fixed override, exactly as given (non-negative), or nil for the model.
    var fixedRenderSeconds: Double? { options.renderSeconds.map(RenderModel.finite) }

    /// The `Retry-After` of a 429 for the concurrency limit: about half a render.
    var retryAfterWhenFull: Double {
        switch options.renderTimes {
        case .fixed(let seconds): seconds / 2
        case .realistic(let model): model.typicalHalfRender
        }
    }

    /// Every video's render plan, oldest first.
    public func renderPlans() -> [RenderPlan] {
        videoOrder.compactMap { id in
            renderPlan(of: id).map { plan in
                RenderPlan(videoID: id, createdAt: plan.createdAt, queueSeconds: plan.timing.queueSeconds,
                           processingSeconds: plan.timing.processingSeconds, outlier: plan.timing.isOutlier)
            }
        }
    }

    /// A video's render plan (for tests and benchmarks): its create time (simulator seconds) and timing; nil for an
    /// unknown id.
    public func renderPlan(of id: String) -> (createdAt: Double, timing: RenderTiming)? {
        guard let video = videos[id] else { return nil }
        let queue = video.queueSeconds ?? video.renderSeconds * 0.2
        return (video.createdAt, RenderTiming(queueSeconds: queue, processingSeconds: max(0, video.renderSeconds - queue),
                                              isOutlier: video.outlier ?? false))
    }

    func allVideos() -> [SimVideo] { videoOrder.reversed().compactMap { videos[$0] } }

    func markDelivered(_ delivery: PendingDelivery) {
        let id = delivery.video.id
        switch delivery.target {
        case .callback: videos[id]?.callbackDelivered = true
        case .endpoint(let endpoint):
            let done = videos[id]?.endpointsDone ?? []
            videos[id]?.endpointsDone = done + [endpoint.endpointID]
        }
        persist()
    }

    /// Deliveries still to make: each finished video's `callback_url`, and each registered endpoint subscribed
    /// to the video's event that was registered before the video finished.
    func pendingDeliveries() -> [PendingDelivery] {
        logEvents()
        var pending: [PendingDelivery] = []
        for id in videoOrder {
            guard let v = videos[id] else { continue }
            let s = status(of: v)
            guard s.isFinal else { continue }
            if let url = v.request.callbackURL, !v.callbackDelivered { pending.append(.init(video: v, status: s, target: .callback(url: url))) }
            let event: WebhookEventType = s == .completed ? .videoSuccess : .videoFail
            let done = Set(v.endpointsDone ?? [])
            for endpoint in registeredEndpoints()
            where !done.contains(endpoint.endpointID) && (endpoint.events ?? WebhookEventType.known).contains(event)
                && endpointSince[endpoint.endpointID, default: .infinity] <= v.createdAt + v.renderSeconds
            {
                pending.append(.init(video: v, status: s, target: .endpoint(endpoint)))
            }
        }
        return pending
    }

    // MARK: - Account

    func accountCredits() -> Int? { credits }

    // MARK: - Webhook endpoints

    func addEndpoint(url: String, events: [WebhookEventType]?) -> WebhookEndpoint {
        let id = "ep_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let secret = "whsec_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let endpoint = WebhookEndpoint(
            endpointID: String(id), url: url, events: events ?? WebhookEventType.known, status: "enabled",
            createdAt: ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: now)), secret: secret)
        endpoints[endpoint.endpointID] = endpoint
        endpointOrder.append(endpoint.endpointID)
        endpointSince[endpoint.endpointID] = now
        return endpoint
    }

    func listEndpoints() -> [WebhookEndpoint] {
        endpointOrder.compactMap { endpoints[$0] }.map { var e = $0; e.secret = nil; return e }
    }

    func registeredEndpoints() -> [WebhookEndpoint] { endpointOrder.compactMap { endpoints[$0] } }

    func deleteEndpoint(id: String) -> Bool {
        guard endpoints.removeValue(forKey: id) != nil else { return false }
        endpointSince[id] = nil
        endpointOrder.removeAll { $0 == id }
        return true
    }

    // MARK: - Assets

    /// The uploaded asset with this id, if any: a create handler checks `audio_asset_id` (``AssetType/isAudio``) and
    /// `background.asset_id` (``AssetType/isImage``) with it.
    public func asset(id: String) -> SimAsset? { assets[id] }

    /// The uploaded asset with this id when it is of a type `fits` accepts (e.g. `{ $0.isAudio }`).
    public func asset(id: String, fitting fits: (AssetType) -> Bool) -> SimAsset? {
        assets[id].flatMap { fits($0.type) ? $0 : nil }
    }

    func assetBytes(id: String) -> Data? { assetData[id] }

    func addAsset(type: AssetType, fileName: String, bytes: Data) -> SimAsset {
        let id = "asset_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24).lowercased()
        let asset = SimAsset(id: id, type: type, fileName: fileName, sizeBytes: Int64(bytes.count), createdAt: now)
        assets[id] = asset
        assetData[id] = bytes
        persist()
        return asset
    }

    // MARK: - Persistence

    private struct SavedKey: Codable {
        var bodyHash: UInt64
        var response: CreateVideoResponse
        var at: Double
    }

    private struct Saved: Codable {
        var videos: [SimVideo]
        var credits: Int?
        var keys: [String: SavedKey]?
        var assets: [SimAsset]?
    }

    func persist() {
        guard let path = options.statePath else { return }
        var keys: [String: SavedKey] = [:]
        for (key, entry) in idempotency {
            if case .done(let hash, let response, let at) = entry { keys[key] = SavedKey(bodyHash: hash, response: response, at: at) }
        }
        let saved = Saved(videos: videoOrder.compactMap { videos[$0] }, credits: credits, keys: keys,
                          assets: assets.values.sorted { $0.createdAt < $1.createdAt })
        guard let data = try? JSONEncoder().encode(saved) else { return }
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: url, options: .atomic)
    }

    private static func load(from path: String) throws -> Saved {
        try JSONDecoder().decode(Saved.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
