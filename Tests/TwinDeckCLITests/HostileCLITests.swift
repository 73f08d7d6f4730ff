import Foundation
import HeyGen
import Testing
import TwinDeckTestSupport

/// `simulate --hostile-names` serves escape sequences, bidi overrides, 10,000-character names…: tables and fields
/// print them inert and clipped; `--json` prints them exactly, as valid JSON.
@Suite("Hostile strings in CLI output")
struct HostileCLITests {
    static func expectInert(_ text: String, maxLine: Int, _ context: String) {
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            #expect(!line.unicodeScalars.contains { Sanitizer.isUnsafe($0) }, "\(context) line \(n): \(line.prefix(200).debugDescription)")
            #expect(line.count <= maxLine, "\(context) line \(n) has \(line.count) characters")
        }
    }

    @Test func tablesAreInertAndClippedAndJSONIsFaithful() async throws {
        let simulator = try SimulatorProcess(["--hostile-names", "--render-seconds", "0.2"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let created = try await twindeck(HistoryCLITests.createArguments(title: "Plain title") + target + ["--wait", "--json", "--poll-interval", "0.1"],
                                         sandbox: sandbox)
        #expect(created.code == 0, "\(created.stderr)")
        let id = try #require((created.json as? [String: Any])?["video_id"] as? String)
        var printed = 0
        for (command, maxLine) in [(["looks"], 300), (["voices"], 300), (["videos"], 300), (["look", "lk_twin_office"], 2_100),
                                   (["status", id], 2_100), (["account"], 300)] {
            let result = try await twindeck(command + target, sandbox: sandbox)
            #expect(result.code == 0, "\(command): \(result.stderr)")
            Self.expectInert(result.stdout, maxLine: maxLine, "\(command) stdout")
            Self.expectInert(result.stderr, maxLine: 2_100, "\(command) stderr")
            printed += 1
        }
        #expect(try await twindeck(["looks"] + target, sandbox: sandbox).stdout.contains("·[2J·[H screen cleared"), "escapes shown as text")

        // JSON: valid, no raw ESC, and the very strings the server sent.
        let raw = try await HistoryCLITests.api(simulator.baseURL, ["/v3/avatars/looks?avatar_type=digital_twin&ownership=private&limit=50"])
        let served = (raw["data"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        for (command, key) in [(["looks", "--json"], "name"), (["voices", "--json"], "name"), (["status", id, "--json"], "title")] {
            let result = try await twindeck(command + target, sandbox: sandbox)
            #expect(result.code == 0, "\(command): \(result.stderr)")
            #expect(!result.stdout.contains("\u{1B}"), "\(command): a raw escape in JSON")
            let parsed = try #require(try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)), "\(command) is not JSON")
            let objects = (parsed as? [[String: Any]]) ?? [(parsed as? [String: Any]) ?? [:]]
            let names = objects.compactMap { $0[key] as? String }
            #expect(!names.isEmpty)
            #expect(names.contains { name in hostileStrings.contains { name.hasPrefix($0) } }, "\(command): hostile strings are kept")
            if command == ["looks", "--json"] { #expect(names == served, "looks --json differs from what the server sent") }
            printed += 1
        }
        #expect(served.contains { $0.hasPrefix(String(repeating: "W", count: 10_000)) }, "the 10,000-character name was served")
        reportFigures("hostile-cli", ["hostile_strings": hostileStrings.count, "outputs_checked": printed])
    }
}
