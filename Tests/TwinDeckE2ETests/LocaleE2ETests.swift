import Foundation
import Testing

/// The real binary on terminals that are not set up the usual way: no TERM, no UTF-8 locale.
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
}
