import Foundation
import HeyGen
import Logging
import Synchronization
import TwinDeckCore

/// `create --wait` and `status --wait`: the board's poller (``Poller``) on one video, with a progress line on stderr —
/// the status, the time elapsed and, when the history has similar renders, the estimate's bar and time left
/// (`processing · 40 s elapsed · ███░░░ ~30 s left`).
struct VideoWait {
    let client: HeyGenClient
    /// The history's estimate of the video (nil without a usable history or when the history does not hold it).
    let estimate: RenderEstimate?
    /// The schedule's first wait (2 s): a shorter one compresses the whole schedule (tests).
    var pollInterval: Double = 2

    /// The estimate of a video the history holds, from its finished renders; nil when there is none (a warning when
    /// the history cannot be read: the wait goes on without an estimate).
    static func estimate(of videoID: String, in store: SubmissionStore?) async -> (row: Submission?, estimate: RenderEstimate?) {
        guard let store else { return (nil, nil) }
        do {
            guard let row = try await store.submission(videoID: videoID) else { return (nil, nil) }
            guard !(row.videoStatus?.isFinal ?? false) else { return (row, nil) }
            return (row, RenderEstimator(history: try await store.renderHistory()).estimate(row))
        } catch {
            Output.note("warning: no estimate, the history could not be read: \(Submitter.describe(error))")
            return (nil, nil)
        }
    }

    /// Waits for `videoID` (recorded at `createdAt`; `lookedAt` when its status was just read as `status`).
    func wait(for videoID: String, createdAt: Date, status: VideoStatus?, lookedAt: Date? = nil) async throws -> Video {
        var logger = Logger(label: "twindeck.wait")
        logger.logLevel = .critical
        let scale = pollInterval.isFinite && pollInterval > 0 ? min(pollInterval / 2, 1) : 1
        let poller = Poller(service: client, schedule: PollSchedule(scale: scale), logger: logger)
        let progress = ProgressLine()
        let sink = WaitSink()
        let current = Mutex<VideoStatus?>(status)
        defer { progress.finish() }
        let estimate = estimate
        // The progress line moves every second between polls (the elapsed time, the estimate's bar).
        let ticker = Task {
            while !Task.isCancelled {
                let seen = sink.status ?? current.withLock { $0 }
                progress.update(Self.progressText(status: seen, createdAt: createdAt, estimate: estimate, now: Date()))
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { ticker.cancel() }
        let target = PollTarget(videoID: videoID, createdAt: createdAt, lastLook: lookedAt, estimate: estimate)
        return try await poller.wait(for: target, sink: sink) { event in
            switch event {
            case .status(let status):
                current.withLock { $0 = status }
                progress.event("status: \(status)")
            case .retrying(let why, let seconds):
                progress.event("\(why); retrying in \(seconds) s")
            }
        }
    }

    /// The progress line: "processing · 40 s elapsed · ███░░░ ~30 s left (from 12 similar Avatar V renders)".
    static func progressText(status: VideoStatus?, createdAt: Date, estimate: RenderEstimate?, now: Date) -> String {
        let elapsed = max(0, now.timeIntervalSince(createdAt))
        var text = "\(status?.rawValue ?? "waiting") · \(Int(saturating: elapsed)) s elapsed"
        if let estimate {
            text += " · \(estimate.bar(at: now, cells: 10)) \(estimate.shortText(at: now)) (\(estimate.basis))"
        }
        return text
    }
}

/// The `eta_seconds` and `eta_basis` of `--json` output: the seconds the estimate has left (0 once overdue) and what
/// it is based on, for a video still rendering; both null when it is finished or the history has no estimate for it.
struct ETAFields: Encodable {
    var seconds: Int?
    var basis: String?
    /// For people: "~40 s left · expected 1 min (50 s – 1 min 10 s) · from 12 similar Avatar V renders" (not in the JSON).
    var text: String?

    init(_ estimate: RenderEstimate?, running: Bool, now: Date = Date()) {
        guard running, let estimate else { return }
        seconds = estimate.remainingSeconds(at: now)
        basis = estimate.basis
        text = "\(estimate.shortText(at: now)) · \(estimate.spreadText) · \(estimate.basis)"
    }

    enum CodingKeys: String, CodingKey { case seconds = "eta_seconds", basis = "eta_basis" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seconds, forKey: .seconds)  // null when nil: every key present
        try container.encode(basis, forKey: .basis)
    }
}

/// `status --json`: the video as the API gives it, plus ``ETAFields``.
struct StatusResult: Encodable {
    var video: Video
    var eta: ETAFields

    func encode(to encoder: any Encoder) throws {
        try video.encode(to: encoder)
        try eta.encode(to: encoder)
    }
}
