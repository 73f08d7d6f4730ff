import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// Twelve finished Avatar IV renders of a 10 s script, each 52 s from recorded to completed.
private func history(count: Int = 12) -> [RenderSample] {
    (0..<count).map { i in
        let created = fixedNow.addingTimeInterval(-3_600 - Double(i) * 120)
        return RenderSample(engine: Engine.avatarIV.rawValue, resolution: nil, spokenSeconds: 10, createdAt: created,
                            completedAt: created.addingTimeInterval(52))
    }
}

/// Row "a" of the board (processing, 12 s old) with the estimate the estimator makes for it.
private func estimatedBoard(width: Int = 80, height: Int = 24, colors: Bool = true, samples: [RenderSample] = history()) throws
    -> (AppState, RenderEstimate)
{
    var state = boardState(width: width, height: height)
    if !colors {
        var mono = loadedState(width: width, height: height, colors: false)
        press(&mono, .character("4"))
        _ = update(&mono, .boardLoaded(boardRows))
        _ = update(&mono, .pollHealthChanged(.ok(at: fixedNow.addingTimeInterval(-3))))
        state = mono
    }
    let a = try #require(boardRows.first { $0.idempotencyKey == "a" })
    let target = RenderTarget(engine: a.engine, resolution: a.resolution, spokenSeconds: 10, createdAt: a.createdAt)
    let estimate = try #require(RenderEstimator(history: samples).estimate(target))
    // A finished row's estimate is never shown, even when one is posted for it.
    _ = update(&state, .renderEstimatesChanged(["a": estimate, "b": estimate]))
    return (state, estimate)
}

@Suite("Board: render estimates")
struct EstimateViewTests {
    @Test("a running row shows the bar and the time left; the detail says what it is based on (80×24)")
    func rowAndDetail() throws {
        let (state, estimate) = try estimatedBoard()
        #expect(abs(estimate.expectedSeconds - 52) < 0.5)
        let lines = screen(state)
        assertSnapshot(lines, named: "board-eta-80x24")
        #expect(lines.count == 24 && lines.allSatisfy { DisplayWidth.of($0) <= 80 })
        let rowA = try #require(lines.first { $0.contains("Launch") })
        // 12 s of 52: under a quarter of five cells, one filled.
        #expect(rowA.contains("█░░░░ ~40 s left · Launch"), "\(rowA)")
        let rowB = try #require(lines.first { $0.contains("Weekly update") })
        #expect(!rowB.contains("left") && !rowB.contains("░"), "a completed row has no estimate: \(rowB)")
        let text = lines.joined(separator: "\n")
        #expect(text.contains("Estimate"))
        #expect(text.contains("from 12 similar Avatar IV renders"))
    }

    @Test("the bar moves with the clock, and past the estimate the row says overdue")
    func barMovesThenOverdue() throws {
        var (state, _) = try estimatedBoard()
        _ = update(&state, .ticked(fixedNow.addingTimeInterval(20)))  // 32 s of 52
        let middle = try #require(screen(state).first { $0.contains("Launch") })
        #expect(middle.contains("███░░ ~20 s left"), "\(middle)")
        _ = update(&state, .ticked(fixedNow.addingTimeInterval(60)))  // 72 s of 52
        let late = try #require(screen(state).first { $0.contains("Launch") })
        #expect(late.contains("█████ overdue by 20 s"), "\(late)")
        #expect(screen(state).joined(separator: "\n").contains("overdue by 20 s · expected 52 s"))
    }

    @Test("no history, no estimate: nothing made up on the row or in the detail")
    func noHistory() throws {
        var state = boardState()
        let a = try #require(boardRows.first { $0.idempotencyKey == "a" })
        #expect(RenderEstimator(history: []).estimate(RenderTarget(engine: a.engine, resolution: nil, spokenSeconds: 10,
                                                                   createdAt: a.createdAt)) == nil)
        _ = update(&state, .renderEstimatesChanged([:]))
        let text = screen(state).joined(separator: "\n")
        #expect(!text.contains(" left") && !text.contains("overdue") && !text.contains("Estimate"))
        assertSnapshot(screen(state), named: "board-80x24")  // the board without estimates is as it was
    }

    @Test("NO_COLOR and LANG=C: the bar still reads, in block characters and then in ASCII")
    func monochromeAndASCII() throws {
        let (state, _) = try estimatedBoard(colors: false)
        let buffer = AppView(state: state).render()
        let plain = buffer.lines.first { $0.contains("Launch") } ?? ""
        #expect(plain.contains("█░░░░ ~40 s left"), "\(plain)")
        let ascii = MemoryScreen(width: 80, height: 24, ascii: true)
        ascii.draw(buffer)
        let rows = (0..<24).map { ascii.last.text(row: $0) }
        let rowA = try #require(rows.first { $0.contains("Launch") })
        #expect(rowA.contains("#.... ~40 s left"), "\(rowA)")
        #expect(rows.allSatisfy { $0.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } })
    }

    @Test("how an estimate reads")
    func texts() throws {
        let start = fixedNow
        let estimate = RenderEstimate(startedAt: start, expectedSeconds: 100, lowerSeconds: 90, upperSeconds: 115, method: .closeMatches,
                                      sampleCount: 12, engine: Engine.avatarV.rawValue)
        #expect(estimate.shortText(at: start) == "~1 min 40 s left")
        #expect(estimate.shortText(at: start.addingTimeInterval(60)) == "~40 s left")
        #expect(estimate.shortText(at: start.addingTimeInterval(99.5)) == "~1 s left")
        #expect(estimate.shortText(at: start.addingTimeInterval(120)) == "overdue by 20 s")
        #expect(estimate.shortText(at: start.addingTimeInterval(400)) == "overdue by 5 min")
        #expect(estimate.bar(at: start, cells: 4) == "░░░░")
        #expect(estimate.bar(at: start.addingTimeInterval(50), cells: 4) == "██░░")
        #expect(estimate.bar(at: start.addingTimeInterval(500), cells: 4) == "████")
        #expect(estimate.spreadText == "expected 1 min 40 s (1 min 30 s – 1 min 55 s)")
        #expect(RenderEstimate.duration(1_500) == "25 min" && RenderEstimate.duration(3_900) == "1 h 5 min")
        #expect(estimate.basis == "from 12 similar Avatar V renders")
    }
}
