import Foundation
import GRDB
import HeyGen

/// One video submission in the local history: made from the form, by `twindeck create`, in a batch, or
/// imported by ID.
///
/// A row is written *before* its request is sent (``SubmitState/submitting``), so a crash or a lost answer
/// never loses the `Idempotency-Key`: re-sending the stored body with the same key makes the server replay
/// the first answer instead of making a second video.
public struct Submission: Codable, Sendable, Equatable, Identifiable {
    /// Where the request stands with the server.
    public enum SubmitState: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Written locally; the request may or may not have reached the server. Re-send with the same key.
        case submitting
        /// The server answered with a `video_id`.
        case submitted
        /// The server refused it with a definite 4xx; it is never re-sent.
        case rejected
    }

    /// What made the submission.
    public enum Source: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case form, cli, batch
        /// A video made elsewhere, added by its ID.
        case imported = "import"
    }

    /// How far the download of the finished video got.
    public enum DownloadState: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case none, downloading, done, failed
    }

    /// The row number, assigned on insert; used only to order rows made in the same instant.
    public internal(set) var rowID: Int64?
    /// The `Idempotency-Key` sent with the request: the submission's identity.
    public var idempotencyKey: String
    public var videoID: String?
    public var title: String?
    public var lookID: String?
    public var lookName: String?
    public var voiceID: String?
    public var voiceName: String?
    /// The engine's raw name (`avatar_iv`, `avatar_v`); nil for imports.
    public var engine: String?
    /// The exact JSON body sent (nil for imports).
    public var requestBody: String?
    public var source: Source
    public var createdAt: Date
    public var updatedAt: Date
    public var submitState: SubmitState
    /// Why the server refused it (``SubmitState/rejected``).
    public var submitError: String?
    /// The last known ``VideoStatus`` raw value.
    public var status: String?
    public var videoURL: String?
    public var captionedVideoURL: String?
    public var thumbnailURL: String?
    public var videoPageURL: String?
    public var subtitleURL: String?
    public var duration: Double?
    public var failureCode: String?
    public var failureMessage: String?
    public var completedAt: Date?
    public var lastPolledAt: Date?
    public var downloadPath: String?
    public var downloadState: DownloadState
    public var downloadedBytes: Int64?
    public var totalBytes: Int64?
    /// The request's `callback_url`, when it had one (HeyGen posts the outcome there, unsigned).
    public var callbackURL: String?
    /// When a webhook delivery (rather than polling) recorded the final status.
    public var webhookAt: Date?
    /// Since when HeyGen has said it does not know this video (`not_found` confirmed by `GET /v3/videos/{id}`);
    /// nil while it knows it. The row becomes final `not_found` only after ``PollSchedule/missingGrace``.
    public var missingSince: Date?
    /// When the video was first seen `processing` (out of the queue); nil before that, and for a video seen only
    /// once it was done.
    public var processingAt: Date?
    /// How long the script speaks, in seconds (``Preflight/spokenSeconds(_:)``); nil for imports.
    public var spokenSeconds: Int?
    /// The resolution asked for (`1080p`, `4k`, …); nil when the request left it to the server, and for imports.
    public var resolution: String?

    public var id: String { idempotencyKey }

    /// Creates a submission; the store fills these in, tests and previews may build their own.
    public init(
        idempotencyKey: String, videoID: String? = nil, title: String? = nil, lookID: String? = nil, lookName: String? = nil,
        voiceID: String? = nil, voiceName: String? = nil, engine: String? = nil, requestBody: String? = nil,
        source: Source = .form, createdAt: Date, updatedAt: Date? = nil, submitState: SubmitState = .submitting,
        submitError: String? = nil, status: String? = nil, videoURL: String? = nil, captionedVideoURL: String? = nil,
        thumbnailURL: String? = nil, videoPageURL: String? = nil, subtitleURL: String? = nil, duration: Double? = nil,
        failureCode: String? = nil, failureMessage: String? = nil, completedAt: Date? = nil, lastPolledAt: Date? = nil,
        downloadPath: String? = nil, downloadState: DownloadState = .none, downloadedBytes: Int64? = nil, totalBytes: Int64? = nil,
        callbackURL: String? = nil, webhookAt: Date? = nil, missingSince: Date? = nil, processingAt: Date? = nil,
        spokenSeconds: Int? = nil, resolution: String? = nil
    ) {
        self.idempotencyKey = idempotencyKey
        self.videoID = videoID
        self.title = title
        self.lookID = lookID
        self.lookName = lookName
        self.voiceID = voiceID
        self.voiceName = voiceName
        self.engine = engine
        self.requestBody = requestBody
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.submitState = submitState
        self.submitError = submitError
        self.status = status
        self.videoURL = videoURL
        self.captionedVideoURL = captionedVideoURL
        self.thumbnailURL = thumbnailURL
        self.videoPageURL = videoPageURL
        self.subtitleURL = subtitleURL
        self.duration = duration
        self.failureCode = failureCode
        self.failureMessage = failureMessage
        self.completedAt = completedAt
        self.lastPolledAt = lastPolledAt
        self.downloadPath = downloadPath
        self.downloadState = downloadState
        self.downloadedBytes = downloadedBytes
        self.totalBytes = totalBytes
        self.callbackURL = callbackURL
        self.webhookAt = webhookAt
        self.missingSince = missingSince
        self.processingAt = processingAt
        self.spokenSeconds = spokenSeconds
        self.resolution = resolution
    }

    // MARK: - State

    /// The last known status as a value, or nil before the server answered.
    public var videoStatus: VideoStatus? { status.map(VideoStatus.init(rawValue:)) }

    /// Whether nothing more will happen: refused, or the video completed, failed or is unknown to the server.
    public var isFinal: Bool { submitState == .rejected || (videoStatus?.isFinal ?? false) }

    /// Whether a poller should ask for this video's status: submitted and still rendering.
    public var needsPolling: Bool { submitState == .submitted && videoID != nil && !(videoStatus?.isFinal ?? false) }

    /// Whether the request must be sent again with the same key (its outcome is unknown).
    public var needsResubmit: Bool { submitState == .submitting }

    /// The stored request, decoded again to be re-sent; nil for imports.
    public func storedRequest() throws -> CreateVideoRequest? {
        guard let requestBody else { return nil }
        return try JSONDecoder().decode(CreateVideoRequest.self, from: Data(requestBody.utf8))
    }

    // MARK: - Merging what the server says

    /// Takes in a video's detail. A final status is never moved back to a running one (a late or
    /// reordered answer); links, duration and failure details only replace what was known when present.
    mutating func apply(_ video: Video, at now: Date) {
        lastPolledAt = now
        updatedAt = now
        missingSince = nil
        if title == nil { title = video.title }
        if let current = videoStatus, current.isFinal, !video.status.isFinal { return }
        noteProcessing(video.status, at: now)
        status = video.status.rawValue
        videoURL = video.videoURL ?? videoURL
        captionedVideoURL = video.captionedVideoURL ?? captionedVideoURL
        thumbnailURL = video.thumbnailURL ?? thumbnailURL
        videoPageURL = video.videoPageURL ?? videoPageURL
        subtitleURL = video.subtitleURL ?? subtitleURL
        duration = video.duration ?? duration
        if video.status == .failed {
            failureCode = video.failureCode ?? failureCode
            failureMessage = video.failureMessage ?? failureMessage
        }
        if video.status == .completed {
            completedAt = video.completedAt.map { Date(timeIntervalSince1970: Double($0)) } ?? completedAt ?? now
        }
    }

    /// Takes in one row of `GET /v3/videos/statuses`, with the same rule as ``apply(_:at:)``.
    mutating func apply(_ entry: VideoStatusEntry, at now: Date) {
        lastPolledAt = now
        updatedAt = now
        if let current = videoStatus, current.isFinal, !entry.status.isFinal { return }
        noteProcessing(entry.status, at: now)
        status = entry.status.rawValue
        if entry.status == .failed || entry.status == .notFound { failureMessage = entry.error ?? failureMessage }
        if entry.status == .completed, completedAt == nil { completedAt = now }
    }

    /// Keeps the first time the video was seen `processing`; a later sighting (or a final status) keeps it.
    mutating func noteProcessing(_ seen: VideoStatus, at now: Date) {
        if seen == .processing, processingAt == nil, !(videoStatus?.isFinal ?? false) { processingAt = now }
    }

    /// Takes in a webhook delivery (`avatar_video.success` / `avatar_video.fail`), with the same rule as
    /// ``apply(_:at:)``: a final status is never replaced; a missing link or failure text is filled in.
    /// - Returns: whether the event was about a known outcome (an unknown event type changes nothing).
    @discardableResult
    mutating func apply(_ event: WebhookEvent, at now: Date) -> Bool {
        let outcome: VideoStatus
        switch event.eventType {
        case .videoSuccess: outcome = .completed
        case .videoFail: outcome = .failed
        default: return false
        }
        updatedAt = now
        if let current = videoStatus, current.isFinal {
            if current == outcome, outcome == .completed { videoURL = videoURL ?? event.eventData.downloadURL }
            if current == outcome, outcome == .failed { failureMessage = failureMessage ?? event.eventData.failureText }
            return true
        }
        status = outcome.rawValue
        webhookAt = now
        if outcome == .completed {
            videoURL = event.eventData.downloadURL ?? videoURL
            completedAt = completedAt ?? now
        } else {
            failureMessage = event.eventData.failureText ?? failureMessage
        }
        return true
    }

    /// Takes over the status fields of another row for the same video (an import folded into its submission).
    mutating func adoptStatus(of other: Submission) {
        if videoStatus?.isFinal ?? false, !(other.videoStatus?.isFinal ?? false) { return }
        status = other.status ?? status
        videoURL = other.videoURL ?? videoURL
        captionedVideoURL = other.captionedVideoURL ?? captionedVideoURL
        thumbnailURL = other.thumbnailURL ?? thumbnailURL
        videoPageURL = other.videoPageURL ?? videoPageURL
        subtitleURL = other.subtitleURL ?? subtitleURL
        duration = other.duration ?? duration
        failureCode = other.failureCode ?? failureCode
        failureMessage = other.failureMessage ?? failureMessage
        completedAt = other.completedAt ?? completedAt
        lastPolledAt = other.lastPolledAt ?? lastPolledAt
    }
}

/// What the history holds: the rows this version can read, and those it cannot.
public struct History: Sendable, Equatable {
    public var rows: [Submission] = []
    public var unreadable: [UnreadableSubmission] = []
    /// The change mark the rows were read at (``SubmissionStore/changes(since:)`` says what changed after it); nil
    /// for a file without a change log.
    public var mark: Int64?
    /// How many rows the whole history has, when these are only its newest (the rest follows); nil for the whole.
    public var expected: Int?
    public init(rows: [Submission] = [], unreadable: [UnreadableSubmission] = [], mark: Int64? = nil, expected: Int? = nil) {
        self.rows = rows
        self.unreadable = unreadable
        self.mark = mark
        self.expected = expected
    }
}

/// A history row this version cannot read (a value from a newer TwinDeck, a bad edit): shown as a count with
/// its key, left as it is in the file.
public struct UnreadableSubmission: Sendable, Equatable {
    public var rowID: Int64?
    public var idempotencyKey: String?
    public var videoID: String?
    /// Which column held what, in a sentence.
    public var reason: String

    public init(rowID: Int64?, idempotencyKey: String?, videoID: String?, reason: String) {
        self.rowID = rowID
        self.idempotencyKey = idempotencyKey
        self.videoID = videoID
        self.reason = reason
    }

    static func reason(for error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
             DecodingError.valueNotFound(_, let context):
            let column = context.codingPath.last?.stringValue ?? "a column"
            return "\(column): \(Sanitizer.inert(context.debugDescription, limit: 160))"
        case DecodingError.keyNotFound(let key, _):
            return "\(key.stringValue) is missing"
        default:
            return Sanitizer.inert(String(describing: error), limit: 160)
        }
    }
}

// MARK: - Database

extension Submission: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "submission"

    /// The table's columns, for queries.
    public enum Columns {
        public static let rowID = Column(CodingKeys.rowID)
        public static let idempotencyKey = Column(CodingKeys.idempotencyKey)
        public static let videoID = Column(CodingKeys.videoID)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let submitState = Column(CodingKeys.submitState)
        public static let status = Column(CodingKeys.status)
        public static let source = Column(CodingKeys.source)
    }

    // Seconds since 2001-01-01 as a REAL, which is how `Date` holds itself: a row reads back equal to what was
    // written (the default text format keeps only milliseconds; seconds since 1970 can be off by an ulp).
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSinceReferenceDate }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSinceReferenceDate }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        rowID = inserted.rowID
    }
}

extension Submission {
    /// The row with this Idempotency-Key.
    ///
    /// - important: Not GRDB's `filter(id:)`/`filter(key:)`: those match the primary key, which is ``rowID``.
    static func filter(idempotencyKey: String) -> QueryInterfaceRequest<Submission> { all().filter(idempotencyKey: idempotencyKey) }
    /// The row that holds this video.
    static func filter(videoID: String) -> QueryInterfaceRequest<Submission> { all().filter(videoID: videoID) }
}

extension DerivableRequest<Submission> {
    /// Rows not yet final: waiting to be re-sent, or submitted and still rendering (the condition of the
    /// `submission_unfinished` index, word for word, so SQLite reads the index instead of every row).
    public func unfinished() -> Self {
        filter(sql: SubmissionStore.unfinishedCondition)
    }

    /// Rows whose request must be sent again with the same key, oldest first.
    public func awaitingResubmit() -> Self {
        filter { $0.submitState == Submission.SubmitState.submitting.rawValue }.order { [$0.createdAt, $0.rowID] }
    }

    /// Newest first.
    public func newestFirst() -> Self {
        order { [$0.createdAt.desc, $0.rowID.desc] }
    }

    func filter(idempotencyKey: String) -> Self { filter { $0.idempotencyKey == idempotencyKey } }
    func filter(videoID: String) -> Self { filter { $0.videoID == videoID } }
}
