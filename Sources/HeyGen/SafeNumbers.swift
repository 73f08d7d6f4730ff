/// Conversions of numbers from outside (a server, a file, a clock) that never trap.
extension Int {
    /// The nearest `Int` toward zero, with NaN as 0 and values past the range clamped to `Int.min`/`Int.max`
    /// (`Int(Double.nan)` and `Int(1e300)` trap).
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= Double(Int.max) {
            self = .max
        } else if value <= Double(Int.min) {
            self = .min
        } else {
            self = Int(value)
        }
    }
}

extension Int64 {
    /// ``Swift/Int/init(saturating:)`` for `Int64`: NaN as 0, the rest clamped.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= Double(Int64.max) {
            self = .max
        } else if value <= Double(Int64.min) {
            self = .min
        } else {
            self = Int64(value)
        }
    }
}

extension Duration {
    /// `seconds` as a duration of whole milliseconds, with NaN and negatives as zero and at most `limit` seconds
    /// (a `Retry-After` of 1e300, a wait worked out from a clock that jumped).
    public static func seconds(saturating seconds: Double, limit: Double = 1e9) -> Duration {
        guard seconds > 0 else { return .zero }
        return .milliseconds(Int64(saturating: Swift.min(seconds, limit) * 1000))
    }
}
