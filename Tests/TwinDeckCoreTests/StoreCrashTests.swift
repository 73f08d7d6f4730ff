import Foundation
import HeyGen
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

/// The built `twindeck` binary, next to the test bundle (its hidden `exercise-store` command writes in a loop).
private let twindeckBinary: URL? = {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
        let candidate = dir.appendingPathComponent("twindeck")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}()

@Suite("Submission store under kill -9")
struct StoreCrashTests {
    /// A child process writes submissions in a loop (record → submitted → completed, plus imports) and is
    /// killed with SIGKILL at a random moment, three times over the same file. Each time the store opens,
    /// passes `integrity_check`, holds every row the child reported committed, and no row is half-written.
    @Test func survivesSIGKILLWhileWriting() async throws {
        let binary = try #require(twindeckBinary, "build the twindeck product first (swift build)")
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        var everCommitted = Set<String>()

        for round in 0..<3 {
            let out = directory.appendingPathComponent("committed-\(round).txt")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            let process = Process()
            process.executableURL = binary
            process.arguments = ["exercise-store", "--path", path]
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = FileHandle.nullDevice
            try process.run()

            let started = await eventually(timeout: .seconds(30)) { !Self.lines(of: out).isEmpty }
            try #require(started, "the writer committed nothing")
            // The random moment: somewhere within the next few hundred transactions.
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...400)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)

            // Printed only after its last transaction committed.
            let committed = Self.lines(of: out)
            everCommitted.formUnion(committed)
            let store = try SubmissionStore(path: path)
            #expect(try await store.integrityCheck() == "ok")
            #expect(try await store.appliedMigrations() == ["v1", "v2-webhooks", "v3-missing", "v4-render-time", "v5-change-log"])
            let rows = try await store.all()
            let byKey = Dictionary(uniqueKeysWithValues: rows.map { ($0.idempotencyKey, $0) })
            for key in everCommitted {
                #expect(byKey[key]?.status == "completed", "committed row \(key) is missing or incomplete")
            }
            for row in rows { Self.expectWhole(row) }
        }
        #expect(everCommitted.count >= 3)
    }

    static func lines(of url: URL) -> [String] {
        let text = String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
        // A line is only counted once its newline is written.
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Each transaction leaves a row in one of the states the writer moves it through, never a mixture.
    static func expectWhole(_ row: Submission) {
        if row.source == .imported {
            #expect(row.idempotencyKey == "import-" + (row.videoID ?? "?"))
            #expect(row.submitState == .submitted && row.status == "processing" && row.title?.hasPrefix("Imported ") == true)
            return
        }
        #expect(row.source == .batch)
        let index = row.idempotencyKey.split(separator: "-").last.map(String.init) ?? "?"
        let request = try? row.storedRequest()
        #expect(request?.avatarID == "lk_exercise" && request?.title == "Exercise \(index)", "\(row.idempotencyKey)")
        #expect(row.title == "Exercise \(index)" && row.lookID == "lk_exercise" && row.engine == "avatar_iv")
        switch row.submitState {
        case .submitting:
            #expect(row.videoID == nil && row.status == nil)
        case .submitted:
            #expect(row.videoID?.hasSuffix("_\(index)") == true)
            if row.status == "completed" {
                #expect(row.videoURL == "https://example.invalid/\(index).mp4" && row.completedAt != nil && row.duration == 2)
            } else {
                #expect(row.status == "pending" && row.videoURL == nil)
            }
        case .rejected:
            Issue.record("the writer never rejects: \(row.idempotencyKey)")
        }
    }
}
