import Foundation
import Testing
import TwinDeckTestSupport

@Suite("twindeck webhook")
struct WebhookCLITests {
    static func api(_ sim: SimulatorProcess) -> [String] { ["--base-url", sim.baseURL, "--api-key", "demo"] }

    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func registerListAndDelete() async throws {
        let sim = try SimulatorProcess([])
        defer { sim.stop() }
        let sandbox = Sandbox()
        let registered = try await twindeck(["webhook", "register", "--url", "https://hooks.test/heygen", "--json"] + Self.api(sim), sandbox: sandbox)
        #expect(registered.code == 0, "\(registered.stderr)")
        let endpoint = try #require(registered.json as? [String: Any])
        let id = try #require(endpoint["endpoint_id"] as? String)
        #expect(endpoint["url"] as? String == "https://hooks.test/heygen")
        #expect(endpoint["events"] as? [String] == ["avatar_video.success", "avatar_video.fail"])
        #expect(endpoint["secret"] == nil, "the secret is not printed without --show-secret")
        #expect(!registered.stdout.contains("whsec_") && !registered.stderr.contains("whsec_"))

        // Saved like the history: 0600 in a 0700 folder under the config directory.
        let file = sandbox.root.appendingPathComponent("config/twindeck/webhooks/\(id).secret")
        #expect(endpoint["secret_file"] as? String == file.path)
        let secret = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("whsec_") && secret.count > 10)
        #expect(try Self.mode(file.path) & 0o777 == 0o600)
        #expect(try Self.mode(file.deletingLastPathComponent().path) & 0o777 == 0o700)

        // Asked for explicitly, it is printed (and saved too).
        let shown = try await twindeck(["webhook", "register", "--url", "https://hooks.test/fails", "--events", "avatar_video.fail",
                                        "--show-secret"] + Self.api(sim), sandbox: sandbox)
        #expect(shown.code == 0, "\(shown.stderr)")
        let shownSecret = try #require(shown.stdout.split(separator: "\n").first { $0.hasPrefix("Secret:") }?
            .split(separator: " ").last.map(String.init))
        #expect(shownSecret.hasPrefix("whsec_") && shownSecret != secret)

        let list = try await twindeck(["webhook", "list", "--json"] + Self.api(sim), sandbox: sandbox)
        #expect(list.code == 0, "\(list.stderr)")
        let endpoints = try #require(list.json as? [[String: Any]])
        #expect(endpoints.count == 2)
        #expect(endpoints.compactMap { $0["url"] as? String }.sorted() == ["https://hooks.test/fails", "https://hooks.test/heygen"])
        #expect(endpoints.allSatisfy { $0["secret"] == nil } && !list.stdout.contains("whsec_"))
        let table = try await twindeck(["webhook", "list"] + Self.api(sim), sandbox: sandbox)
        #expect(table.stdout.hasPrefix("ENDPOINT") && table.stdout.contains(id) && table.stdout.contains("saved"))
        #expect(!table.stdout.contains("whsec_"))
        let revealed = try await twindeck(["webhook", "list", "--show-secrets"] + Self.api(sim), sandbox: sandbox)
        #expect(revealed.stdout.contains(secret) && revealed.stdout.contains(shownSecret))

        let deleted = try await twindeck(["webhook", "delete", id] + Self.api(sim), sandbox: sandbox)
        #expect(deleted.code == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.contains("Deleted endpoint \(id) and its saved secret"))
        #expect(!FileManager.default.fileExists(atPath: file.path))
        let after = try await twindeck(["webhook", "list", "--json"] + Self.api(sim), sandbox: sandbox)
        #expect((after.json as? [[String: Any]])?.compactMap { $0["endpoint_id"] as? String }.contains(id) == false)
        #expect(try await twindeck(["webhook", "delete", id] + Self.api(sim), sandbox: sandbox).code == 64, "already gone: 404, a wrong id")
    }

    @Test func badInputIsRefusedBeforeSending() async throws {
        let unknown = try await twindeck(["webhook", "register", "--url", "https://hooks.test/x", "--events", "avatar_video.queued", "--demo"])
        #expect(unknown.code == 64 && unknown.stderr.contains("unknown event avatar_video.queued"))
        let notURL = try await twindeck(["webhook", "register", "--url", "ftp://hooks.test/x", "--demo"])
        #expect(notURL.code == 64)
        for bad in [["--idle-timeout", "0"], ["--header-timeout", "nan"], ["--header-timeout", "-1"], ["--idle-timeout", "1e9"],
                    ["--max-connections", "0"]] {
            let refused = try await twindeck(["webhook", "listen", "--port", "0"] + bad)
            #expect(refused.code == 64 && refused.stderr.contains(bad[0]), "\(bad): \(refused.code) \(refused.stderr)")
        }
        // A port past 65535 used to wrap (99999 listened on 34463) instead of being refused.
        for port in ["99999", "65536"] {
            let refused = try await twindeck(["webhook", "listen", "--port", port])
            #expect(refused.code == 64 && refused.stderr.contains("--port must be from 0 to 65535"), "\(port): \(refused.stderr)")
        }
    }

    @Test func listenRecordsASignedDeliveryIntoTheHistory() async throws {
        let sim = try SimulatorProcess(["--render-seconds", "1"])
        defer { sim.stop() }
        let sandbox = Sandbox()
        let listener = try SimulatorProcess([], sandbox: sandbox, command: ["webhook", "listen", "--port", "0"])
        #expect(listener.baseURL.hasSuffix("/webhooks/heygen"))
        // Registered after the receiver started: it reads the saved secret for each delivery.
        let registered = try await twindeck(["webhook", "register", "--url", listener.baseURL] + Self.api(sim), sandbox: sandbox)
        #expect(registered.code == 0, "\(registered.stderr)")
        let created = try await twindeck(HistoryCLITests.createArguments(title: "Hooked") + Self.api(sim) + ["--json"], sandbox: sandbox)
        #expect(created.code == 0, "\(created.stderr)")
        let videoID = try #require((created.json as? [String: Any])?["video_id"] as? String)

        var row: [String: Any] = [:]
        let arrived = try await eventually(timeout: .seconds(60)) {
            let history = try await twindeck(["videos", "--json"], sandbox: sandbox)
            row = (history.json as? [[String: Any]])?.first { $0["video_id"] as? String == videoID } ?? [:]
            return row["webhook_at"] is String
        }
        #expect(listener.stop() == 0, "SIGINT stops the receiver cleanly")
        #expect(arrived, "the delivery reached the history: \(row)")
        #expect(row["status"] as? String == "completed")
        #expect((row["video_url"] as? String)?.hasPrefix(sim.baseURL + "/media/\(videoID)") == true)
        #expect(row["last_polled_at"] is NSNull, "nothing polled it")
    }

    /// `webhook listen` under `prlimit --nofile=128:128`, flooded with more idle connections than it has file
    /// descriptors: the cap (lowered to 64) evicts the longest-idle ones, so the receiver neither runs out of
    /// descriptors nor spins, and a real delivery from the simulator is still recorded.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
    func listenUnderALowFileLimitSurvivesAFloodOfIdleConnections() async throws {
        let sim = try SimulatorProcess(["--render-seconds", "1"])
        defer { sim.stop() }
        let sandbox = Sandbox()
        let listener = try LimitedListener(sandbox: sandbox, fileLimit: 128,
                                           arguments: ["--port", "0", "--idle-timeout", "120", "--header-timeout", "120"])
        defer { listener.stop() }
        let port = try #require(URLComponents(string: listener.url)?.port)

        var flood: [RawConnection] = []
        for index in 0..<200 {
            let connection = try RawConnection(port: port)
            if index.isMultiple(of: 2) { try connection.send("POST /webhooks/heygen HTTP/1.1\r\nHost: 127.0.0.1\r\n") }
            flood.append(connection)
        }
        #expect(await eventually(timeout: .seconds(20)) { flood.filter { $0.poll() }.count >= 200 - 64 },
                "the longest-idle connections were closed to stay under the cap")
        #expect(flood.filter { !$0.poll() }.count == 64, "the cap is 128 - 64, and connections were evicted, not refused")
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(listener.pid)/fd").count
        #expect(descriptors < 128, "\(descriptors) descriptors open")

        // Not spinning: little CPU time over two seconds of wall time with the idle connections held open.
        let before = try #require(listener.cpuSeconds())
        try await Task.sleep(for: .seconds(2))
        let spent = try #require(listener.cpuSeconds()) - before
        #expect(spent < 0.2, "\(spent) s of CPU in 2 s (the receiver without the cap spent 0.5 s and more here)")

        let registered = try await twindeck(["webhook", "register", "--url", listener.url] + Self.api(sim), sandbox: sandbox)
        #expect(registered.code == 0, "\(registered.stderr)")
        let created = try await twindeck(HistoryCLITests.createArguments(title: "Flooded") + Self.api(sim) + ["--json"], sandbox: sandbox)
        #expect(created.code == 0, "\(created.stderr)")
        let videoID = try #require((created.json as? [String: Any])?["video_id"] as? String)
        var row: [String: Any] = [:]
        let arrived = try await eventually(timeout: .seconds(60)) {
            let history = try await twindeck(["videos", "--json"], sandbox: sandbox)
            row = (history.json as? [[String: Any]])?.first { $0["video_id"] as? String == videoID } ?? [:]
            return row["webhook_at"] is String
        }
        #expect(arrived, "the delivery reached the history: \(row)")
        #expect(row["status"] as? String == "completed")
        #expect(listener.stop() == 0, "SIGINT stops the receiver cleanly")
        #expect(listener.stderr.contains("At most 64 connections"), "\(listener.stderr)")
    }
}

/// `twindeck webhook listen` run through `/usr/bin/prlimit --nofile=N:N` (prlimit sets the limit and execs
/// twindeck, so the pid is the receiver's); `url` is the first line it printed.
final class LimitedListener {
    let process = Process()
    let url: String
    private let errors: URL

    init(sandbox: Sandbox, fileLimit: Int, arguments: [String]) throws {
        let output = Pipe()
        errors = sandbox.root.appendingPathComponent("listen.err")
        guard FileManager.default.createFile(atPath: errors.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = ["--nofile=\(fileLimit):\(fileLimit)", twindeckBinary.path, "webhook", "listen"] + arguments
        process.environment = sandbox.environment
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        url = SimulatorProcess.firstLine(of: output)
        guard url.hasPrefix("http://") else {
            process.waitUntilExit()
            throw SimulatorProcess.SimulatorStartFailure(arguments: arguments, exitCode: process.terminationStatus)
        }
    }

    var pid: Int32 { process.processIdentifier }

    var stderr: String { String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self) }

    /// User plus system CPU time so far, from /proc/PID/stat (fields 14 and 15, in clock ticks).
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return nil }
        // After "pid (comm)" come the fields from the third on: utime and stime are the 12th and 13th of them.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ticks > 0 ? (user + system) / ticks : nil
    }

    /// Sends SIGINT and waits for the process to end (once); returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.interrupt() }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
