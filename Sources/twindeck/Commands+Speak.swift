import ArgumentParser
import Foundation
import HeyGen

extension TwinDeckCommand {
    /// `twindeck speak`: the script spoken in a voice (`POST /v3/voices/speech`), to hear it before paying for a video.
    struct Speak: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hear a script in a voice before making a video (costs no video; starfish voices only).",
            discussion: """
                Prints the audio link and its length, or downloads the audio with --output. Only voices that support \
                HeyGen's starfish engine can speak here; others are refused with a clear error.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var format: OutputOptions
        @Option(help: ArgumentHelp("The voice id.", valueName: "id")) var voice: String
        @Option(help: ArgumentHelp("The script, 1 to 5,000 characters.", valueName: "text")) var script: String?
        @Option(help: ArgumentHelp("Read the script from a file, or - for standard input.", valueName: "path"))
        var scriptFile: String?
        @Option(help: ArgumentHelp("Speed, 0.5 to 2.0 (default 1).", valueName: "x")) var speed: Double?
        @Option(help: ArgumentHelp("Locale, e.g. en-US (default: detected from the text).", valueName: "locale")) var locale: String?
        @Option(name: .shortAndLong, help: ArgumentHelp("Download the audio to this file.", valueName: "file")) var output: String?
        @Flag(help: "Replace an existing --output file.") var force = false

        func validate() throws {
            if script != nil && scriptFile != nil { throw ValidationError("use either --script or --script-file, not both") }
            if script == nil && scriptFile == nil { throw ValidationError("a script is required: --script TEXT or --script-file PATH|-") }
        }

        func readScript() throws -> String { try ScriptInput.read(script: script, file: scriptFile) }

        func run() async throws {
            let request: SpeechRequest
            let target: URL?
            do {
                request = SpeechRequest(text: try readScript(), voiceID: voice, speed: speed, locale: locale)
                let issues = request.validate()
                if !issues.isEmpty { throw HeyGenError(kind: .invalidRequest, message: "invalid", issues: issues) }
                target = output.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) }
                if let target {
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) {
                        if isDirectory.boolValue { throw CLIError("--output \(target.path) is a folder; give a file name", code: 64) }
                        if !force { throw CLIError("\(target.path) exists; pass --force to replace it", code: 1) }
                    }
                }
            } catch {
                throw CLIError.wrap(error)
            }
            try await Session.with(global) { session in
                let speech = try await session.client.speech(request)
                var saved: (path: String, bytes: Int)?
                if let target {
                    let audio = try await session.client.fetchMedia(speech.audioURL, maxBytes: 64 << 20)
                    do {
                        try audio.write(to: target, options: .atomic)
                    } catch {
                        throw CLIError("could not write \(target.path): \(Sanitizer.inert(error.localizedDescription))", code: 1)
                    }
                    saved = (target.path, audio.count)
                }
                if format.json {
                    return try Output.json(Spoken(audioURL: speech.audioURL, duration: speech.duration, path: saved?.path,
                                                  bytes: saved?.bytes, wordTimestamps: speech.wordTimestamps))
                }
                let seconds = String(format: "%.1f", speech.duration)
                if let saved {
                    Output.line("Saved \(saved.path) (\(saved.bytes) bytes, \(seconds) s)")
                } else {
                    Output.fields([("Audio", speech.audioURL), ("Duration", "\(seconds) s")])
                }
            }
        }

        struct Spoken: Encodable {
            var audioURL: String
            var duration: Double
            var path: String?
            var bytes: Int?
            var wordTimestamps: [WordTimestamp]?
            enum CodingKeys: String, CodingKey {
                case audioURL = "audio_url", duration, path, bytes, wordTimestamps = "word_timestamps"
            }
        }
    }
}
