import Foundation
import Synchronization
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckCore
import TwinDeckTestSupport

/// Local files named instead of asset ids: checked before anything is sent, uploaded once per content and account,
/// their ids put in the request; refusals land on the field the file fills. Real uploads to the simulator over loopback.
@Suite("Local files: check, upload, asset ids")
struct LocalFilesTests {
    static func uploader(_ client: HeyGenClient, _ files: SampleAssets, account: String = "test") -> LocalFileUploader {
        LocalFileUploader(service: client, cache: AssetCache(url: files.folder.appendingPathComponent("cache/assets.json")), account: account)
    }

    @Test("a recording's length is read from its header: exact for a WAV, from the bit rate for an MP3")
    func recordingLengths() throws {
        let files = try SampleAssets()
        defer { files.remove() }
        #expect(AudioLength.seconds(of: try files.wav(seconds: 3), type: .wav) == 3)
        // 100 frames of 417 bytes at 128 kbit/s after a 10-byte tag: 41,700 × 8 / 128,000 s.
        let mp3 = try #require(AudioLength.seconds(of: try files.mp3(frames: 100), type: .mp3))
        #expect(abs(mp3 - 41_700 * 8 / 128_000) < 0.001, "\(mp3)")
        #expect(AudioLength.seconds(of: try files.text("fake.wav"), type: .wav) == nil)
        #expect(AudioLength.seconds(of: try files.text("fake.mp3"), type: .mp3) == nil)
        // A WAV whose chunk sizes run past the end (or overflow) says nothing rather than a made-up length.
        var broken = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8) + Array("fmt ".utf8) + [0xFF, 0xFF, 0xFF, 0x7F]
        broken += [UInt8](repeating: 0, count: 40)
        #expect(AudioLength.seconds(head: broken, fileSize: Int64(broken.count), type: .wav) == nil)
    }

    @Test("a file that cannot be used is refused at the field it fills, before anything is sent")
    func badFilesAreRefusedAtTheirField() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let cases: [(LocalFiles, String, String)] = [
            (LocalFiles(["audio_file": try files.big(bytes: 40 * 1024 * 1024).path]), "audio_asset_id", "is a 40 MB file; uploads are limited to 32 MB"),
            (LocalFiles(["audio_file": try files.text("notes.mp3").path]), "audio_asset_id", "is not an audio file"),
            (LocalFiles(["audio_file": files.folder.appendingPathComponent("missing.wav").path]), "audio_asset_id", "cannot read"),
            (LocalFiles(["background_file": try files.mp3().path]), "background.asset_id", "is not an image (it is mp3)"),
        ]
        try await withSimulator { sim, client in
            for (local, field, text) in cases {
                let issues = local.check().issues
                #expect(issues.count == 1 && issues[0].field == field && issues[0].message.contains(text), "\(issues)")
                let checks = local.inspect()
                #expect(checks.count == 1 && checks[0].problem?.contains(text) == true)
                do {
                    _ = try await Self.uploader(client, files).resolve(sampleRequest(), files: local)
                    Issue.record("\(text): resolved")
                } catch let error as HeyGenError {
                    #expect(error.param == field && error.issues.first?.field == field && error.message.contains(text))
                }
            }
            #expect(await sim.state.requestCounts()["POST /v3/assets"] == nil, "nothing was uploaded")
        }
    }

    @Test("files are uploaded once, their ids replace the placeholders, and the request is one the server takes")
    func uploadsOnceAndFillsTheIDs() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        try await withSimulator { sim, client in
            let local = LocalFiles(["audio_file": try files.wav(seconds: 4).path, "background_file": try files.png().path])
            var request = sampleRequest()
            request.script = ""
            request = local.withPlaceholders(request)
            #expect(request.audioAssetID == "<audio_file>" && request.background?.assetID == "<background_file>")
            #expect(request.validate().isEmpty, "a placeholder passes the rules: the request can be checked and previewed")

            let seen = Mutex<[LocalFileUploader.Progress]>([])
            let uploader = Self.uploader(client, files)
            let resolved = try await uploader.resolve(request, files: local) { p in seen.withLock { $0.append(p) } }
            let audio = try #require(resolved.request.audioAssetID)
            let image = try #require(resolved.request.background?.assetID)
            let audioKind = await sim.state.asset(id: audio)?.type, imageKind = await sim.state.asset(id: image)?.type
            #expect(audioKind == .wav && imageKind == .png)
            #expect(seen.withLock { $0 }.contains { $0.field == "audio_file" && $0.sent == $0.total && !$0.reused })
            let made = try await client.createVideo(resolved.request, idempotencyKey: "local-files-\(UUID().uuidString)")
            // The simulator renders an uploaded recording for as long as it plays.
            await sim.state.advance(seconds: 600)
            #expect(try await client.video(id: made.videoID).duration == 4)

            seen.withLock { $0.removeAll() }
            let again = try await uploader.resolve(request, files: local) { p in seen.withLock { $0.append(p) } }
            #expect(again.request == resolved.request, "the same files give the same ids")
            #expect(await sim.state.requestCounts()["POST /v3/assets"] == 2, "nothing uploaded the second time")
            #expect(seen.withLock { $0 }.allSatisfy(\.reused) && seen.withLock { $0 }.count == 2)
        }
    }

    @Test("a remembered asset the account no longer has (a simulator started afresh) is uploaded again, not sent dead")
    func aForgottenAssetIsUploadedAgain() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let local = LocalFiles(["background_file": try files.png().path])
        let first = try await withSimulator { _, client in
            try await Self.uploader(client, files).resolve(sampleRequest(), files: local).request.background?.assetID
        }
        try await withSimulator { sim, client in
            let resolved = try await Self.uploader(client, files).resolve(sampleRequest(), files: local)
            let second = try #require(resolved.request.background?.assetID)
            let known = await sim.state.asset(id: second) != nil
            #expect(second != first && known)
            #expect(resolved.notes.contains { $0.contains("no longer on the account") }, "\(resolved.notes)")
            _ = try await client.createVideo(resolved.request, idempotencyKey: "again-\(UUID().uuidString)")
        }
    }

    @Test("an upload the server refuses lands on the field; an unreachable server does not blame the file")
    func refusalsLandOnTheField() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let local = LocalFiles(["audio_file": try files.mp3().path])
        try await withSimulator(retry: .never) { sim, client in
            // A server that refuses the upload itself (413, say: a proxy with a lower limit).
            await sim.state.inject([ScriptedFault(.serverError(status: 413), pathPrefix: "/v3/assets", method: "POST", count: 5)])
            do {
                _ = try await Self.uploader(client, files).resolve(sampleRequest(), files: local)
                Issue.record("resolved")
            } catch let error as HeyGenError {
                #expect(error.param == "audio_asset_id" && error.issues.first?.field == "audio_asset_id", "\(error)")
            }
        }
        let offline = HeyGenClient(configuration: HeyGenConfiguration(baseURL: "http://127.0.0.1:9", apiKey: "k", retry: .never))
        do {
            _ = try await Self.uploader(offline, files).resolve(sampleRequest(), files: local)
            Issue.record("resolved offline")
        } catch let error as HeyGenError {
            #expect(error.kind == .transport && error.param == nil, "\(error)")
        }
    }
}

@Suite("The README's tables come from the field table")
struct ReadmeTablesTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    @Test("the batch columns table in the README is BatchColumn.markdownTable, every column of the field table included")
    func batchColumns() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let table = BatchColumn.markdownTable
        #expect(text.contains("<!-- batch-columns: generated from BatchColumn.markdownTable -->\n" + table + "\n"),
                "the README's batch table differs from the field table; replace it with:\n\(table)")
        for field in RequestFields.all { #expect(table.contains("`\(field.column)`")) }
        for file in RequestFields.files { #expect(table.contains("`\(file.column)`")) }
    }
}
