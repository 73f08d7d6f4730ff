import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import Synchronization

/// The simulator's seeded generator (SplitMix64), for repeatable randomised tests.
public typealias TestRandom = SeededGenerator

/// The simulator's hostile strings (`simulate --hostile-names` serves them as names).
public let hostileStrings = HostileStrings.all

/// How long the soak mode runs (`TWINDECK_SOAK_SECONDS`); nil in the normal, fast run.
public var soakSeconds: Double? {
    ProcessInfo.processInfo.environment["TWINDECK_SOAK_SECONDS"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
}

/// Prints one line of reliability figures (`RELIABILITY name: key=value …`) for the README and the soak script.
public func reportFigures(_ name: String, _ figures: KeyValuePairs<String, Int>) {
    print("RELIABILITY \(name): " + figures.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
}

/// Records the waits a retry policy asked for, instead of sleeping.
public final class SleepRecorder: Sendable {
    private let waits = Mutex<[Duration]>([])
    public init() {}
    /// Every wait asked for so far, in order.
    public var recorded: [Duration] { waits.withLock { $0 } }
    /// A retry policy that records its waits and returns at once.
    public func policy(maxRetries: Int = 2) -> RetryPolicy {
        RetryPolicy(maxRetries: maxRetries, sleep: { [self] d in waits.withLock { $0.append(d) } }, random: { 0.5 })
    }
}

/// Runs `body` with a simulator on a free loopback port and a client pointed at it, then stops the simulator.
/// - Parameters:
///   - configure: changes to the simulator's options (render time, faults, …).
///   - retry: the client's retry policy; by default one that records waits without sleeping.
public func withSimulator<T>(
    configure: (inout SimulatorOptions) -> Void = { _ in },
    retry: RetryPolicy? = nil,
    readTimeout: Duration = .seconds(10),
    _ body: (RunningSimulator, HeyGenClient) async throws -> T
) async throws -> T {
    var options = SimulatorOptions()
    options.renderSeconds = 2
    configure(&options)
    var logger = Logger(label: "test-simulator")
    logger.logLevel = .critical
    let simulator = try await Simulator.start(options, logger: logger)
    let client = HeyGenClient(configuration: HeyGenConfiguration(
        baseURL: simulator.baseURL, apiKey: options.apiKey, readTimeout: readTimeout, createTimeout: readTimeout,
        retry: retry ?? SleepRecorder().policy()))
    do {
        let result = try await body(simulator, client)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}

/// A valid Digital Twin request for the simulator's fixtures (look `lk_twin_office` supports Avatar V).
public func sampleRequest(engine: Engine? = nil, look: String = "lk_twin_office", title: String = "Test video") -> CreateVideoRequest {
    CreateVideoRequest(
        avatarID: look, script: "Hello! I am your Digital Twin. Ça va? 你好。", voiceID: "1bd001e7e50f421d891986aad5c8bbd2",
        title: title, resolution: .r1080p, aspectRatio: .landscape, engine: engine)
}

/// Polls `condition` every 20 ms until it is true or `timeout` passes.
public func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// The repository's root folder, found from this file's path.
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a system tool (`mount`, `umount`, `dd`) to its end, its output discarded; returns its exit status (-1 when
/// it could not start).
public func runTool(_ path: String, _ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}
