import ArgumentParser
import Foundation
import HeyGen
import Logging
import Terminal
import TwinDeckCore
import TwinDeckUI

/// Opens the full-screen app.
enum AppLauncher {
    static func run(_ global: GlobalOptions) async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            Output.error("the full-screen app needs a terminal; for scripts use the subcommands (twindeck --help)")
            throw ExitCode(1)
        }
        if let reason = NCursesScreen.unusableTerminalReason() {
            Output.error(reason + "; the subcommands work anywhere (twindeck --help)")
            throw ExitCode(1)
        }
        let logger = FileLogHandler.logger()
        let session: Session
        do {
            session = try await Session.open(global, logger: logger)
        } catch {
            throw CLIError.wrap(error)
        }
        let cacheName = session.isDemo ? "voices-demo.bin" : "voices-\(Self.cacheKey(session.client.configuration.baseURL)).bin"
        let draftName = session.isDemo ? "draft-demo.json" : "draft.json"
        let store: SubmissionStore
        do {
            store = try session.openStore()
        } catch {
            await session.close()
            throw CLIError.wrap(error)
        }
        let client = session.client
        let downloads = Paths.downloadDirectory
        let scale = ProcessInfo.processInfo.environment["TWINDECK_POLL_SCALE"].flatMap(Double.init) ?? 1
        var configuration = AppConfiguration(
            service: client, baseURL: client.configuration.baseURL, isDemo: session.isDemo,
            voiceCache: VoiceCache(url: Paths.cacheDirectory.appendingPathComponent(cacheName)), recorder: store,
            drafts: DraftStore(url: Paths.dataDirectory.appendingPathComponent(draftName)),
            makeBoard: { post in
                BoardEngine(store: store, service: client, downloads: downloads, schedule: PollSchedule(scale: scale), logger: logger, post: post)
            },
            logger: logger)
        configuration.fetchMedia = { url in try await client.fetchMedia(url) }
        configuration.uploader = session.uploader()
        configuration.clipboardProblem = Clipboard.tmuxProblem()
        configuration.mediaCache = Paths.cacheDirectory.appendingPathComponent(session.isDemo ? "media-demo" : "media")
        let exit = await AppRuntime.run(configuration)
        await session.close()
        if exit.exitCode != 0 { throw ExitCode(exit.exitCode) }
    }

    /// A file-name-safe key for a base URL (the host), so two accounts' catalogues do not mix.
    static func cacheKey(_ baseURL: String) -> String {
        let host = URLComponents(string: baseURL)?.encodedHost ?? "default"
        return String(host.map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "_" })
    }
}
