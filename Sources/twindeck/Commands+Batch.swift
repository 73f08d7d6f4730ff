import ArgumentParser
import Foundation
import HeyGen
import TwinDeckCore

extension TwinDeckCommand {
    /// `twindeck batch FILE.csv`: one video per row, each exactly once.
    struct Batch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make one video per row of a CSV file; every row is checked first, and each is sent exactly once.",
            discussion: """
                The first row names the columns: \(BatchColumn.all.map { $0.isRequired ? "\($0.name) (required)" : $0.name }.joined(separator: ", ")).

                Every row is checked against every rule (each look is fetched once, the voice list once) before anything is sent; all \
                problems are listed with their row and column, and then nothing is sent. Each row's Idempotency-Key is \
                derived from the file's name, the row's request and which copy of it the row is, and is recorded in the \
                history before the row is sent: running the same file again sends only the rows without a video.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: ArgumentHelp("The CSV file; its first row names the columns.", valueName: "file.csv")) var file: String
        @Flag(help: "Check every row and print what would be sent; send nothing.") var dryRun = false
        @Option(help: ArgumentHelp("Requests in flight at once, 1 to \(BatchRunner.maxConcurrency).", valueName: "n")) var concurrency = 4

        func validate() throws {
            guard (1...BatchRunner.maxConcurrency).contains(concurrency) else {
                throw ValidationError("--concurrency is from 1 to \(BatchRunner.maxConcurrency) (got \(concurrency))")
            }
        }

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError.wrap(CLIError("cannot read \(file)", code: 64)) }
            let url = URL(fileURLWithPath: file)
            let batch = BatchFile(data: data, name: url.lastPathComponent, folder: url.deletingLastPathComponent())
            // A broken header makes every row doubtful: say so without asking the server about looks and voices.
            if batch.readIssues.contains(where: { ($0.row ?? 1) == 1 }) { try refuse(batch.issues()) }
            try await Session.with(global) { session in
                let (catalog, issues) = try await BatchRunner.check(batch, service: session.client)
                if !issues.isEmpty { try refuse(issues) }
                if dryRun {
                    // A dry run creates no history file: without one, every row is new.
                    let exists = FileManager.default.fileExists(atPath: Session.storeURL(demo: session.isDemo).path)
                    return try await plan(batch, looks: catalog.looks, store: exists ? try session.openStore() : nil)
                }
                let store = try session.openStore()
                let json = output.json
                // The runner retries itself: a 429 holds every worker at once (and says so), not one client call.
                var configuration = session.client.configuration
                configuration.retry = .never
                let sender = HeyGenClient(configuration: configuration, logger: Logging.makeLogger(quiet: false))
                let runner = BatchRunner(store: store, service: sender, concurrency: concurrency, uploader: session.uploader())
                let titles = Dictionary(uniqueKeysWithValues: batch.rows.map { ($0.number, $0.request.title) })
                let started = ContinuousClock.now
                let results = try await runner.run(batch.rows, catalog: catalog) { event in
                    Self.report(event, titles: titles, json: json)
                }
                try summarize(results, file: file, seconds: BatchRunner.seconds(ContinuousClock.now - started))
            }
        }

        /// Lists every problem (stderr, or JSON on stdout) and exits 64.
        func refuse(_ issues: [BatchIssue]) throws -> Never {
            if output.json {
                try? Output.json(BatchIssuesJSON(file: file, issues: issues.map(BatchIssueJSON.init)))
            }
            for issue in issues { Output.error(Sanitizer.inert(issue.description, limit: 400)) }
            Output.note("\(issues.count) problem\(issues.count == 1 ? "" : "s") in \(file); nothing was sent.")
            throw ExitCode(64)
        }

        /// `--dry-run`: what each row would do, and the request it would send.
        func plan(_ batch: BatchFile, looks: [String: HeyGen.Look], store: SubmissionStore?) async throws {
            var entries: [BatchPlanJSON] = []
            for row in batch.rows {
                var state = BatchRowState.new
                if let store { state = try await BatchRowState.of(row, in: store) }
                entries.append(BatchPlanJSON(row: row.number, key: row.key, state: state, request: row.request))
            }
            let sending = entries.filter { $0.plan == "submit" || $0.plan == "resend" }.count
            if output.json {
                return try Output.json(BatchPlanSummaryJSON(file: file, rows: entries.count, toSend: sending, results: entries))
            }
            Output.table(
                ["ROW", "PLAN", "LOOK", "ENGINE", "TITLE", "IDEMPOTENCY KEY"],
                zip(batch.rows, entries).map { row, entry in
                    let look = looks[row.request.avatarID]?.name ?? row.request.avatarID
                    let plan = entry.videoID.map { "\(entry.plan) (\($0))" } ?? entry.plan
                    return [String(row.number), plan, look, row.request.effectiveEngine.displayName, row.request.title ?? "-", row.key]
                }, maxWidths: [6, 40, 30, 10, 40, 60])
            Output.note("Dry run: \(sending) of \(entries.count) rows would be sent; nothing was sent.")
        }

        /// One line per finished row (stdout, or stderr with `--json`); waits go to stderr.
        static func report(_ event: BatchEvent, titles: [Int: String?], json: Bool) {
            switch event {
            case .waiting(let row, let seconds, let reason):
                Output.note("row \(row): \(reason); trying again in \(String(format: "%.1f", seconds)) s")
            case .finished(let result):
                let title = (titles[result.row] ?? nil).map { " — \(Sanitizer.inert($0, limit: 60))" } ?? ""
                let text: String = switch result.outcome {
                case .submitted: "submitted \(result.videoID ?? "-")\(title)"
                case .resent: "re-sent with its key: \(result.videoID ?? "-")\(title)"
                case .skipped: "skipped, already \(result.videoID ?? "-")\(title)"
                case .rejected: "rejected: \(result.error ?? "-")"
                case .unresolved: "no answer yet (\(result.error ?? "-")); run the same command again"
                }
                let line = "row \(result.row): \(text)"
                json ? Output.note(line) : Output.line(line)
            }
        }

        /// The totals; exit 1 when a row has no video.
        func summarize(_ results: [BatchResult], file: String, seconds: Double) throws {
            let count = { (outcome: BatchResult.Outcome) in results.filter { $0.outcome == outcome }.count }
            let failed = count(.rejected) + count(.unresolved)
            if output.json {
                try Output.json(BatchSummaryJSON(
                    file: file, rows: results.count, submitted: count(.submitted), resent: count(.resent), skipped: count(.skipped),
                    rejected: count(.rejected), unresolved: count(.unresolved), failed: failed, seconds: (seconds * 10).rounded() / 10,
                    results: results.map(BatchResultJSON.init)))
            } else {
                Output.line("\(results.count) rows: \(count(.submitted)) submitted, \(count(.resent)) re-sent, \(count(.skipped)) skipped, "
                    + "\(count(.rejected)) rejected, \(count(.unresolved)) without an answer (\(String(format: "%.1f", seconds)) s)")
            }
            if count(.unresolved) > 0 {
                throw CLIError("\(count(.unresolved)) row(s) got no answer; run the same command again — they are re-sent with the same keys")
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}

// MARK: - JSON

struct BatchIssueJSON: Encodable {
    var row: Int?
    var column: String?
    var message: String
    init(_ issue: BatchIssue) { (row, column, message) = (issue.row, issue.column, issue.message) }
}

struct BatchIssuesJSON: Encodable {
    var file: String
    var issues: [BatchIssueJSON]
}

struct BatchPlanJSON: Encodable {
    var row: Int
    var key: String
    /// `submit`, `resend`, `skip` or `rejected`.
    var plan: String
    var videoID: String?
    var error: String?
    var request: CreateVideoRequest

    init(row: Int, key: String, state: BatchRowState, request: CreateVideoRequest) {
        (self.row, self.key, self.request) = (row, key, request)
        switch state {
        case .new: plan = "submit"
        case .resend: plan = "resend"
        case .done(let videoID): (plan, self.videoID) = ("skip", videoID)
        case .rejected(let reason): (plan, error) = ("rejected", reason)
        }
    }

    enum CodingKeys: String, CodingKey { case row, key = "idempotency_key", plan, videoID = "video_id", error, request }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(row, forKey: .row)
        try c.encode(key, forKey: .key)
        try c.encode(plan, forKey: .plan)
        try c.encode(videoID, forKey: .videoID)
        try c.encode(error, forKey: .error)
        try c.encode(request, forKey: .request)
    }
}

struct BatchPlanSummaryJSON: Encodable {
    var file: String
    var dryRun = true
    var rows: Int
    var toSend: Int
    var results: [BatchPlanJSON]

    init(file: String, rows: Int, toSend: Int, results: [BatchPlanJSON]) {
        (self.file, self.rows, self.toSend, self.results) = (file, rows, toSend, results)
    }

    enum CodingKeys: String, CodingKey { case file, dryRun = "dry_run", rows, toSend = "to_send", results }
}

struct BatchResultJSON: Encodable {
    var result: BatchResult
    init(_ result: BatchResult) { self.result = result }

    enum CodingKeys: String, CodingKey { case row, key = "idempotency_key", outcome, videoID = "video_id", error }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(result.row, forKey: .row)
        try c.encode(result.key, forKey: .key)
        try c.encode(result.outcome, forKey: .outcome)
        try c.encode(result.videoID, forKey: .videoID)
        try c.encode(result.error, forKey: .error)
    }
}

struct BatchSummaryJSON: Encodable {
    var file: String
    var rows, submitted, resent, skipped, rejected, unresolved, failed: Int
    var seconds: Double
    var results: [BatchResultJSON]
}
