import CHeap

/// The C heap.
public enum Heap {
    /// Gives free memory inside malloc's arenas back to the system (glibc's `malloc_trim`). glibc keeps what
    /// a thread freed in that thread's arena; after a burst of short-lived allocations (a catalogue decoded,
    /// copied into a ``VoiceTable`` and indexed) that is megabytes the process keeps resident for nothing.
    /// Costs about a millisecond; call it after such a burst, not per frame.
    @discardableResult
    public static func releaseFreeMemory() -> Bool { td_release_free_memory() != 0 }
}
