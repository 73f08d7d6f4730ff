import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI
#if canImport(Glibc)
import Glibc
#endif

/// A real full disk (a 64 KiB tmpfs filled up) and a real read-only one under the draft: the save fails with the
/// system's reason, the message reaches the screen, the draft already on disk is intact, the next change after
/// space is freed saves again, and quitting with an unsaved draft says why and exits non-zero.
@Suite("Draft on a full or read-only disk", .serialized)
struct DraftDiskFullTests {
    /// A tmpfs of `size` mounted on a fresh folder (we run as root); unmounted and removed by `unmount`.
    struct Mount {
        let point: URL

        init(size: String) throws {
            // A short path, so the whole message fits the status line.
            point = URL(fileURLWithPath: "/tmp/tdf-\(UUID().uuidString.prefix(8).lowercased())")
            try FileManager.default.createDirectory(at: point, withIntermediateDirectories: true)
            try Self.mount(["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", point.path])
        }

        static func mount(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/mount")
            process.arguments = arguments
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            guard process.terminationStatus == 0 else {
                throw DraftError(message: "mount \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text) — these tests need root")
            }
        }

        func remount(_ options: String) throws { try Self.mount(["-o", "remount,\(options)", point.path]) }

        func unmount() {
            _ = umount2(point.path, Int32(MNT_DETACH))
            try? FileManager.default.removeItem(at: point)
        }

        /// Writes a filler file until the file system is full; returns how many bytes it took.
        func fill() throws -> Int {
            let fd = open(point.appendingPathComponent("filler").path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard fd >= 0 else { throw DraftError(message: "cannot create the filler: \(errno)") }
            defer { close(fd) }
            let chunk = [UInt8](repeating: 0x66, count: 4096)
            var total = 0
            while true {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 {
                    guard errno == ENOSPC else { throw DraftError(message: "filler write failed: \(errno)") }
                    break
                }
                total += n
            }
            // Also the last partial page.
            while (chunk.prefix(1).withUnsafeBytes { write(fd, $0.baseAddress, 1) }) == 1 { total += 1 }
            return total
        }
    }

    func draft(_ script: String) -> ComposeDraft {
        var draft = ComposeDraft()
        draft.lookID = "lk_office"
        draft.lookName = "Office — Blue Shirt"
        draft.script.replace(with: script)
        return draft
    }

    func onDisk(_ url: URL) throws -> String {
        try JSONDecoder().decode(ComposeDraft.self, from: Data(contentsOf: url)).script.text
    }

    @Test func aFullDiskIsShownKeepsTheOldDraftAndIsRetriedOnTheNextChange() async throws {
        let disk = try Mount(size: "64k")
        defer { disk.unmount() }
        let url = disk.point.appendingPathComponent("draft.json")
        let store = DraftStore(url: url)
        let posted = EffectRunnerTests.Posted()
        let runner = EffectRunner(service: EffectRunnerTests.FakeService(), cache: nil, drafts: store, logger: .init(label: "t"),
                                  copy: { _ in true }, post: posted.add)
        runner.run(.saveDraft(draft("saved before the disk filled")))
        #expect(posted.all == [.draftSaved(draft("saved before the disk filled"), .saved)])

        let filled = try disk.fill()
        #expect(filled > 0 && filled <= 64 * 1024, "filled \(filled) bytes")

        // The app: the script typed, the tick's save runs on the real store and fails.
        var state = composing(width: 100, height: 30)
        focus(&state, .script)
        press(&state, .enter)
        type(&state, "typed on a full disk")
        _ = update(&state, .ticked(fixedNow.addingTimeInterval(10)))
        let effects = update(&state, .ticked(fixedNow.addingTimeInterval(11)))
        #expect(effects.contains(.saveDraft(state.compose.draft)), "\(effects)")
        runner.run(effects.filter { if case .saveDraft = $0 { true } else { false } })
        let message = try #require(posted.all.last)
        guard case .draftSaved(_, .failed(let reason)) = message else {
            Issue.record("expected a failed save, got \(message)")
            return
        }
        #expect(reason.contains("No space left on device"), "\(reason)")
        _ = update(&state, message)
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("Draft not saved: No space left on device (could not write \(url.path))"), "\(text)")
        #expect(state.toast?.text.contains("No space left on device") == true)
        // The draft already there is whole, and no temporary file is left behind.
        #expect(try onDisk(url) == "saved before the disk filled")
        let left = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(left.filter { $0.hasSuffix(".tmp") }.isEmpty, "\(left)")

        // Quitting now: the reason for stderr, and the exit is not a clean one.
        let exit = AppRuntime.saveDraftOnExit(store, state.compose.draft)
        #expect(exit.lost && exit.note?.contains("No space left on device") == true, "\(exit)")
        #expect(AppExit.draftNotSaved.exitCode != 0)

        // Space freed; the next change is saved and the message goes away.
        try FileManager.default.removeItem(at: disk.point.appendingPathComponent("filler"))
        _ = update(&state, .keyPressed(.character("!")))
        _ = update(&state, .ticked(fixedNow.addingTimeInterval(20)))
        let retry = update(&state, .ticked(fixedNow.addingTimeInterval(21)))
        runner.run(retry.filter { if case .saveDraft = $0 { true } else { false } })
        let after = try #require(posted.all.last)
        #expect(after == .draftSaved(state.compose.draft, .saved), "\(after)")
        _ = update(&state, after)
        #expect(!screen(state).joined(separator: "\n").contains("Draft not saved"))
        #expect(try onDisk(url) == "typed on a full disk!")
        let clean = AppRuntime.saveDraftOnExit(store, state.compose.draft)
        #expect(clean.note == nil && !clean.lost, "\(clean)")
    }

    @Test func aReadOnlyDiskIsAFailureWithItsReason() throws {
        let disk = try Mount(size: "64k")
        defer { disk.unmount() }
        let url = disk.point.appendingPathComponent("draft.json")
        let store = DraftStore(url: url)
        #expect(store.save(draft("before")) == .saved)
        try disk.remount("ro")
        let result = store.save(draft("after"))
        guard case .failed(let reason) = result else {
            Issue.record("expected a failure on a read-only disk, got \(result)")
            return
        }
        #expect(reason.contains("Read-only file system"), "\(reason)")
        #expect(try onDisk(url) == "before")
        let exit = AppRuntime.saveDraftOnExit(store, draft("after"))
        #expect(exit.lost && exit.note?.contains("Read-only file system") == true, "\(exit)")
    }
}
