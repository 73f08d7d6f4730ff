import Crypto
import Foundation

extension IdempotencyKey {
    /// A key derived from what identifies a request, so the same input always gives the same key
    /// (`prefix-` and 32 hex digits of SHA-256 over the parts, each ended by a NUL byte).
    ///
    /// Used by batches: a row of a CSV file keeps its key across runs, so running the file again never makes
    /// a second video for it.
    public static func derived(prefix: String, from parts: [String]) -> String {
        var hasher = SHA256()
        for part in parts {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: Data([0]))
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return prefix + "-" + hex.prefix(32)
    }
}
