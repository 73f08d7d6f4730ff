import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-E in Compose with a real vim, in the real binary in tmux: the editor runs in the terminal's foreground
/// process group (a vim in another group is stopped by SIGTTOU and the app froze on a blank screen), Ctrl-C is
/// the editor's, a failed edit says why, and a hang-up while vim is open ends the app and vim with no file left.
extension TmuxE2E {
@Suite("External editor (real vim) in tmux", .timeLimit(.minutes(1)))
struct ExternalEditorE2ETests {
    static let vim = "vim -u NONE -N"

    /// A private TMPDIR for the app (the editor's folder is made there), removed by `close`.
    final class Sandbox: Sendable {
        let tmp: URL
        init() throws {
            tmp = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-editor-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        }
        var leftovers: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? ["(unreadable)"]).sorted() }
        func close() { try? FileManager.default.removeItem(at: tmp) }
    }

    func start(editor: String, _ sandbox: Sandbox) throws -> TwinDeckInTmux {
        guard Tools.which("vim") != nil else { throw E2EError.missingTool("vim") }
        return try TwinDeckInTmux(width: 100, height: 30, environment: ["EDITOR": editor, "VISUAL": "", "TMPDIR": sandbox.tmp.path])
    }

    /// Compose, the script typed in, Ctrl-E: returns once vim shows the file.
    @discardableResult
    func openVim(_ app: TwinDeckInTmux, script: String = "Typed in TwinDeck") async throws -> Screen {
        try await app.waitForFirstFrame()
        try app.press("3")
        try await app.waitFor("the Compose pane") { $0.contains("Compose a Digital Twin video") && $0.focusedField != nil }
        try await app.focus("Script")
        try app.press("Enter")
        try await app.waitFor("the script editor") { $0.focusedField == "Script" && !$0.contains("Enter types the script") }
        try app.type(script)
        try await app.waitFor("the typed script") { $0.fieldValue("Script") == script }
        try app.press("C-e")
        return try await app.waitFor("vim on the script", timeout: .seconds(10)) { screen in
            screen.contains(script) && screen.lines.contains("~") && screen.lines.last?.contains("script.txt") == true
                && !screen.contains("Compose a Digital Twin video")
        }
    }

    /// The running processes under `pid` (children, grandchildren…).
    static func descendants(of pid: Int32) -> [Int32] {
        let children = TwinDeckInTmux.children(of: pid).filter(TwinDeckInTmux.isAlive)
        return children + children.flatMap(descendants(of:))
    }

    static func command(_ pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, [2] pgrp, [3] session, [4] tty, [5] tpgid.
    static func stat(_ pid: Int32) -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.range(of: ") ", options: .backwards) else { return [] }
        return text[close.upperBound...].split(separator: " ").map(String.init)
    }

    /// The app's pid and its vim's.
    func processes(_ app: TwinDeckInTmux) async throws -> (app: Int32, vim: Int32) {
        let pid = try app.appPID()
        let vim = try await eventually("vim under the app") { Self.descendants(of: pid).first { Self.command($0).hasPrefix("vim") } }
        return (pid, vim)
    }

    @Test func vimEditsTheScriptInTheTerminalsForegroundGroup() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.close() }
        let app = try start(editor: Self.vim, sandbox)
        defer { app.close() }
        try await openVim(app)
        let (pid, vim) = try await processes(app)
        let vimStat = Self.stat(vim), appStat = Self.stat(pid)
        try #require(vimStat.count > 5 && appStat.count > 5)
        #expect(vimStat[2] == appStat[2], "vim must stay in the app's process group: \(vimStat) vs \(appStat)")
        #expect(vimStat[2] == vimStat[5], "vim's group must be the terminal's foreground group: \(vimStat)")
        #expect(vimStat[0] != "T", "vim is stopped: \(vimStat)")
        #expect(sandbox.leftovers.count == 1, "one private folder for the edit: \(sandbox.leftovers)")

        // Replace the text as a person would: delete everything, insert, write and quit.
        try app.type("ggdG")
        try app.type("iWritten in vim, 日本語 too")
        try app.press("Escape")
        try app.type(":wq")
        try app.press("Enter")
        let back = try await app.waitFor("the script from vim", timeout: .seconds(10)) {
            $0.contains("Compose a Digital Twin video") && $0.fieldValue("Script") == "Written in vim, 日本語 too"
        }
        #expect(!back.contains("Typed in TwinDeck"), "the old text was replaced:\n\(back)")
        #expect(sandbox.leftovers.isEmpty, "the editor's folder is removed: \(sandbox.leftovers)")
        #expect(!TwinDeckInTmux.isAlive(vim))
        try app.expectTerminalTaken()
        try app.press("Escape")  // still typing in the script, as before Ctrl-E
        try app.press("q")
        #expect(try await app.waitForExit() == 0)
        try app.expectTerminalRestored("after vim and quitting")
    }

    @Test func ctrlCInTheEditorDoesNotQuitTheApp() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.close() }
        let app = try start(editor: Self.vim, sandbox)
        defer { app.close() }
        try await openVim(app)
        let (pid, _) = try await processes(app)
        try app.press("C-c")
        try await app.waitFor("vim's answer to Ctrl-C") { $0.contains("Type  :qa  and press <Enter> to exit Vim") }
        #expect(TwinDeckInTmux.isAlive(pid), "Ctrl-C in vim stopped the app")
        try app.type("A and kept")
        try app.press("Escape")
        try app.type(":wq")
        try app.press("Enter")
        try await app.waitFor("the script from vim after Ctrl-C", timeout: .seconds(10)) {
            $0.contains("Compose a Digital Twin video") && $0.fieldValue("Script") == "Typed in TwinDeck and kept"
        }
        #expect(try app.appPID() == pid)
        try app.press("Escape")
        try app.press("q")
        #expect(try await app.waitForExit() == 0, "the app quits normally: no SIGINT was left pending")
    }

    /// An editor that keeps the terminal's signals (a shell `read`): Ctrl-C makes the terminal send SIGINT to the
    /// whole foreground group, the app included. The editor dies of it and says so; the app carries on.
    @Test func ctrlCKillingTheEditorIsShownAndTheAppCarriesOn() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.close() }
        let editor = sandbox.tmp.appendingPathComponent("read-editor.sh")
        try "#!/bin/sh\nprintf 'READING-A-LINE\\n'\nread line\n".write(to: editor, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor.path)
        let app = try start(editor: editor.path, sandbox)
        defer { app.close() }
        try await app.waitForFirstFrame()
        let pid = try app.appPID()
        try app.press("3")
        try await app.focus("Script")
        try app.press("C-e")
        try await app.waitFor("the editor waiting for a line") { $0.contains("READING-A-LINE") }
        try app.press("C-c")
        let back = try await app.waitFor("the reason on the Compose pane", timeout: .seconds(10)) {
            $0.contains("Compose a Digital Twin video") && $0.contains("was killed by signal 2 (SIGINT)")
        }
        #expect(back.contains("the script is unchanged"), "\(back)")
        #expect(try app.appPID() == pid, "the app was stopped by the editor's Ctrl-C")
        try app.press("q")
        #expect(try await app.waitForExit() == 0)
        let leftovers = sandbox.leftovers.filter { $0 != "read-editor.sh" }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }

    @Test func vimExitingNonZeroShowsTheReason() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.close() }
        let app = try start(editor: Self.vim, sandbox)
        defer { app.close() }
        try await openVim(app)
        try app.type("ggdGiThrown away")
        try app.press("Escape")
        try app.type(":w")
        try app.press("Enter")
        try app.type(":cq")  // quit with an error status (1), even after a write
        try app.press("Enter")
        let back = try await app.waitFor("the reason on the Compose pane", timeout: .seconds(10)) {
            $0.contains("Compose a Digital Twin video") && $0.contains("The editor vim exited with status 1")
        }
        #expect(back.fieldValue("Script") == "Typed in TwinDeck", "a failed edit keeps the script:\n\(back)")
        #expect(!back.contains("set $VISUAL"), "the editor was set; the message must not ask for one:\n\(back)")
        #expect(sandbox.leftovers.isEmpty, "left behind: \(sandbox.leftovers)")
    }

    /// SIGHUP to the app alone (as when only the session leader is told of a hang-up): the app closes vim,
    /// removes the file, and stops as on SIGHUP with the terminal given back.
    @Test func sighupToTheAppWhileVimIsOpenEndsBoth() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.close() }
        let app = try start(editor: Self.vim, sandbox)
        defer { app.close() }
        try await openVim(app)
        let (pid, vim) = try await processes(app)
        #expect(kill(pid, SIGHUP) == 0)
        #expect(try await app.waitForExit() == 129, "stopped as on SIGHUP")
        try await eventually("vim to end") { TwinDeckInTmux.isAlive(vim) ? nil : true }
        #expect(Self.descendants(of: pid).isEmpty && !TwinDeckInTmux.isAlive(pid))
        #expect(sandbox.leftovers.isEmpty, "left behind (the file, vim's swap file): \(sandbox.leftovers)")
        try app.expectTerminalRestored("after a SIGHUP while vim was open")
    }

    /// The pane is killed (its terminal hangs up, as with a dropped SSH connection) while vim is open: nothing
    /// stays behind, neither the app nor vim nor the file.
    @Test func aHangUpWhileVimIsOpenLeavesNothingBehind() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.close() }
        let app = try start(editor: Self.vim, sandbox)
        defer { app.close() }
        try await openVim(app)
        let (pid, vim) = try await processes(app)
        let all = [pid] + Self.descendants(of: pid)
        #expect(all.contains(vim))
        try app.tmux(["kill-pane"])
        try await eventually("the app and vim to end", timeout: .seconds(10)) {
            all.contains(where: TwinDeckInTmux.isAlive) ? nil : true
        }
        #expect(sandbox.leftovers.isEmpty, "left behind (the file, vim's swap file): \(sandbox.leftovers)")
    }

    /// Ctrl-Z in vim under a job-control shell: vim stops its process group, the app with it (the shell shows
    /// one stopped job); `fg` continues both, and the edit ends as usual. (In the other tests the pane's `sh`
    /// has no job control: a group without a parent shell in the session is orphaned and ignores Ctrl-Z.)
    @Test func ctrlZInVimStopsTheAppTooAndFgContinuesBoth() async throws {
        guard let bash = Tools.which("bash") else { throw E2EError.missingTool("bash") }
        let sandbox = try Sandbox()
        defer { sandbox.close() }
        // The harness's own pane only prints the version; the app runs in a second window, under `bash -i`.
        let app = try TwinDeckInTmux(width: 100, height: 30, environment: ["TMPDIR": sandbox.tmp.path], arguments: ["--version"])
        defer { app.close() }
        try app.tmux(["new-window", "-e", "PS1=jobs-shell$ ", bash, "--norc", "--noprofile", "-i"])
        try await app.waitFor("the job-control shell") { $0.contains("jobs-shell$") }
        let line = "EDITOR=\(shellQuote(Self.vim)) VISUAL= TMPDIR=\(shellQuote(sandbox.tmp.path)) \(shellQuote(twindeckBinary.path)) --demo"
        try app.type(line)
        try app.press("Enter")
        try await openVim(app)
        let (pid, vim) = try await processes(app)
        try app.press("C-z")
        try await app.waitFor("the shell's stopped job") { $0.contains("Stopped") }
        try await eventually("the app and vim stopped") { Self.stat(pid).first == "T" && Self.stat(vim).first == "T" ? true : nil }
        try app.type("fg")
        try app.press("Enter")
        try await app.waitFor("vim again after fg", timeout: .seconds(10)) { $0.contains("Typed in TwinDeck") && $0.lines.contains("~") }
        #expect(Self.stat(pid).first != "T" && Self.stat(vim).first != "T", "both continue: app \(Self.stat(pid)), vim \(Self.stat(vim))")
        try app.type("A after fg")
        try app.press("Escape")
        try app.type(":wq")
        try app.press("Enter")
        try await app.waitFor("the script from vim after the stop", timeout: .seconds(10)) {
            $0.contains("Compose a Digital Twin video") && $0.fieldValue("Script") == "Typed in TwinDeck after fg"
        }
        #expect(sandbox.leftovers.isEmpty, "left behind: \(sandbox.leftovers)")
        try app.press("Escape")
        try app.press("q")
        // `fg` waits for the job again: its status is the app's.
        try await app.waitFor("the shell after the app") { !$0.contains("Compose a Digital Twin video") && $0.contains("jobs-shell$ fg") }
        try app.type("echo EXIT=$?")
        try app.press("Enter")
        try await app.waitFor("the app's exit status") { $0.contains("EXIT=0") }
    }
}
}
