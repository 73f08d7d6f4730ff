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
    public var recorder: (any SubmissionRecorder)?
    public var drafts: DraftStore?
    /// Builds the board's engine, given where it posts its messages.
    public var makeBoard: (@Sendable (@escaping @Sendable (Message) -> Void) -> BoardEngine?)?
    /// Fetches look pictures and voice previews (no API key goes to media hosts), kept under `mediaCache`.
    public var fetchMedia: (@Sendable (String) async throws -> Data)?
    public var mediaCache: URL?
    /// Uploads the form's local files (a recording, a background image) on submit.
    public var uploader: LocalFileUploader?
    /// Why copies cannot reach the clipboard here (``Clipboard/tmuxProblem(environment:)``); nil to copy as usual.
    public var clipboardProblem: String?
    public var logger: Logger

    public init(service: any HeyGenService, baseURL: String, isDemo: Bool, voiceCache: VoiceCache?,
                recorder: (any SubmissionRecorder)? = nil, drafts: DraftStore? = nil,
                makeBoard: (@Sendable (@escaping @Sendable (Message) -> Void) -> BoardEngine?)? = nil, logger: Logger) {
        self.makeBoard = makeBoard
        self.service = service
        self.baseURL = baseURL
        self.isDemo = isDemo
        self.voiceCache = voiceCache
        self.recorder = recorder
        self.drafts = drafts
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
    /// Quit, but the draft could not be saved (the reason was printed on stderr).
    case draftNotSaved

    public var exitCode: Int32 {
        switch self {
        case .quit: 0
        case .draftNotSaved: 1
        case .signal(let s): s == SIGINT ? 0 : 128 + s
        }
    }
}

/// Runs the full-screen app: one thread owns ncurses and runs the Elm-style loop
/// (input with a 100 ms timeout → drain bursts → apply effect results → repaint when the frame changed).
public enum AppRuntime {
    public static func run(_ configuration: AppConfiguration) async -> AppExit {
        let inbox = Inbox()
        let board = configuration.makeBoard?({ inbox.post($0) })
        board?.start()
        let exit = await withCheckedContinuation { continuation in
            // A dedicated thread: the loop blocks in get_wch and must not hold a cooperative-pool thread.
            let thread = Thread {
                let (exit, note) = loop(configuration, inbox: inbox, board: board)
                // After the loop: the screen is given back, so the line stays readable in the terminal.
                if let note { writeToStderr(note + "\n") }
                continuation.resume(returning: exit)
            }
            thread.name = "twindeck-ui"
            thread.stackSize = 8 << 20
            thread.start()
        }
        await board?.stop()
        return exit
    }

    static func loop(_ configuration: AppConfiguration, inbox: Inbox, board: BoardEngine?) -> (AppExit, note: String?) {
        let screen = NCursesScreen()
        defer { screen.end() }
        var previews: PreviewRenderer?
        var player: AudioPlayer?
        if let fetch = configuration.fetchMedia, let cache = configuration.mediaCache {
            let colorMode = !screen.colors ? "none" : screen.paletteSize >= 256 ? "256" : "16"
            previews = PreviewRenderer(cacheDirectory: cache.appendingPathComponent("looks"), colorMode: colorMode, fetch: fetch)
            player = AudioPlayer(cacheDirectory: cache.appendingPathComponent("voices"), fetch: fetch)
        }
        defer { player?.stop() }
        let effects = EffectRunner(
            service: configuration.service, cache: configuration.voiceCache, recorder: configuration.recorder,
            drafts: configuration.drafts, board: board, previews: previews, player: player, uploader: configuration.uploader,
            terminal: TerminalSession(screen: screen, logger: configuration.logger), logger: configuration.logger,
            copy: { [clipboardProblem = configuration.clipboardProblem] text in clipboardProblem == nil && Clipboard.copy(text) },
            post: { inbox.post($0) })
        defer { effects.cancelAll() }
        var state = AppState(width: screen.width, height: screen.height, baseURL: configuration.baseURL,
                             isDemo: configuration.isDemo, colors: screen.colors)
        state.clipboardProblem = configuration.clipboardProblem
        state.looks.load = .loading
        state.voices.load = .loading
        effects.run(initialEffects())
        var last: Buffer?
        var lastTick = Date.distantPast
        let started = Date()
        configuration.logger.info("app started \(screen.width)x\(screen.height), colours \(screen.colors)")
        var dirty = true
        while !state.shouldQuit {
            // Render only after something happened (a key, a message, a tick); ncurses then sends only what changed.
            if dirty {
                let frame = AppView(state: state).render()
                if frame != last {
                    screen.draw(frame)
                    last = frame
                    if lastTick == .distantPast {
                        let sinceExec = processAge().map { " (\(Int($0 * 1000)) ms after exec)" } ?? ""
                        configuration.logger.info("first frame \(Int(Date().timeIntervalSince(started) * 1000)) ms after the UI started\(sinceExec)")
                    }
                }
                dirty = false
            }
            // Wait for input at most one tick, then take the whole burst (paste, key repeat) before repainting.
            // While effects are out (a fetch, a submit), a short wait lets their results show at once.
            let waiting = state.looks.load.isLoading || state.voices.load.isLoading || !state.looks.detailLoading.isEmpty
                || state.compose.submit == .sending || lastTick == .distantPast
            var event = screen.readEvent(timeout: waiting ? 15 : 100)
            var burst = 0
            while let current = event {
                apply(current, to: &state, effects: effects)
                dirty = true
                burst += 1
                event = burst < 512 ? screen.readEvent(timeout: 0) : nil
            }
            if let signal = screen.takeSignal() {
                configuration.logger.info("stopping on signal \(signal)")
                return (.signal(signal), saveDraftOnExit(configuration.drafts, state.compose.draft).note)
            }
            for message in inbox.drain() {
                effects.run(update(&state, message))
                dirty = true
            }
            let now = Date()
            let busy = state.looks.load.isLoading || state.voices.load.isLoading || state.looks.detailWanted != nil
                || !state.looks.detailLoading.isEmpty || state.toast != nil
            if now.timeIntervalSince(lastTick) >= (busy ? 0.1 : 1) {
                lastTick = now
                effects.run(update(&state, .ticked(now)))
                dirty = true
            }
        }
        let (note, lost) = saveDraftOnExit(configuration.drafts, state.compose.draft)
        return (lost ? .draftNotSaved : .quit, note)
    }

    /// Writes to fd 2 whole (if stderr is gone, there is nowhere else to say it).
    static func writeToStderr(_ text: String) {
        var bytes = ArraySlice(Array(text.utf8))
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// The last save as the app ends, of the form as it is: a line for stderr once the screen is given back (nil:
    /// nothing to say), and whether the draft could not be saved.
    static func saveDraftOnExit(_ drafts: DraftStore?, _ draft: ComposeDraft) -> (note: String?, lost: Bool) {
        guard let drafts else { return (nil, false) }
        switch drafts.save(draft) {
        case .saved, .unchanged:
            guard drafts.target != drafts.url else { return (nil, false) }
            return ("twindeck: your draft is in \(drafts.target.path) (another TwinDeck changed \(drafts.url.path))", false)
        case .keptAside(let path):
            return ("twindeck: \(drafts.url.path) was changed by another TwinDeck and left as it is; your draft is in \(path)", false)
        case .failed(let reason):
            return ("twindeck: the draft could not be saved: \(reason)", true)
        }
    }

    static func apply(_ event: TerminalEvent, to state: inout AppState, effects: EffectRunner) {
        switch event {
        case .resize(let width, let height):
            effects.run(update(&state, .resized(width: width, height: height)))
        case .key(let key):
            if let press = KeyPress(key) { effects.run(update(&state, .keyPressed(press))) }
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

/// Seconds since this process was exec'd (Linux: /proc/self/stat start time against /proc/uptime).
func processAge() -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
        let uptime = (try? String(contentsOfFile: "/proc/uptime", encoding: .utf8))?.split(separator: " ").first.flatMap({ Double($0) }),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // Field 22 (starttime) is the 20th after the command name.
    guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
    return uptime - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}
