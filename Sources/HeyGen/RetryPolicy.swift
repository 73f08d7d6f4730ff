import Foundation

/// When and how long to wait before trying a call again, after HeyGen's own CLI:
/// 2 retries; 429 retried for any method after `Retry-After`; 5xx and network errors only for
/// idempotent calls; backoff 1 s·2ⁿ ±25 %, capped at 30 s.
public struct RetryPolicy: Sendable {
    public var maxRetries: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Fraction of the delay added or removed at random.
    public var jitter: Double
    /// A `Retry-After` longer than this is not waited for; the 429 is reported instead.
    public var maxRetryAfter: Duration
    /// How the client waits; tests pass one that records and returns at once.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A number in 0..<1 for jitter; tests pass a constant.
    public var random: @Sendable () -> Double

    public init(
        maxRetries: Int = 2, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(30),
        jitter: Double = 0.25, maxRetryAfter: Duration = .seconds(120),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
        self.sleep = sleep
        self.random = random
    }

    /// The default policy.
    public static let standard = RetryPolicy()
    /// Never retry.
    public static let never = RetryPolicy(maxRetries: 0)

    /// The backoff before retry number `attempt` (0-based): base·2ⁿ, ±jitter, capped.
    public func backoff(attempt: Int) -> Duration {
        let base = baseDelay * (1 << min(attempt, 20))
        let capped = min(base, maxDelay)
        let factor = 1 + jitter * (2 * random() - 1)
        return min(capped * factor, maxDelay)
    }

    /// Parses `Retry-After`: integer seconds or an HTTP-date, relative to `now`.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = PlainText.trimmed(value)
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 {
            // Clamped (to ~31 years) so a huge header cannot overflow Int64 and trap.
            return .seconds(saturating: seconds)
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) {
                return .seconds(saturating: date.timeIntervalSince(now))
            }
        }
        return nil
    }

    /// Formats a date as an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`).
    public static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
