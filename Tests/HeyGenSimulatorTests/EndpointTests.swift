import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

/// Every endpoint, through `HeyGenClient`, against the simulator over loopback HTTP.
@Suite("Endpoints through the client")
struct EndpointTests {
    @Test func allLooksReturnsOnlyThePrivateDigitalTwins() async throws {
        try await withSimulator { _, client in
            let looks = try await client.allLooks()
            #expect(looks.count == 12)
            #expect(Set(looks.map(\.id)).count == 12)
            #expect(looks.allSatisfy { $0.avatarType == .digitalTwin })
            #expect(looks.allSatisfy { $0.id.hasPrefix("lk_twin_") })
            // Public looks of every type are left out, including the public digital twin.
            for publicID in ["lk_studio_anna", "lk_photo_max", "lk_other_twin"] {
                #expect(!looks.contains { $0.id == publicID })
            }
            // Private looks carry a training status.
            #expect(looks.allSatisfy { $0.status != nil })
            // An unknown engine name is kept, not fatal.
            let beach = try #require(looks.first { $0.id == "lk_twin_beach" })
            #expect(beach.supportedAPIEngines?.contains("avatar_vi") == true)
        }
    }

    @Test func lookPagesFollowTokensToTheEnd() async throws {
        try await withSimulator { sim, client in
            var ids: [String] = []
            var sizes: [Int] = []
            var token: String?
            var tokens = Set<String>()
            repeat {
                let page = try await client.looks(limit: 5, token: token)
                ids += page.data.map(\.id)
                sizes.append(page.data.count)
                #expect(page.hasMore == (page.nextToken != nil))
                token = page.nextToken
                if let token { #expect(tokens.insert(token).inserted, "a token came back twice") }
            } while token != nil
            #expect(sizes == [5, 5, 2])
            #expect(Set(ids).count == 12)
            #expect(await sim.state.requestCounts()["GET /v3/avatars/looks"] == 3)
            // The public ones are reachable by asking for them.
            let publicLooks = try await client.allLooks(avatarType: nil, ownership: .public)
            #expect(Set(publicLooks.map(\.id)) == ["lk_studio_anna", "lk_photo_max", "lk_other_twin"])
        }
    }

    @Test func lookByIDAndUnknownLook() async throws {
        try await withSimulator { _, client in
            let kitchen = try await client.look(id: "lk_twin_kitchen")
            #expect(kitchen.id == "lk_twin_kitchen")
            #expect(kitchen.supports(.avatarIV))
            #expect(!kitchen.supports(.avatarV))
            let office = try await client.look(id: "lk_twin_office")
            #expect(office.supports(.avatarV))
            let error = try await #require(throws: HeyGenError.self) { try await client.look(id: "lk_does_not_exist") }
            #expect(error.kind == .notFound)
            #expect(error.httpStatus == 404)
            #expect(error.code == "avatar_not_found")
            #expect(error.requestID?.hasPrefix("req_") == true)
        }
    }

    @Test func voicesCatalogueAndFilters() async throws {
        try await withSimulator { sim, client in
            let all = try await client.catalogue()
            #expect(all.count == 1_842)
            #expect(Set(all.map(\.voiceID)).count == 1_842)
            #expect(all.filter { $0.type == .private }.count == 83)
            #expect(all.filter { $0.type == .public }.count == 1_759)
            // 1,759 public voices at 100 a page is 18 pages, 83 private ones 1 page.
            #expect(await sim.state.requestCounts()["GET /v3/voices"] == 19)

            let publicOnly = try await client.allVoices()
            #expect(publicOnly.count == 1_759)
            #expect(publicOnly.allSatisfy { $0.type == .public })

            let english = try await client.catalogue(language: "English")
            #expect(english.count == 44)
            #expect(english.allSatisfy { $0.language == "English" })
            let englishWomen = try await client.catalogue(language: "English", gender: .female)
            #expect(englishWomen.count == 22)
            #expect(englishWomen.allSatisfy { $0.language == "English" && $0.gender == .female })
            #expect(englishWomen.contains { $0.voiceID == sampleVoiceID })

            let privateMen = try await client.allVoices(VoiceQuery(type: .private, gender: .male))
            #expect(!privateMen.isEmpty)
            #expect(privateMen.allSatisfy { $0.type == .private && $0.gender == .male })
            #expect(privateMen.count < 83)

            let small = try await client.voices(VoiceQuery(language: "English", limit: 10))
            #expect(small.data.count == 10)
            #expect(small.hasMore)
            let rest = try await client.voices(VoiceQuery(language: "English", limit: 10), token: small.nextToken)
            #expect(Set(rest.data.map(\.voiceID)).isDisjoint(with: small.data.map(\.voiceID)))
        }
    }

    @Test(arguments: [Engine.avatarIV, Engine.avatarV])
    func createdVideoRendersToCompletion(engine: Engine) async throws {
        try await withSimulator(configure: { $0.renderSeconds = 100 }) { sim, client in
            let created = try await client.createVideo(sampleRequest(engine: engine, title: "Engine \(engine)"), idempotencyKey: newKey())
            #expect(created.videoID.hasPrefix("v_"))
            #expect(created.outputFormat == .mp4)
            #expect(!created.status.isFinal)

            let first = try await client.video(id: created.videoID)
            #expect(first.status == .pending)
            #expect(first.videoURL == nil)
            #expect(first.title == "Engine \(engine)")

            await sim.state.advance(seconds: 30)
            #expect(try await client.video(id: created.videoID).status == .processing)

            await sim.state.advance(seconds: 80)
            let done = try await client.video(id: created.videoID)
            #expect(done.status == .completed)
            let url = try #require(done.videoURL)
            #expect(url.hasPrefix(sim.baseURL + "/media/\(created.videoID).mp4"))
            #expect(done.completedAt != nil && done.createdAt != nil)
            #expect((done.duration ?? 0) > 0)
            #expect(done.failureMessage == nil)
        }
    }

    @Test func videoCompletesInRealTime() async throws {
        // Long enough that a loaded machine still sees the video unfinished right after creating it.
        try await withSimulator(configure: { $0.renderSeconds = 4 }) { _, client in
            let created = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            let early = try await client.video(id: created.videoID)
            #expect(early.status == .pending || early.status == .processing)
            let done = try await finished(client, created.videoID, timeout: .seconds(60))
            #expect(done.status == .completed)
            #expect(done.videoURL != nil)
        }
    }

    @Test func videoListAndUnknownVideo() async throws {
        try await withSimulator { _, client in
            var ids: [String] = []
            for n in 1...3 {
                ids.append(try await client.createVideo(sampleRequest(title: "List \(n)"), idempotencyKey: newKey()).videoID)
            }
            let page = try await client.videos()
            #expect(page.data.map(\.id) == ids.reversed(), "newest first")
            #expect(!page.hasMore)
            let two = try await client.videos(limit: 2)
            #expect(two.data.count == 2)
            #expect(two.hasMore)
            let filtered = try await client.videos(title: "list 2")
            #expect(filtered.data.map(\.id) == [ids[1]])

            let error = try await #require(throws: HeyGenError.self) { try await client.video(id: "v_nope") }
            #expect(error.kind == .notFound)
            #expect(error.code == "video_not_found")
        }
    }

    @Test func statusesForManyIDsIncludingAnUnknownOne() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 100 }) { sim, client in
            let a = try await client.createVideo(sampleRequest(title: "A"), idempotencyKey: newKey()).videoID
            let b = try await client.createVideo(sampleRequest(title: "B"), idempotencyKey: newKey()).videoID
            let before = try await client.statuses(of: [a, b, "v_unknown"])
            #expect(before.map(\.videoID) == [a, b, "v_unknown"])
            #expect(before[0].status == .queued)
            #expect(before[2].status == .notFound)
            #expect(before[2].status.isFinal)

            await sim.state.advance(seconds: 200)
            let after = try await client.statuses(of: [a, b, "v_unknown"])
            #expect(after[0].status == .completed)
            #expect(after[1].status == .completed)
            #expect(after[2].status == .notFound)
            // One request per call, however many ids.
            #expect(await sim.state.requestCounts()["GET /v3/videos/statuses"] == 2)
        }
    }

    @Test func meReportsTheAccount() async throws {
        try await withSimulator(configure: { $0.credits = 7 }) { _, client in
            let user = try await client.me()
            #expect(user.username == "demo-twin")
            #expect(user.email?.contains("@") == true)
            #expect(user.remainingCredits == 7)
            _ = try await client.createVideo(sampleRequest(), idempotencyKey: newKey())
            #expect(try await client.me().remainingCredits == 6)
        }
    }

    @Test func webhookEndpointsCreateListDelete() async throws {
        try await withSimulator { _, client in
            let created = try await client.createWebhookEndpoint(
                CreateWebhookEndpointRequest(url: "https://hooks.example.com/heygen", events: [.videoSuccess]))
            #expect(created.endpointID.hasPrefix("ep_"))
            #expect(created.url == "https://hooks.example.com/heygen")
            #expect(created.events == [.videoSuccess])
            let secret = try #require(created.secret)
            #expect(!secret.isEmpty)

            let listed = try await client.webhookEndpoints()
            #expect(listed.map(\.endpointID) == [created.endpointID])
            #expect(listed.allSatisfy { $0.secret == nil }, "the secret is shown only once")

            try await client.deleteWebhookEndpoint(id: created.endpointID)
            #expect(try await client.webhookEndpoints().isEmpty)
            let error = try await #require(throws: HeyGenError.self) { try await client.deleteWebhookEndpoint(id: created.endpointID) }
            #expect(error.kind == .notFound)
            #expect(error.httpStatus == 404)

            let bad = try await #require(throws: HeyGenError.self) {
                try await client.createWebhookEndpoint(CreateWebhookEndpointRequest(url: "not a url"))
            }
            #expect(bad.kind == .validation)
            #expect(bad.param == "url")
        }
    }
}
