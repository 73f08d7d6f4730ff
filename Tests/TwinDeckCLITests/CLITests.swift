import Foundation
import Testing

@Suite("twindeck CLI as a process")
struct CLITests {
    @Test func helpListsEveryCommand() async throws {
        let result = try await twindeck(["--help"])
        #expect(result.code == 0)
        for command in ["looks", "look", "voices", "create", "status", "simulate", "account"] {
            #expect(result.stdout.contains("  \(command) "), "help should list \(command)")
        }
    }

    @Test func looksJSONListsOnlyPrivateDigitalTwins() async throws {
        let result = try await twindeck(["looks", "--demo", "--json"])
        #expect(result.code == 0, "\(result.stderr)")
        let looks = try #require(result.json as? [[String: Any]])
        #expect(looks.count == 12)
        #expect(looks.allSatisfy { $0["avatar_type"] as? String == "digital_twin" })
        #expect(looks.contains { $0["id"] as? String == "lk_twin_office" })
        #expect(!looks.contains { $0["id"] as? String == "lk_other_twin" })
        let office = try #require(looks.first { $0["id"] as? String == "lk_twin_office" })
        #expect(office["supported_api_engines"] as? [String] == ["avatar_iv", "avatar_v"])
    }

    @Test func lookTableShowsEngines() async throws {
        let result = try await twindeck(["look", "lk_twin_kitchen", "--demo"])
        #expect(result.code == 0)
        #expect(result.stdout.contains("Engines:"))
        #expect(result.stdout.contains("Avatar IV"))
        #expect(!result.stdout.contains("Avatar V,"))
    }

    @Test func voicesFiltersByLanguageGenderAndSearch() async throws {
        let filtered = try await twindeck(["voices", "--demo", "--json", "--language", "Spanish", "--gender", "female"])
        #expect(filtered.code == 0, "\(filtered.stderr)")
        let voices = try #require(filtered.json as? [[String: Any]])
        #expect(voices.count > 10)
        #expect(voices.allSatisfy { $0["language"] as? String == "Spanish" && $0["gender"] as? String == "female" })

        let searched = try await twindeck(["voices", "--demo", "--json", "--search", "jose"])
        let found = try #require(searched.json as? [[String: Any]])
        let names = found.compactMap { $0["name"] as? String }
        #expect(names.contains { $0.hasPrefix("José Ángel") }, "accent-insensitive search finds José")
        #expect(names.allSatisfy { $0.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).contains("jose") })
    }

    @Test func dryRunPrintsTheBodyAndSendsNothing() async throws {
        let result = try await twindeck([
            "create", "--look", "lk_twin_office", "--voice", "v1", "--script", "Hello there", "--engine", "avatar_v",
            "--resolution", "720p", "--speed", "1.2", "--dry-run",
        ])
        #expect(result.code == 0, "\(result.stderr)")
        let body = try #require(result.json as? [String: Any])
        #expect(body["type"] as? String == "avatar")
        #expect(body["avatar_id"] as? String == "lk_twin_office")
        #expect((body["engine"] as? [String: Any])?["type"] as? String == "avatar_v")
        #expect((body["voice_settings"] as? [String: Any])?["speed"] as? Double == 1.2)
        #expect(body["motion_prompt"] == nil && body["expressiveness"] == nil)
        #expect(Set(body.keys) == ["type", "avatar_id", "script", "voice_id", "engine", "resolution", "voice_settings"])
    }

    @Test func invalidInputExits64WithFieldMessages() async throws {
        let result = try await twindeck([
            "create", "--demo", "--look", "lk_twin_office", "--voice", "v1", "--script", "x", "--engine", "avatar_v",
            "--expressiveness", "high", "--pitch", "80", "--output-format", "webm", "--background-color", "#000000",
        ])
        #expect(result.code == 64)
        #expect(result.stderr.contains("expressiveness: is an Avatar IV-only setting"))
        #expect(result.stderr.contains("voice_settings.pitch: must be from -50 to 50"))
        #expect(result.stderr.contains("background: webm output"))
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrac"))
    }

    @Test func avatarVOnAnIVOnlyLookIsRefusedBeforeSending() async throws {
        let result = try await twindeck([
            "create", "--demo", "--look", "lk_twin_kitchen", "--voice", "1bd001e7e50f421d891986aad5c8bbd2",
            "--script", "Hi", "--engine", "avatar_v",
        ])
        #expect(result.code == 64)
        #expect(result.stderr.contains("this look supports: Avatar IV"))
    }

    @Test func scriptFromStandardInput() async throws {
        let result = try await twindeck(
            ["create", "--look", "lk_twin_office", "--voice", "v1", "--script-file", "-", "--dry-run"], stdin: "Línea uno\nline two\n")
        #expect(result.code == 0, "\(result.stderr)")
        #expect((result.json as? [String: Any])?["script"] as? String == "Línea uno\nline two")
    }

    @Test func createWaitThenStatusOnThePersistedDemo() async throws {
        let sandbox = Sandbox()
        let created = try await twindeck([
            "create", "--demo", "--look", "lk_twin_office", "--voice", "1bd001e7e50f421d891986aad5c8bbd2",
            "--script", "Bonjour, je suis votre jumeau numérique.", "--title", "CLI test", "--engine", "avatar_v",
            "--wait", "--json", "--poll-interval", "0.2",
        ], sandbox: sandbox)
        #expect(created.code == 0, "\(created.stderr)")
        let result = try #require(created.json as? [String: Any])
        #expect(result["status"] as? String == "completed")
        let id = try #require(result["video_id"] as? String)
        #expect((result["video_url"] as? String)?.contains("/media/\(id).mp4") == true)

        // A second process with the same demo store still knows the video.
        let status = try await twindeck(["status", id, "--demo", "--json"], sandbox: sandbox)
        #expect(status.code == 0, "\(status.stderr)")
        let video = try #require(status.json as? [String: Any])
        #expect(video["id"] as? String == id)
        #expect(video["title"] as? String == "CLI test")
        #expect(video["status"] as? String == "completed")
    }

    @Test func missingKeySaysHowToSetOne() async throws {
        let result = try await twindeck(["looks"])
        #expect(result.code == 1)
        #expect(result.stderr.contains("HEYGEN_API_KEY"))
        #expect(result.stderr.contains("--demo"))
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }

    @Test func plainHTTPIsRefusedExceptLoopback() async throws {
        let result = try await twindeck(["looks", "--base-url", "http://api.example.com", "--api-key", "k"])
        #expect(result.code == 64)
        #expect(result.stderr.contains("https"))
    }
}
