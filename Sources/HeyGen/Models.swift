import Foundation

// MARK: - Envelopes

/// `{"data": …}`: the success envelope of every single-object response.
public struct DataEnvelope<Value: Decodable & Sendable>: Decodable, Sendable {
    public let data: Value
}

/// One page of a list: `{"data": [...], "has_more": bool, "next_token": string|null}`.
public struct Page<Element: Codable & Sendable>: Codable, Sendable {
    public var data: [Element]
    public var hasMore: Bool
    public var nextToken: String?

    public init(data: [Element], hasMore: Bool, nextToken: String?) {
        self.data = data
        self.hasMore = hasMore
        self.nextToken = nextToken
    }

    enum CodingKeys: String, CodingKey {
        case data, hasMore = "has_more", nextToken = "next_token"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        data = try container.decodeIfPresent([Element].self, forKey: .data) ?? []
        hasMore = try container.decodeIfPresent(Bool.self, forKey: .hasMore) ?? false
        nextToken = try container.decodeIfPresent(String.self, forKey: .nextToken)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(hasMore, forKey: .hasMore)
        try container.encode(nextToken, forKey: .nextToken)  // null is part of the documented shape
    }
}

// MARK: - Looks

/// The `{code, message}` a look carries when its training failed.
public struct LookError: Codable, Hashable, Sendable {
    public var code: String?
    public var message: String?
    public init(code: String? = nil, message: String? = nil) {
        self.code = code
        self.message = message
    }
}

/// An avatar look; its `id` is the `avatar_id` of a video.
public struct Look: Codable, Hashable, Sendable, Identifiable {
    public var id: String
    public var name: String
    public var avatarType: AvatarType
    public var groupID: String?
    public var gender: Gender?
    public var previewImageURL: String?
    public var previewVideoURL: String?
    public var defaultVoiceID: String?
    public var tags: [String]?
    public var supportedAPIEngines: [Engine]?
    public var imageWidth: Int?
    public var imageHeight: Int?
    public var preferredOrientation: Orientation?
    public var status: LookStatus?
    public var error: LookError?

    public init(
        id: String, name: String, avatarType: AvatarType = .digitalTwin, groupID: String? = nil,
        gender: Gender? = nil, previewImageURL: String? = nil, previewVideoURL: String? = nil,
        defaultVoiceID: String? = nil, tags: [String]? = nil, supportedAPIEngines: [Engine]? = nil,
        imageWidth: Int? = nil, imageHeight: Int? = nil, preferredOrientation: Orientation? = nil,
        status: LookStatus? = nil, error: LookError? = nil
    ) {
        self.id = id
        self.name = name
        self.avatarType = avatarType
        self.groupID = groupID
        self.gender = gender
        self.previewImageURL = previewImageURL
        self.previewVideoURL = previewVideoURL
        self.defaultVoiceID = defaultVoiceID
        self.tags = tags
        self.supportedAPIEngines = supportedAPIEngines
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.preferredOrientation = preferredOrientation
        self.status = status
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case id, name, avatarType = "avatar_type", groupID = "group_id", gender
        case previewImageURL = "preview_image_url", previewVideoURL = "preview_video_url"
        case defaultVoiceID = "default_voice_id", tags, supportedAPIEngines = "supported_api_engines"
        case imageWidth = "image_width", imageHeight = "image_height"
        case preferredOrientation = "preferred_orientation", status, error
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        // Required by the schema, but a nameless or typeless look is still worth listing.
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        avatarType = try c.decodeIfPresent(AvatarType.self, forKey: .avatarType) ?? ""
        groupID = try c.decodeIfPresent(String.self, forKey: .groupID)
        gender = try c.decodeIfPresent(Gender.self, forKey: .gender)
        previewImageURL = try c.decodeIfPresent(String.self, forKey: .previewImageURL)
        previewVideoURL = try c.decodeIfPresent(String.self, forKey: .previewVideoURL)
        defaultVoiceID = try c.decodeIfPresent(String.self, forKey: .defaultVoiceID)
        tags = try c.decodeIfPresent([String].self, forKey: .tags)
        supportedAPIEngines = try c.decodeIfPresent([Engine].self, forKey: .supportedAPIEngines)
        imageWidth = try c.decodeIfPresent(Int.self, forKey: .imageWidth)
        imageHeight = try c.decodeIfPresent(Int.self, forKey: .imageHeight)
        preferredOrientation = try c.decodeIfPresent(Orientation.self, forKey: .preferredOrientation)
        status = try c.decodeIfPresent(LookStatus.self, forKey: .status)
        error = try c.decodeIfPresent(LookError.self, forKey: .error)
    }

    /// Whether the look lists `engine` in `supported_api_engines`.
    public func supports(_ engine: Engine) -> Bool {
        supportedAPIEngines?.contains(engine) ?? false
    }

    /// Whether a video can be made with this look now (public looks carry no status).
    public var isUsable: Bool { status == nil || status == .completed }
}

// MARK: - Voices

/// A voice from `GET /v3/voices`.
public struct Voice: Codable, Hashable, Sendable, Identifiable {
    public var voiceID: String
    public var name: String
    public var language: String
    public var gender: Gender
    public var type: VoiceType
    public var supportPause: Bool
    public var supportLocale: Bool
    public var previewAudioURL: String?

    public var id: String { voiceID }

    public init(
        voiceID: String, name: String, language: String, gender: Gender, type: VoiceType = .public,
        supportPause: Bool = false, supportLocale: Bool = false, previewAudioURL: String? = nil
    ) {
        self.voiceID = voiceID
        self.name = name
        self.language = language
        self.gender = gender
        self.type = type
        self.supportPause = supportPause
        self.supportLocale = supportLocale
        self.previewAudioURL = previewAudioURL
    }

    enum CodingKeys: String, CodingKey {
        case voiceID = "voice_id", name, language, gender, type
        case supportPause = "support_pause", supportLocale = "support_locale", previewAudioURL = "preview_audio_url"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        voiceID = try c.decode(String.self, forKey: .voiceID)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        language = try c.decodeIfPresent(String.self, forKey: .language) ?? ""
        gender = try c.decodeIfPresent(Gender.self, forKey: .gender) ?? ""
        type = try c.decodeIfPresent(VoiceType.self, forKey: .type) ?? .public
        supportPause = try c.decodeIfPresent(Bool.self, forKey: .supportPause) ?? false
        supportLocale = try c.decodeIfPresent(Bool.self, forKey: .supportLocale) ?? false
        previewAudioURL = try c.decodeIfPresent(String.self, forKey: .previewAudioURL)
    }
}

// MARK: - Videos

/// The answer to `POST /v3/videos`.
public struct CreateVideoResponse: Codable, Hashable, Sendable {
    public var videoID: String
    public var status: VideoStatus
    public var outputFormat: OutputFormat?

    public init(videoID: String, status: VideoStatus, outputFormat: OutputFormat? = nil) {
        self.videoID = videoID
        self.status = status
        self.outputFormat = outputFormat
    }

    enum CodingKeys: String, CodingKey {
        case videoID = "video_id", status, outputFormat = "output_format"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        videoID = try c.decode(String.self, forKey: .videoID)
        status = try c.decodeIfPresent(VideoStatus.self, forKey: .status) ?? .pending
        outputFormat = try c.decodeIfPresent(OutputFormat.self, forKey: .outputFormat)
    }
}

/// A video's detail from `GET /v3/videos/{video_id}`.
public struct Video: Codable, Hashable, Sendable, Identifiable {
    public var id: String
    public var status: VideoStatus
    public var title: String?
    public var createdAt: Int?
    public var completedAt: Int?
    public var duration: Double?
    public var videoURL: String?
    public var captionedVideoURL: String?
    public var thumbnailURL: String?
    public var gifURL: String?
    public var subtitleURL: String?
    public var videoPageURL: String?
    public var folderID: String?
    public var outputLanguage: String?
    public var failureCode: String?
    public var failureMessage: String?

    public init(
        id: String, status: VideoStatus, title: String? = nil, createdAt: Int? = nil, completedAt: Int? = nil,
        duration: Double? = nil, videoURL: String? = nil, captionedVideoURL: String? = nil,
        thumbnailURL: String? = nil, gifURL: String? = nil, subtitleURL: String? = nil,
        videoPageURL: String? = nil, folderID: String? = nil, outputLanguage: String? = nil,
        failureCode: String? = nil, failureMessage: String? = nil
    ) {
        self.id = id
        self.status = status
        self.title = title
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.duration = duration
        self.videoURL = videoURL
        self.captionedVideoURL = captionedVideoURL
        self.thumbnailURL = thumbnailURL
        self.gifURL = gifURL
        self.subtitleURL = subtitleURL
        self.videoPageURL = videoPageURL
        self.folderID = folderID
        self.outputLanguage = outputLanguage
        self.failureCode = failureCode
        self.failureMessage = failureMessage
    }

    enum CodingKeys: String, CodingKey {
        case id, status, title, createdAt = "created_at", completedAt = "completed_at", duration
        case videoURL = "video_url", captionedVideoURL = "captioned_video_url", thumbnailURL = "thumbnail_url"
        case gifURL = "gif_url", subtitleURL = "subtitle_url", videoPageURL = "video_page_url"
        case folderID = "folder_id", outputLanguage = "output_language"
        case failureCode = "failure_code", failureMessage = "failure_message"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        // The printed example omits the required status; an absent one means "not known yet".
        status = try c.decodeIfPresent(VideoStatus.self, forKey: .status) ?? .pending
        title = try c.decodeIfPresent(String.self, forKey: .title)
        createdAt = try c.decodeLenientInt(forKey: .createdAt)
        completedAt = try c.decodeLenientInt(forKey: .completedAt)
        duration = try c.decodeIfPresent(Double.self, forKey: .duration)
        videoURL = try c.decodeIfPresent(String.self, forKey: .videoURL)
        captionedVideoURL = try c.decodeIfPresent(String.self, forKey: .captionedVideoURL)
        thumbnailURL = try c.decodeIfPresent(String.self, forKey: .thumbnailURL)
        gifURL = try c.decodeIfPresent(String.self, forKey: .gifURL)
        subtitleURL = try c.decodeIfPresent(String.self, forKey: .subtitleURL)
        videoPageURL = try c.decodeIfPresent(String.self, forKey: .videoPageURL)
        folderID = try c.decodeIfPresent(String.self, forKey: .folderID)
        outputLanguage = try c.decodeIfPresent(String.self, forKey: .outputLanguage)
        failureCode = try c.decodeIfPresent(String.self, forKey: .failureCode)
        failureMessage = try c.decodeIfPresent(String.self, forKey: .failureMessage)
    }
}

/// One row of `GET /v3/videos/statuses`.
public struct VideoStatusEntry: Codable, Hashable, Sendable {
    public var videoID: String
    public var status: VideoStatus
    public var error: String?

    public init(videoID: String, status: VideoStatus, error: String? = nil) {
        self.videoID = videoID
        self.status = status
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case videoID = "video_id", status, error }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        videoID = try c.decode(String.self, forKey: .videoID)
        status = try c.decodeIfPresent(VideoStatus.self, forKey: .status) ?? .pending
        // `error` is a string or an object depending on the source; keep a readable string either way.
        if let text = try? c.decodeIfPresent(String.self, forKey: .error) {
            error = text
        } else if let object = try? c.decodeIfPresent(JSONValue.self, forKey: .error) {
            error = object["message"]?.stringValue ?? object["code"]?.stringValue
        } else {
            error = nil
        }
    }
}

// MARK: - Account

/// `GET /v3/users/me`: who the key belongs to, and its balance. The billing objects are kept as open JSON and read
/// through ``billing`` (see ``Billing``), so a shape this build does not expect never fails the whole answer.
public struct User: Codable, Hashable, Sendable {
    public var username: String?
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    /// Which billing object is filled in (`wallet`, `subscription`, `usage_based`, or a newer word).
    public var billingType: BillingType?
    /// Not in the published schema: the simulator's (and older answers') plan details, e.g. `concurrent_jobs`.
    public var plan: JSONValue?
    public var wallet: JSONValue?
    public var subscription: JSONValue?
    public var usageBased: JSONValue?

    public init(
        username: String? = nil, email: String? = nil, plan: JSONValue? = nil, wallet: JSONValue? = nil,
        billingType: BillingType? = nil, subscription: JSONValue? = nil, usageBased: JSONValue? = nil,
        firstName: String? = nil, lastName: String? = nil
    ) {
        self.username = username
        self.email = email
        self.plan = plan
        self.wallet = wallet
        self.billingType = billingType
        self.subscription = subscription
        self.usageBased = usageBased
        self.firstName = firstName
        self.lastName = lastName
    }

    enum CodingKeys: String, CodingKey {
        case username, email, firstName = "first_name", lastName = "last_name", billingType = "billing_type"
        case plan, wallet, subscription, usageBased = "usage_based"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        username = try c.decodeIfPresent(String.self, forKey: .username)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        firstName = try c.decodeIfPresent(String.self, forKey: .firstName)
        lastName = try c.decodeIfPresent(String.self, forKey: .lastName)
        // A number or an object where a word belongs is no billing type, not a failed answer.
        billingType = try? c.decodeIfPresent(BillingType.self, forKey: .billingType)
        plan = try c.decodeIfPresent(JSONValue.self, forKey: .plan)
        wallet = try c.decodeIfPresent(JSONValue.self, forKey: .wallet)
        subscription = try c.decodeIfPresent(JSONValue.self, forKey: .subscription)
        usageBased = try c.decodeIfPresent(JSONValue.self, forKey: .usageBased)
    }

    /// How many videos the plan renders at once, when it says (`plan.concurrent_jobs`).
    public var concurrencyLimit: Int? {
        (plan?["concurrent_jobs"]?.numberValue).map { Int(saturating: $0) }
    }

    /// The credits left, when the balance is counted in credits (a wallet in credits, a subscription's pools,
    /// usage-based remaining credits); nil for a USD wallet or when none is reported.
    public var remainingCredits: Double? {
        switch billing {
        case .wallet(let w): w.inCredits ? w.remainingBalance : nil
        case .subscription(let s): s.totalRemaining.map(Double.init)
        case .usageBased(let u): u.remainingCredits
        case .unknown, .none: nil
        }
    }
}

// MARK: - Webhooks

/// A registered webhook endpoint. `secret` is only present in the create response.
public struct WebhookEndpoint: Codable, Hashable, Sendable, Identifiable {
    public var endpointID: String
    public var url: String
    public var events: [WebhookEventType]?
    public var status: String?
    public var createdAt: String?
    public var secret: String?

    public var id: String { endpointID }

    public init(
        endpointID: String, url: String, events: [WebhookEventType]? = nil, status: String? = nil,
        createdAt: String? = nil, secret: String? = nil
    ) {
        self.endpointID = endpointID
        self.url = url
        self.events = events
        self.status = status
        self.createdAt = createdAt
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case endpointID = "endpoint_id", url, events, status, createdAt = "created_at", secret
    }
}

/// The body of `POST /v3/webhooks/endpoints`.
public struct CreateWebhookEndpointRequest: Codable, Hashable, Sendable {
    public var url: String
    public var events: [WebhookEventType]?
    public var entityID: String?

    public init(url: String, events: [WebhookEventType]? = nil, entityID: String? = nil) {
        self.url = url
        self.events = events
        self.entityID = entityID
    }

    enum CodingKeys: String, CodingKey { case url, events, entityID = "entity_id" }
}

/// A webhook delivery: `{"event_type": …, "event_data": {…}}`.
public struct WebhookEvent: Codable, Hashable, Sendable {
    public var eventType: WebhookEventType
    public var eventData: EventData

    public init(eventType: WebhookEventType, eventData: EventData) {
        self.eventType = eventType
        self.eventData = eventData
    }

    /// The event's payload; legacy and current field names are both read.
    public struct EventData: Codable, Hashable, Sendable {
        public var videoID: String
        public var url: String?
        public var videoURL: String?
        public var msg: String?
        public var failureMessage: String?
        public var callbackID: String?

        public init(
            videoID: String, url: String? = nil, videoURL: String? = nil, msg: String? = nil,
            failureMessage: String? = nil, callbackID: String? = nil
        ) {
            self.videoID = videoID
            self.url = url
            self.videoURL = videoURL
            self.msg = msg
            self.failureMessage = failureMessage
            self.callbackID = callbackID
        }

        enum CodingKeys: String, CodingKey {
            case videoID = "video_id", url, videoURL = "video_url", msg
            case failureMessage = "failure_message", callbackID = "callback_id"
        }

        /// The download link, whichever name carried it.
        public var downloadURL: String? { videoURL ?? url }
        /// The failure text, whichever name carried it.
        public var failureText: String? { failureMessage ?? msg }
    }

    enum CodingKeys: String, CodingKey { case eventType = "event_type", eventData = "event_data" }
}

// MARK: - Errors on the wire

/// `{"error": {"code", "message", "param"?, "doc_url"?}}`.
public struct APIErrorBody: Codable, Hashable, Sendable {
    public struct Detail: Codable, Hashable, Sendable {
        public var code: String?
        public var message: String?
        public var param: String?
        public var docURL: String?

        public init(code: String?, message: String?, param: String? = nil, docURL: String? = nil) {
            self.code = code
            self.message = message
            self.param = param
            self.docURL = docURL
        }

        enum CodingKeys: String, CodingKey { case code, message, param, docURL = "doc_url" }
    }

    public var error: Detail

    public init(error: Detail) { self.error = error }
}

// MARK: - Decoding helpers

extension KeyedDecodingContainer {
    /// An integer that some sources send as a float or a numeric string.
    func decodeLenientInt(forKey key: Key) throws -> Int? {
        if let value = try? decodeIfPresent(Int.self, forKey: key) { return value }
        // `Int(exactly:)` after truncating: a value no Int can hold (1e300) is dropped instead of trapping.
        if let value = try? decodeIfPresent(Double.self, forKey: key) { return Int(exactly: value.rounded(.towardZero)) }
        if let value = try? decodeIfPresent(String.self, forKey: key) { return Int(value) }
        return nil
    }
}
