import CNCurses

/// Facts about the linked ncurses library.
public enum NCurses {
    /// The library's version string, e.g. `ncurses 6.4.20221231`.
    public static var version: String { String(cString: cn_curses_version()) }
}
