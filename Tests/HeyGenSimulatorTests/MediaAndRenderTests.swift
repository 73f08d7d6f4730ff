import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

@Suite("Render outcomes and presigned media")
struct MediaAndRenderTests {
    static let sampleMP4 = repositoryRoot.appendingPathComponent("Resources/Fixtures/sample.mp4")

    /// Creates a video and moves the simulator's clock past its render.
    func renderedVideo(_ sim: RunningSimulator, _ client: HeyGenClient, _ request: CreateVideoRequest = sampleRequest()) async throws -> Video {
        let created = try await client.createVideo(request, idempotencyKey: newKey())
        await sim.state.advance(seconds: 120)
        let video = try await client.video(id: created.videoID)
        try #require(video.status.isFinal, "still \(video.status)")
        return video
    }

    @Test func aFailedRenderCarriesItsReason() async throws {
        try await withSimulator(configure: { $0.faultRates.renderFailure = 1; $0.renderSeconds = 0.4 }) { _, client in
            let created = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            let video = try await finished(client, created.videoID)
            #expect(video.status == .failed)
            #expect(video.failureMessage?.isEmpty == false)
            #expect(video.failureCode != nil)
            #expect(video.videoURL == nil)
            let status = try #require(try await client.statuses(of: [created.videoID]).first)
            #expect(status.status == .failed)
            #expect(status.error == video.failureMessage)
        }
    }

    @Test func aCompletedRenderHasNoFailure() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 100 }) { sim, client in
            let video = try await renderedVideo(sim, client)
            #expect(video.status == .completed)
            #expect(video.failureMessage == nil)
            #expect(video.failureCode == nil)
        }
    }

    @Test func theVideoURLServesTheSampleFile() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 100 }) { sim, client in
            let expected = try Data(contentsOf: Self.sampleMP4)
            #expect(expected.count > 100)
            let video = try await renderedVideo(sim, client)
            let url = try #require(video.videoURL)

            let full = try await rawRequest(.GET, url, apiKey: nil)
            #expect(full.status == 200)
            #expect(full.body == expected)
            #expect(full.headers.first(name: "Content-Type") == "video/mp4")
            #expect(full.headers.first(name: "Content-Length") == String(expected.count))
            #expect(full.headers.first(name: "Accept-Ranges") == "bytes")

            let part = try await rawRequest(.GET, url, apiKey: nil, headers: [("Range", "bytes=10-19")])
            #expect(part.status == 206)
            #expect(part.body.count == 10)
            #expect(part.body == expected.subdata(in: 10..<20))
            #expect(part.headers.first(name: "Content-Range") == "bytes 10-19/\(expected.count)")

            let tail = try await rawRequest(.GET, url, apiKey: nil, headers: [("Range", "bytes=-4")])
            #expect(tail.status == 206)
            #expect(tail.body == expected.suffix(4))

            let beyond = try await rawRequest(.GET, url, apiKey: nil, headers: [("Range", "bytes=\(expected.count)-")])
            #expect(beyond.status == 416)
            #expect(beyond.headers.first(name: "Content-Range") == "bytes */\(expected.count)")
            #expect(beyond.body.isEmpty)
        }
    }

    @Test func aTamperedLinkIsRefused() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 100 }) { sim, client in
            let video = try await renderedVideo(sim, client)
            let url = try #require(video.videoURL)
            #expect(try await rawRequest(.GET, url, apiKey: nil).status == 200)
            let otherFile = url.replacingOccurrences(of: ".mp4?", with: ".webm?")
            #expect(try await rawRequest(.GET, otherFile, apiKey: nil).status == 403)
            let unsigned = String(url.prefix { $0 != "?" })
            #expect(try await rawRequest(.GET, unsigned, apiKey: nil).status == 403)
        }
    }

    @Test func anExpiredLinkIsForbiddenAndAFreshOneWorks() async throws {
        try await withSimulator(configure: { $0.urlLifetimeSeconds = 30; $0.renderSeconds = 100 }) { sim, client in
            let video = try await renderedVideo(sim, client)
            let stale = try #require(video.videoURL)
            #expect(try await rawRequest(.GET, stale, apiKey: nil).status == 200, "a fresh link works at once")

            await sim.state.advance(seconds: 60)  // lifetimes wide enough for a loaded machine; the clock jumps past them
            let expired = try await rawRequest(.GET, stale, apiKey: nil)
            #expect(expired.status == 403)
            #expect(expired.text.contains("expired"))

            // The contract: on 403 GET the video again for a fresh URL.
            let again = try await client.video(id: video.id)
            let fresh = try #require(again.videoURL)
            #expect(fresh != stale)
            let download = try await rawRequest(.GET, fresh, apiKey: nil)
            #expect(download.status == 200)
            #expect(download.body == (try Data(contentsOf: Self.sampleMP4)))
        }
    }

    @Test func aWebmVideoServesTheWebmSample() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 100 }) { sim, client in
            var request = sampleRequest()
            request.outputFormat = .webm
            let video = try await renderedVideo(sim, client, request)
            let url = try #require(video.videoURL)
            #expect(url.contains(".webm?"))
            let reply = try await rawRequest(.GET, url, apiKey: nil)
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "Content-Type") == "video/webm")
            #expect(reply.body == (try Data(contentsOf: repositoryRoot.appendingPathComponent("Resources/Fixtures/sample.webm"))))
        }
    }
}
