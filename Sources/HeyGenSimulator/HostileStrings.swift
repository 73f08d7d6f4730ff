import Foundation

/// Strings an API might send to break a terminal, a table or a file system: escape sequences (screen clear,
/// OSC 52 clipboard writes, DCS), C0/C1 controls, bidi overrides and isolates, zero-width characters, line
/// separators, a NUL, very long and very wide names, stacked combining marks, and what invalid UTF-8 becomes
/// once decoded (U+FFFD). `simulate --hostile-names` serves them as look, voice and video names.
public enum HostileStrings {
    public static let all: [String] = [
        "\u{1B}[2J\u{1B}[H screen cleared",
        String(repeating: "W", count: 10_000),
        String(repeating: "界", count: 10_000),
        "\u{1B}]52;c;ZXZpbA==\u{07} clipboard write",
        "\u{1B}]0;window title\u{1B}\\ OSC title",
        "\u{1B}P1$r\u{1B}\\ DCS reply",
        "\u{1B}[31mred\u{1B}[0m \u{1B}[5mblink\u{1B}[?1049l alt screen off",
        "bell\u{07}\u{07} backspace\u{08}\u{08} form feed\u{0C}",
        "C1 \u{85}\u{9B}31m\u{9D}0;title\u{9C} \u{9B}6n",
        "right-to-left \u{202E}4pm.exe",
        "isolates \u{2066}\u{2067}\u{2068}x\u{2069} embeds \u{202A}\u{202B}\u{202C}\u{202D}",
        "zero\u{200B}width\u{200C}joiners\u{200D}\u{FEFF}bom",
        "line\u{2028}separator\u{2029}paragraph",
        "tab\tnewline\ncarriage return\rend",
        "nul\u{0}byte del\u{7F}",
        "e" + String(repeating: "\u{301}", count: 2_000),
        "invalid UTF-8 \u{FFFD}\u{FFFD} decoded",
        "👩‍👩‍👧‍👦 family 👍🏽 flags 🇫🇷🇯🇵",
    ]

    /// The `n`th hostile name, with `original` after it so rows stay tellable apart.
    public static func name(_ n: Int, original: String) -> String {
        all[n % all.count] + " · " + original
    }
}
