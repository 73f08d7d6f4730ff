import ArgumentParser
import Foundation
import HeyGen
import TwinDeckCore

extension TwinDeckCommand {
    /// `twindeck videos`: the local history of submissions.
    struct Videos: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the videos submitted from here or imported, newest first (the local history; no network).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            do {
                // Listing an empty history creates no file.
                let exists = FileManager.default.fileExists(atPath: Session.storeURL(demo: global.demo).path)
                let store = exists ? try Session.openStore(demo: global.demo) : nil
                if let reason = store?.readOnlyReason { Output.note("The history is open read-only: \(reason).") }
                if output.json { return try await Self.writeJSON(store) }
                let history = try await store?.history() ?? History()
                let submissions = history.rows
                Self.noteUnreadable(history.unreadable)
                Output.table(
                    ["VIDEO", "TITLE", "ENGINE", "STATUS", "CREATED"],
                    submissions.map { [$0.videoID ?? "-", $0.title ?? "-", engineName($0), stateText($0), Self.created($0.createdAt)] })
                if submissions.isEmpty && history.unreadable.isEmpty { Output.note("No videos yet: twindeck create makes one, twindeck import <video-id> adds one.") }
            } catch {
                throw CLIError.wrap(error)
            }
        }

        /// How many rows `--json` reads and writes at a time.
        static let pageSize = 500

        /// The history as one JSON array, the same as ``Output/json(_:)`` writes it, but a page at a time: each row is
        /// encoded as it is read and each page written before the next is read, so a long history is never held
        /// whole. A write that fails (a full disk) throws; the rows this version cannot read are named at the end.
        static func writeJSON(_ store: SubmissionStore?) async throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var unreadable: [UnreadableSubmission] = []
            var cursor: HistoryCursor?
            var written = 0
            // Running rows get the estimate of their render (`eta_seconds`, `eta_basis`); the render history is read once.
            let running = try await store?.unfinished().isEmpty == false
            let estimator = running ? RenderEstimator(history: try await store?.renderHistory() ?? []) : nil
            let now = Date()
            if let store {
                repeat {
                    let page = try await store.historyPage(after: cursor, limit: pageSize)
                    unreadable += page.history.unreadable
                    var bytes: [UInt8] = []
                    for row in page.history.rows {
                        bytes += Array((written == 0 ? "[\n  " : ",\n  ").utf8)
                        // An element of the pretty-printed array: its lines indented once more (no string in it holds a newline).
                        let entry = HistoryEntry(row, eta: ETAFields(estimator?.estimate(row), running: row.isRunning, now: now))
                        for byte in try encoder.encode(entry) {
                            bytes.append(byte)
                            if byte == UInt8(ascii: "\n") { bytes += [UInt8(ascii: " "), UInt8(ascii: " ")] }
                        }
                        written += 1
                    }
                    try Output.emit(bytes)
                    cursor = page.next
                } while cursor != nil
            }
            try Output.emit(written == 0 ? Array(try encoder.encode([HistoryEntry]())) + [UInt8(ascii: "\n")] : Array("\n]\n".utf8))
            noteUnreadable(unreadable)
        }

        /// One bad row never hides the others: the rest is listed, and these are named on standard error.
        static func noteUnreadable(_ rows: [UnreadableSubmission]) {
            guard !rows.isEmpty else { return }
            Output.note("\(rows.count) row\(rows.count == 1 ? "" : "s") of the history could not be read by this version and \(rows.count == 1 ? "is" : "are") left as \(rows.count == 1 ? "it is" : "they are"):")
            for row in rows {
                Output.note("  \(Sanitizer.inert(row.videoID ?? "-", limit: 80)) key \(Sanitizer.inert(row.idempotencyKey ?? "?", limit: 80)): \(row.reason)")
            }
        }

        static func created(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            return formatter.string(from: date)
        }
    }

    /// `twindeck import <video-id>`: adds a video made elsewhere to the history.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Add a video made elsewhere (the web app, another machine) to the history, by its ID.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The video id.") var videoID: String

        func run() async throws {
            try await Session.with(global) { session in
                let store = try session.openStore()
                let video = try await session.client.video(id: videoID)
                let known = try await store.submission(videoID: video.id) != nil
                let row = try await store.importVideo(video)
                if output.json { return try Output.json(HistoryEntry(row)) }
                if known { Output.note("Video \(video.id) is already in the history.") }
                Output.fields([
                    ("Video", row.videoID), ("Title", row.title), ("Status", stateText(row)), ("Key", row.idempotencyKey),
                    ("Download", row.videoURL), ("Failure", row.failureMessage),
                ])
            }
        }
    }

    /// `twindeck resume`: re-sends every submission whose answer was lost, with its own key.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-send every submission whose answer was lost, with its stored Idempotency-Key and body.",
            discussion: """
                A create that timed out or was interrupted stays 'submitting' in the history. Resuming sends the \
                same request with the same key: HeyGen replays the first answer when it already made the video, \
                so each submission makes at most one video.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await Session.with(global) { session in
                let store = try session.openStore()
                let submitter = Submitter(client: session.client, store: store, isDemo: session.isDemo)
                let pending = try await store.awaitingResubmit()
                var results: [Submission] = []
                var unresolved = 0
                for row in pending {
                    switch try await submitter.pipeline.resend(row) {
                    case .created, .rejected: break
                    case .pending(let error):
                        unresolved += 1
                        Output.note("\(row.idempotencyKey): still no answer (\(Submitter.describe(error)))")
                    case .unrecorded(let created, let error):
                        unresolved += 1
                        Output.note("\(row.idempotencyKey): video \(created.videoID) exists but could not be recorded (\(Submitter.describe(error)))")
                    }
                    if let updated = try await store.submission(key: row.idempotencyKey) { results.append(updated) }
                }
                if output.json {
                    try Output.json(results.map { HistoryEntry($0) })
                } else if pending.isEmpty {
                    Output.note("Nothing to resume: every submission has its answer.")
                } else {
                    Output.table(["IDEMPOTENCY KEY", "VIDEO", "STATE"],
                                 results.map { [$0.idempotencyKey, $0.videoID ?? "-", $0.submitError.map { "rejected: \($0)" } ?? stateText($0)] },
                                 maxWidths: [60, 30, 100])
                }
                if unresolved > 0 {
                    throw CLIError("\(unresolved) submission(s) still have no answer; run `\(submitter.resumeCommand)` again later")
                }
            }
        }
    }

    /// A hidden helper for the crash test: writes submissions in a loop and prints each key once its rows are committed.
    struct ExerciseStore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exercise-store", abstract: "Write test submissions into a store in a loop (for crash tests).",
            shouldDisplay: false)
        @Option(help: "The SQLite file.") var path: String
        @Option(help: "How many submissions to write.") var rows = Int.max

        func run() async throws {
            let store = try SubmissionStore(path: path)
            let run = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            for i in 0..<rows {
                let key = "exercise-\(run)-\(i)"
                let request = CreateVideoRequest(
                    avatarID: "lk_exercise", script: "Row \(i) " + String(repeating: "é", count: i % 300), voiceID: "voice_exercise",
                    title: "Exercise \(i)")
                try await store.recordSubmitting(request: request, key: key, lookName: "Exercise", voiceName: nil, source: .batch)
                try await store.markSubmitted(key: key, videoID: "v_\(run)_\(i)", status: .pending)
                try await store.update(with: Video(id: "v_\(run)_\(i)", status: .completed, duration: 2, videoURL: "https://example.invalid/\(i).mp4"))
                if i % 3 == 0 { try await store.importVideo(Video(id: "v_imported_\(run)_\(i)", status: .processing, title: "Imported \(i)")) }
                Output.line(key)
            }
        }
    }
}

/// The CLI's side of the one ``SubmitPipeline``: what `create` and `resume` print for each outcome.
struct Submitter {
    let client: HeyGenClient
    let store: SubmissionStore
    let isDemo: Bool

    var pipeline: SubmitPipeline { SubmitPipeline(service: client, recorder: store) }
    var resumeCommand: String { isDemo ? "twindeck resume --demo" : "twindeck resume" }

    /// `twindeck create`: records the request (state `submitting`), sends it, and records the answer. A key that
    /// was already recorded for the same body is sent again (or answered from the history when it has its video).
    func create(_ request: CreateVideoRequest, key: String, look: Look?, source: Submission.Source) async throws -> CreateVideoResponse {
        do {
            try await pipeline.record(request, key: key, lookName: look?.name, voiceName: nil, source: source)
        } catch let error as SubmissionStoreError where error.kind == .duplicateKey {
            let body = String(decoding: try request.jsonBody(), as: UTF8.self)
            guard let existing = try await store.submission(key: key), existing.requestBody == body else {
                throw CLIError("Idempotency-Key \(key) was already used for a different request (twindeck videos lists it)", code: 64)
            }
            switch existing.submitState {
            case .submitted:
                if let videoID = existing.videoID { return CreateVideoResponse(videoID: videoID, status: existing.videoStatus ?? .pending) }
            case .rejected:
                throw CLIError("the request with Idempotency-Key \(key) was already refused: \(existing.submitError ?? "no reason recorded")")
            case .submitting:
                break  // sent before without an answer: the same key again, and the server replays if it made the video
            }
        }
        return try created(try await pipeline.send(request, key: key, look: look), key: key)
    }

    /// The video an outcome made, or the error that says what happened and what to run next.
    func created(_ outcome: SubmitPipeline.Outcome, key: String) throws -> CreateVideoResponse {
        switch outcome {
        case .created(let created): return created
        case .rejected(let error): throw error
        case .pending(let error):
            throw CLIError("\(Self.describe(error)) — the video may have been made; `\(resumeCommand)` finishes it with the same Idempotency-Key (\(key))")
        case .unrecorded(let created, let error):
            // The paid video exists: never hide it. The row stays `submitting`; resume re-sends with the key and
            // records the server's replayed answer.
            throw CLIError("""
                video \(created.videoID) was created (status \(created.status)), but the history could not record it: \
                \(Self.describe(error)). Run `\(resumeCommand)` once the problem is fixed: it records video \(created.videoID) \
                (Idempotency-Key \(key)) without making another
                """)
        }
    }

    static func describe(_ error: any Error) -> String {
        (error as? HeyGenError)?.description ?? Sanitizer.inert(String(describing: error), limit: 300)
    }
}

/// Updates the history from a video's detail when the video is in it; a store problem is a warning, not a failure.
func recordInHistory(_ video: Video, demo: Bool) async {
    do {
        try await Session.openStore(demo: demo).update(with: video)
    } catch {
        Output.note("warning: the history was not updated: \(Submitter.describe(error))")
    }
}

/// The STATUS column: the video's status once submitted, otherwise where the submission stands.
func stateText(_ row: Submission) -> String {
    row.submitState == .submitted ? (row.status ?? "-") : row.submitState.rawValue
}

func engineName(_ row: Submission) -> String {
    row.engine.map { Engine(rawValue: $0).displayName } ?? "-"
}

/// A history row as JSON: the API's names where they exist (`video_id`, `video_url`, …), dates in ISO-8601,
/// every key present (null when unknown).
struct HistoryEntry: Encodable {
    var submission: Submission
    /// `eta_seconds` and `eta_basis` (``ETAFields``): null unless the row is running and the history has an estimate.
    var eta: ETAFields

    init(_ submission: Submission, eta: ETAFields = ETAFields(nil, running: false)) {
        self.submission = submission
        self.eta = eta
    }

    enum CodingKeys: String, CodingKey {
        case idempotencyKey = "idempotency_key", videoID = "video_id", title, status, submitState = "submit_state"
        case submitError = "submit_error", source, lookID = "look_id", lookName = "look_name", voiceID = "voice_id"
        case voiceName = "voice_name", engine, createdAt = "created_at", updatedAt = "updated_at", completedAt = "completed_at"
        case lastPolledAt = "last_polled_at", duration, videoURL = "video_url", captionedVideoURL = "captioned_video_url"
        case thumbnailURL = "thumbnail_url", videoPageURL = "video_page_url", subtitleURL = "subtitle_url"
        case failureCode = "failure_code", failureMessage = "failure_message", downloadPath = "download_path"
        case downloadState = "download_state", downloadedBytes = "downloaded_bytes", totalBytes = "total_bytes"
        case callbackURL = "callback_url", webhookAt = "webhook_at"
    }

    func encode(to encoder: any Encoder) throws {
        let s = submission
        func iso(_ date: Date?) -> String? { date.map(PlainFormat.iso8601) }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(s.idempotencyKey, forKey: .idempotencyKey)
        try c.encode(s.videoID, forKey: .videoID)
        try c.encode(s.title, forKey: .title)
        try c.encode(s.status, forKey: .status)
        try c.encode(s.submitState.rawValue, forKey: .submitState)
        try c.encode(s.submitError, forKey: .submitError)
        try c.encode(s.source.rawValue, forKey: .source)
        try c.encode(s.lookID, forKey: .lookID)
        try c.encode(s.lookName, forKey: .lookName)
        try c.encode(s.voiceID, forKey: .voiceID)
        try c.encode(s.voiceName, forKey: .voiceName)
        try c.encode(s.engine, forKey: .engine)
        try c.encode(iso(s.createdAt), forKey: .createdAt)
        try c.encode(iso(s.updatedAt), forKey: .updatedAt)
        try c.encode(iso(s.completedAt), forKey: .completedAt)
        try c.encode(iso(s.lastPolledAt), forKey: .lastPolledAt)
        try c.encode(s.duration, forKey: .duration)
        try c.encode(s.videoURL, forKey: .videoURL)
        try c.encode(s.captionedVideoURL, forKey: .captionedVideoURL)
        try c.encode(s.thumbnailURL, forKey: .thumbnailURL)
        try c.encode(s.videoPageURL, forKey: .videoPageURL)
        try c.encode(s.subtitleURL, forKey: .subtitleURL)
        try c.encode(s.failureCode, forKey: .failureCode)
        try c.encode(s.failureMessage, forKey: .failureMessage)
        try c.encode(s.downloadPath, forKey: .downloadPath)
        try c.encode(s.downloadState.rawValue, forKey: .downloadState)
        try c.encode(s.downloadedBytes, forKey: .downloadedBytes)
        try c.encode(s.totalBytes, forKey: .totalBytes)
        try c.encode(s.callbackURL, forKey: .callbackURL)
        try c.encode(iso(s.webhookAt), forKey: .webhookAt)
        try eta.encode(to: encoder)
    }
}
