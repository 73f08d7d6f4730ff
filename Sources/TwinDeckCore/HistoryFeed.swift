import Synchronization

/// Where the board stands with the history, read by one caller at a time, so what each read posts starts where
/// the last one stopped (two reads side by side could post an older state after a newer one). A caller that finds
/// a read going on does not wait: it asks that reader to read once more when it is done, so its change is posted
/// all the same, and the poll loop is never held up by a long first read.
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
        var reading = false
        var again = false
    }

    private let state = Mutex(State())

    /// Runs `read` with what the board was sent so far and keeps what it returns; while another caller reads, asks
    /// it to read once more instead, and returns at once.
    func next(_ read: (Seen) async -> Seen) async {
        let mine = state.withLock { s -> Bool in
            if s.reading {
                s.again = true
                return false
            }
            s.reading = true
            return true
        }
        guard mine else { return }
        while true {
            let after = await read(state.withLock { $0.seen })
            let more = state.withLock { s -> Bool in
                s.seen = after
                if s.again {
                    s.again = false
                    return true
                }
                s.reading = false
                return false
            }
            if !more { return }
        }
    }
}
