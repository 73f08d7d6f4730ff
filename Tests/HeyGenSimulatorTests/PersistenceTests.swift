import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

@Suite("Simulator state across restarts")
struct PersistenceTests {
    func withTemporaryDirectory(_ body: (URL) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await body(dir)
    }

    @Test func videosAndIdempotencyKeysSurviveARestart() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("nested/state.json").path
            let key = newKey()
            let configure: (inout SimulatorOptions) -> Void = {
                $0.statePath = path
                $0.renderSeconds = 0.3
                $0.credits = 5
            }
            let created = try await withSimulator(configure: configure) { _, client in
                let created = try await client.createVideo(sampleRequest(title: "Kept"), idempotencyKey: key)
                #expect(FileManager.default.fileExists(atPath: path))
                return created
            }

            try await withSimulator(configure: configure) { sim, client in
                let videos = try await allVideos(client)
                #expect(videos.map(\.id) == [created.videoID])
                #expect(videos.first?.title == "Kept")

                // The render went on in wall-clock time while the simulator was down.
                let video = try await finished(client, created.videoID)
                #expect(video.status == .completed)
                // The new server signs its own links.
                let url = try #require(video.videoURL)
                #expect(url.hasPrefix(sim.baseURL))
                #expect(try await rawRequest(.GET, url, apiKey: nil).status == 200)

                // The same key replays the same video instead of making another.
                let again = try await client.createVideo(sampleRequest(title: "Kept"), idempotencyKey: key)
                #expect(again.videoID == created.videoID)
                #expect(try await allVideos(client).count == 1)
                // The same key with another body is still refused.
                let error = try await #require(throws: HeyGenError.self) {
                    try await client.createVideo(sampleRequest(title: "Other"), idempotencyKey: key)
                }
                #expect(error.param == "Idempotency-Key")
                // Credits were kept too: 5, one spent before the restart.
                #expect(try await client.me().remainingCredits == 4)
            }
        }
    }

    @Test func withoutAStatePathNothingIsKept() async throws {
        let key = newKey()
        let created = try await withSimulator { _, client in
            try await client.createVideo(sampleRequest(), idempotencyKey: key)
        }
        try await withSimulator { _, client in
            #expect(try await allVideos(client).isEmpty)
            let again = try await client.createVideo(sampleRequest(), idempotencyKey: key)
            #expect(again.videoID != created.videoID)
        }
    }
}
