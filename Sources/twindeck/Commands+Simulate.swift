import ArgumentParser
import Dispatch
import Foundation
import HeyGen
import HeyGenSimulator
import Logging

extension TwinDeckCommand {
    /// `twindeck simulate`: the HeyGen-compatible simulator as a server.
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HeyGen-compatible simulator; prints its base URL as the first line, serves until interrupted.")
        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port (0 picks a free one).") var port = 0
        @Option(help: ArgumentHelp("The API key the simulator accepts.", valueName: "key")) var apiKey = "demo"
        @Option(help: ArgumentHelp(
            "How render times are decided: realistic (a queue wait, then processing by the script's spoken length, "
                + "engine and resolution, with seeded noise and the occasional slow outlier) or fixed (--render-seconds, 8 by default).",
            valueName: "realistic|fixed"))
        var renderModel: RenderModelChoice?
        @Option(help: ArgumentHelp("Every render takes exactly this many seconds (implies --render-model fixed).", valueName: "n"))
        var renderSeconds: Double?
        @Option(help: ArgumentHelp(
            "Multiply realistic render times (1: a short script takes 10-15 s; about 8 is HeyGen's minutes).", valueName: "x"))
        var renderScale: Double = 1
        @Option(help: ArgumentHelp("Share of realistic renders that are slow outliers, 3-6x their usual time (0-1).", valueName: "rate"))
        var renderOutliers: Double = RenderModel().outlierRate
        @Option(help: ArgumentHelp("Grow the voice catalogue to this many voices (for benchmarks).", valueName: "n")) var voices: Int?
        @Option(name: .customLong("fault-429"), help: ArgumentHelp("Share of API requests answered 429 (0-1).", valueName: "rate")) var fault429: Double = 0
        @Option(help: ArgumentHelp("Retry-After seconds on those 429s.", valueName: "n")) var retryAfter = 1
        @Option(name: .customLong("fault-5xx"), help: ArgumentHelp("Share answered with a 5xx (0-1).", valueName: "rate")) var fault5xx: Double = 0
        @Option(help: ArgumentHelp("Share answered slowly (0-1).", valueName: "rate")) var faultSlow: Double = 0
        @Option(help: ArgumentHelp("Delay of slow answers, ms.", valueName: "ms")) var slowMs = 1_500
        @Option(help: ArgumentHelp("Share answered with cut-off JSON (0-1).", valueName: "rate")) var faultMalformed: Double = 0
        @Option(help: ArgumentHelp("Share whose connection drops mid-body (0-1).", valueName: "rate")) var faultDrop: Double = 0
        @Option(help: ArgumentHelp("Share of renders that fail (0-1).", valueName: "rate")) var failRate: Double = 0
        @Option(help: "Seed for the fault dice and the realistic render times, so a run can be repeated.") var seed: UInt64 = 42
        @Option(help: ArgumentHelp("Seconds a presigned media URL stays valid.", valueName: "n")) var urlTtl: Double = 3_600
        @Option(help: ArgumentHelp("Concurrent renders before 429 (0 for no limit).", valueName: "n")) var maxConcurrent = 10
        @Option(help: ArgumentHelp("Credits on the account (one per video); unlimited when not given.", valueName: "n")) var credits: Int?
        @Option(help: ArgumentHelp("Extra ms POST /v3/videos takes before answering.", valueName: "ms")) var createDelayMs = 0
        @Option(help: ArgumentHelp("Keep videos in this JSON file across restarts.", valueName: "path")) var state: String?
        @Option(help: ArgumentHelp("Serve video files of this many bytes (to measure download throughput).", valueName: "n"))
        var mediaBytes: Int?
        @Option(help: ArgumentHelp("The account kind GET /v3/users/me reports: wallet (credits with --credits, else USD), subscription or usage_based.",
                                   valueName: "kind"))
        var billing: SimulatedBilling = .wallet
        @Flag(help: "A plan without webhooks: GET /v3/webhooks/events answers 403.") var planWithoutWebhooks = false
        @Flag(help: "Log every request to stderr.") var verbose = false
        @Flag(help: "Serve hostile names (escape sequences, bidi overrides, 10,000 characters…) for looks, voices and videos.")
        var hostileNames = false

        func validate() throws {
            // A port past 65535 would wrap (99999 listened on 34463) instead of being refused.
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535 (got \(port))") }
            for (name, rate) in [("fault-429", fault429), ("fault-5xx", fault5xx), ("fault-slow", faultSlow),
                                 ("fault-malformed", faultMalformed), ("fault-drop", faultDrop), ("fail-rate", failRate),
                                 ("render-outliers", renderOutliers)]
            where !(0...1).contains(rate) {
                throw ValidationError("--\(name) is a share from 0 to 1 (got \(rate))")
            }
            if let renderSeconds, !(renderSeconds.isFinite && renderSeconds >= 0) {
                throw ValidationError("--render-seconds is a number of seconds, 0 or more (got \(renderSeconds))")
            }
            if renderSeconds != nil, renderModel == .realistic {
                throw ValidationError("--render-seconds fixes every render's time; it cannot be used with --render-model realistic")
            }
            if !(renderScale.isFinite && renderScale > 0 && renderScale <= 10_000) {
                throw ValidationError("--render-scale is a factor above 0, at most 10000 (got \(renderScale))")
            }
        }

        /// The fixed render time, or nil for the realistic model.
        var fixedRenderSeconds: Double? {
            renderSeconds ?? (renderModel == .fixed ? 8 : nil)
        }

        func run() async throws {
            var options = SimulatorOptions()
            options.host = host
            options.port = port
            options.apiKey = apiKey
            options.renderSeconds = fixedRenderSeconds
            options.renderModel.scale = renderScale
            options.renderModel.outlierRate = renderOutliers
            options.voiceCount = voices
            options.faultRates.rateLimited = fault429
            options.faultRates.retryAfterSeconds = retryAfter
            options.faultRates.serverError = fault5xx
            options.faultRates.slow = faultSlow
            options.faultRates.slowMilliseconds = slowMs
            options.faultRates.malformed = faultMalformed
            options.faultRates.drop = faultDrop
            options.faultRates.renderFailure = failRate
            options.faultRates.seed = seed
            options.urlLifetimeSeconds = urlTtl
            options.maxConcurrentRenders = maxConcurrent > 0 ? maxConcurrent : nil
            options.credits = credits
            options.billing = billing
            options.planWithoutWebhooks = planWithoutWebhooks
            options.createDelayMilliseconds = createDelayMs
            options.statePath = state
            options.mediaBytes = mediaBytes
            options.hostileNames = hostileNames
            var logger = Logger(label: "simulator") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = verbose ? .debug : .warning
            // Catch the signals before the URL is printed, so whoever reads it may stop us at once.
            let termination = TerminationSignals()
            let simulator: RunningSimulator
            do {
                simulator = try await Simulator.start(options, logger: logger)
            } catch {
                throw CLIError.wrap(error)
            }
            Output.line(simulator.baseURL)
            let renders = fixedRenderSeconds.map { "renders take \($0) s" }
                ?? "realistic render times (seed \(seed)\(renderScale == 1 ? "" : ", scale \(renderScale)"))"
            Output.note("HeyGen simulator on \(simulator.baseURL) — key \"\(apiKey)\", \(renders). Ctrl-C stops it.")
            let signal = await termination.next()
            Output.note("stopping (\(signal))…")
            await simulator.stop()
        }
    }

    /// `twindeck` with no subcommand: the full-screen app.
    struct App: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "app", abstract: "Open the full-screen app (the default).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await AppLauncher.run(global)
        }
    }
}

/// `--render-model`: how the simulator decides a render's length.
enum RenderModelChoice: String, ExpressibleByArgument, CaseIterable {
    case realistic, fixed
}

/// SIGINT, SIGTERM and SIGHUP delivered as an async sequence instead of killing the process.
final class TerminationSignals: @unchecked Sendable {
    // The sources are only created in init and cancelled once in next(); DispatchSource is thread-safe.
    private let stream: AsyncStream<String>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            sources.append(source)
        }
        self.stream = stream
        self.sources = sources
    }

    /// Waits for the next signal and returns its name.
    func next() async -> String {
        var iterator = stream.makeAsyncIterator()
        let name = await iterator.next() ?? "end"
        sources.forEach { $0.cancel() }
        return name
    }
}

extension SimulatedBilling: ExpressibleByArgument {}
