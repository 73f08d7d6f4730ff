/// What a key does. One table (``KeyMap/bindings``) maps keys to actions per scope; the same table draws
/// the footer hints and the `?` overlay, so they cannot disagree with what the keys do.
public enum Action: Hashable, Sendable {
    case quit, help, back
    case nextPane, previousPane, pane(Int)
    case up, down, top, bottom, pageUp, pageDown
    case filter, open, refresh, copyID, copyURL
    case languageFacet, genderFacet
    // While typing a filter or in a picker:
    case accept
}

/// Where a binding applies.
public enum Scope: String, Hashable, Sendable, CaseIterable {
    case global = "Everywhere"
    case list = "Lists"
    case looks = "Looks"
    case voices = "Voices"
    case filtering = "While filtering"
    case picker = "Pickers"
}

/// One line of the key table.
public struct Binding: Sendable {
    public let keys: [KeyPress]
    /// How the keys are written in the footer and help, e.g. `j/k`.
    public let label: String
    /// What the keys do, in a few words.
    public let help: String
    public let action: Action
    public let scope: Scope
    /// Whether the footer shows it (the help overlay shows every binding).
    public let inFooter: Bool
}

public enum KeyMap {
    private static func b(_ keys: [KeyPress], _ label: String, _ help: String, _ action: Action, _ scope: Scope, footer: Bool = true) -> Binding {
        Binding(keys: keys, label: label, help: help, action: action, scope: scope, inFooter: footer)
    }

    /// Every binding, in the order the footer and help list them.
    public static let bindings: [Binding] = [
        b([.character("j"), .down], "j/k", "move", .down, .list),
        b([.character("k"), .up], "k", "up", .up, .list, footer: false),
        b([.character("g"), .home], "g/G", "top/bottom", .top, .list),
        b([.character("G"), .end], "G", "bottom", .bottom, .list, footer: false),
        b([.pageDown, .control("d")], "PgDn", "page down", .pageDown, .list, footer: false),
        b([.pageUp, .control("u")], "PgUp", "page up", .pageUp, .list, footer: false),
        b([.character("/")], "/", "filter", .filter, .list),
        b([.enter], "Enter", "details", .open, .looks),
        b([.character("y")], "y", "copy ID", .copyID, .list),
        b([.character("Y")], "Y", "copy preview URL", .copyURL, .list, footer: false),
        b([.character("L")], "L", "language", .languageFacet, .voices),
        b([.character("F")], "F", "gender", .genderFacet, .voices),
        b([.character("r"), .control("r")], "r", "refresh", .refresh, .list),
        b([.tab], "Tab", "next pane", .nextPane, .global),
        b([.backTab], "S-Tab", "previous pane", .previousPane, .global, footer: false),
        b([.character("1")], "1", "Looks", .pane(0), .global, footer: false),
        b([.character("2")], "2", "Voices", .pane(1), .global, footer: false),
        b([.character("?")], "?", "help", .help, .global),
        b([.escape], "Esc", "clear/back", .back, .global, footer: false),
        b([.character("q"), .control("c")], "q", "quit", .quit, .global),
        b([.enter], "Enter", "keep filter", .accept, .filtering),
        b([.escape], "Esc", "clear filter", .back, .filtering),
        b([.down, .control("n")], "↓/↑", "move", .down, .filtering),
        b([.up, .control("p")], "↑", "up", .up, .filtering, footer: false),
        b([.enter], "Enter", "choose", .accept, .picker),
        b([.escape], "Esc", "cancel", .back, .picker),
        b([.down, .control("n")], "↓/↑", "move", .down, .picker),
        b([.up, .control("p")], "↑", "up", .up, .picker, footer: false),
    ]

    /// The action of `key` in the first of `scopes` that binds it.
    public static func action(for key: KeyPress, in scopes: [Scope]) -> Action? {
        for scope in scopes {
            if let binding = bindings.first(where: { $0.scope == scope && $0.keys.contains(key) }) { return binding.action }
        }
        return nil
    }

    /// The footer's hints for `scopes`, most specific first.
    public static func footer(for scopes: [Scope]) -> [(String, String)] {
        scopes.flatMap { scope in bindings.filter { $0.scope == scope && $0.inFooter }.map { ($0.label, $0.help) } }
    }

    /// The help overlay's sections: each scope with its keys spelled out.
    public static var helpSections: [(Scope, [(String, String)])] {
        Scope.allCases.compactMap { scope in
            let rows = bindings.filter { $0.scope == scope }.map { ($0.keys.map(\.description).joined(separator: " "), $0.help) }
            return rows.isEmpty ? nil : (scope, rows)
        }
    }
}
