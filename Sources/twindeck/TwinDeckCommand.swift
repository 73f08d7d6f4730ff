import ArgumentParser
import Foundation
import HeyGen

/// `twindeck`: the full-screen app, and the same operations as scriptable subcommands.
@main
struct TwinDeckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twindeck",
        abstract: "Make HeyGen Digital Twin videos from the terminal.",
        discussion: """
            Run with no subcommand to open the full-screen app. Every subcommand also works on the built-in \
            simulator with --demo, so no API key is needed to try it.

            Options of every command: --demo (the built-in simulator), --base-url URL (env HEYGEN_BASE_URL), \
            --api-key KEY (env HEYGEN_API_KEY; prefer the environment), and --json where there is output. \
            `twindeck help <command>` shows a command's own options.

            Exit codes: 0 success · 1 error (API, network, configuration) · 2 the video failed · 64 invalid input \
            (including a look, voice or video the server does not know).
            """,
        version: TwinDeckVersion.string,
        subcommands: [
            App.self, Looks.self, Look.self, Voices.self, Speak.self, Create.self, Batch.self, Status.self, Download.self, Upload.self,
            Videos.self, Import.self, Resume.self,
            Account.self, Webhook.self, Simulate.self, Doctor.self, ExerciseStore.self, PollBoard.self,
        ],
        defaultSubcommand: App.self
    )
}

enum TwinDeckVersion {
    static let string = "0.1.0"
}

/// `--base-url`, `--api-key`, `--demo`: where requests go.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("HeyGen API base URL (env HEYGEN_BASE_URL).", valueName: "url"))
    var baseURL: String?

    @Option(name: .long, help: ArgumentHelp("HeyGen API key (env HEYGEN_API_KEY). Prefer the environment: flags show up in `ps`.", valueName: "key"))
    var apiKey: String?

    @Flag(name: .long, help: "Start the built-in HeyGen simulator on 127.0.0.1 and use it (no API key needed).")
    var demo = false
}

/// `--json`: machine-readable output with the API's field names.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON with the API's field names instead of a table.")
    var json = false
}

// The request fields' options (`create`) are read by the field table (`RequestFields`), not by argument types: an unknown
// word reaches the rules and is refused at its field.

extension Gender: ExpressibleByArgument {
    public init?(argument: String) {
        guard Gender.known.map(\.rawValue).contains(argument.lowercased()) else { return nil }
        self.init(rawValue: argument.lowercased())
    }
    public static var allValueStrings: [String] { known.map(\.rawValue) }
}
