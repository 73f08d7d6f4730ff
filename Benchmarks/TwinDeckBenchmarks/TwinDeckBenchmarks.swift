import Benchmark
import Foundation
import HeyGen
import Terminal
import TwinDeckCore
import TwinDeckUI

/// A synthetic catalogue shaped like the simulator's: accents, non-Latin names, many languages.
func makeVoices(_ count: Int) -> [Voice] {
    let names = ["Sara", "José Ángel", "Lucía", "さくら", "Amélie", "Jürgen", "晓晓", "محمد", "Olivia", "Noah", "Zoë", "Łukasz"]
    let styles = ["Warm", "Calm", "Bright", "Narrator", "Friendly", "Professional", "Lively"]
    let languages = ["English", "Spanish", "French", "German", "Japanese", "Chinese", "Arabic", "Polish", "Portuguese", "Hindi"]
    return (0..<count).map { i in
        Voice(voiceID: String(format: "v%031x", i), name: "\(names[i % names.count]) - \(styles[i % styles.count]) \(i)",
              language: languages[(i / 3) % languages.count], gender: i % 2 == 0 ? .female : .male,
              type: i % 25 == 0 ? .private : .public, supportPause: true, supportLocale: i % 3 == 0,
              previewAudioURL: "https://files.heygen.ai/voice/preview/\(i).mp3")
    }
}

func makeState(voices: [Voice], width: Int, height: Int) -> AppState {
    var state = AppState(width: width, height: height, baseURL: "https://api.heygen.com", isDemo: true)
    _ = update(&state, .looksLoaded(.success((0..<12).map {
        Look(id: "lk_\($0)", name: "Look \($0) — 講堂", supportedAPIEngines: [.avatarIV, .avatarV], preferredOrientation: .landscape,
             status: .completed)
    })))
    _ = update(&state, .voicesLoaded(.success(VoiceIndex(voices)), source: .cache, fetchedAt: Date()))
    _ = update(&state, .keyPressed(.tab))
    return state
}

/// The keys a person types when filtering: "j", "jo", "jos", "jose".
let typed = ["j", "jo", "jos", "jose"]

let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 5,
                                         scalingFactor: .one, maxDuration: .seconds(3), maxIterations: 2_000)

    for count in [1_842, 10_000, 100_000] {
        let voices = makeVoices(count)
        let index = VoiceIndex(voices)

        // One keystroke that starts a search over the whole catalogue.
        Benchmark("filter: first keystroke, \(count) voices", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(index.filter(query: "jos")) }
        }

        // Typing "jose" one key at a time (4 keystrokes), each narrowing the last result.
        Benchmark("filter: typing “jose” (4 keystrokes), \(count) voices", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations {
                var previous: [Int]? = nil
                for query in typed {
                    previous = index.filter(query: query, within: previous)
                }
                blackHole(previous)
            }
        }
    }

    let voices10k = makeVoices(10_000)
    Benchmark("keypress → frame (update + view), 10,000 voices, 80×24", configuration: config) { benchmark in
        var state = makeState(voices: voices10k, width: 80, height: 24)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            _ = update(&state, .keyPressed(i % 2 == 0 ? .down : .up))
            blackHole(AppView(state: state).render())
        }
    }

    Benchmark("filter keystroke → frame, 10,000 voices, 80×24", configuration: config) { benchmark in
        var state = makeState(voices: voices10k, width: 80, height: 24)
        _ = update(&state, .keyPressed(.character("/")))
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            _ = update(&state, .keyPressed(i % 2 == 0 ? .character("a") : .backspace))
            blackHole(AppView(state: state).render())
        }
    }

    for (width, height) in [(80, 24), (200, 60)] {
        let state = makeState(voices: voices10k, width: width, height: height)
        Benchmark("render one frame \(width)×\(height)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(AppView(state: state).render()) }
        }
    }

    let page = try! JSONEncoder().encode(Page(data: Array(voices10k.prefix(100)), hasMore: true, nextToken: "t"))
    Benchmark("decode a 100-voice page", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! JSONDecoder().decode(Page<Voice>.self, from: page)) }
    }

    let catalogue = try! JSONEncoder().encode(voices10k)
    Benchmark("decode a 10,000-voice catalogue", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! JSONDecoder().decode([Voice].self, from: catalogue)) }
    }

    let cached = VoiceTable(voices10k).encoded(savedAt: Date())
    Benchmark("read the cached 10,000-voice catalogue (binary form)", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(VoiceTable.decode(cached)) }
    }

    let table10k = VoiceTable(voices10k)
    Benchmark("build the search index, 10,000 voices", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(VoiceIndex(table10k)) }
    }
}
