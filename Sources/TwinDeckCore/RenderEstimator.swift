import Foundation
import HeyGen

/// One finished render in the history: what it was, and how long it took from being recorded to being done.
public struct RenderSample: Sendable, Equatable {
    /// The engine's raw name (`avatar_iv`, `avatar_v`); nil when not known (an import).
    public var engine: String?
    /// The resolution asked for; nil when the request left it to the server.
    public var resolution: String?
    /// How long the script speaks, in seconds.
    public var spokenSeconds: Double
    public var createdAt: Date
    /// When the video was first seen `processing`, when it was.
    public var processingAt: Date?
    public var completedAt: Date

    public init(engine: String?, resolution: String?, spokenSeconds: Double, createdAt: Date, processingAt: Date? = nil,
                completedAt: Date) {
        self.engine = engine
        self.resolution = resolution
        self.spokenSeconds = spokenSeconds
        self.createdAt = createdAt
        self.processingAt = processingAt
        self.completedAt = completedAt
    }

    /// The render time the estimate predicts: recorded to completed, in seconds.
    public var renderSeconds: Double { completedAt.timeIntervalSince(createdAt) }

    /// Whether the sample can teach anything: a known engine, a finite positive spoken length and render time.
    var isUsable: Bool {
        engine != nil && spokenSeconds.isFinite && spokenSeconds > 0 && renderSeconds.isFinite && renderSeconds > 0
    }
}

extension RenderSample {
    /// The sample a completed submission makes; nil for one that did not complete, or lacks its engine, spoken
    /// length or times (an import, a row from before they were recorded).
    public init?(_ submission: Submission) {
        guard submission.videoStatus == .completed, let engine = submission.engine, let spoken = submission.spokenSeconds,
              let completedAt = submission.completedAt else { return nil }
        self.init(engine: engine, resolution: submission.resolution, spokenSeconds: Double(spoken),
                  createdAt: submission.createdAt, processingAt: submission.processingAt, completedAt: completedAt)
    }
}

/// The video to estimate: its engine, resolution and spoken length, and when it was recorded.
public struct RenderTarget: Sendable, Equatable {
    public var engine: String?
    public var resolution: String?
    public var spokenSeconds: Double
    public var createdAt: Date

    public init(engine: String?, resolution: String?, spokenSeconds: Double, createdAt: Date) {
        self.engine = engine
        self.resolution = resolution
        self.spokenSeconds = spokenSeconds
        self.createdAt = createdAt
    }

    /// The target a submission makes; nil when its engine or spoken length is not known (an import).
    public init?(_ submission: Submission) {
        guard let engine = submission.engine, let spoken = submission.spokenSeconds else { return nil }
        self.init(engine: engine, resolution: submission.resolution, spokenSeconds: Double(spoken), createdAt: submission.createdAt)
    }
}

/// A prediction of how long a render takes in total (recorded → completed), with its spread and what it is based on.
///
/// HeyGen reports no progress, so this is a prediction from the account's own finished renders, never a measurement.
public struct RenderEstimate: Sendable, Equatable {
    /// How the estimate was made, in the order they are tried.
    public enum Method: String, Sendable, Equatable {
        /// The median rate (render seconds per spoken second) of renders with the same engine and resolution and a
        /// similar spoken length.
        case closeMatches
        /// A robust least-squares line `render_s = a · spoken_s + b` over recent renders of the same engine.
        case linearFit
        /// The median rate of the few renders of the same engine, when there are too few to fit a line.
        case proportional
    }

    /// When the video was recorded: the estimate's zero.
    public var startedAt: Date
    /// Expected render time in seconds, from ``startedAt``.
    public var expectedSeconds: Double
    /// The low and high end of the spread (p25 and p75 of how far past renders were from their prediction);
    /// `lowerSeconds ≤ expectedSeconds ≤ upperSeconds`, all ≥ 0.
    public var lowerSeconds: Double
    public var upperSeconds: Double
    public var method: Method
    /// How many finished renders it is based on.
    public var sampleCount: Int
    /// The engine's raw name.
    public var engine: String
    /// For ``Method/linearFit``: seconds per spoken second (`a`) and the fixed part (`b`: queue and set-up).
    public var slope: Double?
    public var intercept: Double?

    /// What it is based on, for a person: "from 12 similar Avatar V renders".
    public var basis: String {
        let name = Engine(rawValue: engine).displayName
        let noun = sampleCount == 1 ? "render" : "renders"
        switch method {
        case .closeMatches: return "from \(sampleCount) similar \(name) \(noun)"
        case .linearFit, .proportional: return "from \(sampleCount) recent \(name) \(noun)"
        }
    }

    /// Seconds since ``startedAt`` at `now` (0 for a `now` before it or not a number).
    public func elapsedSeconds(at now: Date) -> Double {
        let elapsed = now.timeIntervalSince(startedAt)
        return elapsed.isFinite && elapsed > 0 ? elapsed : 0
    }

    /// Whole seconds expected to be left at `now`, rounded up; 0 once the estimate has passed.
    public func remainingSeconds(at now: Date) -> Int {
        let left = expectedSeconds - elapsedSeconds(at: now)
        return left > 0 ? Int(saturating: left.rounded(.up)) : 0
    }

    /// How far along the render is expected to be at `now`, from 0 to 1 (for a progress bar; 1 once passed).
    public func fractionDone(at now: Date) -> Double {
        guard expectedSeconds > 0 else { return 1 }
        let fraction = elapsedSeconds(at: now) / expectedSeconds
        return fraction.isFinite ? min(max(fraction, 0), 1) : 1
    }

    /// Whole seconds past the expected time at `now`, rounded down; nil until it is passed by a whole second.
    public func overdueSeconds(at now: Date) -> Int? {
        let over = elapsedSeconds(at: now) - expectedSeconds
        guard over >= 1 else { return nil }
        return Int(saturating: over)
    }

    /// Where `now` falls: before the spread, inside it, or past its high end (for scheduling polls).
    public enum Phase: Sendable, Equatable { case early, withinSpread, late }
    public func phase(at now: Date) -> Phase {
        let elapsed = elapsedSeconds(at: now)
        if elapsed < lowerSeconds { return .early }
        return elapsed <= upperSeconds ? .withinSpread : .late
    }
}

/// Predicts render times from the account's own finished renders. Pure: the history and the target in, an estimate
/// (or nil) out; `now` only enters through ``RenderEstimate``'s helpers.
///
/// Tried in order, with recent renders weighing more (an account's speed changes) and medians and a robust fit
/// so one render that took an hour moves little:
/// 1. the median rate of close matches (same engine and resolution, a similar spoken length);
/// 2. a least-squares line `render_s = a · spoken_s + b` over recent renders of the same engine;
/// 3. the median rate of the same engine's renders when there are too few to fit;
/// 4. no estimate at all when there is no usable history — never a made-up number.
///
/// Build one per history (it sorts and keeps only the recent renders of each engine), then ask it per video.
public struct RenderEstimator: Sendable {
    /// The knobs, with the defaults the app uses.
    public struct Parameters: Sendable, Equatable {
        /// Renders kept per engine, newest first; older ones are not read.
        public var recentLimit = 60
        /// The weight of a render halves every this many newer renders of the same engine.
        public var halfLife = 12.0
        /// Close matches needed for the first method.
        public var minimumCloseMatches = 4
        /// A close match speaks within this fraction of the target's length…
        public var closeFraction = 0.2
        /// …or within this many seconds of it (for short scripts).
        public var closeSeconds = 5.0
        /// Renders needed to fit a line…
        public var minimumFit = 6
        /// …whose spoken lengths span at least this ratio (longest / shortest); otherwise the slope is a guess.
        public var minimumSpanRatio = 1.5
        /// Renders needed for the proportional median.
        public var minimumProportional = 2
        public init() {}
    }

    public let parameters: Parameters
    /// The usable samples of each engine, newest completed first, at most ``Parameters/recentLimit``.
    let byEngine: [String: [RenderSample]]

    public init(history: [RenderSample], parameters: Parameters = Parameters()) {
        self.parameters = parameters
        var groups: [String: [RenderSample]] = [:]
        for sample in history where sample.isUsable {
            if let engine = sample.engine { groups[engine, default: []].append(sample) }
        }
        let limit = max(parameters.recentLimit, 1)
        byEngine = groups.mapValues { samples in
            Array(samples.sorted { $0.completedAt > $1.completedAt }.prefix(limit))
        }
    }

    /// Builds the estimator from submissions (those that completed with what it needs; the rest are left out).
    public init(submissions: [Submission], parameters: Parameters = Parameters()) {
        self.init(history: submissions.compactMap(RenderSample.init), parameters: parameters)
    }

    /// The estimate for `target`, or nil when the history has nothing usable for its engine.
    public func estimate(_ target: RenderTarget) -> RenderEstimate? {
        guard let engine = target.engine, target.spokenSeconds.isFinite, target.spokenSeconds > 0,
              let samples = byEngine[engine], !samples.isEmpty else { return nil }
        let spoken = target.spokenSeconds
        let weighted = samples.enumerated().map { index, sample in
            (sample: sample, weight: pow(0.5, Double(index) / max(parameters.halfLife, 0.1)))
        }

        // 1. Close matches: same resolution, similar length.
        let tolerance = max(spoken * parameters.closeFraction, parameters.closeSeconds)
        let close = weighted.filter { $0.sample.resolution == target.resolution && abs($0.sample.spokenSeconds - spoken) <= tolerance }
        if close.count >= max(parameters.minimumCloseMatches, 1) {
            return proportional(close, spoken: spoken, target: target, engine: engine, method: .closeMatches)
        }

        // 2. A line over the engine's recent renders (the same resolution's when there are enough of them).
        let sameResolution = weighted.filter { $0.sample.resolution == target.resolution }
        for group in [sameResolution, weighted] where group.count >= max(parameters.minimumFit, 2) {
            if let estimate = fitted(group, spoken: spoken, target: target, engine: engine) { return estimate }
        }

        // 3. Proportional median of the few there are.
        if weighted.count >= max(parameters.minimumProportional, 1) {
            return proportional(weighted, spoken: spoken, target: target, engine: engine, method: .proportional)
        }
        return nil
    }

    /// The estimate of a submission still rendering; nil when it has no engine or spoken length, or no history.
    public func estimate(_ submission: Submission) -> RenderEstimate? {
        RenderTarget(submission).flatMap(estimate)
    }

    // MARK: - Methods

    private typealias Weighted = (sample: RenderSample, weight: Double)

    private func proportional(_ group: [Weighted], spoken: Double, target: RenderTarget, engine: String,
                              method: RenderEstimate.Method) -> RenderEstimate? {
        let rates = group.map { (value: $0.sample.renderSeconds / $0.sample.spokenSeconds, weight: $0.weight) }
        guard let rate = Self.weightedQuantile(rates, 0.5) else { return nil }
        // The spread of the typical renders: a render far off the median (one that took an hour) does not widen it.
        let typical = Self.downweightingOutliers(rates, around: rate)
        guard let low = Self.weightedQuantile(typical, 0.25), let high = Self.weightedQuantile(typical, 0.75) else { return nil }
        return make(expected: rate * spoken, lower: low * spoken, upper: high * spoken, method: method, count: group.count,
                    target: target, engine: engine)
    }

    private func fitted(_ group: [Weighted], spoken: Double, target: RenderTarget, engine: String) -> RenderEstimate? {
        let xs = group.map(\.sample.spokenSeconds)
        guard let shortest = xs.min(), let longest = xs.max(), shortest > 0,
              longest / shortest >= parameters.minimumSpanRatio else { return nil }
        guard let (a, b) = Self.robustLine(group.map { (x: $0.sample.spokenSeconds, y: $0.sample.renderSeconds, weight: $0.weight) }),
              a >= 0 else { return nil }
        let expected = a * spoken + b
        guard expected.isFinite, expected > 0 else { return nil }
        let residuals = Self.downweightingOutliers(
            group.map { (value: $0.sample.renderSeconds - (a * $0.sample.spokenSeconds + b), weight: $0.weight) }, around: 0)
        guard let low = Self.weightedQuantile(residuals, 0.25), let high = Self.weightedQuantile(residuals, 0.75) else { return nil }
        var estimate = make(expected: expected, lower: expected + low, upper: expected + high, method: .linearFit,
                            count: group.count, target: target, engine: engine)
        estimate?.slope = a
        estimate?.intercept = b
        return estimate
    }

    private func make(expected: Double, lower: Double, upper: Double, method: RenderEstimate.Method, count: Int,
                      target: RenderTarget, engine: String) -> RenderEstimate? {
        guard expected.isFinite, expected > 0 else { return nil }
        let low = lower.isFinite ? min(max(lower, 0), expected) : expected
        let high = upper.isFinite ? max(upper, expected) : expected
        return RenderEstimate(startedAt: target.createdAt, expectedSeconds: expected, lowerSeconds: low, upperSeconds: high,
                              method: method, sampleCount: count, engine: engine)
    }

    // MARK: - Statistics

    /// The weighted `q`-quantile (the smallest value whose cumulative weight reaches `q` of the total, the two
    /// neighbours averaged at an exact tie); nil for no values or no positive finite weight.
    static func weightedQuantile(_ values: [(value: Double, weight: Double)], _ q: Double) -> Double? {
        let items = values.filter { $0.value.isFinite && $0.weight.isFinite && $0.weight > 0 }.sorted { $0.value < $1.value }
        let total = items.reduce(0) { $0 + $1.weight }
        guard !items.isEmpty, total > 0 else { return nil }
        let goal = min(max(q, 0), 1) * total
        var cumulative = 0.0
        for (index, item) in items.enumerated() {
            cumulative += item.weight
            if abs(cumulative - goal) <= 1e-9 * total, index + 1 < items.count {
                return (item.value + items[index + 1].value) / 2
            }
            if cumulative >= goal { return item.value }
        }
        return items.last?.value
    }

    /// The values with Tukey's biweight applied to their weights around `center` (scale: the weighted median absolute
    /// deviation, at least 1 % of the center): a value far out weighs nothing, one near it keeps its weight.
    static func downweightingOutliers(_ values: [(value: Double, weight: Double)], around center: Double)
        -> [(value: Double, weight: Double)]
    {
        guard center.isFinite,
              let mad = weightedQuantile(values.map { (value: abs($0.value - center), weight: $0.weight) }, 0.5) else { return values }
        let scale = max(1.4826 * mad, 0.01 * abs(center), 1e-9)
        let cutoff = 4.685 * scale
        return values.map { item in
            let u = (item.value - center) / cutoff
            return (value: item.value, weight: abs(u) < 1 ? item.weight * (1 - u * u) * (1 - u * u) : 0)
        }
    }

    /// A line through weighted points that one wild point does not move: a Theil–Sen start (the weighted median of
    /// the pairwise slopes), then iteratively reweighted least squares with Tukey's biweight, each point's recency
    /// weight times its robustness weight. Nil when the points do not determine a line.
    static func robustLine(_ points: [(x: Double, y: Double, weight: Double)]) -> (slope: Double, intercept: Double)? {
        let points = points.filter { $0.x.isFinite && $0.y.isFinite && $0.weight.isFinite && $0.weight > 0 }
        guard points.count >= 2 else { return nil }
        var slopes: [(value: Double, weight: Double)] = []
        for i in points.indices {
            for j in points.indices where j > i && points[j].x != points[i].x {
                slopes.append((value: (points[j].y - points[i].y) / (points[j].x - points[i].x), weight: points[i].weight * points[j].weight))
            }
        }
        guard var slope = weightedQuantile(slopes, 0.5),
              var intercept = weightedQuantile(points.map { (value: $0.y - slope * $0.x, weight: $0.weight) }, 0.5) else { return nil }
        for _ in 0..<20 {
            let residuals = points.map { $0.y - (slope * $0.x + intercept) }
            guard let mad = weightedQuantile(zip(residuals, points).map { (value: abs($0), weight: $1.weight) }, 0.5) else { break }
            // A scale of nothing means the line goes through the middle of the points exactly: keep the points on it.
            let scale = max(1.4826 * mad, 1e-9 * (1 + abs(intercept)))
            let cutoff = 4.685 * scale
            let weights = zip(residuals, points).map { residual, point -> Double in
                let u = residual / cutoff
                return abs(u) < 1 ? point.weight * (1 - u * u) * (1 - u * u) : 0
            }
            guard let next = weightedLeastSquares(points.map { ($0.x, $0.y) }, weights) else { break }
            let moved = abs(next.slope - slope) + abs(next.intercept - intercept)
            (slope, intercept) = next
            if !(moved > 1e-9 * (1 + abs(intercept))) { break }
        }
        return slope.isFinite && intercept.isFinite ? (slope, intercept) : nil
    }

    /// Ordinary weighted least squares; nil when the weighted points have no spread in `x`.
    static func weightedLeastSquares(_ points: [(x: Double, y: Double)], _ weights: [Double]) -> (slope: Double, intercept: Double)? {
        var sw = 0.0, sx = 0.0, sy = 0.0
        for (point, weight) in zip(points, weights) {
            sw += weight
            sx += weight * point.x
            sy += weight * point.y
        }
        guard sw > 0 else { return nil }
        let mx = sx / sw, my = sy / sw
        var sxx = 0.0, sxy = 0.0
        for (point, weight) in zip(points, weights) {
            sxx += weight * (point.x - mx) * (point.x - mx)
            sxy += weight * (point.x - mx) * (point.y - my)
        }
        guard sxx > 1e-12 * max(sw * mx * mx, 1) else { return nil }
        let slope = sxy / sxx
        let result = (slope: slope, intercept: my - slope * mx)
        return result.slope.isFinite && result.intercept.isFinite ? result : nil
    }
}
