import Foundation
import HeyGen
import Synchronization

/// How long one simulated render takes: the wait in HeyGen's queue (`pending`), then the processing (`processing`).
public struct RenderTiming: Sendable, Hashable, Codable {
    /// Seconds from create to the start of processing.
    public var queueSeconds: Double
    /// Seconds of processing, from its start to `completed`/`failed`.
    public var processingSeconds: Double
    /// Whether this render drew the slow outlier (a render stuck far longer than its script explains).
    public var isOutlier: Bool

    public init(queueSeconds: Double, processingSeconds: Double, isOutlier: Bool = false) {
        self.queueSeconds = queueSeconds
        self.processingSeconds = processingSeconds
        self.isOutlier = isOutlier
    }

    /// Seconds from create to the final status.
    public var totalSeconds: Double { queueSeconds + processingSeconds }
}

/// One video's render as `GET /v3/_simulator/renders` lists it (simulator seconds).
public struct RenderPlan: Sendable, Hashable, Codable {
    public var videoID: String
    public var createdAt: Double
    public var queueSeconds: Double
    public var processingSeconds: Double
    public var outlier: Bool
    /// When the server reaches the final status.
    public var finishedAt: Double

    public init(videoID: String, createdAt: Double, queueSeconds: Double, processingSeconds: Double, outlier: Bool) {
        self.videoID = videoID
        self.createdAt = createdAt
        self.queueSeconds = queueSeconds
        self.processingSeconds = processingSeconds
        self.outlier = outlier
        self.finishedAt = createdAt + queueSeconds + processingSeconds
    }

    enum CodingKeys: String, CodingKey {
        case videoID = "video_id", createdAt = "created_at", queueSeconds = "queue_seconds"
        case processingSeconds = "processing_seconds", outlier, finishedAt = "finished_at"
    }
}

/// A model of how long HeyGen takes to render: a queue wait, then processing proportional to the script's spoken
/// length, with a factor per engine (Avatar V slower than IV) and per resolution (4k slower), seeded log-normal
/// noise, and now and then a slow outlier.
///
/// With the defaults (``scale`` 1, the demo's scale) a short script (a few seconds of speech) renders in about
/// 10–15 s on Avatar IV at 1080p, 20 s of speech in about 30 s, Avatar V takes 1.5×, 4k 2×, 720p 0.8×, and 3 % of
/// renders are outliers taking 3–6× their usual processing. HeyGen itself takes minutes: ``scale`` ≈ 8 gives
/// times of that order (a one-minute script in about 10 minutes).
public struct RenderModel: Sendable, Hashable {
    /// Multiplies every time drawn (1 = the demo's scale).
    public var scale: Double = 1
    /// The median queue wait, seconds.
    public var queueSeconds: Double = 3
    /// The spread of the queue wait (σ of its logarithm).
    public var queueSpread: Double = 0.5
    /// Fixed processing cost of any render, seconds (at factor 1).
    public var fixedSeconds: Double = 4
    /// Processing seconds per second of speech (at factor 1).
    public var secondsPerSpokenSecond: Double = 1.2
    /// Factor on processing per engine (`avatar_iv` when the request names none); engines not listed take 1.
    public var engineFactors: [String: Double] = [Engine.avatarIV.rawValue: 1, Engine.avatarV.rawValue: 1.5, Engine.avatarIII.rawValue: 0.8]
    /// Factor on processing per resolution (`1080p` when the request names none); others take 1.
    public var resolutionFactors: [String: Double] = [Resolution.r720p.rawValue: 0.8, Resolution.r1080p.rawValue: 1, Resolution.r4k.rawValue: 2]
    /// Noise on processing (σ of its logarithm): 0.12 is about ±12 %.
    public var noise: Double = 0.12
    /// Share of renders that are slow outliers.
    public var outlierRate: Double = 0.03
    /// How many times its usual processing an outlier takes.
    public var outlierFactor: ClosedRange<Double> = 3...6

    public init() {}

    /// The processing time before noise and outliers, seconds (scaled).
    public func typicalProcessingSeconds(spokenSeconds: Double, engine: Engine?, resolution: Resolution?) -> Double {
        let spoken = spokenSeconds.isFinite ? max(0, spokenSeconds) : 0
        let engineFactor = engineFactors[(engine ?? .avatarIV).rawValue] ?? 1
        let resolutionFactor = resolutionFactors[(resolution ?? .r1080p).rawValue] ?? 1
        return (fixedSeconds + spoken * secondsPerSpokenSecond) * engineFactor * resolutionFactor * scale
    }

    /// Draws one render's timing. Always takes the same number of values from `rng`, so a seed replays a run.
    public func draw(spokenSeconds: Double, engine: Engine?, resolution: Resolution?,
                     using rng: inout some RandomNumberGenerator) -> RenderTiming {
        let queueNoise = Self.gaussian(&rng)
        let processingNoise = Self.gaussian(&rng)
        let outlierDraw = Double.random(in: 0..<1, using: &rng)
        let factorDraw = Double.random(in: 0...1, using: &rng)
        let queue = queueSeconds * exp(queueSpread * queueNoise) * scale
        var processing = typicalProcessingSeconds(spokenSeconds: spokenSeconds, engine: engine, resolution: resolution)
            * exp(noise * processingNoise)
        let outlier = outlierDraw < outlierRate
        if outlier { processing *= outlierFactor.lowerBound + (outlierFactor.upperBound - outlierFactor.lowerBound) * factorDraw }
        return RenderTiming(queueSeconds: Self.finite(queue), processingSeconds: Self.finite(processing), isOutlier: outlier)
    }

    /// A time to put in `Retry-After` when the concurrency limit is reached: about half a typical render.
    var typicalHalfRender: Double { (queueSeconds + fixedSeconds + 10 * secondsPerSpokenSecond) * scale / 2 }

    /// A standard normal draw (Box–Muller); never NaN or infinite.
    static func gaussian(_ rng: inout some RandomNumberGenerator) -> Double {
        let u1 = Double.random(in: Double.leastNormalMagnitude..<1, using: &rng)
        let u2 = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    static func finite(_ seconds: Double) -> Double { seconds.isFinite ? max(0, seconds) : 0 }
}

/// How a simulator render's length is decided.
public enum RenderTimes: Sendable, Hashable {
    /// Every render takes exactly this many seconds (tests that need a known time).
    case fixed(Double)
    /// Drawn from the model, seeded by ``FaultRates/seed``.
    case realistic(RenderModel)
}

/// The simulator's notion of the current time: Unix seconds. The wall clock by default; a ``VirtualTime`` in tests,
/// so renders run on virtual time without real waiting. ``SimulatorState/advance(seconds:)`` adds to either.
public struct SimulatorTime: Sendable {
    /// Unix seconds now.
    public let now: @Sendable () -> Double

    public init(_ now: @escaping @Sendable () -> Double) { self.now = now }

    /// The wall clock.
    public static let wall = SimulatorTime { Date().timeIntervalSince1970 }
}

/// A clock that moves only when told to (tests).
public final class VirtualTime: Sendable {
    private let current: Mutex<Double>

    /// Starts at `start` Unix seconds (2027-01-15 by default).
    public init(start: Double = 1_800_000_000) { current = Mutex(start) }

    /// Unix seconds on this clock.
    public var now: Double { current.withLock { $0 } }

    /// Moves the clock forward (a negative or non-finite amount is ignored).
    public func advance(by seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        current.withLock { $0 += seconds }
    }

    /// This clock as the simulator's time source.
    public var time: SimulatorTime { SimulatorTime { [self] in now } }
}
