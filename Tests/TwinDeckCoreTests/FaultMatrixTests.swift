import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

// Every fault the simulator can inject, against the app's own submit path (EffectRunner.submit) and its board
// poller (BoardEngine), over real loopback HTTP. At the end: videos submitted = videos on the server = videos on
// the board, none twice. `TWINDECK_SOAK_SECONDS=n` turns the single pass into randomised rounds for n seconds.

private let matrixLogger: Logger = {
    var logger = Logger(label: "fault-matrix")
    logger.logLevel = .critical
    return logger
}()

/// One kind of trouble: a name and the faults that make it.
struct FaultCase: Sendable, CustomTestStringConvertible {
    let name: String
    let faults: [ScriptedFault]
    var testDescription: String { name }

    static let create = "/v3/videos"
    static let statuses = "/v3/videos/statuses"

    /// The issue's list: 429 (seconds, HTTP-date), 5xx bursts, stalls past the timeout, drops mid-body, truncated
    /// JSON, HTML pages, an error inside a 200, an unknown status word, an empty page saying more follow, a
    /// repeating next_token, on the create and on the polls.
    static let all: [FaultCase] = [
        FaultCase(name: "429 Retry-After seconds on create", faults: [.init(.rateLimited(retryAfterSeconds: 1), pathPrefix: create, method: "POST")]),
        FaultCase(name: "429 Retry-After HTTP-date on create", faults: [.init(.rateLimited(retryAfterSeconds: 1, httpDate: true), pathPrefix: create, method: "POST")]),
        FaultCase(name: "429 storm on create (more than the retries)", faults: [.init(.rateLimited(retryAfterSeconds: 0), pathPrefix: create, method: "POST", count: 3)]),
        FaultCase(name: "429 storm on statuses", faults: [.init(.rateLimited(retryAfterSeconds: 0, httpDate: true), pathPrefix: statuses, count: 6)]),
        FaultCase(name: "500 burst on create", faults: [.init(.serverError(status: 500), pathPrefix: create, method: "POST", count: 3)]),
        FaultCase(name: "502 gateway pages on create", faults: [.init(.serverError(status: 502), pathPrefix: create, method: "POST", count: 3)]),
        FaultCase(name: "503 burst on statuses", faults: [.init(.serverError(status: 503), pathPrefix: statuses, count: 6)]),
        FaultCase(name: "504 burst on detail and statuses", faults: [.init(.serverError(status: 504), pathPrefix: create, method: "GET", count: 6)]),
        FaultCase(name: "create stalls past the timeout", faults: [.init(.slow(milliseconds: 4_000), pathPrefix: create, method: "POST")]),
        FaultCase(name: "statuses stall past the timeout", faults: [.init(.slow(milliseconds: 4_000), pathPrefix: statuses, count: 2)]),
        FaultCase(name: "connection dropped mid-body on create", faults: [.init(.drop, pathPrefix: create, method: "POST", count: 3)]),
        FaultCase(name: "connection dropped mid-body on polls", faults: [.init(.drop, pathPrefix: create, method: "GET", count: 4)]),
        FaultCase(name: "truncated JSON in the create's 200", faults: [.init(.malformed, pathPrefix: create, method: "POST")]),
        FaultCase(name: "truncated JSON on polls", faults: [.init(.malformed, pathPrefix: create, method: "GET", count: 4)]),
        FaultCase(name: "HTML error pages", faults: [.init(.htmlPage, pathPrefix: create, count: 4)]),
        FaultCase(name: "a 200 with an error object on create", faults: [.init(.errorIn200, pathPrefix: create, method: "POST")]),
        FaultCase(name: "a 200 with an error object on polls", faults: [.init(.errorIn200, pathPrefix: create, method: "GET", count: 3)]),
        FaultCase(name: "an unknown status word", faults: [.init(.unknownStatus("reticulating_splines"), pathPrefix: create, method: "GET", count: 6)]),
        FaultCase(name: "a transient not_found on statuses (a server restarted, a video not yet indexed)",
                  faults: [.init(.unknownStatus("not_found"), pathPrefix: statuses, count: 3)]),
        FaultCase(name: "an empty list page with has_more true", faults: [.init(.emptyPage, pathPrefix: "/v3/videos?", method: "GET")]),
        FaultCase(name: "a repeating next_token", faults: [.init(.repeatingToken("tok_loop"), pathPrefix: "/v3/videos?", method: "GET", count: 2)]),
    ]
}

/// The running totals the figures come from.
struct FaultMatrixCounts {
    var cases = 0
    var submitted = 0
    var uncertain = 0
    var rejected = 0
}

@Suite("Fault matrix: nothing lost, nothing duplicated", .serialized, .timeLimit(.minutes(soakSeconds == nil ? 3 : 120)))
struct FaultMatrixTests {
    /// The app's submit, as the compose form runs it.
    static func submit(_ index: Int, client: HeyGenClient, store: SubmissionStore, engine: BoardEngine, counts: inout FaultMatrixCounts) async {
        let result = await EffectRunner.submit(
            sampleRequest(title: "Matrix video \(index)"), lookName: "Office", voiceName: nil, look: nil, service: client,
            recorder: store, board: engine, logger: matrixLogger)
        counts.submitted += 1
        switch result {
        case .success(.created): break
        case .success(.uncertain): counts.uncertain += 1
        case .success(.createdUnrecorded(let response, _, let reason)):
            Issue.record("video \(index) (\(response.videoID)) was made but not recorded: \(reason)")
        case .failure(let error):
            // One submit pipeline: a 429 (even one that outlasted the retries) is not a refusal — the row stays
            // `submitting` and the board re-sends it with its key. Nothing here is refused for good.
            counts.rejected += 1
            Issue.record("video \(index) was refused: \(error)")
        }
    }

    /// Lists the server's videos, riding out list faults the way a person would (try again).
    static func serverVideos(_ client: HeyGenClient) async throws -> [Video] {
        var last: (any Error)?
        for _ in 0..<5 {
            do { return try await HeyGenClient.collectPages { token in try await client.videos(limit: 7, token: token) } } catch { last = error }
        }
        throw last!
    }

    @Test("every fault, then: submitted = on the server = on the board")
    func everyFaultThenTheCountsAgree() async throws {
        try await withSimulator(configure: { options in
            options.renderSeconds = 1
            options.maxConcurrentRenders = nil
        }, readTimeout: .seconds(1.5)) { sim, client in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-matrix-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try SubmissionStore(path: folder.appendingPathComponent("store.sqlite").path)
            let log = BoardEngineTestLog()
            let engine = BoardEngine(store: store, service: client, downloads: folder, schedule: PollSchedule(scale: 0.05),
                                     logger: matrixLogger, post: log.post)
            engine.start()
            var counts = FaultMatrixCounts()
            var random = TestRandom(seed: UInt64(soakSeconds == nil ? 2026 : Int(Date().timeIntervalSince1970)))
            let deadline = ContinuousClock.now + .seconds(soakSeconds ?? 0)
            var round = 0
            repeat {
                let cases = round == 0 ? FaultCase.all : FaultCase.all.shuffled(using: &random).prefix(Int.random(in: 1...4, using: &random)).map { $0 }
                for fault in cases {
                    await sim.state.inject(fault.faults)
                    counts.cases += 1
                    await Self.submit(counts.submitted, client: client, store: store, engine: engine, counts: &counts)
                    // The list faults are met by the board's own users of the list: `videos` and the count below.
                    if fault.faults.contains(where: { $0.pathPrefix == "/v3/videos?" }) {
                        _ = try? await Self.serverVideos(client)
                    }
                }
                // The app keeps polling while the faults play out; they end, and it recovers.
                let settled = try await eventually(timeout: .seconds(60)) {
                    try await store.all().allSatisfy { $0.isFinal || $0.submitState == .rejected }
                }
                await sim.state.clearFaults()
                let open = try await store.all().filter { !$0.isFinal }.map(\.idempotencyKey)
                #expect(settled, "round \(round): rows still open: \(open)")
                round += 1
            } while ContinuousClock.now < deadline
            await engine.stop()

            let rows = try await store.all()
            let onBoard = rows.filter { $0.submitState == .submitted }.compactMap(\.videoID)
            let onServer = try await Self.serverVideos(client).map(\.id)
            let posts = await sim.state.requestCounts()["POST /v3/videos", default: 0]
            #expect(rows.count == counts.submitted, "one row per submission")
            #expect(onBoard.count == counts.submitted - counts.rejected)
            #expect(Set(onBoard).count == onBoard.count, "a video twice on the board")
            #expect(Set(onServer).count == onServer.count, "a video twice on the server")
            #expect(Set(onServer) == Set(onBoard), "server and board differ")
            let ended = rows.filter { $0.videoStatus != .completed }.map { "\($0.idempotencyKey): \($0.status ?? "nil")" }
            #expect(ended.isEmpty, "every video rendered, so every row ends completed (a transient not_found is not final): \(ended)")
            #expect(posts > counts.submitted, "some creates were sent more than once, yet made one video each")
            #expect(counts.uncertain > 0, "some answers were lost on the way")
            #expect(!log.failures.isEmpty, "the board showed its polling trouble")
            if case .ok = log.health.last {} else { Issue.record("the board did not end healthy: \(String(describing: log.health.last))") }
            let faults = await sim.state.faultsServed
            #expect(faults >= FaultCase.all.count)
            reportFigures("fault-matrix", [
                "rounds": round, "fault_cases": counts.cases, "faults_served": faults, "submitted": counts.submitted,
                "uncertain_answers": counts.uncertain, "refused_429": counts.rejected, "on_server": onServer.count,
                "on_board": onBoard.count,
                "lost": Set(onServer).symmetricDifference(onBoard).count + max(0, counts.submitted - counts.rejected - Set(onBoard).count),
                "duplicated": onServer.count - Set(onServer).count + onBoard.count - Set(onBoard).count,
            ])
        }
    }
}
