import Foundation
import HeyGen
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// What the Board shows of a download that waits between tries, gives up, or hits a full disk, and `d` on it.
@Suite("Board download failures")
struct DownloadFailureBoardTests {
    /// The board with the completed row "b" selected.
    func selectedCompleted() -> AppState {
        var state = boardState(width: 120, height: 30)
        press(&state, .character("j"))
        #expect(state.board.selectedKey == "b")
        return state
    }

    @Test func aFullDiskIsShownOnTheRowAndInTheDetail() {
        var state = selectedCompleted()
        #expect(press(&state, .character("d")) == [.download(key: "b")])
        let error = DownloadWriteError(errno: ENOSPC, written: 1_048_576, total: 3_000_000, partFile: "/media/full/.b.mp4.part")
        _ = update(&state, .downloadProgressed(key: "b", DownloadProgress(received: error.written, total: error.total, bytesPerSecond: 0,
                                                                         error: error.message(retry: "press d"), reason: error.short)))
        let lines = screen(state)
        // The row (its title column is narrow: the title is cut) says it failed and why.
        #expect(lines.contains { $0.contains("✓ completed   ↓ failed: disk full · We") }, "\(lines.joined(separator: "\n"))")
        #expect(panelText(lines).contains("Download failed: the disk is full: 1048576 bytes of 3000000 written to /media/full/.b.mp4.part"),
                "\(panelText(lines))")
        #expect(lines.joined(separator: " ").contains("Download failed: the disk is full"), "the toast says it too")
        // d again starts it again (a resume from the part file), not "already downloading".
        #expect(press(&state, .character("d")) == [.download(key: "b")])
    }

    @Test func aWaitBetweenTriesIsShownThenTheFailure() {
        var state = selectedCompleted()
        press(&state, .character("d"))
        _ = update(&state, .downloadProgressed(key: "b", DownloadProgress(received: 0, total: nil, bytesPerSecond: 0,
                                                                         note: "no connection; try 2 of 5 in 1 s")))
        var lines = screen(state)
        // The row says it is waiting; the detail (wrapped) says why and when the next try is.
        #expect(lines.contains { $0.contains("↓ 0 B retrying · Weekly") }, "\(lines.joined(separator: "\n"))")
        let detail = panelText(lines)
        #expect(detail.contains("Download 0 B so far · no connection; try 2 of 5 in 1 s"), "\(detail)")

        _ = update(&state, .downloadProgressed(key: "b", DownloadProgress(
            received: 0, total: nil, bytesPerSecond: 0,
            error: "the download gave up after 5 tries (0 bytes kept): the connection to 127.0.0.1:9 was refused; press d to try again",
            reason: "no connection")))
        lines = screen(state)
        #expect(lines.contains { $0.contains("✓ completed   ↓ failed: no connection") }, "\(lines.joined(separator: "\n"))")
        #expect(panelText(lines).contains("Download failed: the download gave up after 5 tries"), "\(panelText(lines))")
        #expect(press(&state, .character("d")) == [.download(key: "b")], "d after a failure starts again")
    }

    @Test func dOnARunningDownloadSaysAlreadyDownloading() {
        var state = selectedCompleted()
        #expect(press(&state, .character("d")) == [.download(key: "b")])
        // Before any byte has arrived: the row already shows the download, and a second d starts nothing.
        #expect(screen(state).contains { $0.contains("↓ 0 B Weekly update") })
        #expect(press(&state, .character("d")).isEmpty)
        #expect(screen(state).joined(separator: " ").contains("Already downloading “Weekly update — 週報”"))
        _ = update(&state, .downloadProgressed(key: "b", DownloadProgress(received: 5_000, total: 20_000, bytesPerSecond: 10_000)))
        #expect(press(&state, .character("d")).isEmpty)
        _ = update(&state, .downloadProgressed(key: "b", DownloadProgress(received: 20_000, total: 20_000, bytesPerSecond: 0, done: true,
                                                                         path: "/tmp/x.mp4")))
        #expect(press(&state, .character("d")) == [.download(key: "b")], "a finished download may be made again")
    }
}

/// The detail panel's text, its wrapped lines joined by single spaces: what follows the panel's left border on each
/// line (the board's rows, left of it, have no vertical bars).
private func panelText(_ lines: [String]) -> String {
    lines.compactMap { line -> String? in
        guard let border = line.firstIndex(of: "│") else { return nil }
        return line[line.index(after: border)...].replacingOccurrences(of: "│", with: " ")
    }.joined(separator: " ").split(separator: " ").joined(separator: " ")
}
