import Foundation
import Testing
@testable import TwinDeckCore
#if canImport(Glibc)
import Glibc
#endif

/// The draft file on disk: atomic 0600 writes, and two instances sharing it without one overwriting the other.
@Suite("Draft store")
struct DraftStoreTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("td-drafts-\(UUID().uuidString)/twindeck")
    var url: URL { folder.appendingPathComponent("draft.json") }

    func draft(_ script: String) -> ComposeDraft {
        var draft = ComposeDraft()
        draft.script.replace(with: script)
        return draft
    }

    func onDisk(_ url: URL) throws -> String {
        try JSONDecoder().decode(ComposeDraft.self, from: Data(contentsOf: url)).script.text
    }

    func names() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() }

    func inode(_ url: URL) -> UInt64? {
        var info = stat()
        return stat(url.path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    func cleanUp() { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }

    @Test func savesAtomicallyPrivatelyAndLoadsBack() throws {
        defer { cleanUp() }
        let store = DraftStore(url: url)
        #expect(try store.load() == nil)
        #expect(store.save(draft("first")) == .saved)
        #expect(mode(url.path) == 0o600, "the draft must be 0600")
        #expect(mode(folder.path) == 0o700, "its folder must be 0700")
        let before = try #require(inode(url))
        #expect(store.save(draft("second")) == .saved)
        // Replaced by a rename (a new inode), never rewritten in place: a reader sees one draft or the other.
        #expect(inode(url) != before, "the draft was written in place")
        #expect(mode(url.path) == 0o600)
        #expect(try onDisk(url) == "second")
        #expect(names().filter { $0.hasSuffix(".tmp") }.isEmpty, "temporary files left: \(names())")
        #expect(store.save(draft("second")) == .unchanged, "the same draft twice is not written again")
        #expect(inode(url) != before)
        #expect(try DraftStore(url: url).load()?.script.text == "second")
    }

    @Test func aDraftChangedByAnotherInstanceIsKeptAndOursGoesBesideIt() throws {
        defer { cleanUp() }
        #expect(DraftStore(url: url).save(draft("original")) == .saved)
        let first = DraftStore(url: url), second = DraftStore(url: url, now: { Date(timeIntervalSince1970: 1_767_622_953) })
        #expect(try first.load()?.script.text == "original")
        #expect(try second.load()?.script.text == "original")
        #expect(first.save(draft("first's")) == .saved)
        // The second instance finds the file changed since it read it: it does not overwrite.
        let result = second.save(draft("second's"))
        let side = folder.appendingPathComponent("draft-20260105-142233.json")
        #expect(result == .keptAside(path: side.path))
        #expect(try onDisk(url) == "first's", "the other instance's draft was overwritten")
        #expect(try onDisk(side) == "second's")
        #expect(mode(side.path) == 0o600)
        // From now on the second instance saves to its side file; the first keeps the shared one.
        #expect(second.target == side)
        #expect(second.save(draft("second's, more")) == .saved)
        #expect(try onDisk(side) == "second's, more")
        #expect(first.save(draft("first's, more")) == .saved)
        #expect(try onDisk(url) == "first's, more")
        // A third conflict in the same second gets a name of its own.
        let third = DraftStore(url: url, now: { Date(timeIntervalSince1970: 1_767_622_953) })
        _ = try third.load()
        #expect(first.save(draft("first's again")) == .saved)
        #expect(third.save(draft("third's")) == .keptAside(path: folder.appendingPathComponent("draft-20260105-142233-2.json").path))
        #expect(try onDisk(url) == "first's again")
    }

    @Test func anInstanceThatChangedNothingLeavesTheOthersDraft() throws {
        defer { cleanUp() }
        #expect(DraftStore(url: url).save(draft("original")) == .saved)
        let idle = DraftStore(url: url), busy = DraftStore(url: url)
        let loaded = try #require(try idle.load())
        _ = try busy.load()
        #expect(busy.save(draft("edited")) == .saved)
        // The idle instance quits with the draft it loaded: nothing of it is new, nothing is written.
        #expect(idle.save(loaded) == .unchanged)
        #expect(try onDisk(url) == "edited")
        #expect(names().filter { $0.hasPrefix("draft-") }.isEmpty, "no side file for an unchanged draft: \(names())")
    }

    @Test func aFileCreatedByAnotherInstanceIsNotOverwritten() throws {
        defer { cleanUp() }
        let early = DraftStore(url: url)
        #expect(try early.load() == nil)  // nothing there when it started
        #expect(DraftStore(url: url).save(draft("the other's")) == .saved)
        guard case .keptAside(let path) = early.save(draft("mine")) else {
            Issue.record("expected the draft to be kept aside")
            return
        }
        #expect(try onDisk(url) == "the other's")
        #expect(try onDisk(URL(fileURLWithPath: path)) == "mine")
    }

    @Test func anUnreadableDraftIsNeverOverwritten() throws {
        defer { cleanUp() }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let garbage = Data("{\"script\": 42, not json".utf8)
        try garbage.write(to: url)
        let store = DraftStore(url: url)
        #expect(throws: DraftError.self) { try store.load() }
        guard case .keptAside(let path) = store.save(draft("new")) else {
            Issue.record("an unreadable draft must not be replaced")
            return
        }
        #expect(try Data(contentsOf: url) == garbage)
        #expect(try onDisk(URL(fileURLWithPath: path)) == "new")
    }

    /// Two instances saving at the same moment: the lock makes one of them see the other's write.
    @Test func concurrentSavesNeverLoseADraft() async throws {
        defer { cleanUp() }
        for round in 0..<20 {
            try? FileManager.default.removeItem(at: url)
            for name in names() where name.hasPrefix("draft-") { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
            let a = DraftStore(url: url), b = DraftStore(url: url)
            _ = try a.load()
            _ = try b.load()
            async let ra = Task.detached { a.save(draft("a\(round)")) }.value
            async let rb = Task.detached { b.save(draft("b\(round)")) }.value
            let results = await [ra, rb]
            #expect(results.filter { $0 == .saved }.count == 1, "round \(round): \(results)")
            let kept = results.compactMap { if case .keptAside(let path) = $0 { path } else { nil } }
            #expect(kept.count == 1, "round \(round): \(results)")
            let texts = try Set([onDisk(url)] + kept.map { try onDisk(URL(fileURLWithPath: $0)) })
            #expect(texts == ["a\(round)", "b\(round)"], "round \(round): a draft was lost: \(texts)")
        }
    }
}
