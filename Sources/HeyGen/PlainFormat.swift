import Foundation

/// FNV-1a over bytes: a hash that is the same in every process (Swift's `Hasher` is seeded per run), for cache file
/// names and the simulator's signatures and seeds.
public func stableHash(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }
    return hash
}

/// Numbers and timestamps formatted without Foundation's formatters. `DateFormatter`, `ISO8601DateFormatter` and
/// `formatted()` load ICU's tables — about 6 MiB resident for a process that formats one date — and the app needs
/// only fixed, locale-free shapes.
public enum PlainFormat {
    /// Thousands grouped with commas: `1,842`, `-12,000`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// ISO 8601 in UTC to the second, as `ISO8601DateFormatter` writes it by default: `2026-11-25T16:47:28Z`.
    public static func iso8601(_ date: Date) -> String {
        // To the millisecond first, then down to the second, as Foundation's formatter does.
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        var seconds = time_t((milliseconds / 1000).rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "\(date.timeIntervalSince1970)" }
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }
}
