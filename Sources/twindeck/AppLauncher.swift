import ArgumentParser
import Foundation

/// Opens the full-screen app.
enum AppLauncher {
    static func run(_ global: GlobalOptions) async throws {
        // The full-screen app is built in its own issue; until it lands, say so plainly.
        Output.error("the full-screen app is not built yet; use the subcommands (see twindeck --help), e.g. twindeck looks --demo")
        throw ExitCode(1)
    }
}
