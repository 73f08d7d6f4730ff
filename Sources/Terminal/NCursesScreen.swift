import CNCurses
import CTerminalShim
import Foundation

/// The real terminal, through ncursesw. One instance, used from one thread only (the UI loop's).
///
/// Set-up follows `shared/guides/terminal.md`: `setlocale` first, `set_escdelay(25)` unless `ESCDELAY` is
/// set, cbreak/noecho/keypad, default colours, mouse off, and C signal handlers that give the terminal back
/// on every exit path (quit signals become a flag the loop reads; crash signals restore and re-raise).
public final class NCursesScreen: Screen {
    public private(set) var width: Int
    public private(set) var height: Int
    /// Whether colours are drawn (false with `NO_COLOR` or a monochrome terminal).
    public let colors: Bool
    /// Whether the locale is not UTF-8 (`LANG=C`): every frame is painted through ``ASCIIFallback``.
    public let ascii: Bool
    private var pairs: [Int: Int32] = [:]
    private var lastHyperlinks: [Hyperlink] = []
    private var active = true

    /// Starts curses on the controlling terminal.
    /// - Parameter allowColors: false to draw attributes only.
    public init(allowColors: Bool = true) {
        setlocale(LC_ALL, "")
        ascii = td_locale_is_utf8() == 0
        if ProcessInfo.processInfo.environment["ESCDELAY"] == nil { set_escdelay(25) }
        initscr()
        td_install_signal_handlers()
        cbreak()
        noecho()
        nonl()
        intrflush(cn_stdscr(), false)
        keypad(cn_stdscr(), true)
        curs_set(0)
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        if allowColors && !noColor && has_colors() {
            start_color()
            use_default_colors()
            colors = true
        } else {
            colors = false
        }
        width = Int(cn_cols())
        height = Int(cn_lines())
    }

    deinit { end() }

    /// Why the full-screen app cannot run on this terminal, or nil when it can.
    public static func unusableTerminalReason() -> String? {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        // Without TERM, ncurses looks for a terminal named "unknown" and the failure reads like a missing database.
        if term.isEmpty {
            return "TERM is not set, so the terminal type is unknown; set it to your terminal's type (export TERM=xterm-256color, say)"
        }
        switch td_terminal_usable() {
        case 1: return nil
        case 0: return "the terminal \"\(term)\" cannot move the cursor; run TwinDeck in a full terminal (TERM=xterm-256color, say)"
        case -1: return "the terminal type \"\(term)\" is unknown here (no terminfo entry); try TERM=xterm-256color"
        default: return "no terminfo database was found (install ncurses-base)"
        }
    }

    /// Gives the terminal back (idempotent).
    public func end() {
        guard active else { return }
        active = false
        td_restore_terminal()
    }

    /// The signal that asked us to stop (SIGINT, SIGTERM, SIGHUP, SIGQUIT), or nil.
    /// A terminal that hung up without a SIGHUP reaching us (the pty closed under a detached process) counts as SIGHUP:
    /// otherwise every read would return at once with nothing, and the app would spin without a screen.
    public func takeSignal() -> Int32? {
        let signal = td_take_signal()
        if signal != 0 { return signal }
        return active && td_input_hung_up() != 0 ? SIGHUP : nil
    }

    /// Marks a signal as pending again (one taken while a child program ran).
    public func repost(_ signal: Int32) { td_repost_signal(signal) }

    // MARK: - Input

    /// What came after an escape sequence and is its own input (Alt+x's x, a function key).
    private var pending: [(status: Int32, ch: wint_t)] = []

    /// Waits up to `timeout` ms for a key or a resize; nil when nothing came (or a sequence that means nothing here).
    public func readEvent(timeout: Int32) -> TerminalEvent? {
        let (status, ch): (Int32, wint_t)
        if pending.isEmpty {
            CNCurses.timeout(timeout)
            var read: wint_t = 0
            let got = get_wch(&read)
            (status, ch) = (got, read)
        } else {
            (status, ch) = pending.removeFirst()
        }
        if status == ERR { return nil }
        if status == KEY_CODE_YES {
            let code = Int32(ch)
            if code == KEY_RESIZE {
                width = Int(cn_cols())
                height = Int(cn_lines())
                return .resize(width: width, height: height)
            }
            return Self.functionKey(code).map(TerminalEvent.key)
        }
        if ch == 27 {
            // An ESC ncurses did not make a key of: the rest of its sequence is already waiting (ESCDELAY).
            let decoded = EscapeSequence.decode { [self] in
                CNCurses.timeout(0)
                var next: wint_t = 0
                let got = get_wch(&next)
                if got == ERR { return nil }
                if got == KEY_CODE_YES {
                    pending.append((got, next))
                    return nil
                }
                return UInt32(next)
            }
            switch decoded {
            case .key(let key): return .key(key)
            case .ignored: return nil
            case .escape(let then):
                if let then { pending.insert((OK, wint_t(then)), at: 0) }
                return .key(.escape)
            }
        }
        return Self.characterKey(UInt32(ch)).map(TerminalEvent.key)
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_NPAGE: .pageDown
        case KEY_PPAGE: .pageUp
        case KEY_ENTER: .enter
        case KEY_BTAB: .backTab
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_F0 + 1...KEY_F0 + 12: .function(Int(code - KEY_F0))
        default: nil
        }
    }

    /// Maps a character from `get_wch` to a key: controls by name, the rest as text.
    public static func characterKey(_ value: UInt32) -> Key? {
        switch value {
        case 27: return .escape
        case 10, 13: return .enter
        case 9: return .tab
        case 8, 127: return .backspace
        case 0: return .control("@")
        case 1...26: return .control(Character(UnicodeScalar(UInt8(value) + 96)))
        case 28...31: return nil
        default:
            guard let scalar = UnicodeScalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }

    // MARK: - Output

    public func draw(_ buffer: Buffer) {
        guard active else { return }
        let buffer = ascii ? ASCIIFallback.map(buffer) : buffer
        for y in 0..<min(buffer.height, height) {
            var x = 0
            while x < min(buffer.width, width) {
                let style = buffer[x, y].style
                var run = ""
                let start = x
                // One call per run of cells in the same style; continuation cells belong to the glyph before.
                while x < min(buffer.width, width), buffer[x, y].style == style {
                    let cell = buffer[x, y]
                    if !cell.isContinuation { run.append(cell.character) }
                    x += 1
                }
                // The bottom-right cell would scroll the screen: leave it out.
                if y == height - 1 && x >= width, !run.isEmpty { run.removeLast() }
                td_draw_text(Int32(y), Int32(start), run, style.bold ? 1 : 0, style.dim ? 1 : 0, style.reverse ? 1 : 0,
                             style.underline ? 1 : 0, pair(for: style))
            }
        }
        refresh()  // ncurses diffs against what is on screen: only changes are sent.
        drawHyperlinks(buffer)
    }

    /// OSC 8 links over cells curses already drew: the same text again, wrapped in the link, with the
    /// cursor saved and restored around it so curses' idea of the screen stays true. Sent once per change.
    private func drawHyperlinks(_ buffer: Buffer) {
        guard buffer.hyperlinks != lastHyperlinks else { return }
        lastHyperlinks = buffer.hyperlinks
        var out = ""
        for link in buffer.hyperlinks where link.y < height && link.x + link.width <= width {
            var text = ""
            for x in link.x..<(link.x + link.width) where !buffer[x, link.y].isContinuation { text.append(buffer[x, link.y].character) }
            guard let wrapped = link.wrap(text) else { continue }
            // DECSC/DECRC save and restore the position and the attributes curses believes are current.
            out += "\u{1B}7\u{1B}[\(link.y + 1);\(link.x + 1)H" + sgr(buffer[link.x, link.y].style) + wrapped + "\u{1B}8"
        }
        if !out.isEmpty { Clipboard.write(out) }
    }

    public func setCursor(_ position: (x: Int, y: Int)?) {
        if let position {
            move(Int32(position.y), Int32(position.x))
            curs_set(1)
        } else {
            curs_set(0)
        }
    }

    /// The SGR sequence for `style` (the link text is written outside curses, in the same look).
    func sgr(_ style: Style) -> String {
        var codes = ["0"]
        if style.bold { codes.append("1") }
        if style.dim { codes.append("2") }
        if style.underline { codes.append("4") }
        if style.reverse { codes.append("7") }
        if colors {
            for (color, base) in [(style.foreground, 30), (style.background, 40)] where color != .default {
                let n = Self.cursesColor(color, colors: td_colors())
                codes.append(n < 8 ? "\(base + Int(n))" : "\(base + 8);5;\(n)")
            }
        }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    private func pair(for style: Style) -> Int32 {
        guard colors, style.foreground != .default || style.background != .default else { return 0 }
        let key = style.foreground.code * 512 + style.background.code
        if let pair = pairs[key] { return pair }
        // Pictures can ask for many pairs; when the terminal's run out, start over (the frame is redrawn whole).
        if pairs.count + 1 >= Int(td_color_pairs()) - 1 {
            pairs.removeAll()
            clearok(cn_stdscr(), true)
        }
        let pair = Int32(pairs.count + 1)
        td_init_pair(pair, Self.cursesColor(style.foreground, colors: td_colors()),
                     Self.cursesColor(style.background, colors: td_colors()))
        pairs[key] = pair
        return pair
    }

    static func cursesColor(_ color: Color, colors: Int32 = 8) -> Int32 {
        switch color {
        case .indexed(let n): colors >= 256 ? Int32(n) : Int32(Palette.nearestBasic(n))
        case .default: -1
        case .black: Int32(COLOR_BLACK)
        case .red: Int32(COLOR_RED)
        case .green: Int32(COLOR_GREEN)
        case .yellow: Int32(COLOR_YELLOW)
        case .blue: Int32(COLOR_BLUE)
        case .magenta: Int32(COLOR_MAGENTA)
        case .cyan: Int32(COLOR_CYAN)
        case .white: Int32(COLOR_WHITE)
        }
    }

    /// How many colours the terminal has (8, 16, 256…); 0 without colours.
    public var paletteSize: Int { colors ? Int(td_colors()) : 0 }

    /// Leaves curses for a child program (an editor); call ``resume()`` afterwards.
    public func suspend() {
        def_prog_mode()
        endwin()
    }

    /// Comes back after ``suspend()`` and redraws everything.
    public func resume() {
        reset_prog_mode()
        clearok(cn_stdscr(), true)
        refresh()
    }

    /// Bytes straight to the terminal, outside curses' screen model (OSC 52 and the like).
    public func writeRaw(_ text: String) {
        Clipboard.write(text)
    }
}

/// Copies text to the user's clipboard with OSC 52, which works over SSH; wrapped for tmux when `$TMUX` is set.
public enum Clipboard {
    /// k9s' limit for an OSC 52 payload.
    public static let maxEncodedBytes = 74_994

    /// The escape sequence that asks the terminal to put `text` on the clipboard, or nil when too large.
    public static func osc52(_ text: String, tmux: Bool) -> String? {
        let encoded = Data(text.utf8).base64EncodedString()
        guard encoded.utf8.count <= maxEncodedBytes else { return nil }
        let sequence = "\u{1B}]52;c;\(encoded)\u{07}"
        return tmux ? "\u{1B}Ptmux;\u{1B}\(sequence)\u{1B}\\" : sequence
    }

    /// Sends the OSC 52 sequence for `text` to the terminal; false when it is too large.
    @discardableResult
    public static func copy(_ text: String) -> Bool {
        let inTmux = !(ProcessInfo.processInfo.environment["TMUX"] ?? "").isEmpty
        guard let sequence = osc52(text, tmux: inTmux) else { return false }
        write(sequence)
        return true
    }

    /// Why a copy cannot reach the clipboard here, when that is known: inside tmux with `set-clipboard off`, tmux takes
    /// the OSC 52 sequence and passes nothing on. Asks tmux once (`tmux show -gv set-clipboard`); nil outside tmux, when
    /// tmux passes copies on, or when it cannot be asked (then a copy is tried as usual).
    public static func tmuxProblem(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard !(environment["TMUX"] ?? "").isEmpty else { return nil }
        return tmuxOption("set-clipboard", environment: environment) == "off"
            ? "tmux has set-clipboard off, so copies stop at tmux: run tmux set -g set-clipboard on" : nil
    }

    /// A global tmux option's value (`tmux show -gv NAME`), trimmed; nil when tmux is not on `PATH`, cannot run, or
    /// does not answer.
    public static func tmuxOption(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/tmux" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["show", "-gv", name]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
            let data = try pipe.fileHandleForReading.readToEnd() ?? Data()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            return nil
        }
    }

    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
