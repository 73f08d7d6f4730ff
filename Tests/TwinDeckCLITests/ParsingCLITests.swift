import Foundation
import Testing

/// How the command line is read: one error style, the nearest command for a typo, global options in the top-level
/// help, negative numbers, and unknown things named on the command line as invalid input (exit 64).
@Suite("Command-line parsing")
struct ParsingCLITests {
    @Test func aTypoNamesTheNearestCommandInsteadOfTheAppsUsage() async throws {
        let typo = try await twindeck(["lookz"])
        #expect(typo.code == 64)
        #expect(typo.stderr.contains("twindeck: error: 'lookz' is not a twindeck command; did you mean 'looks'?"), "\(typo.stderr)")
        #expect(!typo.stderr.contains("USAGE: twindeck app"), "not the app's usage")
        let far = try await twindeck(["frobnicate"])
        #expect(far.code == 64 && far.stderr.contains("'frobnicate' is not a twindeck command (twindeck --help lists them)"), "\(far.stderr)")
        let prefix = try await twindeck(["webh"])
        #expect(prefix.stderr.contains("did you mean 'webhook'?"), "\(prefix.stderr)")
        let help = try await twindeck(["help", "create"])
        #expect(help.code == 0 && help.stdout.contains("--look <id>"), "help <command> still works")
    }

    @Test func oneErrorStyleAndTheGlobalOptionsInTheTopLevelHelp() async throws {
        let bad = try await twindeck(["create", "--look", "lk", "--script", "a", "--script-file", "b"])
        #expect(bad.code == 64)
        #expect(bad.stderr.hasPrefix("twindeck: error: use either --script or --script-file"), "\(bad.stderr)")
        #expect(!bad.stderr.contains("Error: "))
        let missing = try await twindeck(["status"])
        #expect(missing.code == 64 && missing.stderr.hasPrefix("twindeck: error: Missing expected argument"), "\(missing.stderr)")
        let help = try await twindeck(["--help"])
        #expect(help.code == 0)
        for option in ["--demo", "--base-url", "--api-key", "--json"] { #expect(help.stdout.contains(option), "\(option)") }
        let version = try await twindeck(["--version"])
        #expect(version.code == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test func negativeNumbersAreValues() async throws {
        let dry = try await twindeck(["create", "--look", "lk_twin_office", "--voice", "v1", "--script", "Hi", "--pitch", "-10",
                                      "--speed", "0.8", "--dry-run"])
        #expect(dry.code == 0, "\(dry.stderr)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect((body["voice_settings"] as? [String: Any])?["pitch"] as? Double == -10)
        let low = try await twindeck(["create", "--look", "lk_twin_office", "--voice", "v1", "--script", "Hi", "--pitch", "-90", "--dry-run"])
        #expect(low.code == 64 && low.stderr.contains("voice_settings.pitch"), "refused by the rule, not the parser: \(low.stderr)")
    }

    @Test func anUnknownLookOrVoiceIsInvalidInput() async throws {
        let look = try await twindeck(["look", "lk_nobody_has_this", "--demo"])
        #expect(look.code == 64 && look.stderr.hasPrefix("twindeck: error: "), "\(look.stderr)")
        let create = try await twindeck(["create", "--demo", "--look", "lk_nobody_has_this", "--voice", "v1", "--script", "Hi"])
        #expect(create.code == 64, "\(create.stderr)")
    }
}

@Suite("voices --language")
struct VoicesLanguageCLITests {
    @Test func codesAndNamesFindTheSameVoicesAndAnUnknownOneListsTheLanguages() async throws {
        let sandbox = Sandbox()
        let byName = try await twindeck(["voices", "--demo", "--language", "Spanish", "--json"], sandbox: sandbox)
        let names = try #require(byName.json as? [[String: Any]])
        #expect(!names.isEmpty && names.allSatisfy { $0["language"] as? String == "Spanish" })
        for code in ["es", "es-ES", "ES_es"] {
            let byCode = try await twindeck(["voices", "--demo", "--language", code, "--json"], sandbox: sandbox)
            #expect((byCode.json as? [[String: Any]])?.count == names.count, "\(code): \(byCode.stderr)")
        }
        let none = try await twindeck(["voices", "--demo", "--language", "Klingon"], sandbox: sandbox)
        #expect(none.code == 64)
        #expect(none.stderr.contains("no voices in Klingon; the languages are: ") && none.stderr.contains("English") && none.stderr.contains("Spanish"),
                "\(none.stderr)")
    }
}
