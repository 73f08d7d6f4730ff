import ArgumentParser
import Foundation
import HeyGen
import Logging
import Synchronization
import TwinDeckCore

extension TwinDeckCommand {
    /// `twindeck poll-board` (hidden): the board's engine without the screen, until nothing in the history is rendering;
    /// prints one JSON line per estimate made and per video seen final (for `scripts/pollbench.py`).
    struct PollBoard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "poll-board", abstract: "Run the board's poller headless until nothing is rendering (benchmarks).",
            shouldDisplay: false)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Give up after this many seconds.") var timeout: Double = 1_800
        @Option(help: "Run until this many videos were seen rendering and are final (others may still be created).") var expect = 0

        func run() async throws {
            try await Session.with(global, quiet: true) { session in
                let store = try session.openStore()
                var watched = Set(try await store.unfinished().map(\.idempotencyKey))
                let estimated = Mutex<Set<String>>([])
                var logger = Logger(label: "twindeck.poll-board")
                logger.logLevel = .error
                let engine = BoardEngine(
                    store: store, service: session.client, downloads: FileManager.default.temporaryDirectory, logger: logger
                ) { message in
                    guard case .renderEstimatesChanged(let estimates) = message else { return }
                    for (key, estimate) in estimates where estimated.withLock({ $0.insert(key).inserted }) {
                        Self.emit([
                            "event": "estimate", "key": key, "created_at": estimate.startedAt.timeIntervalSince1970,
                            "expected_seconds": estimate.expectedSeconds, "lower_seconds": estimate.lowerSeconds,
                            "upper_seconds": estimate.upperSeconds, "basis": estimate.basis, "method": estimate.method.rawValue,
                        ])
                    }
                }
                engine.start()
                let deadline = Date().addingTimeInterval(timeout)
                while Date() < deadline {
                    let running = Set(try await store.unfinished().map(\.idempotencyKey))
                    // Rows another process made: planned at once, as the app's own submissions are.
                    if !running.isSubset(of: watched) { engine.replan() }
                    watched.formUnion(running)
                    if running.isEmpty, watched.count >= expect { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                await engine.stop()
                for row in try await store.all() where watched.contains(row.idempotencyKey) {
                    Self.emit([
                        "event": "final", "key": row.idempotencyKey, "video_id": row.videoID ?? NSNull(), "status": row.status ?? NSNull(),
                        // The last look: when the poller took in the detail that made the row final.
                        "seen_at": row.lastPolledAt?.timeIntervalSince1970 ?? NSNull(),
                    ])
                }
                Self.emit(["event": "done", "requests": engine.requestCount.load(ordering: .relaxed)])
            }
        }

        static func emit(_ object: [String: Any]) {
            do {
                Output.line(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } catch {
                Output.error("could not write an event: \(error)")
            }
        }
    }
}
