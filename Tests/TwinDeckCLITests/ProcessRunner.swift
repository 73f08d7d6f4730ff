import Foundation
import Testing

/// The outcome of running a process to the end.
struct RunResult {
    var code: Int32
    var stdout: String
    var stderr: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

/// The built `twindeck` binary, next to the test bundle.
let twindeckBinary: URL = {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
        let candidate = dir.appendingPathComponent("twindeck")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return bundleDir.appendingPathComponent("twindeck")
}()

/// A private XDG sandbox for one test: data, state and config under a temp folder.
struct Sandbox {
    let root: URL

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["XDG_DATA_HOME"] = root.appendingPathComponent("data").path
        env["XDG_STATE_HOME"] = root.appendingPathComponent("state").path
        env["XDG_CONFIG_HOME"] = root.appendingPathComponent("config").path
        env["HOME"] = root.path
        env["LANG"] = "C.UTF-8"
        env["TWINDECK_DEMO_RENDER_SECONDS"] = "0.6"
        env["HEYGEN_API_KEY"] = nil
        env["HEYGEN_BASE_URL"] = nil
        return env
    }
}

/// Runs `executable` with `arguments` and waits for it (output goes through files, so no pipe can fill up).
func run(_ executable: URL, _ arguments: [String], environment: [String: String], stdin: String? = nil, timeout: Duration = .seconds(60)) async throws -> RunResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = environment
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    if let stdin {
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
    } else {
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
        if ContinuousClock.now > deadline {
            process.terminate()
            Issue.record("\(executable.lastPathComponent) \(arguments) timed out")
            break
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    process.waitUntilExit()
    return RunResult(
        code: process.terminationStatus,
        stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
}

func twindeck(_ arguments: [String], sandbox: Sandbox = Sandbox(), extraEnv: [String: String] = [:], stdin: String? = nil) async throws -> RunResult {
    try await run(twindeckBinary, arguments, environment: sandbox.environment.merging(extraEnv) { $1 }, stdin: stdin)
}

/// `twindeck simulate` (or another serving command, like `webhook listen`) running as its own process;
/// `baseURL` is the first line it printed.
final class SimulatorProcess {
    let process = Process()
    let baseURL: String

    init(_ arguments: [String], sandbox: Sandbox = Sandbox(), command: [String] = ["simulate", "--port", "0"]) throws {
        let output = Pipe()
        process.executableURL = twindeckBinary
        process.arguments = command + arguments
        process.environment = sandbox.environment
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        baseURL = Self.firstLine(of: output)
        guard baseURL.hasPrefix("http://") else {
            process.waitUntilExit()
            throw SimulatorStartFailure(arguments: arguments, exitCode: process.terminationStatus)
        }
    }

    struct SimulatorStartFailure: Error { var arguments: [String]; var exitCode: Int32 }

    /// The first line a serving command prints (its address), read byte by byte so nothing after it is consumed.
    static func firstLine(of output: Pipe) -> String {
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Sends SIGINT and waits for the process to end; returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        process.interrupt()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
