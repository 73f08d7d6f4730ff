import Synchronization

/// Where the board stands with the history, read by one caller at a time: a caller waits while another reads and
/// posts, so what each posts starts where the last one stopped (an actor would let two reads interleave at their
/// awaits, and an older read could then be posted after a newer one).
final class HistoryFeed: Sendable {
    /// What the board was last sent.
    enum Seen: Sendable, Equatable {
        /// Nothing yet, or the last read failed: the next read is the whole history.
        case nothing
        /// The history up to this change mark.
        case mark(Int64)
        /// The history as of this change stamp (a file without a change log).
        case stamp(String)
    }

    private struct State {
        var seen = Seen.nothing
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `read` alone with what the board was sent so far, and keeps what it returns for the next caller.
    func next(_ read: (Seen) async -> Seen) async {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.busy {
                    s.waiting.append(turn)
                    return false
                }
                s.busy = true
                return true
            }
            if now { turn.resume() }
        }
        let after = await read(state.withLock { $0.seen })
        let following = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.seen = after
            guard !s.waiting.isEmpty else {
                s.busy = false
                return nil
            }
            return s.waiting.removeFirst()  // still busy: the turn passes straight on
        }
        following?.resume()
    }
}
