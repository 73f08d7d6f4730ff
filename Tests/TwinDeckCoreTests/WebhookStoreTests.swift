import Foundation
import GRDB
import HeyGen
import HeyGenSimulator
import Logging
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

private func webhookEvent(_ type: WebhookEventType, _ videoID: String, url: String? = "https://media.test/a.mp4") -> WebhookEvent {
    WebhookEvent(eventType: type, eventData: .init(videoID: videoID, url: type == .videoSuccess ? url : nil,
                                                   msg: type == .videoFail ? "render failed" : nil))
}

private func submitted(_ store: SubmissionStore, _ videoID: String, callbackURL: String? = nil) async throws -> String {
    var request = sampleRequest(title: videoID)
    request.callbackURL = callbackURL
    let key = "k-\(videoID)"
    try await store.recordSubmitting(request: request, key: key, lookName: nil, voiceName: nil, source: .form)
    try await store.markSubmitted(key: key, videoID: videoID, status: .processing)
    return key
}

@Suite("Store: webhook deliveries")
struct WebhookStoreTests {
    @Test func callbackURLIsKeptFromTheRequest() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await submitted(store, "v_cb", callbackURL: "https://hooks.test/x")
        #expect(try await store.submission(key: key)?.callbackURL == "https://hooks.test/x")
        #expect(try await store.submission(key: try await submitted(store, "v_plain"))?.callbackURL == nil)
    }

    @Test func anEventIsRecordedOnceByItsID() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await submitted(store, "v_a")
        guard case .recorded(let row) = try await store.recordWebhook(eventID: "e1", event: webhookEvent(.videoSuccess, "v_a")) else {
            Issue.record("not recorded")
            return
        }
        #expect(row.status == "completed" && row.videoURL == "https://media.test/a.mp4" && row.webhookAt != nil)
        #expect(try await store.recordWebhook(eventID: "e1", event: webhookEvent(.videoFail, "v_a")) == .duplicate)
        #expect(try await store.submission(key: key) == row)
    }

    @Test func unknownVideosAndEventTypesChangeNothing() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await submitted(store, "v_b")
        let before = try await store.all()
        #expect(try await store.recordWebhook(eventID: "e2", event: webhookEvent(.videoSuccess, "v_nobody")) == .unknownVideo)
        #expect(try await store.recordWebhook(eventID: "e3", event: webhookEvent("avatar_video.queued", "v_b")) == .ignored)
        #expect(try await store.all() == before)
        // Neither used up its event id: a later genuine delivery with the same id is taken in.
        guard case .recorded = try await store.recordWebhook(eventID: "e2", event: webhookEvent(.videoSuccess, "v_b")) else {
            Issue.record("e2 was remembered for an unknown video")
            return
        }
        #expect(try await store.submission(key: key)?.status == "completed")
    }

    @Test func aFinalStatusFromPollingIsNotOverwritten() async throws {
        let store = try SubmissionStore.inMemory()
        let key = try await submitted(store, "v_c")
        try await store.update(with: Video(id: "v_c", status: .failed, failureMessage: "polled failure"))
        guard case .recorded(let row) = try await store.recordWebhook(eventID: "e4", event: webhookEvent(.videoSuccess, "v_c")) else {
            Issue.record("not recorded")
            return
        }
        #expect(row.status == "failed" && row.failureMessage == "polled failure" && row.videoURL == nil)
        #expect(row.webhookAt == nil, "the outcome came from polling")
        #expect(try await store.submission(key: key) == row)
    }

    @Test func oldEventIDsAreForgotten() async throws {
        let store = try SubmissionStore.inMemory()
        _ = try await submitted(store, "v_d")
        let long = Date().addingTimeInterval(-49 * 3600)
        #expect(try await store.recordWebhook(eventID: "e5", event: webhookEvent(.videoFail, "v_d"), now: long) != .duplicate)
        #expect(try await store.recordWebhook(eventID: "e5", event: webhookEvent(.videoFail, "v_d")) != .duplicate)
        #expect(try await store.recordWebhook(eventID: "e5", event: webhookEvent(.videoFail, "v_d")) == .duplicate)
    }

    @Test func aVersionOneFileIsMigratedWithItsRows() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-v1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("store.sqlite").path
        do {
            let queue = try DatabaseQueue(path: path)
            try SubmissionStore.migrator.migrate(queue, upTo: "v1")
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO submission (idempotencyKey, videoID, source, createdAt, updatedAt, submitState, status, downloadState)
                    VALUES ('old', 'v_old', 'cli', 0, 0, 'submitted', 'processing', 'none')
                    """)
            }
        }
        let store = try SubmissionStore(path: path)
        #expect(try await store.appliedMigrations() == ["v1", "v2-webhooks", "v3-missing", "v4-render-time", "v5-change-log"])
        let row = try #require(try await store.submission(key: "old"))
        #expect(row.videoID == "v_old" && row.callbackURL == nil && row.webhookAt == nil)
        guard case .recorded = try await store.recordWebhook(eventID: "e6", event: webhookEvent(.videoSuccess, "v_old")) else {
            Issue.record("not recorded")
            return
        }
    }
}

@Suite("Board engine: webhook coverage", .serialized)
struct BoardEngineWebhookTests {
    let quiet: Logger = {
        var logger = Logger(label: "board-webhook-tests")
        logger.logLevel = .critical
        return logger
    }()

    @Test func coveredVideosWaitForTheSafetyNet() {
        let schedule = PollSchedule(scale: 1)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let young = PollTarget(videoID: "young", createdAt: now.addingTimeInterval(-8), lastLook: now)
        let covered = PollTarget(videoID: "hooked", createdAt: now.addingTimeInterval(-30), lastLook: now.addingTimeInterval(-30), covered: true)
        // Nothing covered: the usual schedule (looked at when 8 s old: the next look 8 s later).
        #expect(schedule.plan([young], now: now).wakeAt == now.addingTimeInterval(8))
        #expect(schedule.plan([], now: now).wakeAt == nil)
        // Only covered videos: the safety-net look, two minutes after the last.
        #expect(schedule.plan([covered], now: now) == PollPlan(due: [], wakeAt: now.addingTimeInterval(90)))
        // Both: whichever comes first; a covered video is never due with the others before its safety net.
        #expect(schedule.plan([young, covered], now: now).wakeAt == now.addingTimeInterval(8))
        #expect(schedule.plan([young, covered], now: now.addingTimeInterval(8)).due == ["young"])
        #expect(schedule.plan([young, covered], now: now.addingTimeInterval(90)).due.contains("hooked"))
        #expect(schedule.safetyNet == 120 && PollSchedule(scale: 0.05).safetyNet == 6)
    }

    @Test func coveredVideosAreLeftToTheWebhookUntilTheSafetyNet() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 0.2; $0.webhookRetries = 0 }) { _, client in
            let store = try SubmissionStore.inMemory()
            let hooked = try await submittedOnSimulator(store, client, callbackURL: "http://127.0.0.1:9/unreachable")
            let plain = try await submittedOnSimulator(store, client, callbackURL: nil)
            for key in [hooked, plain] {
                let id = try #require(try await store.submission(key: key)?.videoID)
                #expect(await eventually { (try? await client.video(id: id))?.status == .completed })
            }
            let engine = BoardEngine(store: store, service: client, downloads: FileManager.default.temporaryDirectory,
                                     schedule: PollSchedule(scale: 1), logger: quiet, post: { _ in })
            let coverage = WebhookCoverage(address: "x", signed: false, callbacks: true)
            let next = try await engine.pollOnce(coverage: coverage)
            #expect(try await store.submission(key: plain)?.status == "completed", "not covered: polled")
            let left = try #require(try await store.submission(key: hooked))
            #expect(left.status != "completed" && left.lastPolledAt == nil, "covered: left to the webhook")
            let due = try #require(next).timeIntervalSinceNow
            #expect(due > 100 && due <= 120, "only the covered video is left: its safety-net look")
            // The receiver is gone: the video is polled again like any other.
            _ = try await engine.pollOnce(coverage: nil)
            #expect(try await store.submission(key: hooked)?.status == "completed")
            #expect(try await store.submission(key: hooked)?.webhookAt == nil)
        }
    }

    @Test func theEnginePostsCoverageChanges() async throws {
        let store = try SubmissionStore.inMemory()
        let log = BoardEngineTestLog()
        try await withSimulator { _, client in
            let engine = BoardEngine(store: store, service: client, downloads: FileManager.default.temporaryDirectory,
                                     schedule: PollSchedule(scale: 0.05), logger: quiet,
                                     post: log.post)
            engine.start()
            let coverages = { log.all.compactMap { m -> WebhookCoverage?? in
                if case .webhookCoverageChanged(let c) = m { c } else { nil } } }
            let initial = await eventually { coverages().count == 1 }
            try await store.receiverHeartbeat(owner: "twindeck-\(getpid())-test", address: "127.0.0.1:1/h", signed: true, callbacks: false)
            let started = await eventually { coverages().count == 2 }
            try await store.removeReceiver(owner: "twindeck-\(getpid())-test")
            let stopped = await eventually { coverages().count == 3 }
            await engine.stop()
            #expect(initial && started && stopped)
            let seen = coverages()
            try #require(seen.count == 3)
            #expect(seen[0] == .some(nil))
            #expect(seen[1] == .some(WebhookCoverage(address: "127.0.0.1:1/h", signed: true, callbacks: false)))
            #expect(seen[2] == .some(nil))
        }
    }

    private func submittedOnSimulator(_ store: SubmissionStore, _ client: HeyGenClient, callbackURL: String?) async throws -> String {
        var request = sampleRequest(title: callbackURL == nil ? "plain" : "hooked")
        request.callbackURL = callbackURL
        let key = "wh-\(UUID().uuidString.prefix(8))"
        try await store.recordSubmitting(request: request, key: key, lookName: nil, voiceName: nil, source: .form)
        let created = try await client.createVideo(request, idempotencyKey: key)
        try await store.markSubmitted(key: key, videoID: created.videoID, status: created.status)
        return key
    }
}
