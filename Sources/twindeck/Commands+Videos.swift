import ArgumentParser
import Foundation
import HeyGen
import TwinDeckCore

extension TwinDeckCommand {
    /// `twindeck create`: submit a Digital Twin video.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a Digital Twin video (checked against every rule before anything is sent).",
            discussion: """
                Avatar V (--engine avatar_v) needs a look whose supported_api_engines lists avatar_v; \
                --motion-prompt and --expressiveness are Avatar IV-only and are refused with Avatar V.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        // Every option of a request field takes its help (and limits) from the field table, `RequestFields`; the values
        // are read by the table too (``requestValues``), so a field added to the table and not here fails CreateOptionsTests.
        @Option(help: fieldHelp("avatar_id", "id")) var look: String
        @Option(help: fieldHelp("voice_id", "id")) var voice: String?
        @Option(help: fieldHelp("script", "text")) var script: String?
        @Option(help: ArgumentHelp("Read the script from a file, or - for standard input.", valueName: "path"))
        var scriptFile: String?
        @Option(help: fieldHelp("audio_url", "url")) var audioURL: String?
        @Option(help: fieldHelp("audio_asset_id", "id")) var audioAssetID: String?
        @Option(help: fileHelp("audio_file")) var audioFile: String?
        @Option(help: fieldHelp("title", "text")) var title: String?
        @Option(help: fieldHelp("resolution", "resolution")) var resolution: String?
        @Option(help: fieldHelp("aspect_ratio", "ratio")) var aspectRatio: String?
        @Option(help: fieldHelp("fit", "fit")) var fit: String?
        @Option(help: fieldHelp("engine", "engine")) var engine: String?
        @Option(help: fieldHelp("motion_prompt", "text")) var motionPrompt: String?
        @Option(help: fieldHelp("expressiveness", "level")) var expressiveness: String?
        @Option(parsing: .unconditional, help: fieldHelp("voice_settings.speed", "x")) var speed: String?
        @Option(parsing: .unconditional, help: fieldHelp("voice_settings.pitch", "n")) var pitch: String?
        @Option(parsing: .unconditional, help: fieldHelp("voice_settings.volume", "x")) var volume: String?
        @Option(help: fieldHelp("voice_settings.locale", "locale")) var locale: String?
        @Flag(help: fieldHelp("remove_background")) var removeBackground = false
        @Option(help: fieldHelp("background.value", "#RRGGBB")) var backgroundColor: String?
        @Option(help: fieldHelp("background.url", "url")) var backgroundImage: String?
        @Option(help: fieldHelp("background.asset_id", "id")) var backgroundAssetID: String?
        @Option(help: fileHelp("background_file")) var backgroundFile: String?
        @Option(help: fieldHelp("output_format", "format")) var outputFormat: String?
        @Option(help: fieldHelp("caption", "off|srt|burned")) var caption: String?
        @Option(help: fieldHelp("callback_url", "url")) var callbackURL: String?
        @Option(help: fieldHelp("callback_id", "id")) var callbackID: String?
        @Option(help: ArgumentHelp("Idempotency-Key to send (default: a new random key). Re-running with the same key never makes a second video.", valueName: "key"))
        var idempotencyKey: String?
        @Flag(help: "Print the exact request body and send nothing.") var dryRun = false
        @Flag(help: "Wait until the video is completed or failed; exit 0 only when completed.") var wait = false
        /// The first wait of the schedule (2 s); tests shorten it, and the whole schedule with it.
        @Option(help: .hidden) var pollInterval: Double = 2

        func validate() throws {
            if script != nil && scriptFile != nil { throw ValidationError("use either --script or --script-file, not both") }
            if script == nil && scriptFile == nil && audioURL == nil && audioAssetID == nil && audioFile == nil {
                throw ValidationError("a script is required: --script TEXT or --script-file PATH|- (or a recording: --audio-url, --audio-asset-id, --audio-file)")
            }
            let recordings = [("--audio-url", audioURL), ("--audio-asset-id", audioAssetID), ("--audio-file", audioFile)]
                .filter { $0.1 != nil }.map(\.0)
            if recordings.count > 1 { throw ValidationError("use one of \(recordings.joined(separator: ", ")), not several") }
            let backgrounds = [("--background-color", backgroundColor), ("--background-image", backgroundImage),
                               ("--background-asset-id", backgroundAssetID), ("--background-file", backgroundFile)]
                .filter { $0.1 != nil }.map(\.0)
            if backgrounds.count > 1 { throw ValidationError("use one of \(backgrounds.joined(separator: ", ")), not several") }
            if let idempotencyKey, !IdempotencyKey.isValid(idempotencyKey) {
                throw ValidationError("--idempotency-key must be 1-255 characters of A-Z a-z 0-9 _ - : .")
            }
        }

        func readScript() throws -> String { try ScriptInput.read(script: script, file: scriptFile) }

        /// Each request field's option value, by wire path: every field of the table must be here.
        func requestValues() throws -> [String: String?] {
            [
                "avatar_id": look, "voice_id": voice, "script": script != nil || scriptFile != nil ? try readScript() : nil,
                "audio_url": audioURL, "audio_asset_id": audioAssetID, "title": title, "engine": engine,
                "resolution": resolution, "aspect_ratio": aspectRatio, "fit": fit, "output_format": outputFormat,
                "remove_background": removeBackground ? "true" : nil, "background.value": backgroundColor,
                "background.url": backgroundImage, "background.asset_id": backgroundAssetID, "voice_settings.speed": speed,
                "voice_settings.pitch": pitch, "voice_settings.volume": volume, "voice_settings.locale": locale,
                "caption": caption.flatMap { $0 == "off" ? nil : $0 }, "callback_url": callbackURL, "callback_id": callbackID,
                "motion_prompt": motionPrompt, "expressiveness": expressiveness,
            ]
        }

        /// The local files named, by ``LocalFileField/column``: every file field of the table must be here.
        func fileValues() -> [String: String?] { ["audio_file": audioFile, "background_file": backgroundFile] }

        /// The local files to upload before sending.
        func localFiles() throws -> LocalFiles {
            let values = fileValues()
            var paths: [String: String] = [:]
            for field in RequestFields.files {
                guard let entry = values[field.column] else { throw CLIError("internal: no option for the file field \(field.column)", code: 1) }
                if let path = entry { paths[field.column] = path }
            }
            return LocalFiles(paths)
        }

        /// The request the options describe, read by the field table (a local file's placeholder in its field); an
        /// option that cannot be read is refused at its field.
        func makeRequest() throws -> CreateVideoRequest {
            let values = try requestValues()
            var request = CreateVideoRequest(avatarID: "", script: "", voiceID: "")
            var issues: [FieldIssue] = []
            for field in RequestFields.all {
                guard let entry = values[field.wire] else {
                    throw CLIError("internal: no option for the request field \(field.wire)", code: 1)
                }
                // The script is sent as written; other values are trimmed, and an empty one leaves the field unset.
                guard let raw = entry else { continue }
                let text = field.wire == "script" ? raw : raw.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty && field.wire != "script" { continue }
                if let problem = field.set(&request, text) {
                    issues.append(FieldIssue(field: field.wire, message: problem, rule: "cli.option"))
                }
            }
            if !issues.isEmpty { throw HeyGenError(kind: .invalidRequest, message: "invalid", issues: issues) }
            return try localFiles().withPlaceholders(request)
        }

        func run() async throws {
            var request: CreateVideoRequest
            let files: LocalFiles
            do {
                request = try makeRequest()
                files = try localFiles()
                // Each file is checked (readable, size, type) with the rules: nothing is sent for a bad one.
                let issues = files.check().issues + request.validate()
                if !issues.isEmpty { throw HeyGenError(kind: .invalidRequest, message: "invalid", issues: issues) }
            } catch {
                throw CLIError.wrap(error)
            }
            if dryRun {
                // A file's asset id is known once it is uploaded: its placeholder (`<audio_file>`) stands in.
                Output.line(String(decoding: try request.jsonBody(), as: UTF8.self))
                return
            }
            try await Session.with(global) { session in
                // The look is checked first so Avatar V on an ineligible look never reaches the server.
                let lookDetail = try await session.client.look(id: request.avatarID)
                // The voice's limits (pauses, a locale) are checked when the request uses them.
                var voiceDetail: HeyGen.Voice?
                if !request.usesAudio, VideoRules.hasBreak(request.script) || request.voiceSettings?.locale != nil {
                    voiceDetail = try await session.client.catalogue().first { $0.voiceID == request.voiceID }
                }
                let issues = request.validate(look: lookDetail, voice: voiceDetail)
                if !issues.isEmpty { throw HeyGenError(kind: .invalidRequest, message: "invalid", issues: issues) }
                if !files.isEmpty {
                    // Uploaded (or found uploaded before) only once everything else passed; progress on stderr.
                    let line = ProgressLine()
                    let quiet = output.json
                    let resolved = try await session.uploader().resolve(request, files: files) { p in
                        guard !quiet, !p.reused else { return }
                        let percent = p.total > 0 ? Int(saturating: Double(p.sent) * 100 / Double(p.total)) : 0
                        line.update("uploading \(Sanitizer.inert(p.fileName, limit: 80)) \(percent)% · \(p.sent) of \(p.total) bytes"
                                    + (p.attempt > 1 ? " (try \(p.attempt))" : ""))
                    }
                    line.finish()
                    request = resolved.request
                    for note in resolved.notes { Output.note("twindeck: \(note)") }
                }
                // Recorded before sending and marked after: a lost answer is finished by `twindeck resume`, same key.
                let submitter = Submitter(client: session.client, store: try session.openStore(), isDemo: session.isDemo)
                let key = idempotencyKey ?? IdempotencyKey.make()
                let created = try await submitter.create(request, key: key, look: lookDetail, source: .cli)
                guard wait else {
                    if output.json {
                        let (_, estimate) = await VideoWait.estimate(of: created.videoID, in: submitter.store)
                        return try Output.json(CreateResult(videoID: created.videoID, status: created.status,
                                                            eta: ETAFields(estimate, running: !created.status.isFinal)))
                    }
                    Output.line("Created video \(created.videoID) (status \(created.status))")
                    return
                }
                if !output.json { Output.note("Created video \(created.videoID); waiting for it to render…") }
                let (row, estimate) = await VideoWait.estimate(of: created.videoID, in: submitter.store)
                let video = try await VideoWait(client: session.client, estimate: estimate, pollInterval: pollInterval)
                    .wait(for: created.videoID, createdAt: row?.createdAt ?? Date(), status: created.status)
                try await submitter.store.update(with: video)
                try report(video, json: output.json, asCreate: true)
            }
        }
    }

    /// `twindeck status <id>`: a video's state, optionally waiting for the end.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a video's status and, once completed, its download link.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The video id.") var videoID: String
        @Flag(help: "Wait until the video is completed or failed; exit 0 only when completed.") var wait = false
        /// The first wait of the schedule (2 s); tests shorten it, and the whole schedule with it.
        @Option(help: .hidden) var pollInterval: Double = 2

        func run() async throws {
            try await Session.with(global) { session in
                var video = try await session.client.video(id: videoID)
                let lookedAt = Date()
                let store: SubmissionStore?
                do {
                    store = try session.openStore()
                } catch {
                    Output.note("warning: the history could not be opened: \(Submitter.describe(error))")
                    store = nil
                }
                let (row, estimate) = await VideoWait.estimate(of: videoID, in: store)
                if wait, !video.status.isFinal {
                    let createdAt = row?.createdAt ?? video.createdAt.map { Date(timeIntervalSince1970: Double($0)) } ?? lookedAt
                    video = try await VideoWait(client: session.client, estimate: estimate, pollInterval: pollInterval)
                        .wait(for: videoID, createdAt: createdAt, status: video.status, lookedAt: lookedAt)
                }
                await recordInHistory(video, demo: session.isDemo)
                let eta = ETAFields(estimate, running: !video.status.isFinal)
                try report(video, json: output.json, asCreate: false, eta: eta)
                if !wait, video.status == .failed { throw ExitCode(2) }
            }
        }
    }
}

/// The help of a local file's option, from the table of local files (types and limit included).
func fileHelp(_ column: String) -> ArgumentHelp {
    ArgumentHelp((RequestFields.file(column)?.help ?? column) + ".", valueName: "path")
}

/// The help of a request field's option, from the field table (limits and engine included).
func fieldHelp(_ wire: String, _ valueName: String? = nil) -> ArgumentHelp {
    let text = RequestFields.field(wire).map { $0.help + "." } ?? wire
    return ArgumentHelp(text, valueName: valueName)
}

/// `create --json` output: `{"video_id", "status"}`, plus the link or the failure once waited for, and (``ETAFields``)
/// `eta_seconds` and `eta_basis`: null after `--wait` (the video is finished), the estimate of a new video without it.
struct CreateResult: Encodable {
    var videoID: String
    var status: VideoStatus
    var videoURL: String?
    var failureMessage: String?
    var eta = ETAFields(nil, running: false)

    enum CodingKeys: String, CodingKey { case videoID = "video_id", status, videoURL = "video_url", failureMessage = "failure_message" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(videoID, forKey: .videoID)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(videoURL, forKey: .videoURL)
        try container.encodeIfPresent(failureMessage, forKey: .failureMessage)
        try eta.encode(to: encoder)
    }
}

/// Prints a finished (or current) video and throws exit code 2 when it failed after waiting.
func report(_ video: Video, json: Bool, asCreate: Bool, eta: ETAFields = ETAFields(nil, running: false)) throws {
    if json {
        if asCreate {
            try Output.json(CreateResult(videoID: video.id, status: video.status, videoURL: video.videoURL, failureMessage: video.failureMessage,
                                         eta: eta))
        } else {
            try Output.json(StatusResult(video: video, eta: eta))
        }
    } else {
        Output.fields([
            ("Video", video.id), ("Title", video.title), ("Status", video.status.rawValue),
            ("Duration", video.duration.map { "\($0) s" }), ("Download", video.videoURL), ("Captioned", video.captionedVideoURL),
            ("Thumbnail", video.thumbnailURL), ("Page", video.videoPageURL),
            ("Failure", video.failureMessage.map { m in video.failureCode.map { "\(m) (\($0))" } ?? m }),
            ("Estimate", eta.text),
        ])
    }
    if asCreate, video.status == .failed { throw ExitCode(2) }
}
