import AsyncHTTPClient
import Foundation
import HeyGen
import HeyGenSimulator
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import TwinDeckTestSupport

/// A multipart body with one part named `file`, built by hand (not by the client under test).
func multipart(_ content: Data, fileName: String, boundary: String = "test-boundary-42", type: String = "application/octet-stream") -> (String, Data) {
    var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
    body += content
    body += Data("\r\n--\(boundary)--\r\n".utf8)
    return ("multipart/form-data; boundary=\(boundary)", body)
}

/// `POST /v3/assets` with a raw multipart body.
func rawUpload(_ sim: RunningSimulator, _ content: Data, fileName: String) async throws -> RawReply {
    let (contentType, body) = multipart(content, fileName: fileName)
    var request = HTTPClientRequest(url: sim.baseURL + "/v3/assets")
    request.method = .POST
    request.headers.add(name: "x-api-key", value: "demo")
    request.headers.add(name: "Content-Type", value: contentType)
    request.body = .bytes(ByteBuffer(data: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return RawReply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
}

@Suite("Simulator: POST /v3/assets")
struct AssetEndpointTests {
    struct Answer: Decodable { var data: UploadedAsset }

    @Test("mp3, wav and png are taken, with an asset id, the detected MIME type and the size; GET and the url give them back")
    func goodFilesAreTaken() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        try await withSimulator { sim, client in
            for (url, mime) in [(try files.mp3(), "audio/mpeg"), (try files.wav(), "audio/wav"), (try files.png(), "image/png")] {
                let content = try Data(contentsOf: url)
                let reply = try await rawUpload(sim, content, fileName: url.lastPathComponent)
                #expect(reply.status == 200, "\(reply.text)")
                let asset = try JSONDecoder().decode(Answer.self, from: reply.body).data
                #expect(asset.assetID.hasPrefix("asset_"))
                #expect(asset.mimeType == mime)
                #expect(asset.sizeBytes == Int64(content.count))
                let kept = try #require(await sim.state.asset(id: asset.assetID))
                #expect(kept.type.mimeType == mime && kept.fileName == url.lastPathComponent)
                // The published GET answer (id, name, type, …): the client's `asset(id:)` reads it.
                let info = try await client.asset(id: asset.assetID)
                #expect(info.id == asset.assetID && info.name == url.lastPathComponent && info.url == asset.url)
                #expect(info.type == (mime.hasPrefix("audio") ? "audio" : "image"))
                let served = try await rawRequest(.GET, asset.url, apiKey: nil)
                #expect(served.body == content)
            }
            let audio = try #require(await sim.state.requestCounts()["POST /v3/assets"])
            #expect(audio == 3)
            await #expect(throws: HeyGenError.self) { try await client.asset(id: "asset_never_uploaded") }
            do {
                _ = try await client.asset(id: "asset_never_uploaded")
            } catch let error as HeyGenError {
                #expect(error.kind == .notFound)
            }
        }
    }

    @Test("the fitting-type query tells an audio asset from an image one")
    func fittingQuery() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        try await withSimulator { sim, client in
            let audio = try await client.uploadAsset(file: try files.wav(), purpose: .audio)
            let image = try await client.uploadAsset(file: try files.png(), purpose: .image)
            #expect(await sim.state.asset(id: audio.assetID, fitting: { $0.isAudio }) != nil)
            #expect(await sim.state.asset(id: audio.assetID, fitting: { $0.isImage }) == nil)
            #expect(await sim.state.asset(id: image.assetID, fitting: { $0.isImage }) != nil)
            #expect(await sim.state.asset(id: "asset_nope") == nil)
        }
    }

    @Test("a 33 MB file is refused 413 with the API's error body, naming the field and the limit")
    func tooBigIsRefused() async throws {
        try await withSimulator { sim, _ in
            var content = Data("ID3".utf8) + Data([4, 0, 0, 0, 0, 0, 0])
            content += Data(count: 33 * 1024 * 1024 - content.count)
            let reply = try await rawUpload(sim, content, fileName: "long.mp3")
            #expect(reply.status == 413)
            let error = try #require(reply.apiError)
            #expect(error.param == "file" && error.message?.contains("32 MB") == true, "\(reply.text)")
            #expect(reply.headers.first(name: "X-Request-Id") != nil)
        }
    }

    @Test("a text file is refused 400 invalid_parameter on file, even named .mp3; so are a JSON body and a missing part")
    func wrongTypeIsRefused() async throws {
        try await withSimulator { sim, _ in
            for name in ["notes.txt", "notes.mp3"] {
                let reply = try await rawUpload(sim, Data("just words\n".utf8), fileName: name)
                #expect(reply.status == 400)
                let error = try #require(reply.apiError, "\(reply.text)")
                #expect(error.code == "invalid_parameter" && error.param == "file" && error.message?.contains("unsupported") == true)
            }
            let json = try await rawRequest(.POST, sim.baseURL + "/v3/assets", body: #"{"file": "x"}"#)
            #expect(json.status == 400 && json.apiError?.param == "file")
            let (contentType, body) = multipart(Data("ID3xxxx".utf8), fileName: "a.mp3")
            let renamed = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "name=\"file\"", with: "name=\"other\"")
            let other = try await rawRequest(.POST, sim.baseURL + "/v3/assets", body: nil, headers: [("Content-Type", contentType)])
            #expect(other.status == 400)
            var request = HTTPClientRequest(url: sim.baseURL + "/v3/assets")
            request.method = .POST
            request.headers.add(name: "x-api-key", value: "demo")
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: renamed))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 400)
            _ = try await response.body.collect(upTo: 1 << 16)
        }
    }

    @Test("assets survive a restart of a simulator with a state file")
    func assetsPersist() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let statePath = files.folder.appendingPathComponent("state.json").path
        let id = try await withSimulator(configure: { $0.statePath = statePath }) { _, client in
            try await client.uploadAsset(file: try files.mp3(), purpose: .audio).assetID
        }
        try await withSimulator(configure: { $0.statePath = statePath }) { sim, _ in
            #expect(await sim.state.asset(id: id)?.type == .mp3)
        }
    }
}

@Suite("Client: uploadAsset")
struct AssetClientTests {
    @Test("progress is reported up to the whole file, in order, and the answer decodes")
    func progressIsReported() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        try await withSimulator { sim, client in
            let url = try files.wav(seconds: 60)  // 960 KB: four chunks
            let size = Int64(try Data(contentsOf: url).count)
            let seen = Mutex<[UploadProgress]>([])
            let asset = try await client.uploadAsset(file: url, purpose: .audio) { p in seen.withLock { $0.append(p) } }
            let steps = seen.withLock { $0 }
            #expect(asset.sizeBytes == size && asset.mimeType == "audio/wav")
            #expect(steps.first?.sent == 0 && steps.last?.sent == size && steps.allSatisfy { $0.total == size && $0.attempt == 1 })
            #expect(steps.count >= 5, "\(steps.map(\.sent))")
            #expect(zip(steps, steps.dropFirst()).allSatisfy { $0.sent < $1.sent })
            #expect(await sim.state.asset(id: asset.assetID)?.sizeBytes == size)
        }
    }

    @Test("a dropped connection is retried after the policy's backoff, and the upload then succeeds")
    func retriedAfterDrop() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let recorder = SleepRecorder()
        try await withSimulator(retry: recorder.policy()) { sim, client in
            await sim.state.inject([ScriptedFault(.drop, pathPrefix: "/v3/assets", method: "POST")])
            let attempts = Mutex<Set<Int>>([])
            let asset = try await client.uploadAsset(file: try files.mp3(), purpose: .audio) { p in attempts.withLock { _ = $0.insert(p.attempt) } }
            #expect(await sim.state.asset(id: asset.assetID) != nil)
            #expect(await sim.state.requestCounts()["POST /v3/assets"] == 2)
            #expect(recorder.recorded == [.seconds(1)])
            #expect(attempts.withLock { $0 } == [1, 2])
        }
    }

    @Test("retries are bounded: a connection that drops every time ends in a transport error after maxRetries")
    func retriesAreBounded() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let recorder = SleepRecorder()
        try await withSimulator(retry: recorder.policy(maxRetries: 2)) { sim, client in
            await sim.state.inject([ScriptedFault(.drop, pathPrefix: "/v3/assets", method: "POST", count: 10)])
            let error = try await #require(throws: HeyGenError.self) { try await client.uploadAsset(file: try files.mp3()) }
            #expect(error.kind == .transport || error.kind == .undecodable)
            #expect(await sim.state.requestCounts()["POST /v3/assets"] == 3)
            #expect(recorder.recorded.count == 2)
        }
    }

    @Test("a 503 is retried; with no purpose, an srt (text under a .srt name) is taken")
    func serverErrorsRetriedRefusalsNot() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let recorder = SleepRecorder()
        try await withSimulator(retry: recorder.policy()) { sim, client in
            await sim.state.inject([ScriptedFault(.serverError(status: 503), pathPrefix: "/v3/assets", method: "POST")])
            _ = try await client.uploadAsset(file: try files.png(), purpose: .image)
            #expect(await sim.state.requestCounts()["POST /v3/assets"] == 2)
            let srt = try files.text("captions.srt", "1\n00:00:00,000 --> 00:00:01,000\nHello\n")
            let asset = try await client.uploadAsset(file: srt)
            #expect(asset.mimeType == "application/x-subrip")
        }
    }

    @Test("refused before sending: a 40 MB file, a text file as audio, a png as audio, an mp3 as image, an unreadable path, a folder")
    func refusedBeforeSending() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        try await withSimulator { sim, client in
            func refusal(_ url: URL, _ purpose: AssetPurpose?) async throws -> String {
                let error = try await #require(throws: HeyGenError.self) { try await client.uploadAsset(file: url, purpose: purpose) }
                #expect(error.kind == .invalidRequest && error.param == "file" && error.issues.first?.field == "file")
                return error.description
            }
            let big = try files.big(bytes: 40 * 1024 * 1024)
            #expect(try await refusal(big, .audio).contains("is a 40 MB file; uploads are limited to 32 MB"))
            #expect(try await refusal(try files.text("notes.mp3"), .audio).contains("is not an audio file"))
            #expect(try await refusal(try files.png(), .audio).contains("is not an audio file (it is png)"))
            #expect(try await refusal(try files.mp3(), .image).contains("is not an image (it is mp3)"))
            #expect(try await refusal(try files.mp3("voice.txt"), .audio).contains("name does not end in .mp3"))
            let missing = files.folder.appendingPathComponent("nope.mp3")
            #expect(try await refusal(missing, .audio).contains("cannot read \(missing.path): No such file or directory"))
            let locked = try files.mp3("locked.mp3")
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked.path)
            // Root reads any file: only check the message when the permission does bite.
            if getuid() != 0 { #expect(try await refusal(locked, .audio).contains("cannot read")) }
            #expect(try await refusal(files.folder, nil).contains("not a regular file"))
            #expect(try await refusal(try files.text(), nil).contains("is not a file HeyGen takes"))
            #expect(await sim.state.requestCounts()["POST /v3/assets"] == nil, "something was sent")
        }
    }
}
