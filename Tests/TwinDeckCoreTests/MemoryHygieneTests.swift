import Foundation
import Testing
@testable import TwinDeckCore

@Suite("Memory hygiene")
struct MemoryHygieneTests {
    @Test func freeMemoryIsGivenBackToTheSystem() {
        // Many small blocks (below the mmap threshold, so they live in the heap), then all freed.
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<40_000 {
            let block = malloc(512)!
            memset(block, 1, 512)
            blocks.append(block)
        }
        for block in blocks { free(block) }
        #if canImport(Glibc)
        #expect(Heap.releaseFreeMemory(), "malloc_trim found nothing to give back after 20 MB were freed")
        #endif
    }
}
