import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckCore
import TwinDeckTestSupport

@Suite("Asset cache")
struct AssetCacheTests {
    func uploads(_ sim: RunningSimulator) async -> Int { await sim.state.requestCounts()["POST /v3/assets", default: 0] }

    @Test("the same file is uploaded once: the second use sends nothing and gives the same asset; a changed file is uploaded again")
    func sameFileOnceChangedFileAgain() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let cache = AssetCache(url: files.folder.appendingPathComponent("cache/assets.json"))
        try await withSimulator { sim, client in
            let account = client.configuration.accountTag
            let url = try files.mp3()
            let first = try await cache.asset(for: try AssetFile.check(url, for: .audio), account: account) { try await client.uploadAsset($0) }
            #expect(!first.reused && first.note == nil)
            #expect(await uploads(sim) == 1)

            // A copy under another name is the same content: not sent again.
            let copy = files.folder.appendingPathComponent("copy.mp3")
            try FileManager.default.copyItem(at: url, to: copy)
            let second = try await cache.asset(for: try AssetFile.check(copy, for: .audio), account: account) { try await client.uploadAsset($0) }
            #expect(second.reused && second.asset == first.asset)
            #expect(await uploads(sim) == 1)

            // The same name with other content (and another size) is a new upload.
            _ = try files.mp3(frames: 41)
            let changed = try await cache.asset(for: try AssetFile.check(url, for: .audio), account: account) { try await client.uploadAsset($0) }
            #expect(!changed.reused && changed.asset.assetID != first.asset.assetID)
            #expect(await uploads(sim) == 2)

            // Same size, one byte different: still new.
            var bytes = Array(try Data(contentsOf: url))
            bytes[bytes.count - 1] ^= 0xFF
            try Data(bytes).write(to: url)
            let flipped = try await cache.asset(for: try AssetFile.check(url, for: .audio), account: account) { try await client.uploadAsset($0) }
            #expect(!flipped.reused)
            #expect(await uploads(sim) == 3)

            // Another account (key) does not get this account's asset.
            let other = try await cache.asset(for: try AssetFile.check(copy, for: .audio), account: "https://elsewhere.example abcd") {
                try await client.uploadAsset($0)
            }
            #expect(!other.reused)
            #expect(await uploads(sim) == 4)
        }
        var info = stat()
        #expect(stat(cache.url.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try cache.entries().count == 4)
        let text = try String(contentsOf: cache.url, encoding: .utf8)
        #expect(!text.contains("\"demo\""), "the key is not in the cache, only its hash")
    }

    @Test("a failed upload is not remembered; a damaged cache file is said and replaced, not fatal")
    func failuresAndDamage() async throws {
        let files = try SampleAssets()
        defer { files.remove() }
        let cache = AssetCache(url: files.folder.appendingPathComponent("assets.json"))
        let file = try AssetFile.check(try files.png(), for: .image)
        struct Boom: Error {}
        await #expect(throws: Boom.self) { _ = try await cache.asset(for: file, account: "a") { _ in throw Boom() } }
        #expect(try cache.entries().isEmpty)

        try Data("{not json".utf8).write(to: cache.url)
        #expect(throws: (any Error).self) { _ = try cache.entries() }
        let asset = UploadedAsset(assetID: "asset_1", url: "http://x/a.png", mimeType: "image/png", sizeBytes: file.size)
        let outcome = try await cache.asset(for: file, account: "a") { _ in asset }
        #expect(!outcome.reused && outcome.note?.contains("could not be read") == true)
        let again = try await cache.asset(for: file, account: "a") { _ in Issue.record("uploaded twice"); return asset }
        #expect(again.reused && again.asset == asset)
    }
}
