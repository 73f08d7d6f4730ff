import Foundation

/// An error from the HeyGen API or the way to it, phrased so a person can act on it.
///
/// It never holds the API key or a request body: snippets of response bodies are sanitised and
/// have the key redacted before they are stored.
public struct HeyGenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; a caller decides on this, not on the message.
    public enum Kind: String, Sendable, Equatable {
        /// Local checks refused the request before anything was sent (see `issues`).
        case invalidRequest
        /// 401: missing, invalid or expired key.
        case unauthorized
        /// 400 `invalid_parameter` and friends (see `param`).
        case validation
        /// 402 `insufficient_credit`.
        case insufficientCredit
        /// 403.
        case forbidden
        /// 404.
        case notFound
        /// 409 `request_in_progress`: the same Idempotency-Key is still being handled.
        case conflict
        /// 429 (see `retryAfter`).
        case rateLimited
        /// 5xx.
        case server
        /// Another 4xx.
        case http
        /// The connection failed or dropped.
        case transport
        /// No answer within the deadline.
        case timeout
        /// The body could not be read as the contract's JSON (see `snippet`).
        case undecodable
        /// A list's paging went wrong (a repeated token, or more pages promised without a token).
        case pagination
        /// The configuration cannot work (no key, a bad base URL).
        case configuration
    }

    public var kind: Kind
    public var httpStatus: Int?
    /// The API's `error.code`, e.g. `invalid_parameter`.
    public var code: String?
    public var message: String
    /// The field the API (or the local rules) blamed.
    public var param: String?
    /// `X-Request-Id`, to quote to HeyGen support.
    public var requestID: String?
    /// How long the server asked us to wait (429).
    public var retryAfter: Duration?
    /// A short, sanitised piece of an undecodable body.
    public var snippet: String?
    /// Field-level problems found locally (`invalidRequest`).
    public var issues: [FieldIssue]

    public init(
        kind: Kind, httpStatus: Int? = nil, code: String? = nil, message: String, param: String? = nil,
        requestID: String? = nil, retryAfter: Duration? = nil, snippet: String? = nil, issues: [FieldIssue] = []
    ) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
        self.param = param
        self.requestID = requestID
        self.retryAfter = retryAfter
        self.snippet = snippet
        self.issues = issues
    }

    /// The sentence a user reads.
    public var description: String {
        var text: String
        switch kind {
        case .invalidRequest:
            text = issues.isEmpty ? message : issues.map(\.description).joined(separator: "; ")
        case .unauthorized:
            text = "HeyGen did not accept the API key (\(message)). Set HEYGEN_API_KEY or pass --api-key; try --demo to use the built-in simulator."
        case .validation:
            text = "HeyGen refused the request: \(message)" + (param.map { " (field \($0))" } ?? "")
        case .insufficientCredit:
            text = "Not enough credit: \(message)"
        case .rateLimited:
            let wait = retryAfter.map { " Retry in \(Self.seconds($0)) s." } ?? ""
            text = "Rate limited by HeyGen (\(message)).\(wait)"
        case .notFound:
            text = "Not found: \(message)"
        case .conflict:
            text = "HeyGen is still handling the same request: \(message)"
        case .server:
            text = "HeyGen had a server error (HTTP \(httpStatus ?? 500)): \(message)"
        case .transport:
            text = "Could not reach HeyGen: \(message)"
        case .timeout:
            text = "HeyGen did not answer in time: \(message)"
        case .undecodable:
            text = "HeyGen sent a response TwinDeck could not read: \(message)" + (snippet.map { " — body starts: \($0)" } ?? "")
        default:
            text = message
        }
        if let requestID { text += " [request \(requestID)]" }
        return text
    }

    /// A bounded label for logs and metrics, without associated values.
    public var shortDescription: String { kind.rawValue + (httpStatus.map { " \($0)" } ?? "") }

    /// Whether the same call may succeed if made again later.
    public var isTransient: Bool {
        switch kind {
        case .rateLimited, .server, .transport, .timeout, .conflict: true
        default: false
        }
    }

    static func seconds(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return s == s.rounded() ? String(Int(saturating: s)) : String(format: "%.1f", s)
    }
}

/// Makes untrusted text safe to show and store: control characters become `�`-free visible escapes,
/// the length is bounded, and secrets are redacted.
public enum Sanitizer {
    /// Returns `text` with C0/C1 controls, DEL and bidi overrides replaced by `·`, cut to `limit` characters.
    public static func inert(_ text: String, limit: Int = 200, redacting secrets: [String] = []) -> String {
        var text = text
        if !secrets.isEmpty {
            // Longest first, so a form holding a shorter one (the escaped key holds its pieces) goes whole.
            for form in Set(secrets.flatMap(redactionForms)).sorted(by: { $0.count > $1.count }) {
                text = text.replacingOccurrences(of: form, with: "[REDACTED]")
            }
        }
        var out = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                out.append("…")
                break
            }
            out.append(isUnsafe(scalar) ? "·" : scalar)
            count += 1
        }
        return String(out)
    }

    /// The ways `secret` can appear in an error's text (4 characters or more each): as is; escaped the way Swift's
    /// `String(describing:)` of a collection escapes it (`\r`, `\n`, `\u{1B}`, which AsyncHTTPClient's
    /// `invalidHeaderFieldValues` shows); JSON-escaped (`\u000d`); percent-encoded in upper- and lower-case hex; and
    /// each piece between its control characters, spaces or line breaks, so a fragment of it is not left either.
    public static func redactionForms(of secret: String) -> [String] {
        guard secret.count >= 4 else { return [] }
        var forms = [secret, String(secret.debugDescription.dropFirst().dropLast())]
        var braces = "", json = ""
        for scalar in secret.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                let hex = String(scalar.value, radix: 16)
                braces += "\\u{\(hex)}"
                json += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            } else {
                braces.unicodeScalars.append(scalar)
                json.unicodeScalars.append(scalar)
            }
        }
        forms += [braces, braces.uppercased(), json, json.uppercased()]
        let percent = PlainText.percentEncoded(secret, keeping: "-._~")
        var lowerHex = "", hexLeft = 0
        for character in percent {
            lowerHex.append(hexLeft > 0 ? Character(character.lowercased()) : character)
            hexLeft = character == "%" ? 2 : max(0, hexLeft - 1)
        }
        forms += [percent, lowerHex]
        let pieces = secret.unicodeScalars.split(whereSeparator: { isUnsafe($0) || PlainText.isNewline($0) || PlainText.isSpace($0) || $0 == " " })
        if pieces.count > 1 || pieces.first.map({ $0.count != secret.unicodeScalars.count }) == true {
            for piece in pieces where piece.count >= 4 {
                let text = String(String.UnicodeScalarView(piece))
                forms += [text, PlainText.percentEncoded(text, keeping: "-._~")]
            }
        }
        return forms.filter { $0.count >= 4 }
    }

    /// Whether a scalar can change terminal state or text direction when printed.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v <= 0x9F) { return true }
        // Bidi embeddings/overrides/isolates and line/paragraph separators.
        if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x2028 || v == 0x2029 { return true }
        return false
    }
}
