import Foundation
import Testing
import TwinDeckTestSupport

@Suite("twindeck speak")
struct SpeakCLITests {
    static let sara = "1bd001e7e50f421d891986aad5c8bbd2"
    /// Not starfish in the simulator (no pause support).
    static let luca = "dd59e5692e09154666cfe928d57b90e1"

    @Test func writesARealAudioFileWhoseLengthFollowsTheScript() async throws {
        let sandbox = Sandbox()
        let file = sandbox.root.appendingPathComponent("hear.wav")
        let script = sandbox.root.appendingPathComponent("script.txt")
        try Data("One two three four five six seven eight nine ten.\n".utf8).write(to: script)
        let result = try await twindeck(["speak", "--demo", "--voice", Self.sara, "--script-file", script.path, "--speed", "2",
                                         "--output", file.path, "--json"], sandbox: sandbox)
        #expect(result.code == 0, "\(result.stderr)")
        let json = try #require(result.json as? [String: Any], "\(result.stdout)")
        #expect(json["duration"] as? Double == 2)  // ten words at 0.4 s, twice as fast
        #expect(json["path"] as? String == file.path)
        let audio = try Data(contentsOf: file)
        #expect(json["bytes"] as? Int == audio.count)
        #expect(audio.prefix(4) == Data("RIFF".utf8) && audio[8..<12] == Data("WAVE".utf8))
        #expect(audio.count == 44 + 4_000 * 2, "two seconds of 4 kHz 8-bit audio")
        #expect((json["word_timestamps"] as? [Any])?.count == 10)

        // It never replaces a file without --force.
        let again = try await twindeck(["speak", "--demo", "--voice", Self.sara, "--script", "Hi", "--output", file.path], sandbox: sandbox)
        #expect(again.code == 1)
        #expect(again.stderr.contains("--force"))
        #expect(try Data(contentsOf: file) == audio)
        let forced = try await twindeck(["speak", "--demo", "--voice", Self.sara, "--script", "Hi", "-o", file.path, "--force"], sandbox: sandbox)
        #expect(forced.code == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("Saved \(file.path)"))
        #expect(try Data(contentsOf: file).count == 44 + 1_600)
    }

    @Test func withoutOutputItPrintsTheLinkAndDuration() async throws {
        let result = try await twindeck(["speak", "--demo", "--voice", Self.sara, "--script", "Hello there"])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Audio:") && result.stdout.contains("/media/speech/"), "\(result.stdout)")
        #expect(result.stdout.contains("Duration: 0.8 s"), "\(result.stdout)")
    }

    @Test func badInputExits64AndARefusedVoiceExits1() async throws {
        let long = try await twindeck(["speak", "--demo", "--voice", Self.sara, "--script", String(repeating: "a", count: 5_001)])
        #expect(long.code == 64)
        #expect(long.stderr.contains("5,000"), "\(long.stderr)")
        let speed = try await twindeck(["speak", "--demo", "--voice", Self.sara, "--script", "Hi", "--speed", "3"])
        #expect(speed.code == 64)
        #expect(speed.stderr.contains("speed"), "\(speed.stderr)")
        let both = try await twindeck(["speak", "--demo", "--voice", Self.sara, "--script", "Hi", "--script-file", "x"])
        #expect(both.code == 64)
        let unreadable = try await twindeck(["speak", "--demo", "--voice", Self.sara, "--script-file", "/nonexistent/script.txt"])
        #expect(unreadable.code == 64)
        let refused = try await twindeck(["speak", "--demo", "--voice", Self.luca, "--script", "Hi"])
        #expect(refused.code == 1)
        #expect(refused.stderr.contains("starfish"), "\(refused.stderr)")
        let unknown = try await twindeck(["speak", "--demo", "--voice", "no_such_voice", "--script", "Hi"])
        #expect(unknown.code == 64, "an unknown voice is invalid input")
        #expect(unknown.stderr.contains("no_such_voice"), "\(unknown.stderr)")
    }
}
