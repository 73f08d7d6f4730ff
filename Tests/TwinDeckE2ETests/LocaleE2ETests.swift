import Foundation
import Testing

/// The real binary on terminals that are not set up the usual way: no TERM, no UTF-8 locale.
extension TmuxE2E {
@Suite("Terminal setup in a real pty", .timeLimit(.minutes(1)))
struct LocaleE2ETests {
    /// Runs `twindeck arguments` in a pty (`script`) with `environment` only (so no TERM unless given).
    static func inPTY(_ arguments: [String], environment: [String: String]) throws -> ToolResult {
        let script = try #require(Tools.which("script"))
        let command = ([twindeckBinary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return Tools.run(script, ["-qec", command + "; echo EXIT=$?", "/dev/null"], environment: environment, timeout: .seconds(20))
    }

    @Test func withoutTERMTheAppSaysTERMIsNotSet() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-noterm-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: home) }
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path, "LANG": "C.UTF-8"]
        for term in [nil, ""] as [String?] {
            var environment = env
            if let term { environment["TERM"] = term }
            let result = try Self.inPTY(["--demo"], environment: environment)
            #expect(result.stdout.contains("TERM is not set"), "\(result.stdout)")
            #expect(!result.stdout.contains("terminfo database"), "\(result.stdout)")
            #expect(result.stdout.contains("EXIT=1"), "\(result.stdout)")
        }
    }

    @Test func withoutAUTF8LocaleTheScreenIsPlainASCII() async throws {
        let app = try TwinDeckInTmux(width: 100, height: 30, environment: ["LANG": "C", "LC_ALL": "C"])
        defer { app.close() }
        let screen = try await app.waitFor("the first frame in ASCII", timeout: .seconds(15)) {
            $0.contains("Office - Blue Shirt") && $0.contains("demo-twin") && $0.listRows.count >= 5
        }
        // curses in the C locale draws each byte of a UTF-8 character as `~@`, `~T`, `M-b`…
        for garbage in ["~@", "~T", "M-b", "M-^"] { #expect(!screen.contains(garbage), "\(garbage) in\n\(screen.text)") }
        #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII }, "\(screen.text)")
        #expect(screen.lines.contains { $0.contains("+--") }, "a box corner and edge: \(screen.text)")
        #expect(screen.lines.contains { $0.hasPrefix("|") || $0.contains(" |") }, "\(screen.text)")
        #expect(screen.contains("Lecture Hall - ????"), "wide characters one ? per column: \(screen.text)")
        // The columns line up as in UTF-8: the look names start in the same column on every row.
        let names = screen.listRows.compactMap { row in ["Office", "Kitchen", "Lecture"].compactMap { row.range(of: $0)?.lowerBound }.first.map { row.distance(from: row.startIndex, to: $0) } }
        #expect(Set(names).count == 1, "\(names) \(screen.text)")
        try app.press("Tab")
        let voices = try await app.waitFor("the voices pane", timeout: .seconds(20)) { $0.contains("LANGUAGE") && $0.contains("voices") }
        #expect(voices.text.unicodeScalars.allSatisfy { $0.isASCII } && !voices.contains("~@"), "\(voices.text)")
        try app.press("q")
        #expect(try await app.waitForExit() == 0)
    }

    @Test func theAppRefusesAPortPast65535BeforeTheScreenStarts() async throws {
        let app = try TwinDeckInTmux(arguments: ["--base-url", "http://127.0.0.1:99999", "--api-key", "sk_test_abcd"])
        defer { app.close() }
        #expect(try await app.waitForExit() == 64)
        let screen = try app.capture()
        #expect(screen.contains("port") && screen.contains("1 to 65535"), "\(screen.text)")
    }
}
}
