import Foundation
import Testing
import TwinDeckCore

/// The real `twindeck --demo` binary in a real pseudo-terminal (tmux), driven by keys and read back from the
/// screen. Each test owns its tmux server and sandbox, so the tests run in parallel.
extension TmuxE2E {
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
        let closed = try await app.waitFor("the overlay to close and the looks to be back") {
            !$0.contains("Keys — any key closes") && $0.contains("Office — Blue Shirt") && $0.contains("? help")
        }
        #expect(!closed.contains("Everywhere"), "\(closed)")
        #expect(closed.contains("Office — Blue Shirt") && closed.contains("? help"), "\(closed)")
    }

    /// One pane, the key that opens it, what shows it is there, and the help sections it leads with (its own
    /// scopes, in the order the overlay lists them: `helpScopes` in AppView).
    struct HelpCase: Sendable, CustomTestStringConvertible {
        let pane: String
        let key: String
        let ready: String
        let scopes: [Scope]
        var testDescription: String { pane }
    }

    /// The overlay lists every key, the current pane's sections first. At 80×24 not every section fits any
    /// more: what is cut must be announced ("… more keys: enlarge the terminal"), and the current pane's own
    /// sections must be there in full, every binding with its keys and its words unclipped (an earlier layout
    /// clipped "copy preview URL" to "copy preview UR"). The expectations come from the key table itself.
    @Test(arguments: [
        HelpCase(pane: "Looks", key: "1", ready: "Office — Blue Shirt", scopes: [.global, .list, .looks, .filtering]),
        HelpCase(pane: "Voices", key: "2", ready: "1,842 of 1,842", scopes: [.global, .list, .voices]),
        HelpCase(pane: "Compose", key: "3", ready: "Compose a Digital Twin video", scopes: [.global, .compose, .editing]),
        HelpCase(pane: "Board", key: "4", ready: "No videos yet", scopes: [.global, .board, .list]),
    ])
    func helpOverlayShowsTheCurrentPaneSectionsAt80x24(_ help: HelpCase) async throws {
        let app = try TwinDeckInTmux()
        defer { app.close() }
        try await app.waitForFirstFrame()
        try app.press(help.key)
        try await app.waitFor("the \(help.pane) pane", timeout: .seconds(10)) { $0.contains(help.ready) }
        try app.press("?")
        let overlay = try await app.waitFor("the help overlay") { $0.contains("Keys — any key closes") }
        #expect(overlay.lines.allSatisfy { displayWidth($0) <= 80 }, "\(overlay)")
        // The box's inside, one string per line, cut by display column (what is behind the box can have its
        // own borders).
        let lines = overlay.lines
        let top = try #require(lines.firstIndex { $0.contains("┌─ Keys — any key closes") }, "\(overlay)")
        let topLine = lines[top]
        let open = try #require(topLine.range(of: "┌─ Keys"))
        let close = try #require(topLine[open.upperBound...].firstIndex(of: "┐"), "\(overlay)")
        let left = displayWidth(topLine[..<open.lowerBound]), right = displayWidth(topLine[..<close])
        let bottom = lines[(top + 1)...].firstIndex { displayColumn(of: "└", in: $0) == left } ?? lines.count
        let inside = lines[(top + 1)..<bottom].map { displaySlice($0, from: left + 1, to: right) }
        /// Whether a line shows `keys`, then at least one space, then `words`.
        func shows(_ keys: String, _ words: String) -> Bool {
            inside.contains { line in
                var rest = Substring(line)
                while let range = rest.range(of: keys) {
                    let after = rest[range.upperBound...]
                    let gap = after.prefix { $0 == " " }
                    if !gap.isEmpty, after.dropFirst(gap.count).hasPrefix(words) { return true }
                    rest = rest[range.upperBound...]
                }
                return false
            }
        }
        // A heading starts one of the overlay's two columns: inside the border, 1 column of margin; the columns
        // share the rest with a gap of 2. (Its words, "Looks", can also be a binding's, in the words column.)
        let insideWidth = inside.map(displayWidth).max() ?? 0
        let columns = [1, 1 + (insideWidth - 4) / 2 + 2]
        func heading(_ name: String) -> Bool {
            inside.contains { line in
                columns.contains { column in
                    var width = 0
                    for index in line.indices {
                        if width == column { return line[index...].hasPrefix(name + " ") || line[index...] == name }
                        width += displayWidth(line[index...].prefix(1))
                    }
                    return false
                }
            }
        }
        let sections = KeyMap.helpSections(first: help.scopes)
        #expect(sections.prefix(help.scopes.count).map(\.0) == help.scopes, "the pane's sections should lead")
        for (scope, rows) in sections.prefix(help.scopes.count) {
            #expect(heading(scope.rawValue), "no “\(scope.rawValue)” heading:\n\(overlay)")
            let missing = rows.filter { !shows($0.0, $0.1) }
            #expect(missing.isEmpty, "\(scope.rawValue): missing or clipped: \(missing)\n\(overlay)")
        }
        // Whatever does not fit is announced.
        let headings = sections.map(\.0.rawValue)
        let absent = headings.filter { !heading($0) }
        if !absent.isEmpty {
            #expect(overlay.contains("… more keys: enlarge the terminal"), "sections \(absent) left out silently:\n\(overlay)")
        }
    }

    /// The display columns `from..<to` of `line` (a wide character straddling an edge is left out).
    func displaySlice(_ line: String, from: Int, to: Int) -> String {
        var width = 0
        var out = ""
        for character in line {
            let w = displayWidth(String(character))
            if width >= from && width + w <= to { out.append(character) }
            width += w
        }
        return out
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
                && (displayEndColumn(of: "credits", in: screen.lines.first) ?? displayEndColumn(of: "demo-twin", in: screen.lines.first) ?? 0) > 80
        }
        #expect(wide.lines.allSatisfy { displayWidth($0) <= 120 }, "\(wide)")
        // The account is right-aligned in the header: it ends near column 120.
        let header = wide.lines[0]
        // (The demo account reports a balance: "demo-twin <demo@twindeck.invalid> · 1,000 credits".)
        let accountEnd = displayEndColumn(of: "credits", in: header)
            ?? displayEndColumn(of: "demo-twin <demo@twindeck.invalid>", in: header) ?? 0
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
        SignalCase(name: "QUIT", number: SIGQUIT, exitCode: 131),
        SignalCase(name: "BUS", number: SIGBUS, exitCode: 135),
        SignalCase(name: "FPE", number: SIGFPE, exitCode: 136),
        SignalCase(name: "TRAP", number: SIGTRAP, exitCode: 133),
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
}
