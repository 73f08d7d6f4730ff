/// What a key does. One table (``KeyMap/bindings``) maps keys to actions per scope; the same table draws
/// the footer hints and the `?` overlay, so they cannot disagree with what the keys do.
public enum Action: Hashable, Sendable {
    case quit, help, back
    case nextPane, previousPane, pane(Int)
    case up, down, top, bottom, pageUp, pageDown
    case filter, open, refresh, copyID, copyURL
    case languageFacet, genderFacet
    case togglePreview, audition
    /// Looks: fetch the selected look's consent link (a look waiting for consent).
    case consentLink
    // Compose:
    case nextField, previousField, choiceNext, choicePrevious, submitForm, preview, clearForm, externalEditor
    // Board:
    case download, recompose, remove, sortBoard
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
    case compose = "Compose"
    case editing = "Editing a field"
    case confirm = "Confirmations"
    case preview = "Request preview"
    case audition = "Voice preview"
    case consent = "Consent link"
    case board = "Board"
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
        b([.character("g"), .home], "g/G", "top/bottom", .top, .list, footer: false),
        b([.character("G"), .end], "G", "bottom", .bottom, .list, footer: false),
        b([.pageDown, .control("d")], "PgDn", "page down", .pageDown, .list, footer: false),
        b([.pageUp, .control("u")], "PgUp", "page up", .pageUp, .list, footer: false),
        b([.character("/")], "/", "filter", .filter, .list),
        b([.enter], "Enter", "compose", .open, .looks),
        b([.enter], "Enter", "use voice", .open, .voices),
        b([.character("y")], "y", "copy ID", .copyID, .list),
        b([.character("Y")], "Y", "copy preview URL", .copyURL, .list, footer: false),
        b([.character("p")], "p", "picture", .togglePreview, .looks),
        b([.character("c")], "c", "consent link", .consentLink, .looks, footer: false),
        b([.character("a")], "a", "listen", .audition, .voices),
        b([.character("L")], "L", "language", .languageFacet, .voices),
        b([.character("F")], "F", "gender", .genderFacet, .voices, footer: false),
        b([.character("r"), .control("r")], "r", "refresh", .refresh, .list),
        b([.tab], "Tab", "next pane", .nextPane, .global),
        b([.backTab], "S-Tab", "previous pane", .previousPane, .global, footer: false),
        b([.character("1")], "1", "Looks", .pane(0), .global, footer: false),
        b([.character("2")], "2", "Voices", .pane(1), .global, footer: false),
        b([.character("3")], "3", "Compose", .pane(2), .global, footer: false),
        b([.character("4")], "4", "Board", .pane(3), .global, footer: false),
        b([.enter], "Enter", "detail", .open, .board),
        b([.character("d")], "d", "download", .download, .board),
        b([.character("y")], "y", "copy link", .copyID, .board),
        b([.character("o")], "o", "page link", .copyURL, .board, footer: false),
        b([.character("R")], "R", "re-compose", .recompose, .board),
        b([.character("x")], "x", "remove", .remove, .board, footer: false),
        b([.character("S")], "S", "sort", .sortBoard, .board, footer: false),
        b([.character("r"), .control("r")], "r", "poll now", .refresh, .board, footer: false),
        b([.character("s"), .control("s")], "s", "submit", .submitForm, .compose),
        b([.enter], "Enter", "edit/pick", .open, .compose),
        b([.right, .character("l")], "←/→", "change", .choiceNext, .compose),
        b([.tab, .character("j"), .down], "Tab/j/k", "field", .nextField, .compose),
        b([.backTab, .character("k"), .up], "S-Tab", "previous field", .previousField, .compose, footer: false),
        b([.left, .character("h")], "←", "previous choice", .choicePrevious, .compose, footer: false),
        b([.character("g"), .home], "g/G", "first/last field", .top, .compose, footer: false),
        b([.character("G"), .end], "G", "last field", .bottom, .compose, footer: false),
        b([.character("p")], "p", "preview JSON", .preview, .compose),
        b([.character("a")], "a", "hear script", .audition, .compose),
        b([.character("C")], "C", "clear form", .clearForm, .compose, footer: false),
        b([.control("e")], "Ctrl-E", "script in $EDITOR", .externalEditor, .compose, footer: false),
        b([.escape], "Esc", "done editing", .back, .editing),
        b([.enter], "Enter", "new line / done", .accept, .editing),
        b([.control("e")], "Ctrl-E", "script in $EDITOR", .externalEditor, .editing),
        b([.control("w")], "Ctrl-W", "delete word", .back, .editing, footer: false),
        b([.character("y"), .enter], "y/Enter", "confirm", .accept, .confirm),
        b([.character("n"), .escape], "n/Esc", "cancel", .back, .confirm),
        b([.character("y")], "y", "copy JSON", .copyID, .preview),
        b([.character("c")], "c", "copy as curl", .copyURL, .preview),
        b([.escape], "Esc", "close", .back, .preview),
        b([.character("y")], "y", "copy URL", .copyURL, .audition),
        b([.escape, .character("a"), .enter, .character("q")], "Esc/a", "stop/close", .back, .audition),
        b([.character("y")], "y", "copy link", .copyURL, .consent),
        b([.escape, .character("c"), .enter, .character("q")], "Esc", "close", .back, .consent),
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
        var shadowed = Set<KeyPress>()
        var hints: [(String, String)] = []
        for scope in scopes {
            let inScope = bindings.filter { $0.scope == scope }
            // A key a more specific scope already uses does something else here: don't advertise it.
            for binding in inScope where binding.inFooter && shadowed.isDisjoint(with: binding.keys) {
                hints.append((binding.label, binding.help))
            }
            for binding in inScope { shadowed.formUnion(binding.keys) }
        }
        return hints
    }

    /// The help overlay's sections: each scope with its keys spelled out, the scopes in `first` leading.
    public static func helpSections(first: [Scope] = []) -> [(Scope, [(String, String)])] {
        (first + Scope.allCases.filter { !first.contains($0) }).compactMap { scope in
            let rows = bindings.filter { $0.scope == scope }.map { ($0.keys.map(\.description).joined(separator: " "), $0.help) }
            return rows.isEmpty ? nil : (scope, rows)
        }
    }
}
