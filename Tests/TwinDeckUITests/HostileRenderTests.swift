import Foundation
import HeyGen
import HeyGenSimulator
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// Every string the API hands us, hostile: names, languages, tags, status words, failure messages, the account,
/// error messages. Every pane, every row selected, at three sizes: nothing that drives a terminal reaches a cell,
/// and every row fits the width.
@Suite("Hostile strings on every pane")
struct HostileRenderTests {
    static let strings = HostileStrings.all

    static func hostileState(width: Int, height: Int) -> AppState {
        var state = AppState(width: width, height: height, baseURL: "https://api.heygen.com", isDemo: false, colors: true, now: fixedNow)
        _ = update(&state, .accountLoaded(.success(User(username: strings[0], email: strings[1]))))
        let looks = strings.enumerated().map { i, s in
            Look(id: "lk_\(i)", name: s, groupID: s, gender: Gender(rawValue: s), previewImageURL: s, previewVideoURL: s,
                 defaultVoiceID: "v_\(i)", tags: [s, s], supportedAPIEngines: [.avatarIV, .avatarV, Engine(rawValue: s)],
                 imageWidth: Int.max, imageHeight: -1, preferredOrientation: Orientation(rawValue: s),
                 status: i % 3 == 0 ? .completed : LookStatus(rawValue: s), error: LookError(code: s, message: s))
        }
        _ = update(&state, .looksLoaded(.success(looks)))
        for look in looks { _ = update(&state, .lookDetailLoaded(id: look.id, .success(look))) }
        let voices = strings.enumerated().map { i, s in
            Voice(voiceID: "v_\(i)", name: s, language: s, gender: i % 2 == 0 ? .female : Gender(rawValue: s),
                  type: i % 4 == 0 ? .private : .public, supportPause: true, supportLocale: true, previewAudioURL: s)
        }
        _ = update(&state, .voicesLoaded(.success(VoiceIndex(voices)), source: .network, fetchedAt: fixedNow))
        let rows = strings.enumerated().map { i, s in
            row("h\(i)", title: s, status: [s, "failed", "completed", "processing"][i % 4], failure: s, url: i % 4 == 2 ? s : nil)
        }
        _ = update(&state, .boardLoaded(rows))
        _ = update(&state, .pollHealthChanged(.failing(strings[4], retryAt: fixedNow.addingTimeInterval(5))))
        return state
    }

    /// Checks one frame; returns how many cells it looked at.
    @discardableResult
    static func expectInert(_ state: AppState, _ context: @autoclosure () -> String) -> Int {
        let buffer = AppView(state: state).render()
        let lines = buffer.lines
        #expect(lines.count == state.height, "\(context())")
        for (y, line) in lines.enumerated() {
            #expect(DisplayWidth.of(line) <= state.width, "\(context()): row \(y) is \(DisplayWidth.of(line)) columns: \(line.debugDescription)")
        }
        for cell in buffer.cells {
            let scalars = cell.character.unicodeScalars
            if scalars.contains(where: { Sanitizer.isUnsafe($0) || $0.value == 0x1B || $0.value == 0 }) || scalars.count > Buffer.maxScalarsPerCell {
                Issue.record("\(context()): a cell holds \(String(cell.character).debugDescription)")
                break
            }
        }
        return buffer.cells.count
    }

    @Test(arguments: [(80, 24), (200, 60), (60, 16)])
    func everyPaneEveryRowStaysInert(width: Int, height: Int) {
        var state = Self.hostileState(width: width, height: height)
        var frames = 0
        for pane in ["1", "2", "4"] {
            press(&state, .character(Character(pane)))
            for index in 0..<Self.strings.count {
                Self.expectInert(state, "pane \(pane) row \(index) at \(width)×\(height)")
                frames += 1
                press(&state, .character("j"))
            }
        }
        // The board's detail, the help overlay, Compose with a hostile look and voice, and a filter typed with escapes.
        press(&state, .character("4"), .enter)
        Self.expectInert(state, "board detail")
        press(&state, .escape, .character("?"))
        Self.expectInert(state, "help")
        press(&state, .escape, .character("1"), .character("g"), .enter)
        #expect(state.pane == .compose)
        Self.expectInert(state, "compose with a hostile look")
        press(&state, .character("p"))
        Self.expectInert(state, "compose preview")
        press(&state, .escape, .character("2"), .character("/"))
        type(&state, "\u{1B}[2J\u{202E}\u{9B}x")
        Self.expectInert(state, "voices filtered with escapes typed")
        frames += 5
        #expect(frames >= 3 * Self.strings.count)
    }

    /// A control drawn as `·` takes the column it is drawn in: the next column starts where it does on every row.
    @Test(arguments: [80, 200])
    func columnsStayAlignedWhateverTheName(width: Int) {
        let voices = Self.strings.enumerated().map { i, s in Voice(voiceID: "v_\(i)", name: s, language: "English", gender: .female) }
        var state = loadedState(width: width, height: 40, voices: voices)
        press(&state, .character("2"))
        let rows = AppView(state: state).render().lines.filter { $0.contains("English  ") }
        let columns = Set(rows.map { row in DisplayWidth.of(row[..<row.range(of: "English  ")!.lowerBound]) })
        #expect(rows.count >= 10)
        #expect(columns.count == 1, "LANGUAGE starts at columns \(columns.sorted()):\n\(rows.joined(separator: "\n"))")
    }

    @Test func errorMessagesFromTheAPIAreInert() {
        var state = AppState(width: 80, height: 24, baseURL: "https://api.heygen.com", isDemo: false, now: fixedNow)
        for (i, s) in Self.strings.enumerated() {
            let error = HeyGenError(kind: [.server, .validation, .undecodable, .transport][i % 4], httpStatus: 500, code: s, message: s,
                                    param: s, requestID: s, snippet: s)
            _ = update(&state, .looksLoaded(.failure(error)))
            _ = update(&state, .voicesLoaded(.failure(error), source: .network, fetchedAt: fixedNow))
            for pane in ["1", "2"] {
                press(&state, .character(Character(pane)))
                Self.expectInert(state, "error \(i) on pane \(pane)")
            }
        }
    }
}
