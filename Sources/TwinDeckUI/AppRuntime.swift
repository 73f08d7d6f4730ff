import Foundation
import HeyGen
import Logging
import Synchronization
import Terminal
import TwinDeckCore

/// What the full-screen app needs from the outside.
public struct AppConfiguration: Sendable {
    public var service: any HeyGenService
    public var baseURL: String
    public var isDemo: Bool
    public var voiceCache: VoiceCache?
    public var logger: Logger

    public init(service: any HeyGenService, baseURL: String, isDemo: Bool, voiceCache: VoiceCache?, logger: Logger) {
        self.service = service
        self.baseURL = baseURL
        self.isDemo = isDemo
        self.voiceCache = voiceCache
        self.logger = logger
    }
}

/// Messages from effect tasks, waiting for the UI loop (thread-safe).
final class Inbox: Sendable {
    private let messages = Mutex<[Message]>([])
    func post(_ message: Message) { messages.withLock { $0.append(message) } }
    func drain() -> [Message] { messages.withLock { m in defer { m.removeAll() }; return m } }
}

/// How the app ended.
public enum AppExit: Sendable, Equatable {
    case quit
    /// Stopped by a signal (SIGTERM, SIGHUP…).
    case signal(Int32)

    public var exitCode: Int32 {
        switch self {
        case .quit: 0
        case .signal(let s): s == SIGINT ? 0 : 128 + s
        }
    }
}

/// Runs the full-screen app: one thread owns ncurses and runs the Elm-style loop
/// (input with a 100 ms timeout → drain bursts → apply effect results → repaint when the frame changed).
public enum AppRuntime {
    public static func run(_ configuration: AppConfiguration) async -> AppExit {
        await withCheckedContinuation { continuation in
            // A dedicated thread: the loop blocks in get_wch and must not hold a cooperative-pool thread.
            let thread = Thread {
                let exit = loop(configuration)
                continuation.resume(returning: exit)
            }
            thread.name = "twindeck-ui"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    static func loop(_ configuration: AppConfiguration) -> AppExit {
        let screen = NCursesScreen()
        defer { screen.end() }
        let inbox = Inbox()
        let runner = EffectRunner(
            service: configuration.service, cache: configuration.voiceCache, logger: configuration.logger,
            copy: { Clipboard.copy($0) }, post: { inbox.post($0) })
        defer { runner.cancelAll() }
        var state = AppState(width: screen.width, height: screen.height, baseURL: configuration.baseURL,
                             isDemo: configuration.isDemo, colors: screen.colors)
        runner.run(initialEffects())
        var last: Buffer?
        var lastTick = Date.distantPast
        let started = Date()
        configuration.logger.info("app started \(screen.width)x\(screen.height), colours \(screen.colors)")
        while !state.shouldQuit {
            let frame = AppView(state: state).render()
            if frame != last {
                screen.draw(frame)
                last = frame
                if lastTick == .distantPast {
                    configuration.logger.info("first frame after \(Int(Date().timeIntervalSince(started) * 1000)) ms")
                }
            }
            // Wait for input at most one tick, then take the whole burst (paste, key repeat) before repainting.
            var event = screen.readEvent(timeout: 100)
            var burst = 0
            while let current = event {
                apply(current, to: &state, runner: runner)
                burst += 1
                event = burst < 512 ? screen.readEvent(timeout: 0) : nil
            }
            if let signal = screen.takeSignal() {
                configuration.logger.info("stopping on signal \(signal)")
                return .signal(signal)
            }
            for message in inbox.drain() { runner.run(update(&state, message)) }
            let now = Date()
            let busy = state.looks.load.isLoading || state.voices.load.isLoading || state.looks.detailWanted != nil
                || !state.looks.detailLoading.isEmpty || state.toast != nil
            if now.timeIntervalSince(lastTick) >= (busy ? 0.1 : 1) {
                lastTick = now
                runner.run(update(&state, .ticked(now)))
            }
        }
        return .quit
    }

    static func apply(_ event: TerminalEvent, to state: inout AppState, runner: EffectRunner) {
        switch event {
        case .resize(let width, let height):
            runner.run(update(&state, .resized(width: width, height: height)))
        case .key(let key):
            if let press = KeyPress(key) { runner.run(update(&state, .keyPressed(press))) }
        }
    }
}

extension KeyPress {
    /// The app's key for a terminal key (function keys have no meaning yet).
    init?(_ key: Key) {
        switch key {
        case .character(let c): self = .character(c)
        case .control(let c): self = .control(c)
        case .up: self = .up
        case .down: self = .down
        case .left: self = .left
        case .right: self = .right
        case .pageUp: self = .pageUp
        case .pageDown: self = .pageDown
        case .home: self = .home
        case .end: self = .end
        case .enter: self = .enter
        case .escape: self = .escape
        case .tab: self = .tab
        case .backTab: self = .backTab
        case .backspace: self = .backspace
        case .delete: self = .delete
        case .function(1): self = .character("?")
        case .function: return nil
        }
    }
}
