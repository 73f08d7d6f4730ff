import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

/// Conformance with HeyGen's own published schemas (`../shared/heygen-v3/schema/heygen-v3-schemas.json`).
///
/// The real client talks to the simulator over loopback with every endpoint TwinDeck uses, and the simulator keeps each
/// request as it arrived. Then every request body the client sent is validated strictly (no key the schema lacks),
/// every query against the endpoint's query definitions (names, enums, integer bounds), and the simulator's answer
/// to each of those requests — replayed with curl — leniently (unknown fields allowed), by `scripts/schema_check.py`
/// on the maintained `jsonschema` package.
@Suite("Published schema conformance")
struct SchemaConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The contract's schema file beside the checkout (`../shared/heygen-v3/schema/`).
    static let contract = root.deletingLastPathComponent().appendingPathComponent("shared/heygen-v3/schema/heygen-v3-schemas.json")
    /// The copy kept with the tests, so a checkout without `../shared` is checked too (``theCopyIsTheContract()``
    /// keeps it equal to the contract's).
    static let vendored = root.appendingPathComponent("Tests/HeyGenSimulatorTests/Schema/heygen-v3-schemas.json")
    /// The contract's file when it is there, else the copy.
    static let schema = FileManager.default.fileExists(atPath: contract.path) ? contract : vendored
    static let checker = root.appendingPathComponent("scripts/schema_check.py")
    /// `python3` as found on PATH (the one `.ci/run` gave `jsonschema`).
    static let env = URL(fileURLWithPath: "/usr/bin/env")

    /// The endpoints TwinDeck uses: each must be exercised, and each answer validated.
    static let used = [
        "GET /v3/avatars/looks", "GET /v3/avatars/looks/{look_id}", "GET /v3/voices", "POST /v3/videos",
        "GET /v3/videos/{video_id}", "GET /v3/videos", "GET /v3/videos/statuses", "GET /v3/users/me",
        "POST /v3/webhooks/endpoints", "GET /v3/webhooks/endpoints", "DELETE /v3/webhooks/endpoints/{endpoint_id}",
        "POST /v3/assets", "GET /v3/assets/{asset_id}",
        "POST /v3/voices/speech",  // in the schema's `_extra`, like the four below
        "POST /v3/avatars/{group_id}/consent", "GET /v3/webhooks/events", "PATCH /v3/webhooks/endpoints/{endpoint_id}",
        "POST /v3/webhooks/endpoints/{endpoint_id}/rotate-secret",
    ]

    /// The schema's name for a request path: the used endpoint whose template has the same segments (`{…}` any one).
    static func endpoint(method: String, path: String) -> String? {
        let segments = path.split(separator: "/")
        return used.first { name in
            let parts = name.split(separator: " ")
            let template = parts[1].split(separator: "/")
            guard parts[0] == method, template.count == segments.count else { return false }
            // A fixed segment beats a placeholder: /v3/videos/statuses is not /v3/videos/{video_id}.
            if template.last?.hasPrefix("{") == true, used.contains("\(method) /\(segments.joined(separator: "/"))") { return false }
            return zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
    }

    /// Requests of every shape the client builds: both engines, every field, webm, a callback.
    static let requests: [(String, CreateVideoRequest)] = [
        ("IV, every field", CreateVideoRequest(
            avatarID: "lk_twin_office", script: "Every field, Avatar IV. <break time=\"1s\"/> Done.", voiceID: "1bd001e7e50f421d891986aad5c8bbd2",
            title: "Conformance IV", resolution: .r1080p, aspectRatio: .portrait, engine: .avatarIV, removeBackground: false,
            background: Background(type: "color", value: "#112233"), voiceSettings: VoiceSettings(speed: 1.2, pitch: -5, locale: "en-US"),
            motionPrompt: "waves hello", expressiveness: .high, outputFormat: .mp4, callbackURL: "https://example.com/hook")),
        ("V, background image", CreateVideoRequest(
            avatarID: "lk_twin_office", script: "Avatar V with an image.", voiceID: "1bd001e7e50f421d891986aad5c8bbd2",
            title: "Conformance V", resolution: .r720p, aspectRatio: .landscape, engine: .avatarV,
            background: Background(type: "image", url: "https://example.com/bg.png"))),
        ("webm, no background", CreateVideoRequest(
            avatarID: "lk_twin_office", script: "Transparent.", voiceID: "1bd001e7e50f421d891986aad5c8bbd2", outputFormat: .webm)),
        ("every new field: fit, captions burned in, volume, callback id, 4:5, an uploaded background", CreateVideoRequest(
            avatarID: "lk_twin_office", script: "The rest of the avatar variant.", voiceID: "1bd001e7e50f421d891986aad5c8bbd2",
            aspectRatio: .fourFive, background: Background(type: "image", assetID: "asset_bg_1"),
            voiceSettings: VoiceSettings(speed: 1, locale: "en-GB", volume: 0.6), outputFormat: .mp4,
            fit: .cover, callbackID: "order-42", caption: .burnedIn)),
        ("a recording at a URL instead of a script, no voice, 1:1, sidecar captions", CreateVideoRequest(
            avatarID: "lk_twin_office", script: "", voiceID: "", aspectRatio: .square,
            audioURL: "https://example.com/voice.mp3", fit: .contain, caption: .sidecar)),
        ("an uploaded recording, Avatar V, auto", CreateVideoRequest(
            avatarID: "lk_twin_office", script: "", voiceID: "1bd001e7e50f421d891986aad5c8bbd2", aspectRatio: .auto,
            engine: .avatarV, audioAssetID: "asset_audio_1")),
        ("5:4", CreateVideoRequest(
            avatarID: "lk_twin_office", script: "Five by four.", voiceID: "1bd001e7e50f421d891986aad5c8bbd2", aspectRatio: .fiveFour)),
        ("minimal, a failing render", CreateVideoRequest(
            avatarID: "lk_twin_office", script: "This one fails [[fail]].", voiceID: "1bd001e7e50f421d891986aad5c8bbd2")),
    ]

    @Test("every request TwinDeck sends and every answer the simulator gives conform to HeyGen's schemas")
    func everythingConforms() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.schema.path), "the contract's schema is missing at \(Self.schema.path)")
        let cases = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cases, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: cases) }

        try await withSimulator(configure: { $0.recordRequests = true; $0.renderSeconds = 0.2 }) { sim, client in
            // Everything the app and the CLI ask for.
            let looks = try await client.allLooks()
            _ = try await client.look(id: try #require(looks.first).id)
            _ = try await client.catalogue()
            _ = try await client.voices(VoiceQuery(), token: nil)
            _ = try await client.speech(SpeechRequest(text: "Hear it first. <break time=\"1s\"/> Then render.",
                                                      voiceID: "1bd001e7e50f421d891986aad5c8bbd2", speed: 1.25, locale: "en-US"))
            // The uploads the requests name (the simulator, like HeyGen, refuses an asset id the account does not have).
            let files = try SampleAssets()
            defer { files.remove() }
            let upload = try files.mp3()
            let picture = try files.png()
            let audio = try await client.uploadAsset(file: upload, purpose: .audio)
            let image = try await client.uploadAsset(file: picture, purpose: .image)
            var uploads = [upload, picture]  // in the order they were sent
            _ = try await client.asset(id: audio.assetID)
            // An endpoint registered before the renders gets their events in the delivery log (its URL refuses).
            let hook = try await client.createWebhookEndpoint(CreateWebhookEndpointRequest(url: "http://127.0.0.1:9/conformance"))
            var ids: [String] = []
            for (index, (_, template)) in Self.requests.enumerated() {
                var request = template
                if request.audioAssetID != nil { request.audioAssetID = audio.assetID }
                if request.background?.assetID != nil { request.background?.assetID = image.assetID }
                ids.append(try await client.createVideo(request, idempotencyKey: "conformance-\(index)-\(UUID().uuidString)").videoID)
            }
            for id in ids { _ = try await client.video(id: id) }  // processing
            _ = try await client.statuses(of: ids + ["vid_unknown_to_the_server"])
            await sim.state.advance(seconds: 60)
            for id in ids { _ = try await client.video(id: id) }  // completed and failed
            _ = try await client.videos(limit: 50)
            _ = try await client.me()
            let endpoint = try await client.createWebhookEndpoint(CreateWebhookEndpointRequest(
                url: "https://example.com/twindeck-hook", events: [.videoSuccess, .videoFail]))
            _ = try await client.webhookEndpoints()
            _ = try await client.consent(groupID: try #require(looks.first { $0.status == .pendingConsent }?.groupID))
            let logged = try await client.webhookEvents(since: Date(timeIntervalSince1970: 0))
            #expect(logged.count == ids.count, "every render's outcome is in the log")
            _ = try await client.webhookEvents(WebhookEventQuery(eventType: .videoFail, entityID: ids.last, limit: 5))
            _ = try await client.updateWebhookEndpoint(id: hook.id, UpdateWebhookEndpointRequest(url: "http://127.0.0.1:9/moved", events: [.videoFail]))
            _ = try await client.rotateWebhookSecret(id: hook.id)

            // Each recorded request, and the simulator's answer to it, become cases.
            var recorded = await sim.state.recordedRequests()
            recorded.append(RecordedRequest(method: "DELETE", path: "/v3/webhooks/endpoints/\(endpoint.id)", query: nil, body: nil))
            var covered = Set<String>()
            for (index, request) in recorded.enumerated() {
                let name = try #require(Self.endpoint(method: request.method, path: request.path), "unknown request \(request.method) \(request.path)")
                let sentFile = name == "POST /v3/assets" && !uploads.isEmpty ? uploads.removeFirst() : nil
                if let sentFile {
                    // A multipart body (not recorded): its one field, by name, checked strictly.
                    try Self.write(cases, index, "request", name, body: ["file": sentFile.lastPathComponent])
                }
                if let body = request.body, !body.isEmpty {
                    try Self.write(cases, index, "request", name, body: try JSONSerialization.jsonObject(with: Data(body)))
                }
                if let query = request.query, !query.isEmpty {
                    try Self.write(cases, index, "query", name, params: Self.params(query))
                }
                let answer = try await Self.replay(request, baseURL: sim.baseURL, upload: sentFile)
                try #require((200..<300).contains(answer.status), "\(request.method) \(request.path) answered \(answer.status)")
                try Self.write(cases, index, "response", name, body: try JSONSerialization.jsonObject(with: answer.body))
                covered.insert(name)
            }
            #expect(covered == Set(Self.used), "endpoints not exercised: \(Set(Self.used).subtracting(covered))")
            // The other two billing kinds' answers to GET /v3/users/me (the one above is a wallet).
            for (offset, kind) in [SimulatedBilling.subscription, .usageBased].enumerated() {
                try await withSimulator(configure: { $0.billing = kind }) { other, _ in
                    let answer = try await Self.replay(RecordedRequest(method: "GET", path: "/v3/users/me", query: nil, body: nil), baseURL: other.baseURL)
                    try #require(answer.status == 200)
                    let object = try JSONSerialization.jsonObject(with: answer.body)
                    #expect(((object as? [String: Any])?["data"] as? [String: Any])?["billing_type"] as? String == kind.rawValue)
                    try Self.write(cases, recorded.count + offset, "response", "GET /v3/users/me", body: object)
                }
            }
        }

        let result = try runProcess(Self.env, ["python3", Self.checker.path, Self.schema.path, cases.path])
        #expect(result.status == 0, "not conforming:\n\(result.output.split(separator: "\n").filter { !$0.hasPrefix("ok") }.joined(separator: "\n"))")
        #expect(result.output.contains("cases conform"))
    }

    @Test("the schema copy kept with the tests is the contract's file, byte for byte (when the contract is beside)")
    func theCopyIsTheContract() throws {
        let copy = try Data(contentsOf: Self.vendored)
        #expect(copy.count > 100_000, "the copy is the whole schema file")
        guard FileManager.default.fileExists(atPath: Self.contract.path) else { return }
        #expect(try Data(contentsOf: Self.contract) == copy, "the contract's schema changed: copy it to \(Self.vendored.path)")
    }

    @Test("the checker is strict for requests: a body with a key the schema lacks, or a wrong enum, fails")
    func theCheckerCatchesWhatItMust() throws {
        try #require(FileManager.default.fileExists(atPath: Self.schema.path))
        let cases = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-schema-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cases, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: cases) }
        let good = try JSONSerialization.jsonObject(with: Self.requests[0].1.jsonBody())
        var extra = try #require(good as? [String: Any])
        extra["avatar_look"] = "not a field"
        var badEnum = try #require(good as? [String: Any])
        badEnum["resolution"] = "8k"
        try Self.write(cases, 0, "request", "POST /v3/videos", body: good)
        try Self.write(cases, 1, "request", "POST /v3/videos", body: extra)
        try Self.write(cases, 2, "request", "POST /v3/videos", body: badEnum)
        try Self.write(cases, 3, "query", "GET /v3/voices", params: ["limit": ["500"]])
        try Self.write(cases, 4, "query", "GET /v3/avatars/looks", params: ["avatar_kind": ["digital_twin"]])
        // An endpoint of the schema's `_extra` is checked as strictly: a good body passes, a key it lacks fails.
        try Self.write(cases, 5, "request", "POST /v3/voices/speech", body: ["text": "Hi", "voice_id": "v1", "speed": 1.5])
        try Self.write(cases, 6, "request", "POST /v3/voices/speech", body: ["text": "Hi", "voice_id": "v1", "pitch_shift": 3])
        let result = try runProcess(Self.env, ["python3", Self.checker.path, Self.schema.path, cases.path])
        #expect(result.status == 1)
        let lines = result.output.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("FAIL") }.count == 5, "\(result.output)")
        #expect(result.output.contains("avatar_look") && result.output.contains("8k") && result.output.contains("maximum 100")
                && result.output.contains("avatar_kind") && result.output.contains("pitch_shift"), "\(result.output)")
        #expect(lines.contains { $0.hasPrefix("ok") && $0.contains("POST /v3/voices/speech") }, "\(result.output)")
    }

    // MARK: - Helpers

    static func write(_ folder: URL, _ index: Int, _ kind: String, _ endpoint: String, body: Any? = nil, params: [String: [String]]? = nil) throws {
        var object: [String: Any] = ["endpoint": endpoint, "kind": kind, "name": "\(index) \(endpoint)"]
        if let body { object["body"] = body }
        if let params { object["params"] = params }
        let data = try JSONSerialization.data(withJSONObject: object)
        try data.write(to: folder.appendingPathComponent(String(format: "%03d-%@.json", index, kind)))
    }

    static func params(_ query: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0].removingPercentEncoding ?? parts[0]
            let value = parts.count > 1 ? (parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? parts[1]) : ""
            out[name, default: []].append(value)
        }
        return out
    }

    /// Sends the recorded request again with curl (a fresh Idempotency-Key for a create) and returns the answer.
    static func replay(_ request: RecordedRequest, baseURL: String, upload: URL? = nil) async throws -> (status: Int, body: Data) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("body")
        var arguments = ["-sS", "-o", out.path, "-w", "%{http_code}", "-X", request.method, "-H", "x-api-key: demo"]
        if let body = request.body, !body.isEmpty {
            let file = folder.appendingPathComponent("request")
            try Data(body).write(to: file)
            arguments += ["-H", "content-type: application/json", "-H", "Idempotency-Key: replay-\(UUID().uuidString)", "--data-binary", "@\(file.path)"]
        }
        if let upload { arguments += ["-F", "file=@\(upload.path)"] }
        arguments.append(baseURL + request.path + (request.query.map { "?" + $0 } ?? ""))
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), arguments)
        return (Int(result.output) ?? 0, (try? Data(contentsOf: out)) ?? Data())
    }
}

/// Runs a tool to its end; its standard output and error together, and its status.
func runProcess(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
