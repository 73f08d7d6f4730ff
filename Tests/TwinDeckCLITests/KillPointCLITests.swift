import Foundation
import Testing
import TwinDeckTestSupport

/// Runs `twindeck arguments` and sends it SIGKILL after `delay`, or as soon as `now()` says so (when it is still
/// running). True when it was killed.
func runAndKill(_ arguments: [String], sandbox: Sandbox, after delay: Duration, now: @escaping () -> Bool = { false }) async throws -> Bool {
    let process = Process()
    process.executableURL = twindeckBinary
    process.arguments = arguments
    process.environment = sandbox.environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + delay
    while ContinuousClock.now < deadline, process.isRunning, !now() { try await Task.sleep(for: .milliseconds(2)) }
    let killed = process.isRunning && kill(process.processIdentifier, SIGKILL) == 0
    process.waitUntilExit()
    return killed && process.terminationReason == .uncaughtSignal
}

/// `kill -9` at random points of `create --wait` and of `download`, then a restart: the store opens and lists,
/// no video is made twice, none is forgotten, and the download finishes (from its part file when one was left).
/// Three rounds in the normal run; `TWINDECK_SOAK_SECONDS=n` loops for n seconds.
@Suite("kill -9 during create and download", .serialized)
struct KillPointCLITests {
    static let mediaBytes = 3_000_000

    /// Every video on the simulator (all pages), read with curl.
    static func serverVideos(_ baseURL: String, query: String = "") async throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var token: String?
        repeat {
            let page = try await HistoryCLITests.api(baseURL, ["/v3/videos?limit=100\(query)" + (token.map { "&token=\($0)" } ?? "")])
            all += page["data"] as? [[String: Any]] ?? []
            token = (page["has_more"] as? Bool == true) ? page["next_token"] as? String : nil
        } while token != nil
        return all
    }

    @Test func killedAtRandomPointsNothingIsLostOrDuplicated() async throws {
        let simulator = try SimulatorProcess(["--render-seconds", "0.4", "--create-delay-ms", "250", "--media-bytes", "\(Self.mediaBytes)"])
        defer { simulator.stop() }
        let sandbox = Sandbox()
        let target = ["--base-url", simulator.baseURL, "--api-key", "demo"]
        let folder = sandbox.root.appendingPathComponent("downloads")
        var random = TestRandom(seed: soakSeconds == nil ? 9 : UInt64(Date().timeIntervalSince1970))
        let deadline = Date().addingTimeInterval(soakSeconds ?? 0)
        var rounds = 0, createKills = 0, downloadKills = 0, killedMidway = 0, resumedParts = 0, neverRecorded = 0
        repeat {
            let title = "Kill-\(rounds)-\(UUID().uuidString.prefix(6))"
            // 1. Submit and wait, killed anywhere from start-up to the end of the wait.
            let create = HistoryCLITests.createArguments(title: title) + target + ["--wait", "--poll-interval", "0.1"]
            if try await runAndKill(create, sandbox: sandbox, after: .milliseconds(Int.random(in: 0...1_400, using: &random))) {
                killedMidway += 1
            }
            createKills += 1
            // 2. Restart: the store opens; resume finishes what was in flight.
            let settled = try await eventually(timeout: .seconds(60)) {
                let resume = try await twindeck(["resume"] + target, sandbox: sandbox)
                return resume.code == 0 && resume.stderr.contains("Nothing to resume")
            }
            #expect(settled, "round \(rounds): resume never settled")
            let rows = try await HistoryCLITests.history(target, sandbox: sandbox).filter { $0["title"] as? String == title }
            let matching = try await Self.serverVideos(simulator.baseURL, query: "&title=\(title)").filter { $0["title"] as? String == title }
            #expect(rows.count <= 1 && matching.count == rows.count, "round \(rounds): \(rows.count) rows, \(matching.count) videos")
            guard let row = rows.first, let id = row["video_id"] as? String else {
                neverRecorded += 1  // killed before anything was recorded or sent
                #expect(matching.isEmpty)
                rounds += 1
                continue
            }
            #expect(matching.first?["id"] as? String == id)
            let done = try await twindeck(["status", id, "--wait", "--poll-interval", "0.1"] + target, sandbox: sandbox)
            #expect(done.code == 0, "\(done.stderr)")

            // 3. Download, killed anywhere; the next run finishes the file.
            let into = folder.appendingPathComponent("\(rounds)")
            try FileManager.default.createDirectory(at: into, withIntermediateDirectories: true)
            // Every other round the kill waits for the part file to hold a random share of the video: mid-body for sure.
            let threshold = rounds % 2 == 1 ? Int.random(in: 1..<Self.mediaBytes, using: &random) : nil
            _ = try await runAndKill(["download", id, "-o", into.path] + target, sandbox: sandbox,
                                     after: .milliseconds(threshold == nil ? Int.random(in: 0...900, using: &random) : 20_000)) {
                guard let threshold, let names = try? FileManager.default.contentsOfDirectory(atPath: into.path) else { return false }
                return names.contains { name in
                    name.hasSuffix(".part")
                        && ((try? FileManager.default.attributesOfItem(atPath: into.appendingPathComponent(name).path)[.size] as? Int) ?? 0) >= threshold
                }
            }
            downloadKills += 1
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: into.path)
            let part = leftovers.first { $0.hasSuffix(".part") }
            let partSize = part.flatMap { try? FileManager.default.attributesOfItem(atPath: into.appendingPathComponent($0).path)[.size] as? Int } ?? 0
            if !leftovers.contains(where: { $0.hasSuffix(".mp4") && !$0.hasPrefix(".") }) {
                let again = try await twindeck(["download", id, "-o", into.path] + target, sandbox: sandbox)
                #expect(again.code == 0, "\(again.stderr)")
                if partSize > 0 { resumedParts += 1 }
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: into.path)
            #expect(files.count == 1 && files.first?.hasSuffix(".mp4") == true, "round \(rounds): \(files)")
            let size = files.first.flatMap { try? FileManager.default.attributesOfItem(atPath: into.appendingPathComponent($0).path)[.size] as? Int }
            #expect(size == Self.mediaBytes, "round \(rounds): \(size ?? -1) bytes")
            rounds += 1
        } while rounds < 3 || Date() < deadline

        // In the end: every video on the server is on the board once, and every board row is on the server.
        let rows = try await HistoryCLITests.history(target, sandbox: sandbox)
        let boardIDs = rows.compactMap { $0["video_id"] as? String }
        let serverIDs = try await Self.serverVideos(simulator.baseURL).compactMap { $0["id"] as? String }
        #expect(Set(boardIDs).count == boardIDs.count && Set(serverIDs).count == serverIDs.count)
        #expect(Set(boardIDs) == Set(serverIDs))
        #expect(rows.allSatisfy { $0["submit_state"] as? String == "submitted" })
        reportFigures("kill-points", [
            "rounds": rounds, "kill_points": createKills + downloadKills, "create_kills": createKills, "download_kills": downloadKills,
            "killed_midway": killedMidway, "never_recorded": neverRecorded, "downloads_resumed_from_part": resumedParts,
            "videos": serverIDs.count, "lost": Set(serverIDs).subtracting(boardIDs).count,
            "duplicated": boardIDs.count - Set(boardIDs).count + serverIDs.count - Set(serverIDs).count,
        ])
    }
}
