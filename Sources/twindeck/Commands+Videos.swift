import ArgumentParser
import Foundation
import HeyGen

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
        @Option(help: ArgumentHelp("The look id (avatar_id).", valueName: "id")) var look: String
        @Option(help: ArgumentHelp("The voice id.", valueName: "id")) var voice: String
        @Option(help: ArgumentHelp("The script, 1 to 5,000 characters.", valueName: "text")) var script: String?
        @Option(help: ArgumentHelp("Read the script from a file, or - for standard input.", valueName: "path"))
        var scriptFile: String?
        @Option(help: "A title for the video.") var title: String?
        @Option(help: "Output resolution.") var resolution: Resolution?
        @Option(help: "Aspect ratio.") var aspectRatio: AspectRatio?
        @Option(help: "Rendering engine (default avatar_iv).") var engine: Engine?
        @Option(help: ArgumentHelp("Body motion prompt (Avatar IV only).", valueName: "text")) var motionPrompt: String?
        @Option(help: "Expressiveness (Avatar IV only; default low).") var expressiveness: Expressiveness?
        @Option(help: ArgumentHelp("Voice speed, 0.5 to 1.5.", valueName: "x")) var speed: Double?
        @Option(help: ArgumentHelp("Voice pitch, -50 to 50.", valueName: "n")) var pitch: Double?
        @Option(help: ArgumentHelp("Voice locale, e.g. en-US.", valueName: "locale")) var locale: String?
        @Flag(help: "Remove the avatar's background (the twin must be trained with matting).") var removeBackground = false
        @Option(help: ArgumentHelp("Solid background colour, #RRGGBB.", valueName: "#RRGGBB")) var backgroundColor: String?
        @Option(help: ArgumentHelp("Background image, an https URL.", valueName: "url")) var backgroundImage: String?
        @Option(help: "Container format (webm has an alpha channel and no background).") var outputFormat: OutputFormat?
        @Option(help: ArgumentHelp("URL that receives a POST when the video completes or fails.", valueName: "url"))
        var callbackURL: String?
        @Option(help: ArgumentHelp("Idempotency-Key to send (default: a new random key). Re-running with the same key never makes a second video.", valueName: "key"))
        var idempotencyKey: String?
        @Flag(help: "Print the exact request body and send nothing.") var dryRun = false
        @Flag(help: "Wait until the video is completed or failed; exit 0 only when completed.") var wait = false
        @Option(help: .hidden) var pollInterval: Double = 2

        func validate() throws {
            if script != nil && scriptFile != nil { throw ValidationError("use either --script or --script-file, not both") }
            if script == nil && scriptFile == nil { throw ValidationError("a script is required: --script TEXT or --script-file PATH|-") }
            if backgroundColor != nil && backgroundImage != nil {
                throw ValidationError("use either --background-color or --background-image, not both")
            }
            if let idempotencyKey, !IdempotencyKey.isValid(idempotencyKey) {
                throw ValidationError("--idempotency-key must be 1-255 characters of A-Z a-z 0-9 _ - : .")
            }
        }

        func readScript() throws -> String {
            if let script { return script }
            guard let path = scriptFile else { return "" }
            let data: Data
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw CLIError("cannot read the script file \(path)", code: 64)
                }
                data = contents
            }
            guard let text = String(data: data, encoding: .utf8) else { throw CLIError("the script file is not UTF-8 text", code: 64) }
            return text.hasSuffix("\n") ? String(text.dropLast()) : text
        }

        func makeRequest() throws -> CreateVideoRequest {
            let settings = VoiceSettings(speed: speed, pitch: pitch, locale: locale)
            let background: Background? = backgroundColor.map(Background.color) ?? backgroundImage.map { Background.image(url: $0) }
            return CreateVideoRequest(
                avatarID: look, script: try readScript(), voiceID: voice, title: title, resolution: resolution,
                aspectRatio: aspectRatio, engine: engine, removeBackground: removeBackground ? true : nil, background: background,
                voiceSettings: settings.isEmpty ? nil : settings, motionPrompt: motionPrompt, expressiveness: expressiveness,
                outputFormat: outputFormat, callbackURL: callbackURL)
        }

        func run() async throws {
            let request: CreateVideoRequest
            do {
                request = try makeRequest()
                let issues = request.validate()
                if !issues.isEmpty { throw HeyGenError(kind: .invalidRequest, message: "invalid", issues: issues) }
            } catch {
                throw CLIError.wrap(error)
            }
            if dryRun {
                Output.line(String(decoding: try request.jsonBody(), as: UTF8.self))
                return
            }
            try await Session.with(global) { session in
                // The look is checked first so Avatar V on an ineligible look never reaches the server.
                let lookDetail = try await session.client.look(id: request.avatarID)
                let issues = request.validate(look: lookDetail)
                if !issues.isEmpty { throw HeyGenError(kind: .invalidRequest, message: "invalid", issues: issues) }
                // Recorded before sending and marked after: a lost answer is finished by `twindeck resume`, same key.
                let submitter = Submitter(client: session.client, store: try session.openStore(), isDemo: session.isDemo)
                let key = idempotencyKey ?? IdempotencyKey.make()
                let created = try await submitter.create(request, key: key, look: lookDetail, source: .cli)
                guard wait else {
                    if output.json { return try Output.json(CreateResult(videoID: created.videoID, status: created.status)) }
                    Output.line("Created video \(created.videoID) (status \(created.status))")
                    return
                }
                if !output.json { Output.note("Created video \(created.videoID); waiting for it to render…") }
                let video = try await VideoWaiter(client: session.client, initialInterval: pollInterval).wait(for: created.videoID)
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
        @Option(help: .hidden) var pollInterval: Double = 2

        func run() async throws {
            try await Session.with(global) { session in
                let video = wait
                    ? try await VideoWaiter(client: session.client, initialInterval: pollInterval).wait(for: videoID)
                    : try await session.client.video(id: videoID)
                await recordInHistory(video, demo: session.isDemo)
                try report(video, json: output.json, asCreate: false)
                if !wait, video.status == .failed { throw ExitCode(2) }
            }
        }
    }
}

/// `create --json` output: `{"video_id", "status"}`, plus the link or the failure once waited for.
struct CreateResult: Encodable {
    var videoID: String
    var status: VideoStatus
    var videoURL: String?
    var failureMessage: String?

    enum CodingKeys: String, CodingKey { case videoID = "video_id", status, videoURL = "video_url", failureMessage = "failure_message" }
}

/// Prints a finished (or current) video and throws exit code 2 when it failed after waiting.
func report(_ video: Video, json: Bool, asCreate: Bool) throws {
    if json {
        if asCreate {
            try Output.json(CreateResult(videoID: video.id, status: video.status, videoURL: video.videoURL, failureMessage: video.failureMessage))
        } else {
            try Output.json(video)
        }
    } else {
        Output.fields([
            ("Video", video.id), ("Title", video.title), ("Status", video.status.rawValue),
            ("Duration", video.duration.map { "\($0) s" }), ("Download", video.videoURL), ("Captioned", video.captionedVideoURL),
            ("Thumbnail", video.thumbnailURL), ("Page", video.videoPageURL),
            ("Failure", video.failureMessage.map { m in video.failureCode.map { "\(m) (\($0))" } ?? m }),
        ])
    }
    if asCreate, video.status == .failed { throw ExitCode(2) }
}
