import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

@Suite("Realistic render times and the simulator's virtual clock")
struct RenderTimingTests {
    /// A script of about `seconds` of speech (15 characters a second).
    static func script(spokenSeconds seconds: Int) -> String {
        String(repeating: "Hello there, I ", count: max(1, seconds))
    }

    static func request(spokenSeconds: Int, engine: Engine? = .avatarIV, resolution: Resolution = .r1080p) -> CreateVideoRequest {
        var request = sampleRequest(engine: engine)
        request.script = script(spokenSeconds: spokenSeconds)
        request.resolution = resolution
        return request
    }

    /// Mean total render seconds of `count` draws.
    static func meanTotal(_ model: RenderModel, spoken: Double, engine: Engine?, resolution: Resolution?, count: Int = 600, seed: UInt64 = 1) -> Double {
        var rng = SeededGenerator(seed: seed)
        let sum = (0..<count).reduce(0.0) { acc, _ in
            acc + model.draw(spokenSeconds: spoken, engine: engine, resolution: resolution, using: &rng).totalSeconds
        }
        return sum / Double(count)
    }

    /// Creates `requests` one after another on a simulator with realistic renders and this seed; their plans.
    static func plans(seed: UInt64, _ requests: [CreateVideoRequest], configure: (inout SimulatorOptions) -> Void = { _ in }) async throws -> [RenderPlan] {
        let time = VirtualTime()
        return try await withSimulator(configure: {
            $0.renderSeconds = nil
            $0.faultRates.seed = seed
            $0.time = time.time
            configure(&$0)
        }) { sim, client in
            var ids: [String] = []
            for request in requests { ids.append(try await client.createVideo(request, idempotencyKey: newKey()).videoID) }
            let plans = await sim.state.renderPlans()
            #expect(plans.map(\.videoID) == ids)
            return plans
        }
    }

    static let mixed = [
        request(spokenSeconds: 3), request(spokenSeconds: 20, engine: .avatarV), request(spokenSeconds: 8, resolution: .r4k),
        request(spokenSeconds: 40), request(spokenSeconds: 1, engine: nil),
    ]

    @Test func theSameSeedGivesTheSameRenderTimes() async throws {
        let first = try await Self.plans(seed: 9, Self.mixed)
        let again = try await Self.plans(seed: 9, Self.mixed)
        let other = try await Self.plans(seed: 10, Self.mixed)
        let times = { (plans: [RenderPlan]) in plans.map { [$0.queueSeconds, $0.processingSeconds] } }
        #expect(times(first) == times(again))
        #expect(times(first) != times(other), "another seed draws other times")
        #expect(Set(first.map(\.queueSeconds)).count == first.count, "every render draws its own queue wait")
    }

    @Test func theFailureDiceDoNotMoveTheRenderTimes() async throws {
        let plain = try await Self.plans(seed: 3, Self.mixed)
        let failing = try await Self.plans(seed: 3, Self.mixed) { $0.faultRates.renderFailure = 0.5 }
        #expect(plain.map(\.processingSeconds) == failing.map(\.processingSeconds))
    }

    @Test("a simulator restarted on its state file (the demo's) draws new times, not its first session's again")
    func aRestartedSimulatorGoesOnDrawing() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("render-state-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try await Self.plans(seed: 8, [Self.request(spokenSeconds: 5)]) { $0.statePath = path }
        let fresh = try await Self.plans(seed: 8, [Self.request(spokenSeconds: 5)])
        #expect(first.map(\.queueSeconds) == fresh.map(\.queueSeconds), "the same seed on an empty simulator")
        let time = VirtualTime()
        let restarted = try await withSimulator(configure: {
            $0.renderSeconds = nil; $0.faultRates.seed = 8; $0.time = time.time; $0.statePath = path
        }) { sim, client in
            _ = try await client.createVideo(Self.request(spokenSeconds: 5), idempotencyKey: newKey())
            return await sim.state.renderPlans()
        }
        try #require(restarted.count == 2)
        #expect(restarted[0] == first[0], "the saved render kept its plan")
        #expect(restarted[1].queueSeconds != first[0].queueSeconds)
    }

    @Test func aLongerScriptRendersLonger() async throws {
        let plans = try await Self.plans(seed: 4, [Self.request(spokenSeconds: 3), Self.request(spokenSeconds: 40)]) {
            $0.renderModel.outlierRate = 0
        }
        try #require(plans.count == 2)
        #expect(plans[1].processingSeconds > 3 * plans[0].processingSeconds, "\(plans)")
        // And on average over many draws, at every step of length.
        let model = RenderModel()
        let means = [2.0, 10, 30, 60].map { Self.meanTotal(model, spoken: $0, engine: .avatarIV, resolution: .r1080p) }
        #expect(means == means.sorted() && Set(means).count == means.count, "\(means)")
    }

    @Test func aShortDemoScriptTakesTenToFortySeconds() {
        let model = RenderModel()
        for engine in [Engine.avatarIV, .avatarV] {
            let mean = Self.meanTotal(model, spoken: 5, engine: engine, resolution: .r1080p)
            #expect((10...40).contains(mean), "\(engine.rawValue): \(mean) s")
        }
    }

    @Test func avatarVIsSlowerThanIVOnAverage() async throws {
        let model = RenderModel()
        let iv = Self.meanTotal(model, spoken: 10, engine: .avatarIV, resolution: .r1080p)
        let v = Self.meanTotal(model, spoken: 10, engine: .avatarV, resolution: .r1080p, seed: 2)
        #expect(v > 1.25 * iv, "Avatar V \(v) s, IV \(iv) s")
        // The engine the request names reaches the model: without noise, V's processing is exactly 1.5 × IV's.
        let plans = try await Self.plans(seed: 5, [Self.request(spokenSeconds: 10), Self.request(spokenSeconds: 10, engine: .avatarV)]) {
            $0.renderModel.noise = 0
            $0.renderModel.outlierRate = 0
        }
        try #require(plans.count == 2)
        #expect(abs(plans[1].processingSeconds - 1.5 * plans[0].processingSeconds) < 1e-9, "\(plans)")
    }

    @Test func fourKIsSlowerThan1080p() async throws {
        let model = RenderModel()
        let hd = Self.meanTotal(model, spoken: 10, engine: .avatarIV, resolution: .r1080p)
        let uhd = Self.meanTotal(model, spoken: 10, engine: .avatarIV, resolution: .r4k, seed: 2)
        let small = Self.meanTotal(model, spoken: 10, engine: .avatarIV, resolution: .r720p, seed: 3)
        #expect(uhd > 1.5 * hd && hd > small, "4k \(uhd) s, 1080p \(hd) s, 720p \(small) s")
        let plans = try await Self.plans(seed: 6, [Self.request(spokenSeconds: 10), Self.request(spokenSeconds: 10, resolution: .r4k)]) {
            $0.renderModel.noise = 0
            $0.renderModel.outlierRate = 0
        }
        try #require(plans.count == 2)
        #expect(abs(plans[1].processingSeconds - 2 * plans[0].processingSeconds) < 1e-9, "\(plans)")
    }

    @Test(arguments: [0.0, 0.05, 0.2])
    func outliersOccurAtTheConfiguredRate(rate: Double) {
        var model = RenderModel()
        model.outlierRate = rate
        var rng = SeededGenerator(seed: 11)
        let count = 4_000
        let typical = model.typicalProcessingSeconds(spokenSeconds: 10, engine: .avatarIV, resolution: .r1080p)
        var outliers = 0
        for _ in 0..<count {
            let timing = model.draw(spokenSeconds: 10, engine: .avatarIV, resolution: .r1080p, using: &rng)
            if timing.isOutlier {
                outliers += 1
                #expect(timing.processingSeconds > 2 * typical, "an outlier is slow: \(timing.processingSeconds) s")
            } else {
                #expect(timing.processingSeconds < 1.8 * typical, "an ordinary render is not: \(timing.processingSeconds) s")
            }
        }
        let share = Double(outliers) / Double(count)
        // Four standard deviations of a binomial share either side.
        let tolerance = 4 * (rate * (1 - rate) / Double(count)).squareRoot()
        #expect(abs(share - rate) <= tolerance, "\(outliers) outliers in \(count) at rate \(rate)")
        if rate > 0 { #expect(outliers > 0) }
    }

    @Test func theFixedOverrideIsExact() async throws {
        let time = VirtualTime()
        try await withSimulator(configure: { $0.renderSeconds = 7; $0.time = time.time }) { sim, client in
            var ids: [String] = []
            for request in Self.mixed { ids.append(try await client.createVideo(request, idempotencyKey: newKey()).videoID) }
            let plans = await sim.state.renderPlans()
            #expect(plans.count == ids.count)
            #expect(plans.allSatisfy { abs($0.queueSeconds + $0.processingSeconds - 7) < 1e-9 && !$0.outlier }, "\(plans)")
            time.advance(by: 6.999)
            #expect(try await client.statuses(of: ids).allSatisfy { $0.status == .processing })
            time.advance(by: 0.002)
            #expect(try await client.statuses(of: ids).allSatisfy { $0.status == .completed })
        }
    }

    @Test("the virtual clock takes a video from queued through processing to completed without waiting")
    func theVirtualClockDrivesARender() async throws {
        let time = VirtualTime()
        try await withSimulator(configure: { $0.renderSeconds = nil; $0.time = time.time; $0.renderModel.scale = 50 }) { sim, client in
            let started = ContinuousClock.now
            let created = try await client.createVideo(Self.request(spokenSeconds: 30), idempotencyKey: newKey())
            let plan = try #require(await sim.state.renderPlan(of: created.videoID))
            #expect(plan.createdAt == time.now)
            #expect(plan.timing.totalSeconds > 600, "a render of many minutes at scale 50: \(plan.timing)")
            #expect(try await client.video(id: created.videoID).status == .pending)

            time.advance(by: plan.timing.queueSeconds * 0.99)
            #expect(try await client.video(id: created.videoID).status == .pending, "still queued")
            time.advance(by: plan.timing.queueSeconds * 0.02)
            #expect(try await client.video(id: created.videoID).status == .processing)
            time.advance(by: plan.timing.processingSeconds * 0.9)
            #expect(try await client.statuses(of: [created.videoID]).first?.status == .processing)

            // `advance` still moves the simulator's clock, on top of the virtual one.
            await sim.state.advance(seconds: plan.timing.processingSeconds * 0.2)
            let video = try await client.video(id: created.videoID)
            #expect(video.status == .completed)
            #expect(video.completedAt == Int(plan.createdAt + plan.timing.totalSeconds))
            #expect(video.createdAt == Int(plan.createdAt))
            #expect(ContinuousClock.now - started < .seconds(Int(plan.timing.totalSeconds / 2)), "no real waiting")
        }
    }

    @Test func theRendersEndpointListsThePlans() async throws {
        let time = VirtualTime()
        try await withSimulator(configure: { $0.renderSeconds = nil; $0.time = time.time }) { sim, client in
            let created = try await client.createVideo(Self.request(spokenSeconds: 5), idempotencyKey: newKey())
            let reply = try await rawRequest(.GET, sim.baseURL + "/v3/_simulator/renders")
            #expect(reply.status == 200)
            struct Box: Decodable { var data: [RenderPlan] }
            let plans = try JSONDecoder().decode(Box.self, from: reply.body).data
            let plan = try #require(plans.first)
            #expect(plans.count == 1 && plan.videoID == created.videoID)
            #expect(abs(plan.finishedAt - (plan.createdAt + plan.queueSeconds + plan.processingSeconds)) < 1e-6)
            #expect(plan.createdAt == time.now)
        }
    }
}
