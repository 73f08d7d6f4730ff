import Foundation
import HeyGen
import Testing

/// The ICU-free formats write exactly what Foundation's formatters would.
@Suite("Plain formats")
struct PlainFormatTests {
    @Test func iso8601MatchesFoundationsFormatter() {
        let foundation = ISO8601DateFormatter()
        var generator = SystemRandomNumberGenerator()
        var dates: [Date] = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
                             Date(timeIntervalSince1970: 4_102_444_799.75), Date(timeIntervalSince1970: -86_400.5)]
        for _ in 0..<2_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2e9...4e9, using: &generator))) }
        for date in dates {
            #expect(PlainFormat.iso8601(date) == foundation.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test(arguments: [(0, "0"), (999, "999"), (1_000, "1,000"), (1_842, "1,842"), (-12_000, "-12,000"), (100_000, "100,000"),
                      (-999, "-999"), (1_234_567_890, "1,234,567,890")])
    func groupedThousands(_ n: Int, _ expected: String) {
        #expect(PlainFormat.grouped(n) == expected)
    }
}
