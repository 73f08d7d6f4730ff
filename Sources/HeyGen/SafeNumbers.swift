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
