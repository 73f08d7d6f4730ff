import CTerminalShim
import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// `EffectRunner` is the one interpreter of effects: the terminal-bound ones reach the injected handler, and
/// without one they are answered (a message the person sees), never skipped.
@Suite("Terminal effects through the EffectRunner")
struct TerminalEffectsTests {
    final class FakeTerminal: TerminalEffects, @unchecked Sendable {
        var edited: [String] = []
        var notified: [String] = []
        var answer: ScriptEditResult = .edited("from the fake editor\n")
        func editScript(_ script: String) -> ScriptEditResult {
            edited.append(script)
            return answer
        }
        func notify(_ text: String) { notified.append(text) }
    }

    func runner(_ terminal: FakeTerminal?, _ posted: EffectRunnerTests.Posted) -> EffectRunner {
        EffectRunner(service: EffectRunnerTests.FakeService(), cache: nil, terminal: terminal, logger: .init(label: "t"),
                     copy: { _ in true }, post: posted.add)
    }

    @Test func editScriptAndNotifyReachTheInjectedTerminal() {
        let terminal = FakeTerminal()
        let posted = EffectRunnerTests.Posted()
        runner(terminal, posted).run([.editScript("old script"), .notify("Intro video completed")])
        #expect(terminal.edited == ["old script"])
        #expect(terminal.notified == ["Intro video completed"])
        // The editor's answer is posted at once (the run blocks while the editor has the terminal).
        #expect(posted.all == [.scriptEdited(.edited("from the fake editor\n"))])
    }

    @Test func withoutATerminalTheEditorIsReportedUnavailable() {
        let posted = EffectRunnerTests.Posted()
        runner(nil, posted).run(.editScript("old script"))
        #expect(posted.all == [.scriptEdited(.failed(.unavailable))])
        var state = AppState(width: 100, height: 30, baseURL: "http://x", isDemo: true, colors: false)
        state.compose.draft.script.replace(with: "old script")
        for message in posted.all { _ = update(&state, message) }
        #expect(state.toast?.text == "The external editor is not available here (no terminal)")
        #expect(state.toast?.level == .error)
        #expect(state.compose.draft.script.text == "old script")
    }

    @Test func withoutATerminalANotificationIsShownInstead() {
        let posted = EffectRunnerTests.Posted()
        runner(nil, posted).run(.notify("Intro video completed"))
        #expect(posted.all.count == 1)
        var state = AppState(width: 100, height: 30, baseURL: "http://x", isDemo: true, colors: false)
        for message in posted.all { _ = update(&state, message) }
        #expect(state.toast?.text.contains("Could not notify") == true, "\(String(describing: state.toast))")
        #expect(state.toast?.text.contains("Intro video completed") == true)
    }

    @Test(arguments: [
        (EditorFailure.noEditor, "set $VISUAL or $EDITOR"),
        (.exited(editor: "vim", status: 1), "The editor vim exited with status 1: the script is unchanged"),
        (.exited(editor: "nvi", status: 127), "exited with status 127 (command not found)"),
        (.killed(editor: "vim", signal: 2), "The editor vim was killed by signal 2 (SIGINT)"),
        (.couldNotStart("No such file or directory"), "Could not start the editor: No such file or directory"),
        (.sessionEnded(signal: 1), "the session ended (signal 1 (SIGHUP))"),
    ])
    func aFailedEditSaysWhy(failure: EditorFailure, expected: String) {
        var state = AppState(width: 100, height: 30, baseURL: "http://x", isDemo: true, colors: false)
        state.compose.draft.script.replace(with: "kept")
        let effects = update(&state, .scriptEdited(.failed(failure)))
        #expect(effects.isEmpty, "a failed edit saves nothing")
        #expect(state.compose.draft.script.text == "kept")
        #expect(state.toast?.text.contains(expected) == true, "\(String(describing: state.toast))")
        #expect(state.toast?.text.contains("set $VISUAL") == (failure == .noEditor), "only a missing editor asks to set one")
    }
}

/// `ExternalEditor` with real child processes (`/bin/sh` "editors"), without curses and without a terminal to watch.
/// Serialized: one editor at a time, as in the app (the C side swaps process-wide signal handlers meanwhile).
@Suite("External editor processes", .serialized)
struct ExternalEditorProcessTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("td-editor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func edit(_ command: String, _ script: String = "before") -> (ScriptEditResult, suspended: Int, resumed: Int) {
        var editor = ExternalEditor(command: command, logger: .init(label: "t"))
        editor.directory = folder
        editor.terminal = nil
        editor.graceMilliseconds = 5000
        var suspended = 0, resumed = 0
        let result = editor.edit(script, suspend: { suspended += 1 }, resume: { resumed += 1 })
        return (result, suspended, resumed)
    }

    func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func theEditorsTextComesBackAndTheFileGoes() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        // The "editor" checks it was given the script, then rewrites it, as a person would.
        let (result, suspended, resumed) = edit(#"f() { grep -qx before "$1" && printf 'après\n' > "$1"; }; f"#)
        #expect(result == .edited("après\n"))
        #expect((suspended, resumed) == (1, 1), "curses is left and taken back once")
        #expect(leftovers().isEmpty, "left behind: \(leftovers())")
    }

    @Test func aNonZeroExitIsReportedWithItsStatus() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(edit("exit 3; :").0 == .failed(.exited(editor: "exit", status: 3)))
        #expect(edit("/usr/bin/false").0 == .failed(.exited(editor: "false", status: 1)))
        #expect(edit("no-such-editor-\(UUID().uuidString.prefix(6))").0.failureStatus == 127)
        #expect(leftovers().isEmpty, "left behind: \(leftovers())")
    }

    @Test func anEditorKilledByASignalSaysWhich() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(edit("kill -KILL $$ #").0 == .failed(.killed(editor: "kill", signal: SIGKILL)))
        #expect(leftovers().isEmpty)
    }

    /// SIGTERM to the app while the editor runs: the editor (and what it started) is told to close, the signal
    /// is left pending for the UI loop, the folder is gone, and the app process itself was not killed.
    @Test func aSignalToTheAppClosesTheEditorAndIsLeftPending() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = td_take_signal()
        let marker = folder.appendingPathComponent("sleeper.pid").path
        // The editor's shell starts a long child (a stand-in for vim under `sh -c`), then signals the app.
        let command = "f() { sleep 300 & echo $! > \(shellQuoted(marker)); kill -TERM $PPID; wait; }; f"
        var editor = ExternalEditor(command: command, logger: .init(label: "t"))
        editor.directory = folder.appendingPathComponent("edits")
        try FileManager.default.createDirectory(at: editor.directory, withIntermediateDirectories: true)
        editor.terminal = nil
        let started = ContinuousClock.now
        let result = editor.edit("x", suspend: {}, resume: {})
        #expect(result == .failed(.sessionEnded(signal: SIGTERM)))
        #expect(ContinuousClock.now - started < .seconds(60), "the sleep child was not ended")
        #expect(td_take_signal() == SIGTERM, "the UI loop must see the signal and stop")
        let sleeper = try #require(Int32(try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!Self.isRunning(sleeper), "the editor's child \(sleeper) was left running")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: editor.directory.path)) ?? ["?"]).isEmpty)
    }

    /// Ctrl-C belongs to the editor: SIGINT to the whole process group reaches it, the app ignores it meanwhile.
    @Test func sigintDuringTheEditorIsNotTheApps() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = td_take_signal()
        // What the terminal does on Ctrl-C: SIGINT to the foreground group, here the app and the editor (not `kill 0`:
        // the test runner's group holds `swift test` too).
        let (result, _, _) = edit("kill -INT $PPID $$; sleep 1 #")
        #expect(result == .failed(.killed(editor: "kill", signal: SIGINT)), "the editor got the SIGINT")
        #expect(td_take_signal() == 0, "the editor's Ctrl-C must not reach the app as a request to stop")
    }

    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ") ", options: .backwards) else { return false }
        return !stat[close.upperBound...].hasPrefix("Z")
    }

    func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

extension ScriptEditResult {
    var failureStatus: Int32? {
        if case .failed(.exited(_, let status)) = self { return status }
        return nil
    }
}
