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
