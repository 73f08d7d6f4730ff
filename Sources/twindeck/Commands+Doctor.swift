import ArgumentParser
import CTerminalShim
import Foundation
import HeyGen
import Terminal
import TwinDeckCore

extension TwinDeckCommand {
    /// `twindeck doctor`: is everything TwinDeck relies on in place here? Each line a ✓ or what to do.
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the terminal, the tools, the key, the base URL and the folders TwinDeck uses; each line a ✓ or a fix.",
            discussion: "Exits 0 when nothing is wrong (notes about optional tools do not count), 1 otherwise.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        /// One finding.
        struct Check: Encodable {
            enum Level: String, Encodable { case ok, note, problem }
            var area: String
            var level: Level
            var text: String
            /// What to do, when something is wrong or missing.
            var fix: String?
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            var checks = Self.terminal(environment) + Self.tools(environment) + Self.folders()
            checks += await account()
            if output.json {
                try Output.json(checks)
            } else {
                let ascii = td_locale_is_utf8() == 0
                for check in checks {
                    let mark = switch check.level {
                    case .ok: ascii ? "ok" : "✓"
                    case .note: ascii ? "--" : "·"
                    case .problem: ascii ? "!!" : "✗"
                    }
                    var line = "\(mark) \(DisplayWidth.pad(check.area, to: 10)) \(Sanitizer.inert(check.text, limit: 300))"
                    if let fix = check.fix { line += "\n  \(String(repeating: " ", count: 11))→ \(Sanitizer.inert(fix, limit: 300))" }
                    Output.line(line)
                }
            }
            if checks.contains(where: { $0.level == .problem }) { throw ExitCode(1) }
        }

        // MARK: - The terminal

        static func terminal(_ env: [String: String]) -> [Check] {
            var checks: [Check] = []
            setlocale(LC_ALL, "")
            if let reason = NCursesScreen.unusableTerminalReason() {
                checks.append(Check(area: "terminal", level: .problem, text: reason, fix: "export TERM=xterm-256color"))
            } else {
                checks.append(Check(area: "terminal", level: .ok, text: "TERM=\(env["TERM"] ?? "") has a usable terminfo entry"))
            }
            if !(env["NO_COLOR"] ?? "").isEmpty {
                checks.append(Check(area: "colours", level: .note, text: "NO_COLOR is set: the app draws attributes only"))
            }
            if td_locale_is_utf8() != 0 {
                checks.append(Check(area: "locale", level: .ok, text: "a UTF-8 locale (\(env["LC_ALL"] ?? env["LANG"] ?? "default"))"))
            } else {
                checks.append(Check(area: "locale", level: .note, text: "not a UTF-8 locale: the app draws ASCII (names keep their letters in --json)",
                                    fix: "export LANG=C.UTF-8 for box lines, accents and CJK"))
            }
            var size = winsize()
            if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
                let fits = size.ws_col >= 80 && size.ws_row >= 24
                checks.append(Check(area: "size", level: fits ? .ok : .note, text: "\(size.ws_col)×\(size.ws_row)",
                                    fix: fits ? nil : "80×24 or more shows every pane without scrolling"))
            } else {
                checks.append(Check(area: "size", level: .note, text: "standard output is not a terminal: size not checked"))
            }
            if !(env["TMUX"] ?? "").isEmpty { checks += tmux(env) }
            if env["SSH_CONNECTION"] != nil {
                checks.append(Check(area: "ssh", level: .note, text: "over SSH: previews and the script's speech are offered as links, y copies them (OSC 52)"))
            }
            return checks
        }

        /// Inside tmux, OSC 52 (copy) and OSC 8 (links) reach the outer terminal only with the right options.
        static func tmux(_ env: [String: String]) -> [Check] {
            guard Executables.find("tmux", environment: env) != nil else {
                return [Check(area: "tmux", level: .note, text: "TMUX is set but tmux is not on PATH: its options not checked")]
            }
            func option(_ name: String) -> String? { Clipboard.tmuxOption(name, environment: env) }
            var checks: [Check] = []
            switch option("set-clipboard") {
            case "on", "external":
                checks.append(Check(area: "clipboard", level: .ok, text: "tmux set-clipboard is on: y copies reach your clipboard"))
            case let value:
                checks.append(Check(area: "clipboard", level: .problem, text: "tmux set-clipboard is \(value ?? "unknown"): copies (y) stop at tmux",
                                    fix: "tmux set -g set-clipboard on  (and in ~/.tmux.conf)"))
            }
            switch option("allow-passthrough") {
            case "on", "all":
                checks.append(Check(area: "links", level: .ok, text: "tmux allow-passthrough is on"))
            case let value:
                checks.append(Check(area: "links", level: .note, text: "tmux allow-passthrough is \(value ?? "unknown"): desktop notifications (OSC 9) stop at tmux",
                                    fix: "tmux set -g allow-passthrough on"))
            }
            return checks
        }

        // MARK: - Tools

        static func tools(_ env: [String: String]) -> [Check] {
            var checks: [Check] = []
            if let chafa = Executables.find("chafa", environment: env) {
                checks.append(Check(area: "pictures", level: .ok, text: "chafa at \(chafa): look pictures are drawn in the terminal"))
            } else {
                checks.append(Check(area: "pictures", level: .note, text: "no chafa: look pictures are offered as links",
                                    fix: "install chafa (apt install chafa, brew install chafa)"))
            }
            if let player = AudioPlayer.players.lazy.compactMap({ p in Executables.find(p.name, environment: env) }).first {
                checks.append(Check(area: "audio", level: .ok, text: "\(player): voice previews and the script's speech play here"))
            } else {
                let names = AudioPlayer.players.map(\.name).joined(separator: ", ")
                checks.append(Check(area: "audio", level: .note, text: "no audio player (\(names)): previews are offered as links",
                                    fix: "install mpv (or ffplay, pw-play, paplay) to listen here"))
            }
            return checks
        }

        // MARK: - Folders

        static func folders() -> [Check] {
            var checks: [Check] = []
            for (area, url) in [("history", Paths.dataDirectory), ("cache", Paths.cacheDirectory), ("config", Paths.configDirectory)] {
                var info = stat()
                if stat(url.path, &info) != 0 {
                    checks.append(Check(area: area, level: .note, text: "\(url.path) does not exist yet (made on first use)"))
                } else if access(url.path, W_OK) != 0 {
                    checks.append(Check(area: area, level: .problem, text: "\(url.path) cannot be written", fix: "check its owner and mode (ls -ld \(url.path))"))
                } else {
                    checks.append(Check(area: area, level: .ok, text: "\(url.path)"))
                }
            }
            let store = Session.storeURL(demo: false)
            var info = stat()
            if stat(store.path, &info) == 0 {
                let mode = info.st_mode & 0o777
                checks.append(Check(area: "history", level: mode & 0o077 == 0 ? .ok : .note,
                                    text: "\(store.lastPathComponent) mode \(String(mode, radix: 8))",
                                    fix: mode & 0o077 == 0 ? nil : "chmod 600 \(store.path) (it names your videos)"))
            }
            var config = stat()
            if stat(ConfigFile.url.path, &config) == 0 {
                let mode = config.st_mode & 0o777
                checks.append(Check(area: "config", level: mode & 0o077 == 0 ? .ok : .problem,
                                    text: "\(ConfigFile.url.path) mode \(String(mode, radix: 8))",
                                    fix: mode & 0o077 == 0 ? nil : "chmod 600 \(ConfigFile.url.path) (it holds the API key; TwinDeck refuses it until then)"))
            }
            return checks
        }

        // MARK: - The key and the base URL

        func account() async -> [Check] {
            let session: Session
            do {
                session = try await Session.open(global, quiet: true)
            } catch let error as CLIError {
                return [Check(area: "key", level: .problem, text: error.message, fix: "or run twindeck doctor --demo to check the rest")]
            } catch {
                return [Check(area: "key", level: .problem, text: Sanitizer.inert(String(describing: error), limit: 200))]
            }
            var checks = [Check(area: "base URL", level: .ok,
                                text: session.client.configuration.baseURL + (session.isDemo ? " (the built-in simulator)" : ""))]
            do {
                let user = try await session.client.me()
                let who = [user.username, user.email].compactMap { $0 }.joined(separator: " ")
                checks.append(Check(area: "key", level: .ok, text: "the key works: \(who.isEmpty ? "an account" : who)"))
            } catch let error as HeyGenError {
                let fix = error.kind == .unauthorized ? "check HEYGEN_API_KEY (Settings → API in HeyGen)" : "check the network and the base URL"
                checks.append(Check(area: "key", level: .problem, text: "GET /v3/users/me: \(error.description)", fix: fix))
            } catch {
                checks.append(Check(area: "key", level: .problem, text: "GET /v3/users/me: \(Sanitizer.inert(String(describing: error), limit: 200))"))
            }
            await session.close()
            return checks
        }
    }
}
