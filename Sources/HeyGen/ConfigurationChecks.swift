import Foundation

/// The one place a base URL and an API key from outside (a flag, the environment, the config file) are checked
/// before a client is made from them.
extension HeyGenConfiguration {
    /// Why `value` cannot be a base URL, or nil when it can: `http` or `https` with a host, a port in 1–65535
    /// when one is written, no `user:password@`, no query or fragment, and plain `http` only to loopback (the key
    /// must not cross a network in clear text). A port past 65535 would trap inside NIO's `SocketAddress`.
    ///
    /// The message never repeats a URL that holds `@` (it may carry a password); other URLs are quoted inert.
    public static func problem(withBaseURL value: String) -> String? {
        let hasUserInfo = authority(of: value)?.contains("@") ?? value.contains("@")
        let shown = hasUserInfo ? "(not shown: it holds user info)" : "\"\(Sanitizer.inert(value, limit: 120))\""
        guard let url = URLComponents(string: value), let scheme = url.scheme?.lowercased(),
              let host = url.encodedHost, !host.isEmpty
        else {
            return "the base URL \(shown) is not a URL like https://api.heygen.com"
        }
        guard scheme == "https" || scheme == "http" else {
            return "the base URL \(shown) must use https (or http to 127.0.0.1/localhost), not \(Sanitizer.inert(scheme, limit: 20))"
        }
        if hasUserInfo || url.user != nil || url.password != nil {
            return "the base URL must not hold a user name or password (user:password@host); the key goes in HEYGEN_API_KEY"
        }
        if let port = writtenPort(of: value) {
            guard let number = Int(port), (1...65_535).contains(number), port.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                return "the base URL \(shown) has port \(Sanitizer.inert(port, limit: 24)); a port is a number from 1 to 65535"
            }
        }
        if url.query != nil || url.fragment != nil {
            return "the base URL \(shown) must not have a query (?…) or a fragment (#…)"
        }
        guard scheme == "https" || isLoopback(host) else {
            return "the base URL must use https (plain http is allowed only for 127.0.0.1/localhost): \(shown)"
        }
        return nil
    }

    /// The text between `scheme://` and the first `/`, `?` or `#`, or nil when there is no `://`.
    static func authority(of value: String) -> Substring? {
        guard let start = value.range(of: "://")?.upperBound else { return nil }
        let rest = value[start...]
        return rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex)]
    }

    /// The port as written after the host (`:99999`), or nil when none is written (an empty one counts as none).
    /// Read from the text, since `URLComponents.port` is nil for a number past `Int`.
    static func writtenPort(of value: String) -> String? {
        guard var authority = authority(of: value) else { return nil }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            authority = authority[authority.index(after: close)...]
            guard authority.hasPrefix(":") else { return nil }
            let port = authority.dropFirst()
            return port.isEmpty ? nil : String(port)
        }
        guard let colon = authority.lastIndex(of: ":") else { return nil }
        let port = authority[authority.index(after: colon)...]
        return port.isEmpty ? nil : String(port)
    }

    /// The key without surrounding spaces, tabs and line breaks (a key file saved with CRLF, a CI secret with a
    /// trailing newline).
    public static func trimmedAPIKey(_ key: String) -> String {
        PlainText.trimmed(key, newlines: true)
    }

    /// Why `key` (already trimmed) cannot be sent as `x-api-key`, or nil when it can (an empty key is sent, and the
    /// API answers 401). The message never shows the key or any piece of it, only where the bad character is.
    public static func problem(withAPIKey key: String) -> String? {
        for (offset, scalar) in key.unicodeScalars.enumerated() where Sanitizer.isUnsafe(scalar) || PlainText.isNewline(scalar) {
            let name = String(scalar.value, radix: 16, uppercase: true)
            return "the API key has a control character (U+\(String(repeating: "0", count: max(0, 4 - name.count)) + name)) "
                + "at character \(offset + 1) of \(key.unicodeScalars.count); copy the key again (the key itself is not shown)"
        }
        return nil
    }
}
