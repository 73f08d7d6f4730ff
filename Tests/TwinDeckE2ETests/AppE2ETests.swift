import Foundation
import Testing

/// The real `twindeck --demo` binary in a real pseudo-terminal (tmux), driven by keys and read back from the
/// screen. Each test owns its tmux server and sandbox, so the tests run in parallel.
@Suite("twindeck --demo in tmux", .timeLimit(.minutes(1)))
struct AppE2ETests {
    // MARK: - First screen

    @Test func firstScreenShowsHeaderTabsAndAlignedLooks() async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        let screen = try await app.waitFor("the first frame with the CJK look", timeout: .seconds(15)) {
            $0.contains("Lecture Hall — 講堂") && $0.contains("demo-twin")
        }
        let lines = screen.lines
        #expect(lines.count == 24, "\(screen)")
        #expect(lines.allSatisfy { displayWidth($0) <= 80 }, "a line is wider than the terminal:\n\(screen)")
        #expect(lines[0].contains("TwinDeck") && lines[0].contains("DEMO"), "header:\n\(screen)")
        #expect(lines[1].contains(" 1 Looks ") && lines[1].contains(" 2 Voices "), "tab bar:\n\(screen)")

        let office = try #require(screen.line(containing: "Office — Blue Shirt"), "\(screen)")
        let lecture = try #require(screen.line(containing: "Lecture Hall — 講堂"), "\(screen)")
        let header = try #require(screen.lines.first { $0.hasPrefix(" NAME") }, "\(screen)")
        #expect(office.contains("IV V"), "\(office)")
        #expect(lecture.contains("IV V"), "\(lecture)")
        // Columns line up by display width: 講堂 is two characters but four columns.
        let engines = displayColumn(of: "ENGINES", in: header)
        #expect(engines != nil)
        #expect(displayColumn(of: "IV V", in: office) == engines, "Office row:\n\(office)\n\(header)")
        #expect(displayColumn(of: "IV V", in: lecture) == engines, "Lecture Hall row:\n\(lecture)\n\(header)")
        #expect(displayColumn(of: "landscape", in: lecture) == displayColumn(of: "landscape", in: office),
                "orientation column:\n\(office)\n\(lecture)")
    }

    // MARK: - Voices and the filter

    @Test func voicesFilterNarrowsAndEscapeClears() async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("Tab")
        try await app.waitFor("the Voices pane with 1,842 voices", timeout: .seconds(10)) {
            $0.contains("1,842 of 1,842") && $0.listRows.count > 5
        }

        try app.press("/")
        try await app.waitFor("the filter prompt") { $0.contains("Filter:") }
        try app.type("josé ang")
        let filtered = try await app.waitFor("4 matches for “josé ang”") {
            $0.contains("4 of 1,842") && $0.contains("Filter: josé ang")
        }
        let rows = filtered.listRows
        #expect(rows.count == 4, "\(filtered)")
        #expect(rows.allSatisfy { $0.hasPrefix(" José Ángel") }, "\(filtered)")

        try app.press("Escape")
        let cleared = try await app.waitFor("the filter cleared") {
            $0.contains("1,842 of 1,842") && !$0.contains("Filter:")
        }
        #expect(cleared.listRows.count > 4, "\(cleared)")
    }

    @Test func wideCharactersCanBeTypedIntoTheFilter() async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("Tab")
        try await app.waitFor("the Voices pane", timeout: .seconds(10)) { $0.contains("1,842 of 1,842") }
        try app.press("/")
        try await app.waitFor("the filter prompt") { $0.contains("Filter:") }
        try app.type("さくら")
        let screen = try await app.waitFor("a voice named さくら") { screen in
            screen.contains("“さくら”") && screen.listRows.contains { $0.contains("さくら") }
        }
        #expect(screen.contains("Filter: さくら▏"), "\(screen)")
        let header = try #require(screen.lines.first { $0.hasPrefix(" NAME") })
        for row in screen.listRows {
            #expect(row.contains("さくら"), "a row that does not match:\n\(screen)")
            #expect(displayColumn(of: "Japanese", in: row) == displayColumn(of: "LANGUAGE", in: header),
                    "language column misaligned:\n\(header)\n\(row)")
        }
        #expect(screen.lines.allSatisfy { displayWidth($0) <= 80 }, "\(screen)")

        // Backspace removes one whole character (three UTF-8 bytes), not a byte.
        try app.press("BSpace")
        let shorter = try await app.waitFor("the filter “さく”") { $0.contains("“さく”") }
        #expect(shorter.contains("Filter: さく▏"), "\(shorter)")
    }

    // MARK: - Help

    @Test func helpOverlayOpensAndAnyKeyClosesIt() async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press("?")
        let help = try await app.waitFor("the help overlay") { $0.contains("Keys — any key closes") }
        // Inside the box (the footer also says "copy ID", but not between borders).
        #expect(help.lines.contains { $0.contains("│") && $0.contains("copy ID") }, "\(help)")
        #expect(help.contains("Everywhere") && help.contains("While filtering"), "\(help)")

        try app.press("x")
        let closed = try await app.waitFor("the overlay to close") { !$0.contains("Keys — any key closes") }
        #expect(!closed.contains("Everywhere"), "\(closed)")
        #expect(closed.contains("Office — Blue Shirt") && closed.contains("? help"), "\(closed)")
    }

    /// The overlay is the one place that lists every key, so it should show them all, unclipped, at the
    /// usual 80×24 and at the app's own minimum size. Known bug, reported to the UI owner: at 80×24
    /// "copy preview URL" is clipped to "copy preview UR" (15-column help column); at 60×16 the Looks,
    /// Voices, While filtering and Pickers sections are silently dropped. When it is fixed, this test
    /// reports "known issue was not recorded": remove the `withKnownIssue` then.
    @Test(arguments: [(80, 24), (60, 16)])
    func helpOverlayListsEveryBinding(width: Int, height: Int) async throws {
        let app = try TwinDeckInTmux(width: width, height: height)
        defer { app.close() }
        try await app.waitFor("the first frame", timeout: .seconds(15)) { $0.contains("Office — Blue Shirt") }
        try app.press("?")
        let help = try await app.waitFor("the help overlay") { $0.contains("Keys — any key closes") }
        let inside = help.lines.filter { $0.contains("│") }.joined(separator: "\n")
        let expected = ["next pane", "quit", "filter", "copy ID", "copy preview URL", "details", "language", "gender",
                        "keep filter", "clear filter", "choose", "cancel"]
        let missing = expected.filter { !inside.contains($0) }
        withKnownIssue("help overlay clips or drops bindings at \(width)×\(height)") {
            #expect(missing.isEmpty, "missing from the help overlay at \(width)×\(height): \(missing)\n\(help)")
        }
    }

    // MARK: - Resize

    @Test func resizeReflowsAndKeepsTheSelection() async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        let first = try await app.waitForFirstFrame()
        #expect(first.detailName == "Office — Blue Shirt", "\(first)")
        // The third look, by the list's first column.
        let third = try #require(first.listRows.dropFirst(2).first, "\(first)")
        let expected = third.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ")[0]
        try app.press("j", "j")
        let moved = try await app.waitFor("the selection on \(expected)") { $0.detailName == expected }
        #expect(moved.detailName == expected)

        try app.resize(width: 120, height: 30)
        let wide = try await app.waitFor("a 120×30 frame with the detail panel beside the list") { screen in
            screen.lines.count == 30 && screen.lines.contains { $0.contains("Office — Blue Shirt") && $0.contains("│") }
                && (displayEndColumn(of: "demo-twin", in: screen.lines.first) ?? 0) > 80
        }
        #expect(wide.lines.allSatisfy { displayWidth($0) <= 120 }, "\(wide)")
        // The account is right-aligned in the header: it ends near column 120.
        let header = wide.lines[0]
        let accountEnd = displayEndColumn(of: "demo-twin <demo@twindeck.invalid>", in: header)
            ?? displayEndColumn(of: "demo-twin", in: header) ?? 0
        #expect((116...120).contains(accountEnd), "account ends at column \(accountEnd):\n\(wide)")
        // The list row and the detail panel's border share a line, the border to the right of the row.
        let office = try #require(wide.line(containing: "Office — Blue Shirt"))
        let nameColumn = displayColumn(of: "Office — Blue Shirt", in: office) ?? 0
        let borderColumn = displayColumn(of: "│", in: office) ?? 0
        #expect(borderColumn > nameColumn + 40, "\(office)")
        #expect(wide.detailName == expected, "selection lost at 120×30:\n\(wide)")

        try app.resize(width: 40, height: 10)
        let small = try await app.waitFor("the too-small message") { $0.contains("Terminal too small") }
        #expect(small.lines.allSatisfy { displayWidth($0) <= 40 }, "\(small)")

        try app.resize(width: 80, height: 24)
        let back = try await app.waitFor("the normal 80×24 frame") { screen in
            screen.lines.count == 24 && !screen.contains("Terminal too small") && screen.detailName != nil
                && screen.contains(" 1 Looks ")
        }
        #expect(back.detailName == expected, "selection lost after resizing back:\n\(back)")
        #expect(back.listRows.contains { $0.hasPrefix(" " + expected) }, "the selected look is not visible:\n\(back)")
        #expect(back.lines.allSatisfy { displayWidth($0) <= 80 }, "\(back)")
    }

    // MARK: - Leaving: the terminal is given back

    /// `q`, and Ctrl-C (which the tty turns into SIGINT: cbreak keeps ISIG).
    @Test(arguments: ["q", "C-c"])
    func quitRestoresTheTerminal(key: String) async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.expectTerminalTaken()
        try app.press(key)
        let code = try await app.waitForExit()
        #expect(code == 0, "exit code after \(key)")
        try app.expectTerminalRestored("after \(key)")
    }

    struct SignalCase: Sendable, CustomTestStringConvertible {
        let name: String
        let number: Int32
        let exitCode: Int32
        var testDescription: String { "SIG\(name) → exit \(exitCode)" }
    }

    @Test(arguments: [
        SignalCase(name: "HUP", number: SIGHUP, exitCode: 129),
        SignalCase(name: "TERM", number: SIGTERM, exitCode: 143),
        SignalCase(name: "INT", number: SIGINT, exitCode: 0),
        SignalCase(name: "SEGV", number: SIGSEGV, exitCode: 139),
        SignalCase(name: "ABRT", number: SIGABRT, exitCode: 134),
        SignalCase(name: "ILL", number: SIGILL, exitCode: 132),
    ])
    func signalRestoresTheTerminal(_ signal: SignalCase) async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.expectTerminalTaken()
        let pid = try app.appPID()
        #expect(kill(pid, signal.number) == 0)
        let code = try await app.waitForExit()
        #expect(code == signal.exitCode, "SIG\(signal.name)")
        try app.expectTerminalRestored("after SIG\(signal.name)")
    }

    // MARK: - Colour

    @Test func noColorDrawsWithoutColourCodes() async throws {
        let app = try TwinDeckInTmux(environment: ["NO_COLOR": "1"])
        defer { app.close() }
        try await app.waitForFirstFrame()
        let screen = try app.capture(escapes: true)
        #expect(colourCodes(in: screen.text).isEmpty, "colour codes with NO_COLOR: \(Set(colourCodes(in: screen.text)))")
        #expect(screen.contains("TwinDeck") && screen.contains(" 1 Looks ") && screen.contains("Office — Blue Shirt"))
        // Without colour the selection still shows, in reverse video.
        let office = try #require(screen.lines.first { $0.contains("Office — Blue Shirt") })
        #expect(office.contains("\u{1B}[7m") || office.contains(";7m"), "selected row not in reverse video: \(office.debugDescription)")
        // And it still works.
        try app.press("Tab")
        try await app.waitFor("the Voices pane", timeout: .seconds(10)) { $0.contains("1,842 of 1,842") }
    }

    @Test func coloursAreDrawnByDefault() async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        try await app.waitForFirstFrame()
        let screen = try app.capture(escapes: true)
        #expect(!colourCodes(in: screen.text).isEmpty, "no colour codes in:\n\(screen.text.debugDescription)")
    }
}
