import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

func row(_ key: String, title: String?, status: String?, state: Submission.SubmitState = .submitted, ageSeconds: Double = 30,
         engine: Engine = .avatarIV, failure: String? = nil, url: String? = nil) -> Submission {
    let body = String(decoding: try! CreateVideoRequest(avatarID: "lk_office", script: "Hello from \(key)", voiceID: "v_sara", title: title,
                                                         engine: engine == .avatarV ? .avatarV : nil).jsonBody(), as: UTF8.self)
    return Submission(
        idempotencyKey: key, videoID: state == .submitting ? nil : "v_\(key)", title: title, lookID: "lk_office",
        lookName: "Office — Blue Shirt", voiceID: "v_sara", voiceName: "Sara", engine: engine.rawValue, requestBody: body,
        createdAt: fixedNow.addingTimeInterval(-ageSeconds), submitState: state, status: status, videoURL: url,
        videoPageURL: url.map { $0 + "/page" }, failureCode: failure == nil ? nil : "rendering_failed", failureMessage: failure)
}

let boardRows: [Submission] = [
    row("a", title: "Launch announcement", status: "processing", ageSeconds: 12),
    row("b", title: "Weekly update — 週報", status: "completed", ageSeconds: 600, url: "https://media.test/b.mp4"),
    row("c", title: "Broken one", status: "failed", ageSeconds: 4000,
        failure: "Avatar rendering timed out after the maximum render time was reached"),
    row("d", title: nil, status: nil, state: .submitting, ageSeconds: 3),
    row("e", title: String(repeating: "Very long title ", count: 20), status: "pending", ageSeconds: 90_000, engine: .avatarV),
]

func boardState(width: Int = 80, height: Int = 24) -> AppState {
    var state = loadedState(width: width, height: height)
    press(&state, .character("4"))
    _ = update(&state, .boardLoaded(boardRows))
    _ = update(&state, .pollHealthChanged(.ok(at: fixedNow.addingTimeInterval(-3))))
    return state
}

@Suite("Status board")
struct BoardTests {
    @Test func everyStatusHasARow() {
        let lines = screen(boardState())
        assertSnapshot(lines, named: "board-80x24")
        let text = lines.joined(separator: "\n")
        #expect(text.contains("✓ completed") && text.contains("✗ failed") && text.contains("submitting") && text.contains("processing"))
        #expect(text.contains("5 of 5 videos · 3 rendering"))
        #expect(text.contains("polled 3 s ago"))
    }

    @Test func failedRowShowsItsFailureMessageInFull() {
        var state = boardState(width: 120, height: 30)
        press(&state, .character("j"), .character("j"))
        #expect(state.board.selectedKey == "c")
        let text = screen(state).joined(separator: " ")
        #expect(text.contains("Avatar rendering timed out"))
        press(&state, .enter)
        #expect(state.board.showingDetail)
        let detail = screen(state).joined(separator: "\n")
        #expect(detail.contains("Video detail") && detail.contains("Request body") && detail.contains("Hello from c"))
        press(&state, .escape)
        #expect(!state.board.showingDetail)
    }

    @Test func keysOnACompletedRow() {
        var state = boardState()
        press(&state, .character("j"))
        #expect(state.board.selectedKey == "b")
        #expect(press(&state, .character("y")) == [.copy("https://media.test/b.mp4", what: "download link")])
        #expect(press(&state, .character("d")) == [.download(key: "b")])
        #expect(press(&state, .character("o")) == [.copy("https://media.test/b.mp4/page", what: "video page link")])
        press(&state, .character("k"))
        #expect(press(&state, .character("d")) == [], "a running video cannot be downloaded")
        #expect(state.toast?.text.contains("Only a completed video") == true)
    }

    @Test func removeAsksFirst() {
        var state = boardState()
        #expect(press(&state, .character("x")) == [])
        #expect(screen(state).joined().contains("Remove from the board?"))
        #expect(press(&state, .character("n")) == [])
        #expect(state.board.confirmingRemove == nil)
        press(&state, .character("x"))
        #expect(press(&state, .character("y")) == [.removeSubmission(key: "a")])
    }

    @Test func reComposeFillsTheFormFromTheSentRequest() {
        var state = boardState()
        press(&state, .character("G"))  // e: Avatar V
        press(&state, .character("R"))
        #expect(state.pane == .compose)
        #expect(state.compose.draft.engine == .avatarV)
        #expect(state.compose.draft.script.text == "Hello from e")
        #expect(state.compose.draft.lookID == "lk_office")
    }

    @Test func filterAndSortKeepTheSelection() {
        var state = boardState()
        press(&state, .character("j"))
        press(&state, .character("S"))
        #expect(state.board.sort == .status)
        #expect(state.board.visible.map(\.idempotencyKey).prefix(3).allSatisfy { ["a", "d", "e"].contains($0) }, "running first")
        #expect(state.board.selectedKey == "b")
        press(&state, .character("/"))
        type(&state, "weekly")
        #expect(state.board.visible.map(\.idempotencyKey) == ["b"])
        press(&state, .escape)
        #expect(state.board.visible.count == 5)
    }

    @Test func aVideoFinishingRingsTheBellOnce() {
        var state = boardState()
        var done = boardRows
        done[0].status = "completed"
        #expect(update(&state, .boardLoaded(done)) == [.notify("Launch announcement completed")])
        #expect(update(&state, .boardLoaded(done)) == [])
    }

    @Test func pollingTroubleIsVisible() {
        var state = boardState()
        _ = update(&state, .pollHealthChanged(.failing("rateLimited 429", retryAt: fixedNow.addingTimeInterval(12))))
        #expect(screen(state)[2].contains("poll failed (rateLimited 429), retry in 12 s"))
        _ = update(&state, .pollHealthChanged(.follower))
        #expect(screen(state)[2].contains("another TwinDeck is polling this store"))
    }

    @Test func downloadProgressShowsOnTheRowAndInTheDetail() {
        var state = boardState(width: 120, height: 30)
        press(&state, .character("j"))
        _ = update(&state, .downloadProgressed(key: "b", DownloadProgress(received: 5_000, total: 20_000, bytesPerSecond: 10_000)))
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("↓ 25% Weekly update"))
        #expect(text.contains("[█░░░░░░] 25% 4.9 KB") && text.contains("19.5"))
        #expect(progressBar(DownloadProgress(received: 5_000, total: 20_000, bytesPerSecond: 10_000), width: 80)
            .hasSuffix("25% 4.9 KB of 19.5 KB · 9.8 KB/s · 1 s left"))
        _ = update(&state, .downloadProgressed(key: "b", DownloadProgress(received: 20_000, total: 20_000, bytesPerSecond: 0, done: true, path: "/tmp/x.mp4")))
        #expect(screen(state).joined(separator: "\n").contains("Saved"))
    }

    @Test func emptyBoardSaysWhatToDo() {
        var state = loadedState()
        press(&state, .character("4"))
        _ = update(&state, .boardLoaded([]))
        #expect(screen(state).joined(separator: " ").contains("No videos yet. Compose one (3)"))
    }

    @Test func pollScheduleBacksOff() {
        let schedule = PollSchedule()
        #expect(schedule.interval(youngestAge: 1) == 2)
        #expect(schedule.interval(youngestAge: 8) == 8)
        #expect(schedule.interval(youngestAge: 16) == 16)
        #expect(schedule.interval(youngestAge: 3600) == 30)
        // A 60 s render: polls at 2, 4, 8, 16, 32, 62 s — six, plus one detail call = the guide's seven.
        var age = 2.0, polls = 1
        while age < 60 { age += schedule.interval(youngestAge: age); polls += 1 }
        #expect(polls == 6)
        #expect(PollSchedule(scale: 0.05).interval(youngestAge: 0.4) == PollSchedule().interval(youngestAge: 8) * 0.05)
        #expect(schedule.backoff(failures: 1, jitter: 1) == 2)
        #expect(schedule.backoff(failures: 4, jitter: 1) == 16)
        #expect(schedule.backoff(failures: 10, jitter: 1) == 60)
    }
}
