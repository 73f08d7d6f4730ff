import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The whole path of a video through the real app, in a real terminal: a look from the Looks pane, a voice
/// picked from the Voices pane, a script typed in, the engine changed, submitted, watched on the Board until it
/// is rendered, and downloaded. Then what must survive: the draft across a quit, and a submission across a
/// `kill -9` while its create request is in flight (one video on the server, not two).
extension TmuxE2E {
@Suite("Compose and Board in tmux", .timeLimit(.minutes(1)))
struct ComposeBoardE2ETests {
    /// The repository, from this file's path (Tests/TwinDeckE2ETests/ComposeBoardE2ETests.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sampleVideo = repositoryRoot.appendingPathComponent("Resources/Fixtures/sample.mp4")

    /// Quick renders and polls, so a video completes within seconds.
    static let quick = ["TWINDECK_DEMO_RENDER_SECONDS": "3", "TWINDECK_POLL_SCALE": "0.25"]

    struct Size: Sendable, CustomTestStringConvertible {
        let width: Int, height: Int
        var testDescription: String { "\(width)×\(height)" }
    }

    // MARK: - Compose → Board → download

    @Test(arguments: [Size(width: 100, height: 30), Size(width: 80, height: 24)])
    func composeSubmitWatchAndDownload(size: Size) async throws {
        let app = try TwinDeckInTmux(width: size.width, height: size.height, environment: Self.quick)
        defer { app.close() }
        try await app.waitForFirstFrame()

        // Looks: Enter on the look composes with it, its default voice preselected.
        try await app.selectLook("Office — Blue Shirt")
        try app.press("Enter")
        let composing = try await app.waitFor("Compose with the look") {
            $0.fieldValue("Look") == "Office — Blue Shirt [IV V]"
        }
        #expect(composing.focusedField == "Look", "\(composing)")
        #expect(composing.fieldValue("Voice")?.contains("(the look's default)") == true, "\(composing)")

        // Voice: Enter opens the Voices pane to pick; filter, keep the filter, choose.
        try await app.focus("Voice")
        try app.press("Enter")
        try await app.waitFor("the Voices pane to pick from", timeout: .seconds(10)) {
            $0.contains("1,842 of 1,842") && $0.rowsBesidePanel.count > 5 && $0.focusedField == nil
        }
        try app.press("/")
        try app.type("lucia")
        let filtered = try await app.waitFor("the voices matching “lucia”") { screen in
            screen.contains("“lucia”") && !screen.rowsBesidePanel.isEmpty && screen.rowsBesidePanel.allSatisfy { $0.contains("Lucía") }
        }
        let chosen = try #require(filtered.detailName, "no voice selected:\n\(filtered)")
        #expect(chosen.hasPrefix("Lucía"), "\(filtered)")
        try app.press("Enter")  // keeps the filter
        try app.press("Enter")  // chooses the voice
        let withVoice = try await app.waitFor("Compose with the voice \(chosen)") {
            $0.fieldValue("Voice")?.hasPrefix(chosen) == true
        }
        #expect(withVoice.focusedField == "Voice", "\(withVoice)")
        #expect(withVoice.fieldValue("Look") == "Office — Blue Shirt [IV V]", "the look was lost:\n\(withVoice)")

        // Script: Enter edits, non-ASCII text goes in whole, Esc finishes.
        let script = "Bonjour ! Ça va ? 你好"
        try await app.focus("Script")
        try app.press("Enter")
        try await app.waitFor("the script editor") { $0.focusedField == "Script" && !$0.contains("Enter types the script") }
        try app.type(script)
        let typed = try await app.waitFor("the script “\(script)”") { $0.fieldValue("Script") == script }
        #expect(typed.contains("\(script.unicodeScalars.count) / 5,000 characters"), "\(typed)")
        try app.press("Escape")

        // Engine: → chooses Avatar V, which hides the Avatar IV-only fields. (`focus` moves with `j`: had Esc
        // not ended the editing, the `j` would land in the script and focus would not move.)
        let before = try await app.focus("Engine")
        #expect(before.fieldValue("Engine") == "◀ Avatar IV ▶", "\(before)")
        #expect(before.fieldValue("Motion prompt") != nil && before.fieldValue("Expressiveness") != nil,
                "the Avatar IV-only fields should show with Avatar IV:\n\(before)")
        #expect(before.fieldValue("Script") == script, "the script changed after Esc:\n\(before)")
        try app.press("Right")
        let avatarV = try await app.waitFor("Avatar V chosen") { $0.fieldValue("Engine") == "◀ Avatar V ▶" }
        #expect(avatarV.fieldValue("Motion prompt") == nil, "Motion prompt still shown with Avatar V:\n\(avatarV)")
        #expect(avatarV.fieldValue("Expressiveness") == nil && !avatarV.contains("Expressiveness"),
                "Expressiveness still shown with Avatar V:\n\(avatarV)")
        #expect(avatarV.contains("Avatar IV-only (hidden with Avatar V)"), "\(avatarV)")
        #expect(avatarV.lines.allSatisfy { displayWidth($0) <= size.width }, "\(avatarV)")

        // Submit: the dialog repeats the choices; y sends.
        try app.press("s")
        let dialog = try await app.waitFor("the submit dialog") { $0.contains("Submit this video?") }
        #expect(dialog.panelValue("Engine") == "Avatar V", "\(dialog)")
        #expect(dialog.panelValue("Look") == "Office — Blue Shirt", "\(dialog)")
        #expect(dialog.panelValue("Voice")?.hasPrefix("Lucía") == true, "\(dialog)")
        try app.press("y")

        // Board: one row, running, then completed; the detail panel gives the link.
        let board = try await app.waitFor("the Board with the new video", timeout: .seconds(10)) { $0.boardRows.count == 1 }
        #expect(board.contains(" 4 Board "), "\(board)")
        var seen: [String] = []
        let done = try await app.waitFor("the video to complete", timeout: .seconds(25)) { screen in
            guard let status = screen.boardRows.first.flatMap(Screen.boardStatus) else { return false }
            if seen.last != status { seen.append(status) }
            return status == "completed"
        }
        let order = ["submitting", "pending", "waiting", "queued", "processing", "completed"]
        let ranks = seen.map { order.firstIndex(of: $0) ?? -1 }
        #expect(!ranks.contains(-1) && ranks == ranks.sorted(), "statuses seen out of order: \(seen)")
        #expect(seen.count >= 2, "the row should be seen running before it completes: \(seen)")
        let row = try #require(done.boardRows.first)
        #expect(row.contains("Office") && displayColumn(of: " V ", in: row) != nil, "engine column should say V:\n\(done)")
        let link = try #require(done.panelValue("Link"), "no Link in the detail panel:\n\(done)")
        #expect(link.hasPrefix("http://127.0.0.1:"), "\(done)")

        // d downloads into TWINDECK_DOWNLOAD_DIR: the simulator's sample, byte for byte.
        try app.press("d")
        let saved = try await app.waitFor("the download to be saved", timeout: .seconds(10)) { $0.panelValue("Saved") != nil }
        let files = try await eventually("a finished file in \(app.downloadDirectory.path)") {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: app.downloadDirectory.path)) ?? []
            let finished = names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".part") }
            return finished.isEmpty ? nil : finished
        }
        #expect(files.count == 1, "\(files)")
        let file = try #require(files.first)
        #expect(file.hasPrefix("v_") && file.hasSuffix(".mp4"), "\(file)")
        #expect(saved.panelValue("Saved").map { app.downloadDirectory.appendingPathComponent(file).path.hasPrefix($0.replacingOccurrences(of: "…", with: "")) } == true,
                "the screen should name the saved file:\n\(saved)")
        let bytes = try Data(contentsOf: app.downloadDirectory.appendingPathComponent(file))
        let expected = try Data(contentsOf: Self.sampleVideo)
        #expect(bytes == expected, "downloaded \(bytes.count) bytes, the fixture has \(expected.count)")
    }

    // MARK: - Avatar V refused for an Avatar IV-only look

    @Test func avatarVIsRefusedForAnAvatarIVOnlyLook() async throws {
        let app = try TwinDeckInTmux(width: 100, height: 30)
        defer { app.close() }
        try await app.waitForFirstFrame()
        try await app.selectLook("Kitchen — Casual")
        try app.press("Enter")
        try await app.waitFor("Compose with Kitchen — Casual") { $0.fieldValue("Look") == "Kitchen — Casual [IV]" }
        let before = try await app.focus("Engine")
        #expect(before.fieldValue("Engine") == "◀ Avatar IV ▶", "\(before)")
        try app.press("Right")
        let refused = try await app.waitFor("the refusal at the Engine field") { $0.contains("this look supports: Avatar IV") }
        #expect(refused.fieldValue("Engine") == "◀ Avatar IV ▶", "the engine changed:\n\(refused)")
        #expect(refused.fieldValue("Motion prompt") != nil && refused.fieldValue("Expressiveness") != nil, "\(refused)")
        #expect(!refused.contains("hidden with Avatar V"), "\(refused)")
        // `l` is → too, and is refused the same way.
        try app.press("l")
        let again = try await app.waitFor("the Engine field after l") { $0.focusedField == "Engine" }
        #expect(again.fieldValue("Engine") == "◀ Avatar IV ▶", "\(again)")
    }

    // MARK: - The draft survives quitting

    @Test func draftSurvivesQuitting() async throws {
        let app = try TwinDeckInTmux(width: 100, height: 30)
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("3")
        try await app.waitFor("the Compose pane") { $0.contains("Compose a Digital Twin video") && $0.focusedField != nil }
        let script = "Brouillon gardé, 草稿 n°2"
        try await app.focus("Script")
        try app.press("Enter")
        try await app.waitFor("the script editor") { $0.focusedField == "Script" && !$0.contains("Enter types the script") }
        try app.type(script)
        try await app.waitFor("the script “\(script)”") { $0.fieldValue("Script") == script }
        try app.press("Escape")
        try app.press("q")
        #expect(try await app.waitForExit() == 0)

        try app.restart()
        try await app.waitForFirstFrame()
        try app.press("3")
        let back = try await app.waitFor("the Compose pane after the restart") {
            $0.contains("Compose a Digital Twin video") && $0.focusedField != nil
        }
        #expect(back.fieldValue("Script") == script, "the draft's script was lost:\n\(back)")
    }

    /// Ctrl-E leaves the screen for `$EDITOR`, waits for it, and comes back with the edited script.
    @Test func ctrlEEditsTheScriptInTheEditor() async throws {
        let editor = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-editor-\(UUID().uuidString).sh")
        // An "editor" that appends a line to the file it is given, as a person would.
        try "#!/bin/sh\nprintf '\\nécrit dans l’éditeur' >> \"$1\"\n".write(to: editor, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor.path)
        defer { try? FileManager.default.removeItem(at: editor) }
        let app = try TwinDeckInTmux(width: 100, height: 30, environment: ["EDITOR": editor.path, "VISUAL": ""])
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("3")
        try await app.waitFor("the Compose pane") { $0.contains("Compose a Digital Twin video") && $0.focusedField != nil }
        try await app.focus("Script")
        try app.press("Enter")
        try await app.waitFor("the script editor") { $0.focusedField == "Script" && !$0.contains("Enter types the script") }
        try app.type("First line")
        try await app.waitFor("the typed line") { $0.contains("First line") }
        try app.press("C-e")
        let back = try await app.waitFor("the script back from the editor", timeout: .seconds(10)) {
            $0.contains("First line") && $0.contains("écrit dans l’éditeur") && $0.contains("Compose a Digital Twin video")
        }
        #expect(back.contains("characters"), "the form is drawn again after the editor:\n\(back)")
        try app.press("Escape")
        try app.press("q")
        #expect(try await app.waitForExit() == 0)
        try app.expectTerminalRestored("after returning from the editor and quitting")
    }

    // MARK: - A crash while the create is in flight makes one video, not two

    @Test func crashWhileSubmittingDoesNotDuplicate() async throws {
        let simulator = try SimulatorServer(["--render-seconds", "2", "--create-delay-ms", "4000"])
        defer { simulator.stop() }
        let app = try TwinDeckInTmux(width: 120, height: 30, environment: ["TWINDECK_POLL_SCALE": "0.25"],
                                     arguments: ["--base-url", simulator.baseURL, "--api-key", "demo"])
        defer { app.close() }
        try await app.waitForFirstFrame()
        try await app.selectLook("Office — Blue Shirt")
        try app.press("Enter")
        try await app.waitFor("Compose with the look") { $0.fieldValue("Look") == "Office — Blue Shirt [IV V]" }
        try await app.focus("Script")
        try app.press("Enter")
        try await app.waitFor("the script editor") { $0.focusedField == "Script" && !$0.contains("Enter types the script") }
        try app.type("Crash between submitting and the answer")
        try await app.waitFor("the script") { $0.fieldValue("Script") == "Crash between submitting and the answer" }
        try app.press("Escape")
        try app.press("s")
        try await app.waitFor("the submit dialog") { $0.contains("Submit this video?") }
        try app.press("y")
        try await app.waitFor("sending…", settle: false) { $0.contains("sending…") }
        // The row is recorded before anything is sent, so once the simulator has the request the store has the
        // `submitting` row; the simulator then works 4 s on it.
        try await eventually("the create request to reach the simulator") {
            try Self.creates(simulator) >= 1 ? true : nil
        }
        let inFlight = try app.capture()
        try #require(inFlight.contains("sending…"), "the answer came before the kill; the test proves nothing:\n\(inFlight)")
        try app.killApp()
        #expect(try await app.waitForExit() == 137)
        // Every create from now on is the new instance's. (The killed one may have sent more than one: its own
        // poller re-sends `submitting` rows, the one still in flight included, and gets 409s for them.)
        let createsAtKill = try Self.creates(simulator)

        // Started again on the same store and simulator: the stored `submitting` row is re-sent with its key.
        try app.restart()
        try await app.waitForFirstFrame()
        try app.press("4")
        let recovered = try await app.waitFor("the Board with the lost submission", timeout: .seconds(10)) { $0.boardRows.count == 1 }
        #expect(recovered.boardRows.first.flatMap(Screen.boardStatus) != nil, "\(recovered)")
        // The killed instance's lease names a pid that no longer runs: the new instance takes it over at once.
        try await app.waitFor("this instance to poll", timeout: .seconds(6)) {
            $0.boardRows.count == 1 && !$0.contains("another TwinDeck") && $0.contains("polled")
        }
        let done = try await app.waitFor("the re-sent video to complete", timeout: .seconds(29)) {
            $0.boardRows.first.flatMap(Screen.boardStatus) == "completed"
        }
        let videoID = done.panelValue("Video ID")

        #expect(try Self.creates(simulator) > createsAtKill, "the restarted app should have re-sent the create")
        let list = try simulator.get("/v3/videos?limit=100")
        let videos = list["data"] as? [[String: Any]] ?? []
        #expect(videos.count == 1, "the simulator holds \(videos.count) videos: \(videos.map { $0["id"] ?? "?" })")
        #expect(videos.first?["id"] as? String == videoID, "board shows \(String(describing: videoID)):\n\(done)")
        #expect(simulator.stop() == 0, "the simulator should stop cleanly on SIGINT")
    }

    /// How many `POST /v3/videos` the simulator has received.
    static func creates(_ simulator: SimulatorServer) throws -> Int {
        let stats = try simulator.get("/v3/_simulator/stats")
        return (stats["data"] as? [String: Any])?["POST /v3/videos"] as? Int ?? 0
    }
}
}

// MARK: - Helpers for these screens

extension Screen {
    /// The Compose form's row for the field labelled `label`: `›` or a space, the label padded to 15 columns,
    /// then the value from column 16.
    func fieldRow(_ label: String) -> String? {
        lines.first { line in
            guard let mark = line.first, mark == " " || mark == "›" else { return false }
            return String(line.dropFirst().prefix(15)).trimmingCharacters(in: .whitespaces) == label
        }
    }

    /// The value of a Compose field (for the script, its first line), trimmed, without the live JSON preview
    /// that wide terminals show beside the form.
    func fieldValue(_ label: String) -> String? {
        fieldRow(label).map { Screen.beforePanel($0).dropFirst(16).trimmingCharacters(in: .whitespaces) }
    }

    /// `line` up to a panel's left border (`│`), if one is beside it.
    static func beforePanel(_ line: String) -> String { line.firstIndex(of: "│").map { String(line[..<$0]) } ?? line }

    /// The list's rows (``listRows``) without the detail panel that wide terminals show beside them.
    var rowsBesidePanel: [String] {
        listRows.map(Screen.beforePanel).prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// The label of the focused Compose field (the row marked `›`).
    var focusedField: String? {
        lines.first { $0.hasPrefix("›") }.map { String($0.dropFirst().prefix(15)).trimmingCharacters(in: .whitespaces) }
    }

    /// A value in a bordered panel or dialog: `│ <label padded to 13> <value> │`.
    func panelValue(_ label: String) -> String? {
        for line in lines {
            var rest = Substring(line)
            while let range = rest.range(of: "│ " + label + " ") {
                let after = line[range.lowerBound...].dropFirst(2)
                if after.prefix(13).trimmingCharacters(in: .whitespaces) == label {
                    var value = after.dropFirst(13)
                    if let border = value.firstIndex(of: "│") { value = value[..<border] }
                    return value.trimmingCharacters(in: .whitespaces)
                }
                rest = rest[range.upperBound...]
            }
        }
        return nil
    }

    /// The Board's rows: the lines after the column header (" STATUS …") up to the first one without a
    /// status, each cut at the detail panel's border.
    var boardRows: [String] {
        let all = lines
        guard let header = all.firstIndex(where: { $0.hasPrefix(" STATUS ") }) else { return [] }
        return all[(header + 1)...].map(Screen.beforePanel).prefix { Screen.boardStatus($0) != nil }
    }

    /// The status word of a Board row (" ✓ completed   …" → "completed").
    static func boardStatus(_ row: String) -> String? {
        let words = row.split(separator: " ")
        guard words.count >= 2 else { return nil }
        let status = String(words[1])
        return ["submitting", "pending", "waiting", "queued", "processing", "completed", "failed", "rejected", "not_found"]
            .contains(status) ? status : nil
    }
}

extension TwinDeckInTmux {
    /// Moves the Compose focus to the field labelled `label` with `j`/`k`, one key at a time, waiting for the
    /// focus to move after each.
    @discardableResult
    func focus(_ label: String) async throws -> Screen {
        var screen = try await waitFor("the Compose form") { $0.focusedField != nil }
        for _ in 0..<24 {  // more presses than the form has fields
            guard let current = screen.focusedField else { break }
            if current == label { return screen }
            let lines = screen.lines
            let here = lines.firstIndex { $0.hasPrefix("›") } ?? 0
            let there = lines.firstIndex { $0 == screen.fieldRow(label) }
            try press(there.map { $0 < here } == true ? "k" : "j")
            screen = try await waitFor("the focus to leave \(current) (towards \(label))") {
                $0.focusedField != nil && $0.focusedField != current
            }
        }
        throw E2EError.timeout("the focus on \(label)", .zero, screen)
    }

    /// Moves the Looks selection down with `j` until the detail panel names `name`.
    func selectLook(_ name: String) async throws {
        var screen = try capture()
        for _ in 0..<20 {
            if screen.detailName == name { return }
            let current = screen.detailName
            try press("j")
            screen = try await waitFor("the selection to leave \(current ?? "?") (towards \(name))") {
                $0.detailName != nil && $0.detailName != current
            }
        }
        throw E2EError.timeout("the look \(name) to be selected", .zero, screen)
    }
}

/// Polls `value` every 50 ms until it is non-nil; throws after `timeout`.
@discardableResult
func eventually<T>(_ what: String, timeout: Duration = .seconds(10), _ value: () throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let result = try value() { return result }
        if ContinuousClock.now >= deadline { throw E2EError.timeout(what, timeout, Screen(text: "(no screen: \(what))")) }
        try await Task.sleep(for: .milliseconds(50))
    }
}
