import ArgumentParser
import Foundation
import HeyGen
import TwinDeckCore

/// Polls one video until it is completed or failed: quick at first (~2 s), backing off toward 30 s,
/// riding out transient errors (429, 5xx, network) with the wait shown.
struct VideoWaiter {
    let client: HeyGenClient
    var initialInterval: Double = 2
    var maxInterval: Double = 30
    var growth: Double = 1.5
    /// The longest a server's `Retry-After` is waited for between polls (a huge one would stall `--wait` for years).
    static let maxRetryAfterWait: Double = 300

    /// The interval before poll number `n` (0-based).
    static func interval(poll n: Int, initial: Double, max maxInterval: Double, growth: Double) -> Double {
        min(maxInterval, initial * pow(growth, Double(n)))
    }

    func wait(for id: String) async throws -> Video {
        let progress = ProgressLine()
        let started = Date()
        var poll = 0
        var lastStatus: VideoStatus?
        defer { progress.finish() }
        while true {
            // The board's schedule: ~2 s while young, backing off toward 30 s for long renders.
            var delay = PollSchedule(scale: initialInterval / 2).interval(youngestAge: Date().timeIntervalSince(started))
            do {
                let video = try await client.video(id: id)
                if video.status != lastStatus {
                    progress.event("status: \(video.status)")
                    lastStatus = video.status
                }
                if video.status == .completed || video.status == .failed { return video }
                progress.update("\(video.status) · \(Int(saturating: Date().timeIntervalSince(started))) s elapsed")
            } catch let error as HeyGenError where error.isTransient {
                if let wait = error.retryAfter { delay = min(max(delay, Double(wait.components.seconds)), Self.maxRetryAfterWait) }
                progress.event("\(error.shortDescription); retrying in \(Int(saturating: delay.rounded(.up))) s")
            }
            poll += 1
            try await Task.sleep(for: .seconds(saturating: delay))
        }
    }
}

/// A one-line progress display on a terminal (stderr), or plain lines when stderr is not a terminal.
final class ProgressLine: @unchecked Sendable {
    // Used from one task at a time (the waiter's loop); not shared across tasks.
    private let live = Output.stderrIsTerminal
    private var spinner = 0
    private static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    func update(_ text: String) {
        guard live else { return }
        spinner = (spinner + 1) % Self.frames.count
        Output.write("\r\u{1B}[2K\(Self.frames[spinner]) \(text)", to: STDERR_FILENO)
    }

    func event(_ text: String) {
        if live {
            Output.write("\r\u{1B}[2K\(text)\n", to: STDERR_FILENO)
        } else {
            Output.note(text)
        }
    }

    func finish() {
        if live { Output.write("\r\u{1B}[2K", to: STDERR_FILENO) }
    }
}
