import Foundation
import HeyGen
import Testing

/// Every payload in the contract's `examples/` folder must decode with the model the contract names for it.
/// The folder is listed at run time, so a new example is covered without editing this file, and an example
/// whose kind this file does not know fails until a decoder is added for it.
@Suite("Contract examples")
struct ContractExamplesTests {
    /// `<root>/../shared/heygen-v3/examples` when it exists, else the vendored copy next to this file.
    static let examplesDirectory: URL = {
        let thisFile = URL(fileURLWithPath: #filePath)
        let testsDirectory = thisFile.deletingLastPathComponent()  // Tests/HeyGenTests
        let root = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()  // repo root
        let shared = root.deletingLastPathComponent().appendingPathComponent("shared/heygen-v3/examples", isDirectory: true)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: shared.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return shared
        }
        return testsDirectory.appendingPathComponent("ContractExamples", isDirectory: true)
    }()

    static let exampleNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examplesDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    static func load(_ name: String) throws -> Data {
        try Data(contentsOf: examplesDirectory.appendingPathComponent(name))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(type, from: try load(name))
    }

    struct UnknownExampleKind: Error, CustomStringConvertible {
        var name: String
        var description: String { "no decoder for example \"\(name)\"; add one to ContractExamplesTests.decodeExample" }
    }

    /// Decodes an example with the type its name prefix calls for; returns the type's name.
    @discardableResult
    static func decodeExample(named name: String, data: Data) throws -> String {
        let decoder = JSONDecoder()
        switch name {
        case _ where name.hasPrefix("looks-list"):
            _ = try decoder.decode(Page<Look>.self, from: data)
            return "Page<Look>"
        case _ where name.hasPrefix("look-detail"):
            _ = try decoder.decode(DataEnvelope<Look>.self, from: data)
            return "DataEnvelope<Look>"
        case _ where name.hasPrefix("voices-list"):
            _ = try decoder.decode(Page<Voice>.self, from: data)
            return "Page<Voice>"
        case _ where name.hasPrefix("video-create-request-"):
            let request = try decoder.decode(CreateVideoRequest.self, from: data)
            let original = try JSONSerialization.jsonObject(with: data)
            let reencoded = try JSONSerialization.jsonObject(with: try request.jsonBody())
            #expect(original is [String: Any])
            #expect(jsonEqual(original, reencoded), "\(name) does not survive decode → encode unchanged")
            return "CreateVideoRequest"
        case _ where name.hasPrefix("video-create-response"):
            _ = try decoder.decode(DataEnvelope<CreateVideoResponse>.self, from: data)
            return "DataEnvelope<CreateVideoResponse>"
        case _ where name.hasPrefix("video-get-"):
            _ = try decoder.decode(DataEnvelope<Video>.self, from: data)
            return "DataEnvelope<Video>"
        case _ where name.hasPrefix("error-"):
            _ = try decoder.decode(APIErrorBody.self, from: data)
            return "APIErrorBody"
        case _ where name.hasPrefix("webhook-endpoint-"):
            _ = try decoder.decode(DataEnvelope<WebhookEndpoint>.self, from: data)
            return "DataEnvelope<WebhookEndpoint>"
        case _ where name.hasPrefix("webhook-event-"):
            _ = try decoder.decode(WebhookEvent.self, from: data)
            return "WebhookEvent"
        default:
            throw UnknownExampleKind(name: name)
        }
    }

    /// Structural equality of two values from `JSONSerialization` (key order and whitespace do not matter).
    static func jsonEqual(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case let (a as [String: Any], b as [String: Any]):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { jsonEqual(value, $0) } ?? false }
        case let (a as [Any], b as [Any]):
            return a.count == b.count && zip(a, b).allSatisfy { jsonEqual($0, $1) }
        case let (a as String, b as String):
            return a == b
        case (is NSNull, is NSNull):
            return true
        case let (a as NSNumber, b as NSNumber):
            return a == b
        default:
            return false
        }
    }

    @Test("the JSON comparison used for round trips notices a difference")
    func jsonEqualIsStrict() throws {
        func parse(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }
        #expect(Self.jsonEqual(try parse(#"{"a":1,"b":{"c":["x",null]}}"#), try parse(#"{ "b": {"c": ["x", null]}, "a": 1 }"#)))
        #expect(!Self.jsonEqual(try parse(#"{"a":1}"#), try parse(#"{"a":2}"#)))
        #expect(!Self.jsonEqual(try parse(#"{"a":1}"#), try parse(#"{"a":1,"b":null}"#)))
        #expect(!Self.jsonEqual(try parse(#"{"a":"x"}"#), try parse(#"{"b":"x"}"#)))
        #expect(!Self.jsonEqual(try parse(#"{"a":["x","y"]}"#), try parse(#"{"a":["y","x"]}"#)))
        #expect(!Self.jsonEqual(try parse(#"{"e":{"type":"avatar_v"}}"#), try parse(#"{"e":"avatar_v"}"#)))
    }

    @Test("the examples folder is found and holds the contract's payloads")
    func folderIsComplete() {
        #expect(Self.exampleNames.count >= 15, "found \(Self.exampleNames.count) examples in \(Self.examplesDirectory.path)")
    }

    @Test("every example decodes with the model its name calls for", arguments: exampleNames)
    func exampleDecodes(_ name: String) throws {
        let data = try Self.load(name)
        // Each example must be valid JSON in its own right before any model is involved.
        #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: data) }
        try Self.decodeExample(named: name, data: data)
    }

    @Test("an example of an unknown kind is refused rather than skipped")
    func unknownPrefixFails() throws {
        let data = Data(#"{"data": {"id": "x"}}"#.utf8)
        #expect(throws: UnknownExampleKind.self) { try Self.decodeExample(named: "avatar-group-list.json", data: data) }
        // And a known prefix with the same body goes through the dispatcher to a real decoder.
        #expect(try Self.decodeExample(named: "look-detail-extra.json", data: Data(#"{"data":{"id":"x"}}"#.utf8)) == "DataEnvelope<Look>")
    }

    @Test("a malformed example of a known kind fails to decode")
    func malformedKnownKindFails() {
        #expect(throws: (any Error).self) {
            try Self.decodeExample(named: "video-get-broken.json", data: Data(#"{"data": {"status": "completed"}}"#.utf8))
        }
        #expect(throws: (any Error).self) {
            try Self.decodeExample(named: "webhook-event-broken.json", data: Data(#"{"event_type": "avatar_video.success"}"#.utf8))
        }
    }

    // MARK: - Specific values

    @Test func lookDetailSupportsAvatarV() throws {
        let look = try Self.decode(DataEnvelope<Look>.self, "look-detail.json").data
        #expect(look.id == "lk_abc123")
        #expect(look.name == "My Digital Twin")
        #expect(look.avatarType == .digitalTwin)
        #expect(look.supports(.avatarV))
        #expect(look.supports(.avatarIV))
        #expect(!look.supports(.avatarIII))
        #expect(look.isUsable)
    }

    @Test func looksListKeepsUnknownWordsAsRawValues() throws {
        let page = try Self.decode(Page<Look>.self, "looks-list.json")
        #expect(page.hasMore)
        #expect(page.nextToken == "<string>")
        let look = try #require(page.data.first)
        #expect(page.data.count == 1)
        #expect(look.avatarType == .studioAvatar)
        #expect(look.avatarType.rawValue == "studio_avatar")
        #expect(look.supportedAPIEngines == [Engine(rawValue: "<string>")])
        #expect(look.supportedAPIEngines?.first?.isKnown == false)
        #expect(look.preferredOrientation?.rawValue == "<string>")
        #expect(look.preferredOrientation?.isKnown == false)
        #expect(look.gender == .female)
        #expect(look.imageWidth == 1920 && look.imageHeight == 1080)
        #expect(look.defaultVoiceID == "1bd001e7e50f421d891986aad5c8bbd2")
        #expect(look.tags == ["<string>"])
        #expect(!look.supports(.avatarV))
    }

    @Test func voicesListDecodesEveryField() throws {
        let page = try Self.decode(Page<Voice>.self, "voices-list.json")
        let voice = try #require(page.data.first)
        #expect(voice.voiceID == "1bd001e7e50f421d891986aad5c8bbd2")
        #expect(voice.id == voice.voiceID)
        #expect(voice.name == "Sara")
        #expect(voice.language == "English")
        #expect(voice.gender == .female)
        #expect(voice.type == .public)
        #expect(voice.supportPause && voice.supportLocale)
        #expect(voice.previewAudioURL == "https://files.heygen.ai/voice/preview/sara.mp3")
        #expect(page.hasMore)
        #expect(page.nextToken == "eyJsYXN0X2lkIjoiMTIzIn0")
    }

    @Test func createRequestsDecodeTheirEngine() throws {
        let iv = try Self.decode(CreateVideoRequest.self, "video-create-request-avatar-iv.json")
        #expect(iv.engine == nil)
        #expect(iv.effectiveEngine == .avatarIV)
        #expect(iv.resolution == .r1080p && iv.aspectRatio == .landscape)
        #expect(iv.validate().isEmpty)

        let v = try Self.decode(CreateVideoRequest.self, "video-create-request-avatar-v.json")
        #expect(v.engine == .avatarV)
        #expect(v.title == "My Digital Twin — Avatar V")
        let look = try Self.decode(DataEnvelope<Look>.self, "look-detail.json").data
        #expect(v.validate(look: look).isEmpty)

        let callback = try Self.decode(CreateVideoRequest.self, "video-create-request-callback.json")
        #expect(callback.callbackURL == "https://your-server.com/webhooks/heygen")
        #expect(callback.validate().isEmpty)
    }

    @Test func createResponseKeepsPlaceholderStatus() throws {
        let response = try Self.decode(DataEnvelope<CreateVideoResponse>.self, "video-create-response.json").data
        #expect(response.videoID == "<string>")
        #expect(response.status.rawValue == "<string>")
        #expect(!response.status.isKnown)
        #expect(!response.status.isFinal)
        #expect(response.outputFormat == .mp4)
    }

    @Test func videoGetExamples() throws {
        let completed = try Self.decode(DataEnvelope<Video>.self, "video-get-completed.json").data
        #expect(completed.status == .completed && completed.status.isFinal)
        #expect(completed.createdAt == 1_711_929_600)
        #expect(completed.completedAt == 1_711_930_200)
        #expect(completed.duration == 30.5)
        #expect(completed.videoURL == "https://files.heygen.ai/video/abc123.mp4")
        #expect(completed.captionedVideoURL == "https://files.heygen.ai/video/abc123_captioned.mp4")
        #expect(completed.subtitleURL == "https://files.heygen.ai/srt/abc123.srt")
        #expect(completed.videoPageURL == "https://app.heygen.com/video/abc123")
        #expect(completed.folderID == "folder_abc123")
        #expect(completed.outputLanguage == "en-US")

        let failed = try Self.decode(DataEnvelope<Video>.self, "video-get-failed.json").data
        #expect(failed.id == "v_456")
        #expect(failed.status == .failed && failed.status.isFinal)
        #expect(failed.failureCode == "rendering_failed")
        #expect(failed.failureMessage == "Avatar rendering timed out")
        #expect(failed.videoURL == nil)

        let processing = try Self.decode(DataEnvelope<Video>.self, "video-get-processing.json").data
        #expect(processing.status == .processing && !processing.status.isFinal)
        #expect(processing.title == nil && processing.completedAt == nil && processing.videoURL == nil && processing.duration == nil)
        #expect(processing.createdAt == 1_711_929_600)
    }

    @Test func errorExamples() throws {
        let credit = try Self.decode(APIErrorBody.self, "error-insufficient-credit.json").error
        #expect(credit.code == "insufficient_credit")
        #expect(credit.message == "Your account has 5 credits but this video requires 10 credits.")
        #expect(credit.param == nil)
        #expect(credit.docURL == "https://developers.heygen.com/docs/error-codes#insufficient-credit")

        let invalid = try Self.decode(APIErrorBody.self, "error-invalid-parameter.json").error
        #expect(invalid.code == "invalid_parameter")
        #expect(invalid.param == "avatar_id")
        #expect(invalid.message == "bad value")
    }

    @Test func webhookExamples() throws {
        let endpoint = try Self.decode(DataEnvelope<WebhookEndpoint>.self, "webhook-endpoint-create-response.json").data
        #expect(endpoint.endpointID == "ep_abc123" && endpoint.id == "ep_abc123")
        #expect(endpoint.events == [.videoSuccess, .videoFail])
        #expect(endpoint.secret == "whsec_k7x9m2...")
        #expect(endpoint.createdAt == "2026-03-25T12:00:00Z")
        #expect(endpoint.status == "enabled")

        let success = try Self.decode(WebhookEvent.self, "webhook-event-success.json")
        #expect(success.eventType == .videoSuccess)
        #expect(success.eventData.videoID == "<video_id>")
        #expect(success.eventData.downloadURL == "<video-url>")
        #expect(success.eventData.failureText == nil)
        #expect(success.eventData.callbackID == "<callback_id>")

        let fail = try Self.decode(WebhookEvent.self, "webhook-event-fail.json")
        #expect(fail.eventType == .videoFail)
        #expect(fail.eventData.failureText == "<failure-message>")
        #expect(fail.eventData.downloadURL == nil)
    }
}
