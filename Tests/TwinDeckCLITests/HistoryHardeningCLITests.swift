import Foundation
import Testing
import TwinDeckTestSupport

// Issue 14 items 8, 11 and 13 (read-only folder) through the real binary: one bad row never hides the history, a
// read-only history lists but never writes, and a video made while the disk was full is named with what to run next.

/// The sandbox's history folder on its own tmpfs of `size`, unmounted at the end of `body`.
private func withHistoryMount<T>(_ sandbox: Sandbox, size: String, _ body: (URL) async throws -> T) async throws -> T {
    let folder = sandbox.root.appendingPathComponent("data/twindeck")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try #require(runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", folder.path]) == 0, "mount needs root")
    defer { _ = runTool("/bin/umount", ["-l", folder.path]) }
    return try await body(folder)
}

@Suite("twindeck history hardening: bad rows, read-only, made but not recorded", .serialized)
struct HistoryHardeningCLITests {
    static let createArguments = ["create", "--look", "lk_twin_office", "--voice", "1bd001e7e50f421d891986aad5c8bbd2",
                                  "--script", "Hello from the hardening tests.", "--title"]

    @Test("videos lists every readable row and names the one it cannot read, exit 0")
    func oneBadRowDoesNotHideTheHistory() async throws {
        let sandbox = Sandbox()
        for title in ["First", "Second"] {
            let made = try await twindeck(Self.createArguments + [title, "--demo"], sandbox: sandbox)
            try #require(made.code == 0, "\(made.stderr)")
        }
        let path = sandbox.root.appendingPathComponent("data/twindeck/demo-store.sqlite").path
        let sqlite = try await run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE submission SET downloadState = 'mirrored' WHERE title = 'First'")
            db.commit()
            """, path], environment: ProcessInfo.processInfo.environment)
        try #require(sqlite.code == 0, "\(sqlite.stderr)")

        let table = try await twindeck(["videos", "--demo"], sandbox: sandbox)
        #expect(table.code == 0, "\(table.stderr)")
        #expect(table.stdout.contains("Second") && !table.stdout.contains("First"))
        #expect(table.stderr.contains("1 row of the history could not be read"), "\(table.stderr)")
        #expect(table.stderr.contains("downloadState"), "the reason names the column: \(table.stderr)")
        let json = try await twindeck(["videos", "--demo", "--json"], sandbox: sandbox)
        #expect(json.code == 0)
        #expect((json.json as? [[String: Any]])?.count == 1)
    }

    @Test("a read-only history folder: videos lists, create refuses before sending anything")
    func aReadOnlyFolderListsButNeverWrites() async throws {
        guard getuid() == 0 else { return }
        let sandbox = Sandbox()
        let simulator = try SimulatorProcess([], sandbox: sandbox)
        defer { simulator.stop() }
        let remote = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        try await withHistoryMount(sandbox, size: "4m") { folder in
            let made = try await twindeck(Self.createArguments + ["Before"] + remote, sandbox: sandbox)
            try #require(made.code == 0, "\(made.stderr)")
            try #require(runTool("/bin/mount", ["-o", "remount,ro", folder.path]) == 0)

            let listed = try await twindeck(["videos"], sandbox: sandbox)
            #expect(listed.code == 0, "listing needs no writes: \(listed.stderr)")
            #expect(listed.stdout.contains("Before"))
            #expect(listed.stderr.contains("read-only"), "\(listed.stderr)")

            let refused = try await twindeck(Self.createArguments + ["After"] + remote, sandbox: sandbox)
            #expect(refused.code != 0)
            #expect(refused.stderr.contains("read-only") && refused.stderr.contains("nothing was recorded"), "\(refused.stderr)")
            let onServer = try await run(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "-H", "x-api-key: demo", "\(simulator.baseURL)/v3/videos"],
                                         environment: ProcessInfo.processInfo.environment)
            let videos = ((onServer.json as? [String: Any])?["data"] as? [[String: Any]]) ?? []
            #expect(videos.count == 1, "nothing was sent for the refused create: \(onServer.stdout)")
        }
    }

    @Test("create whose answer cannot be recorded (disk full at COMMIT) names the video and resume records it")
    func madeButNotRecordedSaysSoAndResumeFinishesIt() async throws {
        guard getuid() == 0 else { return }
        let sandbox = Sandbox()
        let simulator = try SimulatorProcess(["--create-delay-ms", "1500"], sandbox: sandbox)
        defer { simulator.stop() }
        let remote = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        try await withHistoryMount(sandbox, size: "1m") { folder in
            // A first create sets the history up (schema, WAL) while there is room.
            let first = try await twindeck(Self.createArguments + ["Room"] + remote, sandbox: sandbox)
            try #require(first.code == 0, "\(first.stderr)")

            // The second is recorded, then the disk fills while the server makes the video.
            let creating = Task { try await twindeck(Self.createArguments + ["Full"] + remote, sandbox: sandbox) }
            let recorded = try await eventually(timeout: .seconds(20)) {
                let listed = try await twindeck(["videos", "--json"], sandbox: sandbox)
                return ((listed.json as? [[String: Any]]) ?? []).contains { $0["title"] as? String == "Full" }
            }
            try #require(recorded, "the create recorded its row before sending")
            let filler = folder.appendingPathComponent("filler")
            _ = runTool("/bin/dd", ["if=/dev/zero", "of=\(filler.path)", "bs=64k"])  // until ENOSPC
            let result = try await creating.value
            #expect(result.code != 0, "a video made but not recorded is not a success: \(result.stdout)")
            let videoID = try #require(result.stderr.firstMatch(of: /video (\S+) was created/)?.1, "stderr: \(result.stderr) stdout: \(result.stdout)")
            #expect(result.stderr.contains("twindeck resume"), "\(result.stderr)")

            try FileManager.default.removeItem(at: filler)
            let resumed = try await twindeck(["resume"] + remote, sandbox: sandbox)
            #expect(resumed.code == 0, "\(resumed.stderr)")
            let rows = (try await twindeck(["videos", "--json"], sandbox: sandbox).json as? [[String: Any]]) ?? []
            let full = try #require(rows.first { $0["title"] as? String == "Full" })
            #expect(full["video_id"] as? String == String(videoID) && full["submit_state"] as? String == "submitted")
            let onServer = try await run(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "-H", "x-api-key: demo", "\(simulator.baseURL)/v3/videos"],
                                         environment: ProcessInfo.processInfo.environment)
            let videos = ((onServer.json as? [String: Any])?["data"] as? [[String: Any]]) ?? []
            #expect(videos.count == 2, "resume made no second video: \(onServer.stdout)")
        }
    }
}
