/// A key press, decoded from the terminal.
public enum Key: Hashable, Sendable {
    case character(Character)
    case control(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    case function(Int)
}

/// What the terminal delivers besides keys.
public enum TerminalEvent: Hashable, Sendable {
    case key(Key)
    /// The terminal changed size (columns, rows).
    case resize(width: Int, height: Int)
}

/// Something a view can be drawn onto: ncurses for real, memory for tests.
///
/// ```swift
/// var buffer = Buffer(width: screen.width, height: screen.height)
/// view.render(in: buffer.area, into: &buffer)
/// screen.draw(buffer)
/// ```
public protocol Screen: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// Paints the whole buffer; implementations send only what changed.
    func draw(_ buffer: Buffer)
    /// Where the text cursor shows, or nil to hide it.
    func setCursor(_ position: (x: Int, y: Int)?)
}

/// A screen in memory, for tests: keeps the last buffer drawn.
public final class MemoryScreen: Screen {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var last: Buffer
    public private(set) var cursor: (x: Int, y: Int)?
    public private(set) var drawCount = 0
    /// Whether it paints like a terminal without a UTF-8 locale (``ASCIIFallback``).
    public let ascii: Bool

    public init(width: Int = 80, height: Int = 24, ascii: Bool = false) {
        self.width = width
        self.height = height
        self.ascii = ascii
        last = Buffer(width: width, height: height)
    }

    public func resize(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public func draw(_ buffer: Buffer) {
        last = ascii ? ASCIIFallback.map(buffer) : buffer
        drawCount += 1
    }

    public func setCursor(_ position: (x: Int, y: Int)?) { cursor = position }

    /// The screen's rows as text.
    public var lines: [String] { last.lines }
    /// The whole screen as one string.
    public var text: String { lines.joined(separator: "\n") }
}

/// The keys of escape sequences ncurses did not recognise (its terminfo entry names other bytes than the terminal sends:
/// tmux's `ESC [1~` for Home under `TERM=xterm-256color`, say). Without this they would arrive as Esc, `[`, `1`, `~` —
/// Esc closing the script editor and `1` jumping to Looks. Known variants are mapped; any other complete sequence is
/// swallowed as one key that does nothing.
public enum EscapeSequence {
    /// What an ESC and the characters after it are.
    public enum Decoded: Equatable, Sendable {
        /// A key (Home, an arrow…).
        case key(Key)
        /// A sequence with no meaning here: nothing happens.
        case ignored
        /// A lone Esc; `then` is a character that came after it and is its own key (Alt+x sends ESC x).
        case escape(then: UInt32?)
    }

    /// Decodes what follows an ESC, reading it with `next` (nil once nothing more is waiting).
    public static func decode(next: () -> UInt32?) -> Decoded {
        guard let first = next() else { return .escape(then: nil) }
        switch first {
        case 0x5B:  // "[": a control sequence
            var parameters = ""
            for _ in 0..<32 {
                guard let c = next() else { return .ignored }  // cut short: swallowed, never typed
                guard let scalar = Unicode.Scalar(c) else { return .ignored }
                switch c {
                case 0x20...0x3F: parameters.unicodeScalars.append(scalar)
                case 0x40...0x7E: return csi(parameters, final: Character(scalar))
                default: return .ignored
                }
            }
            return .ignored
        case 0x4F:  // "O": a single shift (application cursor keys, F1–F4)
            guard let c = next() else { return .escape(then: first) }  // Alt+Shift+O
            switch c {
            case 0x41: return .key(.up)
            case 0x42: return .key(.down)
            case 0x43: return .key(.right)
            case 0x44: return .key(.left)
            case 0x48: return .key(.home)
            case 0x46: return .key(.end)
            case 0x4D: return .key(.enter)  // keypad Enter
            case 0x50...0x53: return .key(.function(Int(c) - 0x50 + 1))
            default: return .ignored
            }
        default:
            return .escape(then: first)
        }
    }

    /// `ESC [ parameters final`.
    static func csi(_ parameters: String, final: Character) -> Decoded {
        // Modifiers (`1;5A` is Ctrl+Up) do not change which key it is.
        let first = parameters.split(separator: ";").first.flatMap { Int($0) }
        switch final {
        case "A": return .key(.up)
        case "B": return .key(.down)
        case "C": return .key(.right)
        case "D": return .key(.left)
        case "H": return .key(.home)
        case "F": return .key(.end)
        case "Z": return .key(.backTab)
        case "~":
            switch first {
            case 1, 7: return .key(.home)
            case 4, 8: return .key(.end)
            case 3: return .key(.delete)
            case 5: return .key(.pageUp)
            case 6: return .key(.pageDown)
            case .some(let n) where (11...15).contains(n): return .key(.function(n - 10))
            case .some(let n) where (17...21).contains(n): return .key(.function(n - 11))
            case .some(let n) where n == 23 || n == 24: return .key(.function(n - 12))
            default: return .ignored  // Insert, bracketed-paste marks, and the rest
            }
        default:
            return .ignored  // mouse reports, focus events, anything else
        }
    }
}
