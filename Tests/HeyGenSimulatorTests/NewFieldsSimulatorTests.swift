import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

/// The simulator's create validation for the fields of the field table beyond the guide's: the new keys are accepted,
/// their values checked like the docs say, and unknown keys still refused. Raw JSON, past the client's encoder.
@Suite("Simulator: new request fields")
struct NewFieldsSimulatorTests {
    /// Luca: a fixture voice with `support_pause` and `support_locale` false.
    static let plainVoice = "dd59e5692e09154666cfe928d57b90e1"

    static func body(_ fields: String, script: Bool = true, voice: String? = sampleVoiceID) -> String {
        var parts = [#""type": "avatar""#, #""avatar_id": "lk_twin_office""#]
        if script { parts.append(#""script": "Hello from a raw body.""#) }
        if let voice { parts.append(#""voice_id": "\#(voice)""#) }
        if !fields.isEmpty { parts.append(fields) }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// Uploads a sample file and returns its asset id.
    static func uploaded(_ sim: RunningSimulator, _ file: URL) async throws -> String {
        let reply = try await rawUpload(sim, try Data(contentsOf: file), fileName: file.lastPathComponent)
        try #require(reply.status == 200, "\(reply.text)")
        return try JSONDecoder().decode(DataEnvelope<UploadedAsset>.self, from: reply.body).data.assetID
    }

    @Test func everyNewFieldIsAccepted() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        try await withSimulator { sim, _ in
            let image = try await Self.uploaded(sim, try files.png())
            let full = try await rawCreate(sim, Self.body([
                #""aspect_ratio": "4:5", "fit": "cover", "callback_id": "order-42""#,
                #""caption": {"file_format": "srt", "style": "default"}, "voice_settings": {"volume": 0.5, "locale": "en-GB"}"#,
                #""background": {"type": "image", "asset_id": "\#(image)"}"#,
            ].joined(separator: ", ")))
            #expect(full.status == 200, "\(full.text)")
            for ratio in AspectRatio.known {
                let reply = try await rawCreate(sim, Self.body(#""aspect_ratio": "\#(ratio.rawValue)""#))
                #expect(reply.status == 200, "\(ratio): \(reply.text)")
            }
            let sidecar = try await rawCreate(sim, Self.body(#""caption": {"file_format": "srt", "style": null}"#))
            #expect(sidecar.status == 200, "\(sidecar.text)")
        }
    }

    @Test func aRecordingReplacesTheScriptAndTheVoice() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        try await withSimulator { sim, client in
            let url = try await rawCreate(sim, Self.body(#""audio_url": "https://example.com/voice.mp3""#, script: false, voice: nil))
            #expect(url.status == 200, "\(url.text)")
            let recording = try await Self.uploaded(sim, try files.mp3())
            let asset = try await rawCreate(sim, Self.body(#""audio_asset_id": "\#(recording)""#, script: false))
            #expect(asset.status == 200, "\(asset.text)")
            #expect(try await client.videos(limit: 10).data.count == 2)

            // An asset id the account does not have, or one of the wrong kind, is refused at its field.
            let unknown = try await rawCreate(sim, Self.body(#""audio_asset_id": "asset_nobody_uploaded""#, script: false))
            #expect(unknown.status == 404 && unknown.text.contains("asset_not_found") && unknown.text.contains("audio_asset_id"), "\(unknown.text)")
            let image = try await Self.uploaded(sim, try files.png())
            let imageAsAudio = try await rawCreate(sim, Self.body(#""audio_asset_id": "\#(image)""#, script: false))
            ValidationParityTests.expectInvalid(imageAsAudio, param: "audio_asset_id")
            let audioAsBackground = try await rawCreate(sim, Self.body(#""background": {"type": "image", "asset_id": "\#(recording)"}"#))
            ValidationParityTests.expectInvalid(audioAsBackground, param: "background.asset_id")
            #expect(try await client.videos(limit: 10).data.count == 2, "nothing refused was made")

            let both = try await rawCreate(sim, Self.body(#""audio_url": "https://example.com/voice.mp3""#))
            ValidationParityTests.expectInvalid(both, param: "audio_url")
            let twoRecordings = try await rawCreate(sim, Self.body(
                #""audio_url": "https://example.com/a.mp3", "audio_asset_id": "asset_1""#, script: false))
            ValidationParityTests.expectInvalid(twoRecordings, param: "audio_asset_id")
            let neither = try await rawCreate(sim, Self.body("", script: false))
            ValidationParityTests.expectInvalid(neither, param: "script")
            let notAURL = try await rawCreate(sim, Self.body(#""audio_url": "file:///tmp/a.mp3""#, script: false))
            ValidationParityTests.expectInvalid(notAURL, param: "audio_url")
        }
    }

    @Test func valuesAreCheckedLikeTheDocs() async throws {
        try await withSimulator { sim, _ in
            let cases: [(String, String)] = [
                (#""fit": "stretch""#, "fit"),
                (#""aspect_ratio": "4:3""#, "aspect_ratio"),
                (#""voice_settings": {"volume": 1.5}"#, "voice_settings.volume"),
                (#""voice_settings": {"locale": "en"}"#, "voice_settings.locale"),
                (#""caption": {"file_format": "vtt"}"#, "caption"),
                (#""caption": {"style": "fancy"}"#, "caption"),
                (#""caption": {"file_format": "srt", "font": "Arial"}"#, "caption.font"),
                (#""callback_id": " ""#, "callback_id"),
                (#""background": {"type": "image", "asset_id": ""}"#, "background.asset_id"),
                (#""background": {"type": "image", "asset_id": "a", "url": "https://example.com/b.png"}"#, "background.asset_id"),
                (#""audio_asset_id": 42"#, "audio_asset_id"),
            ]
            for (fields, param) in cases {
                let reply = try await rawCreate(sim, Self.body(fields))
                ValidationParityTests.expectInvalid(reply, param: param)
            }
        }
    }

    @Test func theVoicesOwnLimits() async throws {
        try await withSimulator { sim, _ in
            let pause = #""script": "Wait <break time=\"1s\"/> for it.""#
            let refused = try await rawCreate(sim, Self.body(pause, script: false, voice: Self.plainVoice))
            ValidationParityTests.expectInvalid(refused, param: "script")
            #expect(refused.apiError?.message?.contains("does not support pauses") == true)
            let accepted = try await rawCreate(sim, Self.body(pause, script: false))  // Sara supports pauses
            #expect(accepted.status == 200, "\(accepted.text)")

            let locale = try await rawCreate(sim, Self.body(#""voice_settings": {"locale": "en-GB"}"#, voice: Self.plainVoice))
            ValidationParityTests.expectInvalid(locale, param: "voice_settings.locale")
        }
    }
}
