import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// Times and numbers from outside (a damaged cache, a server) drawn without a trap.
@Suite("Outside numbers: NaN, infinite and huge values drawn safely")
struct OutsideNumbersTests {
    static let odd: [Double] = [.nan, .infinity, -.infinity, 1e300, -1e300, Double(Int.max), -Double(Int.max)]

    @Test(arguments: odd)
    func voicesPaneDrawsAnOddSavedTime(seconds: Double) {
        var state = loadedState()
        _ = update(&state, .voicesLoaded(.success(VoiceIndex(sampleVoices())), source: .cache,
                                         fetchedAt: Date(timeIntervalSinceReferenceDate: seconds)))
        press(&state, .tab)
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains("cached"), "\(text)")
        #expect(text.contains("Sara"))
    }

    @Test func agoNamesOddAges() {
        #expect(ago(.nan) == "at an unknown time")
        #expect(ago(.infinity) == "a long time ago")
        #expect(ago(1e300) == "a long time ago")
        #expect(ago(-1e300) == "just now")
        #expect(ago(-.infinity) == "just now")
        #expect(ago(30) == "30 s ago")
        #expect(ago(3 * 86_400) == "3 d ago")
        #expect(shortAge(.nan) == "?")
        #expect(shortAge(1e300) == "99999d")
        #expect(shortAge(-1e300) == "0s")
    }

    @Test(arguments: odd)
    func spinnersTakeAnyDate(seconds: Double) {
        #expect(spinnerFrames.contains(spinnerFrame(Date(timeIntervalSinceReferenceDate: seconds), perSecond: 10)))
    }

    @Test func progressBarsTakeOddRatesAndSizes() {
        for rate in Self.odd + [1e-300, 0.0001] {
            for (received, total) in [(Int64.max, Int64(1)), (Int64(10), Int64.max), (Int64(0), Int64(0)), (Int64(5), nil)] as [(Int64, Int64?)] {
                let text = progressBar(DownloadProgress(received: received, total: total, bytesPerSecond: rate), width: 60)
                #expect(text.hasPrefix("["), "\(text)")
            }
        }
    }

    @Test func hugeCreditsAreDrawn() {
        var state = loadedState(width: 200, height: 30)
        let user = User(username: "demo-twin", email: "d@t.invalid", plan: .object(["concurrent_jobs": .number(1e300)]),
                        wallet: .object(["remaining_credits": .number(1e300)]))
        #expect(user.concurrencyLimit == .max)
        _ = update(&state, .accountLoaded(.success(user)))
        let text = screen(state).joined(separator: "\n")
        #expect(text.contains(PlainFormat.grouped(.max) + " credits"), "\(text)")
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, -1e300])
    func aCacheWithAnOddSavedTimeIsIgnored(seconds: Double) {
        let bytes = VoiceTable(sampleVoices()).encoded(savedAt: Date(timeIntervalSinceReferenceDate: seconds))
        #expect(VoiceTable.decode(bytes) == nil)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("voices-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(FileManager.default.createFile(atPath: file.path, contents: Data(bytes)))
        #expect(VoiceTable.read(contentsOf: file.path) == nil)
        // A real time still reads.
        let good = VoiceTable(sampleVoices()).encoded(savedAt: fixedNow)
        #expect(VoiceTable.decode(good)?.savedAt == fixedNow)
    }
}
