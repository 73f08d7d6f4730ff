import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

let fixedNow = Date(timeIntervalSince1970: 1_790_000_000)

let sampleLooks: [Look] = [
    Look(id: "lk_office", name: "Office — Blue Shirt", groupID: "g", gender: .female, previewImageURL: "https://img.test/office.jpg",
         defaultVoiceID: "v_sara", tags: ["office"], supportedAPIEngines: [.avatarIV, .avatarV], imageWidth: 1920, imageHeight: 1080,
         preferredOrientation: .landscape, status: .completed),
    Look(id: "lk_kitchen", name: "Kitchen — Casual", supportedAPIEngines: [.avatarIV], preferredOrientation: .landscape, status: .completed),
    Look(id: "lk_lecture", name: "Lecture Hall — 講堂", supportedAPIEngines: [.avatarIV, .avatarV], preferredOrientation: .landscape,
         status: .completed),
    Look(id: "lk_new", name: "New Look (training)", supportedAPIEngines: [], status: .processing),
    Look(id: "lk_broken", name: "Rejected Upload", supportedAPIEngines: [], status: .failed,
         error: LookError(code: "training_failed", message: "Face not visible")),
]

/// A catalogue with accents, non-Latin scripts and both genders, plus `extra` synthetic voices.
func sampleVoices(extra: Int = 0) -> [Voice] {
    var voices = [
        Voice(voiceID: "v_sara", name: "Sara", language: "English", gender: .female, supportPause: true, supportLocale: true,
              previewAudioURL: "https://audio.test/sara.mp3"),
        Voice(voiceID: "v_jose", name: "José Ángel - Lively", language: "Spanish", gender: .male),
        Voice(voiceID: "v_lucia", name: "Lucía - Calm", language: "Spanish", gender: .female),
        Voice(voiceID: "v_sakura", name: "さくら - Warm", language: "Japanese", gender: .female),
        Voice(voiceID: "v_clone", name: "James (my clone)", language: "English", gender: .male, type: .private),
        Voice(voiceID: "v_amelie", name: "Amélie - Bright", language: "French", gender: .female),
    ]
    let languages = ["English", "Spanish", "French", "German", "Japanese"]
    for i in 0..<extra {
        voices.append(Voice(voiceID: "v_syn\(i)", name: "Voice \(i)", language: languages[i % languages.count],
                            gender: i % 2 == 0 ? .female : .male))
    }
    return voices
}

/// A state with both lists loaded, as after start-up.
func loadedState(width: Int = 80, height: Int = 24, colors: Bool = true, voices: [Voice] = sampleVoices()) -> AppState {
    var state = AppState(width: width, height: height, baseURL: "https://api.heygen.com", isDemo: true, colors: colors, now: fixedNow)
    _ = update(&state, .accountLoaded(.success(User(username: "demo-twin", email: "demo@twindeck.invalid"))))
    _ = update(&state, .looksLoaded(.success(sampleLooks)))
    _ = update(&state, .voicesLoaded(.success(VoiceIndex(voices)), source: .network, fetchedAt: fixedNow))
    return state
}

@discardableResult
func press(_ state: inout AppState, _ keys: KeyPress...) -> [Effect] {
    keys.flatMap { update(&state, .keyPressed($0)) }
}

func type(_ state: inout AppState, _ text: String) {
    for c in text { _ = update(&state, .keyPressed(.character(c))) }
}

func screen(_ state: AppState) -> [String] { AppView(state: state).render().lines }

/// Compares `lines` with `Snapshots/<name>.txt`; `RECORD_SNAPSHOTS=1` rewrites it (and fails, so a
/// recording is always looked at before it is committed).
func assertSnapshot(_ lines: [String], named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/\(name).txt")
    let text = lines.joined(separator: "\n") + "\n"
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil
    guard !record, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? text.write(to: url, atomically: true, encoding: .utf8)
        Issue.record("recorded snapshot \(name); check it and run again", sourceLocation: sourceLocation)
        return
    }
    #expect(text == expected, "snapshot \(name) differs:\n\(text)", sourceLocation: sourceLocation)
}
