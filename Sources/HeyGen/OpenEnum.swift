/// A string-backed value whose set of values is open: unknown words from the server are kept, never fatal.
///
/// The contract says enum-like response strings (`avatar_type`, engine names, `status`, `gender`) are open,
/// so each of them is a struct over its raw string with the known values as static members.
public protocol OpenEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String
{
    init(rawValue: String)
    /// The values this build knows about, in the order a person would list them.
    static var known: [Self] { get }
}

extension OpenEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
    /// Whether this build knows the value (an unknown word is still kept and shown).
    public var isKnown: Bool { Self.known.contains(self) }
    /// The known values joined for messages, e.g. `4k, 1080p, 720p`.
    public static var knownList: String { known.map(\.rawValue).joined(separator: ", ") }
}

/// The kind of avatar a look belongs to (`digital_twin`, `studio_avatar`, `photo_avatar`, …).
public struct AvatarType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let digitalTwin: Self = "digital_twin"
    public static let studioAvatar: Self = "studio_avatar"
    public static let photoAvatar: Self = "photo_avatar"
    /// The older docs' name for a digital twin.
    public static let videoAvatar: Self = "video_avatar"
    public static let known: [Self] = [.digitalTwin, .studioAvatar, .photoAvatar, .videoAvatar]
}

/// A rendering engine (`avatar_iv`, `avatar_v`, …).
public struct Engine: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let avatarIV: Self = "avatar_iv"
    public static let avatarV: Self = "avatar_v"
    public static let avatarIII: Self = "avatar_iii"
    public static let known: [Self] = [.avatarIV, .avatarV, .avatarIII]
    /// The engines a video request may name.
    public static let requestable: [Self] = [.avatarIV, .avatarV]
    /// A short human name: `Avatar IV`, `Avatar V`, or the raw word.
    public var displayName: String {
        switch self {
        case .avatarIV: "Avatar IV"
        case .avatarV: "Avatar V"
        case .avatarIII: "Avatar III"
        default: rawValue
        }
    }
}

/// The training state of a private look.
public struct LookStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let processing: Self = "processing"
    public static let pendingConsent: Self = "pending_consent"
    public static let failed: Self = "failed"
    public static let completed: Self = "completed"
    public static let known: [Self] = [.completed, .processing, .pendingConsent, .failed]
}

/// A gender as the API spells it.
public struct Gender: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let male: Self = "male"
    public static let female: Self = "female"
    public static let known: [Self] = [.female, .male]
}

/// Whether a voice is public or the account's own clone.
public struct VoiceType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let `public`: Self = "public"
    public static let `private`: Self = "private"
    public static let known: [Self] = [.public, .private]
}

/// A look's preferred orientation.
public struct Orientation: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let portrait: Self = "portrait"
    public static let landscape: Self = "landscape"
    public static let square: Self = "square"
    public static let known: [Self] = [.landscape, .portrait, .square]
}

/// A video's render state. Any word other than the four documented ones (`waiting`, `queued`, …) means
/// the video is still running.
public struct VideoStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let pending: Self = "pending"
    public static let waiting: Self = "waiting"
    public static let queued: Self = "queued"
    public static let processing: Self = "processing"
    public static let completed: Self = "completed"
    public static let failed: Self = "failed"
    /// Only in `GET /v3/videos/statuses`: the server does not know the id.
    public static let notFound: Self = "not_found"
    public static let known: [Self] = [.pending, .waiting, .queued, .processing, .completed, .failed, .notFound]
    /// Whether the video will not change any more (completed, failed, or unknown to the server).
    public var isFinal: Bool { self == .completed || self == .failed || self == .notFound }
}

/// Output resolution of a video.
public struct Resolution: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let r4k: Self = "4k"
    public static let r1080p: Self = "1080p"
    public static let r720p: Self = "720p"
    public static let known: [Self] = [.r4k, .r1080p, .r720p]
}

/// Aspect ratio of a video: the guide's two values first, then the rest of the published schema's.
public struct AspectRatio: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let landscape: Self = "16:9"
    public static let portrait: Self = "9:16"
    public static let fourFive: Self = "4:5"
    public static let fiveFour: Self = "5:4"
    public static let square: Self = "1:1"
    /// The source's own aspect ratio (the server falls back to 16:9 when it cannot read it).
    public static let auto: Self = "auto"
    public static let known: [Self] = [.landscape, .portrait, .fourFive, .fiveFour, .square, .auto]
}

/// How the subject is fitted to the canvas; unset lets the server choose.
public struct Fit: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let contain: Self = "contain"
    public static let cover: Self = "cover"
    public static let known: [Self] = [.contain, .cover]
}

/// Avatar IV's expressiveness.
public struct Expressiveness: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let high: Self = "high"
    public static let medium: Self = "medium"
    public static let low: Self = "low"
    public static let known: [Self] = [.high, .medium, .low]
}

/// Container format of the rendered video.
public struct OutputFormat: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let mp4: Self = "mp4"
    public static let webm: Self = "webm"
    public static let known: [Self] = [.mp4, .webm]
}

/// Webhook event types.
public struct WebhookEventType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let videoSuccess: Self = "avatar_video.success"
    public static let videoFail: Self = "avatar_video.fail"
    public static let known: [Self] = [.videoSuccess, .videoFail]
}
