import Foundation
import Synchronization

/// A one-line progress display on a terminal (stderr), or plain lines when stderr is not a terminal.
final class ProgressLine: Sendable {
    private let live = Output.stderrIsTerminal
    private let spinner = Mutex(0)
    private static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    func update(_ text: String) {
        guard live else { return }
        let frame = spinner.withLock { s in
            s = (s + 1) % Self.frames.count
            return Self.frames[s]
        }
        Output.write("\r\u{1B}[2K\(frame) \(text)", to: STDERR_FILENO)
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
