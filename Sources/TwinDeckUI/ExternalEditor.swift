import CTerminalShim
import Foundation
import Logging
import Terminal
import TwinDeckCore

/// The terminal-bound effects over the NCurses screen: the external editor and notifications.
/// Used from the UI thread only, like the screen.
final class TerminalSession: TerminalEffects {
    let screen: NCursesScreen
    let logger: Logger
    let environment: [String: String]

    init(screen: NCursesScreen, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.screen = screen
        self.logger = logger
        self.environment = environment
    }

    func editScript(_ script: String) -> ScriptEditResult {
        guard let editor = ExternalEditor.command(in: environment) else { return .failed(.noEditor) }
        return ExternalEditor(command: editor, logger: logger).edit(script, suspend: screen.suspend, resume: screen.resume)
    }

    /// A bell (default), an OSC 9 desktop notification (`TWINDECK_NOTIFY=osc9`), or nothing (`off`).
    func notify(_ text: String) {
        switch environment["TWINDECK_NOTIFY"] ?? "bell" {
        case "off": return
        case "osc9": screen.writeRaw("\u{1B}]9;TwinDeck: \(String(Buffer.inertString(text).prefix(200)))\u{07}")
        default: screen.writeRaw("\u{07}")
        }
    }
}

/// `$VISUAL`/`$EDITOR` on a temporary copy of the script, the way git and less run an editor: in the app's own
/// process group (the terminal's foreground group), with Ctrl-C and Ctrl-Z going to the editor, and the
/// editor closed with the app when the session ends (`td_run_editor` in CTerminalShim has the details).
struct ExternalEditor {
    /// The editor command line, run by `/bin/sh` with the file as `"$1"`.
    let command: String
    let logger: Logger
    /// Where the private folder holding the file is made.
    var directory = FileManager.default.temporaryDirectory
    /// How long an editor told to close (the session ended) may take before it is killed.
    var graceMilliseconds: Int32 = 2000
    /// The terminal whose hang-up ends the session (stdin); nil: none is watched (tests without a terminal).
    var terminal: Int32? = STDIN_FILENO

    /// `$VISUAL`, else `$EDITOR`: the first one set and not blank.
    static func command(in environment: [String: String]) -> String? {
        [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }
            .first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// The command's first word, to name the editor in messages (`vim` for `vim -u NONE`).
    var name: String {
        let first = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? command
        return String(first.split(separator: "/").last ?? Substring(first))
    }

    /// Writes `script` to a file in a new private folder, leaves the screen (`suspend`), runs the editor on the
    /// file and waits for it, comes back (`resume`), reads the file. The folder goes on every path, with whatever
    /// the editor left next to the file (a swap file after a hang-up).
    func edit(_ script: String, suspend: () -> Void, resume: () -> Void) -> ScriptEditResult {
        let folder = directory.appendingPathComponent("twindeck-edit-\(UUID().uuidString)")
        let file = folder.appendingPathComponent("script.txt")
        defer { remove(folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try PrivateFile.write(Data(script.utf8), to: file)
        } catch {
            logger.warning("could not write the script for the editor to \(file.path): \(error)")
            return .failed(.couldNotStart("the script could not be written to \(directory.path): \(error.localizedDescription)"))
        }
        suspend()
        let result = td_run_editor(command, file.path, graceMilliseconds, terminal ?? -1)
        // Also after a hang-up: curses then comes back on a dead terminal (writes fail, nothing blocks) and the
        // loop stops as on SIGHUP, giving the terminal back once.
        resume()
        switch Int(result.outcome) {
        case TD_EDITOR_EXITED where result.code == 0:
            do {
                return .edited(String(decoding: try Data(contentsOf: file), as: UTF8.self))
            } catch {
                logger.warning("could not read the edited script back from \(file.path): \(error)")
                return .failed(.unreadable(error.localizedDescription))
            }
        case TD_EDITOR_EXITED:
            logger.info("the editor \(command) exited with status \(result.code)")
            return .failed(.exited(editor: name, status: result.code))
        case TD_EDITOR_SIGNALED:
            logger.info("the editor \(command) was killed by signal \(result.code)")
            return .failed(.killed(editor: name, signal: result.code))
        case TD_EDITOR_ENDED:
            logger.info("signal \(result.code) while the editor was open: the editor was closed, the app stops")
            return .failed(.sessionEnded(signal: result.code))
        default:
            let reason = String(cString: strerror(result.code))
            logger.warning("could not run the editor \(command): \(reason)")
            return .failed(.couldNotStart(reason))
        }
    }

    private func remove(_ folder: URL) {
        do {
            try FileManager.default.removeItem(at: folder)
        } catch {
            logger.error("could not remove the editor's temporary folder \(folder.path): \(error)")
        }
    }
}
