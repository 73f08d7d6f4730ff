import Crypto
import Foundation

/// The signature on deliveries to registered webhook endpoints: `Heygen-Signature` is the hex HMAC-SHA256 of
/// the raw body, keyed with the endpoint's `secret`; `Heygen-Timestamp` is Unix seconds; `Heygen-Event-Id`
/// names the event so a receiver can drop repeats. Deliveries to a per-request `callback_url` are unsigned.
public enum WebhookSignature {
    public static let signatureHeader = "Heygen-Signature"
    public static let timestampHeader = "Heygen-Timestamp"
    public static let eventIDHeader = "Heygen-Event-Id"

    /// The lowercase hex HMAC-SHA256 of `body` keyed with `secret`.
    public static func sign(_ body: some DataProtocol, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` (hex, either case) is the HMAC of `body` under `secret`. The comparison takes the
    /// same time wherever the first wrong byte is; a value that is not 64 hex digits is refused before it.
    public static func isValid(_ signature: String, body: some DataProtocol, secret: String) -> Bool {
        guard let code = hexBytes(signature), code.count == SHA256.byteCount, !secret.isEmpty else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: body, using: SymmetricKey(data: Data(secret.utf8)))
    }

    /// The bytes of an even-length hex string; nil for anything else.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
