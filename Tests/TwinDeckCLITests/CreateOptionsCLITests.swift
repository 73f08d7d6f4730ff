import Foundation
import HeyGen
import Testing

/// `twindeck create` against the field table: an option for every request field (with the table's help), each read
/// into the body, and refusals that exit 64 naming the field.
@Suite("twindeck create options from the field table")
struct CreateOptionsCLITests {
    static let base = ["create", "--look", "lk_twin_office", "--voice", "1bd001e7e50f421d891986aad5c8bbd2"]

    @Test("create --help lists an option for every field of the table, with the table's help")
    func helpCoversTheTable() async throws {
        let help = try await twindeck(["create", "--help"])
        #expect(help.code == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for field in RequestFields.all {
            #expect(text.contains("--\(field.option)"), "create has no --\(field.option) for \(field.wire)")
            let words = field.help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(text.contains(words), "the help of --\(field.option) is not the table's: \(words)")
        }
        #expect(text.contains("Voice volume, 0 to 1") && text.contains("4:5, 5:4, 1:1, auto"))
        for file in RequestFields.files {
            #expect(text.contains("--\(file.option) <path>"), "create has no --\(file.option) for the local file \(file.column)")
            let words = file.help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(text.contains(words), "the help of --\(file.option) is not the table's: \(words)")
        }
    }

    /// Option values from the table's examples, in groups that go together (a script or a recording, one background).
    static let groups: [[String]] = [
        ["audio_url"], ["audio_asset_id"], ["background.url"], ["background.asset_id"],
        RequestFields.all.map(\.wire).filter { !["audio_url", "audio_asset_id", "background.url", "background.asset_id"].contains($0) },
    ]

    @Test("every field of the table, set by its option, reaches the dry-run body", arguments: 0..<5)
    func everyOptionReachesTheBody(_ group: Int) async throws {
        var arguments = ["create", "--dry-run"]
        let wires = Self.groups[group]
        let recording = wires.contains("audio_url") || wires.contains("audio_asset_id")
        for wire in wires {
            let field = try #require(RequestFields.field(wire))
            if field.kind == .bool { arguments.append("--\(field.option)") } else { arguments.append("--\(field.option)=\(field.example)") }
        }
        if !wires.contains("avatar_id") { arguments += ["--look", "lk_twin_office"] }
        if !recording && !wires.contains("script") { arguments += ["--script", "Hi", "--voice", "v1"] }
        let result = try await twindeck(arguments)
        #expect(result.code == 0, "\(arguments): \(result.stderr)")
        let body = try #require(result.json as? [String: Any], "\(result.stdout)")
        for wire in wires {
            let parts = wire.split(separator: ".").map(String.init)
            let value: Any? = parts.count == 1 ? body[parts[0]] : (body[parts[0]] as? [String: Any])?[parts[1]]
            #expect(value != nil, "--\(RequestFields.field(wire)?.option ?? wire) did not reach \(wire)")
        }
        if recording { #expect(body["script"] == nil) }
    }

    @Test("the new options are checked by the rules: a refusal exits 64 and names the field")
    func refusalsNameTheField() async throws {
        let cases: [([String], String)] = [
            (["--script", "Hi", "--volume", "2"], "voice_settings.volume: must be from 0 to 1 (got 2)"),
            (["--script", "Hi", "--volume", "loud"], "voice_settings.volume: must be a number (got \"loud\")"),
            (["--script", "Hi", "--fit", "stretch"], "fit: must be one of contain, cover"),
            (["--script", "Hi", "--aspect-ratio", "4:3"], "aspect_ratio: must be one of 16:9, 9:16, 4:5, 5:4, 1:1, auto"),
            (["--script", "Hi", "--caption", "vtt"], "caption: must be one of off, srt, burned"),
            (["--script", "Hi", "--audio-url", "https://example.com/a.mp3"], "audio_url: a recording replaces the script"),
            (["--audio-url", "file:///a.mp3"], "audio_url: must be an http(s):// URL"),
            (["--audio-asset-id", "an id with spaces"], "audio_asset_id: must be an asset id"),
            (["--script", "Hi", "--background-asset-id", "a b"], "background.asset_id: must be an asset id"),
            (["--script", "Hi", "--locale", "en"], "voice_settings.locale: must be a locale such as en-US"),
            (["--script", "Hi", "--callback-id", "a\nb"], "callback_id: must be one line"),
        ]
        for (extra, message) in cases {
            let result = try await twindeck(Self.base + extra + ["--dry-run"])
            #expect(result.code == 64, "\(extra): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(extra): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let twoBackgrounds = try await twindeck(Self.base + ["--script", "Hi", "--background-color", "#000000", "--background-asset-id", "a"])
        #expect(twoBackgrounds.code == 64 && twoBackgrounds.stderr.contains("--background-color, --background-asset-id"))
        let nothing = try await twindeck(["create", "--look", "lk_twin_office", "--dry-run"])
        #expect(nothing.code == 64 && nothing.stderr.contains("--audio-url"))
    }

    @Test("a recording instead of a script, sent to the demo simulator; a voice without pauses is refused before sending")
    func againstTheDemo() async throws {
        let audio = try await twindeck(["create", "--demo", "--look", "lk_twin_office", "--audio-url", "https://example.com/voice.mp3",
                                        "--caption", "srt", "--aspect-ratio", "auto", "--json"])
        #expect(audio.code == 0, "\(audio.stderr)")
        #expect((audio.json as? [String: Any])?["video_id"] as? String != nil)

        let pause = try await twindeck(["create", "--demo", "--look", "lk_twin_office", "--voice", "dd59e5692e09154666cfe928d57b90e1",
                                        "--script", "Wait <break time=\"1s\"/> for it."])
        #expect(pause.code == 64, "\(pause.stderr)")
        #expect(pause.stderr.contains("script: voice \"Luca - Warm\" does not support pauses"), "\(pause.stderr)")
    }
}
