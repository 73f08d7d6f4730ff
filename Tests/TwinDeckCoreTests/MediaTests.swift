import Foundation
import HeyGen
import Synchronization
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore
#if canImport(Glibc)
import Glibc
#endif

/// A private folder with fake helper programs (`chafa`, players) written as shell scripts. The fakes record
/// their arguments, one per line, in `<name>.args` (and append a line to `<name>.calls` per run).
final class FakeTools: Sendable {
    let bin: URL
    let cache: URL
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-media-\(UUID().uuidString.prefix(8))")
        bin = root.appendingPathComponent("bin")
        cache = root.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Writes an executable `name` that records its arguments and then runs `body` (sh).
    func add(_ name: String, _ body: String) throws {
        let script = """
            #!/bin/sh
            for a in "$@"; do printf '%s\\n' "$a"; done > '\(root.path)/\(name).args'
            echo run >> '\(root.path)/\(name).calls'
            \(body)

            """
        let file = bin.appendingPathComponent(name)
        try script.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
    }

    /// The arguments of the last run of `name`, or nil if it never ran.
    func arguments(_ name: String) -> [String]? {
        (try? String(contentsOf: root.appendingPathComponent("\(name).args"), encoding: .utf8))
            .map { $0.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    func runs(_ name: String) -> Int {
        ((try? String(contentsOf: root.appendingPathComponent("\(name).calls"), encoding: .utf8)) ?? "")
            .split(separator: "\n").count
    }

    /// An environment whose PATH is only the fakes (the real chafa and ffplay live in /usr/bin).
    var onlyFakes: [String: String] { ["PATH": bin.path] }
}

/// Counts calls of a fake fetch.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

/// Collects what an `AudioPlayer` reports.
final class Reports: Sendable {
    private let list = Mutex<[AuditionPhase?]>([])
    func add(_ phase: AuditionPhase?) { list.withLock { $0.append(phase) } }
    var all: [AuditionPhase?] { list.withLock { $0 } }
}

struct FetchFailed: Error {}

let fakePicture = #"printf '\033[38;5;196;48;5;21mAB\033[0m\n\033[38;5;46mCD\033[0m\n'"#

@Suite("Look pictures through chafa")
struct PreviewRendererTests {
    @Test func drawsWithTheRightArgumentsAndFetchesOnce() async throws {
        let tools = try FakeTools()
        try tools.add("chafa", fakePicture)
        let fetches = Counter()
        let bytes = Data("\u{89}PNG fake image".utf8)
        let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes, colorMode: "256") { url in
            #expect(url == "https://img.test/office.png")
            fetches.increment()
            return bytes
        }
        let phase = await renderer.render(lookID: "lk_office", url: "https://img.test/office.png", width: 30, height: 10)
        guard case .ready(let picture) = phase else { Issue.record("\(phase)"); return }
        #expect(picture.text == "AB\nCD")
        #expect(picture.rows[0][0] == Picture.Cell("A", foreground: 196, background: 21))
        #expect(picture.rows[1][1].foreground == 46)

        let args = try #require(tools.arguments("chafa"))
        func value(after flag: String) -> String? { args.firstIndex(of: flag).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil } }
        #expect(value(after: "--format") == "symbols", "\(args)")
        #expect(value(after: "--size") == "30x10", "\(args)")
        #expect(value(after: "--colors") == "256", "\(args)")
        let file = try #require(args.last)
        #expect(file.hasPrefix(tools.cache.path), "the cached file is drawn: \(args)")
        #expect(FileManager.default.contents(atPath: file) == bytes, "the image is cached on disk")
        #expect(fetches.count == 1)

        // Another size (a resize): drawn again from the cache, not fetched again.
        let again = await renderer.render(lookID: "lk_office", url: "https://img.test/office.png", width: 20, height: 5)
        #expect(again != .loading)
        #expect(fetches.count == 1, "the second render uses the cached file")
        #expect(tools.runs("chafa") == 2)
        let second = try #require(tools.arguments("chafa"))
        #expect(second.contains("20x5") && second.last == file, "\(second)")
    }

    @Test func aPictureIsClippedToTheSizeAsked() async throws {
        let tools = try FakeTools()
        try tools.add("chafa", #"i=0; while [ $i -lt 20 ]; do printf '\033[48;5;9m%s\033[0m\n' '########################################'; i=$((i+1)); done"#)
        let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes) { _ in Data("x".utf8) }
        let phase = await renderer.render(lookID: "lk", url: "https://img.test/x.png", width: 12, height: 4)
        guard case .ready(let picture) = phase else { Issue.record("\(phase)"); return }
        #expect(picture.width == 12 && picture.height == 4)
    }

    @Test func colourModeIsPassedOn() async throws {
        let tools = try FakeTools()
        try tools.add("chafa", fakePicture)
        let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes, colorMode: "none") { _ in Data("x".utf8) }
        _ = await renderer.render(lookID: "lk", url: "https://img.test/x.png", width: 10, height: 4)
        let args = try #require(tools.arguments("chafa"))
        #expect(args.firstIndex(of: "--colors").map { args[$0 + 1] } == "none", "\(args)")
    }

    @Test func withoutChafaItSaysHowToGetItAndFetchesNothing() async throws {
        let tools = try FakeTools()  // an empty bin: no chafa anywhere on PATH
        let fetches = Counter()
        let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes) { _ in
            fetches.increment()
            return Data()
        }
        let phase = await renderer.render(lookID: "lk", url: "https://img.test/x.png", width: 30, height: 10)
        guard case .unavailable(let text) = phase else { Issue.record("\(phase)"); return }
        #expect(text.contains("apt install chafa"), "\(text)")
        #expect(text.contains("brew install chafa"), "\(text)")
        #expect(fetches.count == 0)
    }

    @Test func chafaFailingGivesItsFirstStderrLine() async throws {
        let tools = try FakeTools()
        try tools.add("chafa", "echo \"chafa: Failed to open image: Unknown format\" >&2; echo 'second line' >&2; exit 1")
        let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes) { _ in Data("x".utf8) }
        let phase = await renderer.render(lookID: "lk", url: "https://img.test/x.png", width: 30, height: 10)
        guard case .failed(let text) = phase else { Issue.record("\(phase)"); return }
        #expect(text.contains("Failed to open image: Unknown format"), "\(text)")
        #expect(!text.contains("second line"))
    }

    @Test func chafaPrintingNothingIsAFailure() async throws {
        let tools = try FakeTools()
        try tools.add("chafa", "printf '\\033[0m\\n\\n'")
        let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes) { _ in Data("x".utf8) }
        let phase = await renderer.render(lookID: "lk", url: "https://img.test/x.png", width: 30, height: 10)
        guard case .failed = phase else { Issue.record("\(phase)"); return }
    }

    @Test func aFetchErrorIsAFailureAndChafaIsNotRun() async throws {
        let tools = try FakeTools()
        try tools.add("chafa", fakePicture)
        let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes) { _ in
            throw HeyGenError(kind: .notFound, httpStatus: 404, message: "the media host answered HTTP 404")
        }
        let phase = await renderer.render(lookID: "lk", url: "https://img.test/x.png", width: 30, height: 10)
        guard case .failed(let text) = phase else { Issue.record("\(phase)"); return }
        #expect(text.contains("could not fetch the image"), "\(text)")
        #expect(tools.runs("chafa") == 0)

        let other = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes) { _ in throw FetchFailed() }
        let phase2 = await other.render(lookID: "lk", url: "https://img.test/x.png", width: 30, height: 10)
        guard case .failed = phase2 else { Issue.record("\(phase2)"); return }
        // Nothing half-written is left to be taken for the image next time.
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: tools.cache.path)) ?? []
        #expect(cached.isEmpty, "\(cached)")
    }

    @Test func aHostileLookIDCannotEscapeTheCacheFolder() async throws {
        let tools = try FakeTools()
        try tools.add("chafa", fakePicture)
        let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: tools.onlyFakes) { _ in Data("x".utf8) }
        _ = await renderer.render(lookID: "../../etc/passwd", url: "https://img.test/x.png", width: 10, height: 4)
        let file = try #require(tools.arguments("chafa")?.last)
        #expect(URL(fileURLWithPath: file).deletingLastPathComponent().standardizedFileURL.path == tools.cache.standardizedFileURL.path)
    }

    /// The simulator's picture, fetched like the app does, drawn by the real chafa when it is installed.
    @Test func simulatorPictureThroughRealChafa() async throws {
        try await withSimulator { sim, client in
            let look = try await client.look(id: "lk_twin_office")
            let url = try #require(look.previewImageURL)
            #expect(url == sim.baseURL + "/previews/looks/lk_twin_office.png")
            let png = try await client.fetchMedia(url)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))

            let tools = try FakeTools()
            let renderer = PreviewRenderer(cacheDirectory: tools.cache, environment: ProcessInfo.processInfo.environment,
                                           colorMode: "256") { try await client.fetchMedia($0) }
            let phase = await renderer.render(lookID: look.id, url: url, width: 40, height: 12)
            if realChafa != nil {
                guard case .ready(let picture) = phase else { Issue.record("\(phase)"); return }
                #expect(picture.height >= 3 && picture.height <= 12 && picture.width <= 40)
                #expect(hasNoControls(picture))
                #expect(picture.rows.joined().contains { $0.foreground != nil || $0.background != nil }, "in colour")
            } else {
                guard case .unavailable = phase else { Issue.record("\(phase)"); return }
            }
        }
    }

    @Test func fetchMediaRefusesPlainHTTPAwayFromThisMachineAndReports404() async throws {
        try await withSimulator { sim, client in
            await #expect(throws: HeyGenError.self) { _ = try await client.fetchMedia("http://example.com/x.png") }
            await #expect(throws: HeyGenError.self) { _ = try await client.fetchMedia("file:///etc/passwd") }
            // A name that merely starts with 127. is not this machine: refused before any lookup.
            let lookalike = await #expect(throws: HeyGenError.self) { _ = try await client.fetchMedia("http://127.evil.example/x.png") }
            #expect(lookalike?.kind == .configuration)
            do {
                _ = try await client.fetchMedia(sim.baseURL + "/previews/looks/lk_nope.png")
                Issue.record("an unknown look's picture was served")
            } catch let error as HeyGenError {
                #expect(error.kind == .notFound && error.httpStatus == 404)
            }
        }
    }
}

@Suite("Voice audition players")
struct AudioPlayerTests {
    let url = "https://audio.test/sara.wav"

    @Test func overSSHItOffersTheLinkAndStartsNothing() async throws {
        let tools = try FakeTools()
        try tools.add("mpv", "exit 0")
        var env = tools.onlyFakes
        env["SSH_CONNECTION"] = "1.2.3.4 5 6.7.8.9 22"
        let player = AudioPlayer(environment: env, cacheDirectory: tools.cache) { _ in Data() }
        #expect(player.overSSH)
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        #expect(reports.all.count == 1)
        guard case .link(let reason)?? = reports.all.first else { Issue.record("\(reports.all)"); return }
        #expect(reason.contains("SSH"), "\(reason)")
        try await Task.sleep(for: .milliseconds(200))
        #expect(tools.runs("mpv") == 0, "nothing was started")

        let tty = AudioPlayer(environment: tools.onlyFakes.merging(["SSH_TTY": "/dev/pts/3"]) { $1 }, cacheDirectory: tools.cache) { _ in Data() }
        #expect(tty.overSSH)
        #expect(!AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { _ in Data() }.overSSH)
    }

    @Test func withoutAPlayerItOffersTheLinkAndNamesThePlayers() async throws {
        let tools = try FakeTools()
        let player = AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { _ in Data() }
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        guard reports.all.count == 1, case .link(let reason)?? = reports.all.first else { Issue.record("\(reports.all)"); return }
        for name in ["mpv", "ffplay", "paplay"] { #expect(reason.contains(name), "\(reason)") }
    }

    @Test func mpvPlaysTheURLAndReportsTheEnd() async throws {
        let tools = try FakeTools()
        try tools.add("mpv", "exit 0")
        let player = AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { _ in
            Issue.record("mpv streams the URL itself")
            return Data()
        }
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        #expect(await eventually { reports.all.count >= 2 }, "\(reports.all)")
        #expect(reports.all == [.playing(player: "mpv"), nil], "playing, then finished")
        let args = try #require(tools.arguments("mpv"))
        #expect(args.last == url)
        #expect(args.contains("--no-video"), "\(args)")
    }

    @Test func stopKillsThePlayerAndNothingIsReportedAfter() async throws {
        let tools = try FakeTools()
        let pidFile = tools.root.appendingPathComponent("mpv.pid")
        let signals = tools.root.appendingPathComponent("mpv.signals")
        try tools.add("mpv", "grep -E 'SigBlk|SigIgn' /proc/$$/status > '\(signals.path)'; echo $$ > '\(pidFile.path)'; exec sleep 30")
        let player = AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { _ in Data() }
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        #expect(reports.all == [.playing(player: "mpv")])
        let started = await eventually { FileManager.default.fileExists(atPath: pidFile.path) && tools.arguments("mpv") != nil }
        try #require(started)
        let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(pid_t(text))
        #expect(kill(pid, 0) == 0, "the fake player runs")

        player.stop()
        let gone = await eventually(timeout: .seconds(20)) { !processIsAlive(pid) }
        #expect(gone, "the player was stopped; its signals: \((try? String(contentsOf: signals, encoding: .utf8)) ?? "?")")
        try await Task.sleep(for: .milliseconds(500))
        #expect(reports.all == [.playing(player: "mpv")], "a stop on purpose reports nothing: \(reports.all)")
        player.stop()  // a second stop is harmless
    }

    @Test func playingAnotherStopsTheFirst() async throws {
        let tools = try FakeTools()
        let pidFile = tools.root.appendingPathComponent("mpv.pid")
        let signals = tools.root.appendingPathComponent("mpv.signals")
        try tools.add("mpv", "echo $$ >> '\(pidFile.path)'; grep -E 'SigBlk|SigIgn' /proc/$$/status >> '\(signals.path)'; exec sleep 30")
        let player = AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { _ in Data() }
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        try #require(await eventually { (try? String(contentsOf: pidFile, encoding: .utf8))?.split(separator: "\n").count == 1 })
        await player.play(url + "?2") { reports.add($0) }
        try #require(await eventually { (try? String(contentsOf: pidFile, encoding: .utf8))?.split(separator: "\n").count == 2 },
                     "runs: \(tools.runs("mpv")), reports: \(reports.all), pids: \((try? String(contentsOf: pidFile, encoding: .utf8)) ?? "-")")
        let pids = try String(contentsOf: pidFile, encoding: .utf8).split(separator: "\n").compactMap { pid_t($0) }
        #expect(await eventually(timeout: .seconds(20)) { !processIsAlive(pids[0]) }, "the first player was stopped; signals: \((try? String(contentsOf: signals, encoding: .utf8)) ?? "?")")
        #expect(processIsAlive(pids[1]))
        player.stop()
        #expect(await eventually(timeout: .seconds(20)) { !processIsAlive(pids[1]) })
        #expect(reports.all == [.playing(player: "mpv"), .playing(player: "mpv")], "\(reports.all)")
    }

    @Test func paplayGetsAFetchedFileNotTheURL() async throws {
        let tools = try FakeTools()
        try tools.add("paplay", "exit 0")
        let wav = Data("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8)
        let fetches = Counter()
        let player = AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { asked in
            #expect(asked == "https://audio.test/sara.wav")
            fetches.increment()
            return wav
        }
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        #expect(await eventually { reports.all.count >= 2 }, "\(reports.all)")
        #expect(reports.all == [.playing(player: "paplay"), nil])
        let args = try #require(tools.arguments("paplay"))
        #expect(args.count == 1, "\(args)")
        let file = try #require(args.first)
        #expect(file != url && file.hasPrefix(tools.cache.path), "\(file)")
        #expect(FileManager.default.contents(atPath: file) == wav)
        #expect(fetches.count == 1)
    }

    @Test func aFailedFetchForAFilePlayerIsReported() async throws {
        let tools = try FakeTools()
        try tools.add("paplay", "exit 0")
        let player = AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { _ in throw FetchFailed() }
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        guard reports.all.count == 1, case .failed(let text)?? = reports.all.first else { Issue.record("\(reports.all)"); return }
        #expect(text.contains("could not fetch"), "\(text)")
        #expect(tools.runs("paplay") == 0)
    }

    @Test func aFailingPlayerReportsItsStatus() async throws {
        let tools = try FakeTools()
        try tools.add("mpv", "exit 3")
        let player = AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { _ in Data() }
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        #expect(await eventually { reports.all.count >= 2 }, "\(reports.all)")
        #expect(reports.all.first == .playing(player: "mpv"))
        guard case .failed(let text)?? = reports.all.last else { Issue.record("\(reports.all)"); return }
        #expect(text.contains("mpv") && text.contains("status 3"), "\(text)")
    }

    @Test func playersArePreferredInOrder() async throws {
        let tools = try FakeTools()
        try tools.add("paplay", "exit 0")
        try tools.add("ffplay", "exit 0")
        let player = AudioPlayer(environment: tools.onlyFakes, cacheDirectory: tools.cache) { _ in Data() }
        let reports = Reports()
        await player.play(url) { reports.add($0) }
        #expect(await eventually { reports.all.count >= 2 })
        #expect(reports.all.first == .playing(player: "ffplay"))
        #expect(tools.arguments("ffplay")?.last == url)
        #expect(tools.arguments("ffplay")?.contains("-nodisp") == true)
        #expect(tools.runs("paplay") == 0)
    }
}

/// Whether `pid` still runs (a zombie or a missing process does not).
func processIsAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.range(of: ") ", options: .backwards) else { return false }
    return !stat[close.upperBound...].hasPrefix("Z")
}

@Suite("Pre-flight: spoken duration")
struct SpokenDurationTests {
    func words(_ n: Int) -> String { Array(repeating: "word", count: n).joined(separator: " ") }

    @Test func wordsAt150AMinute() {
        #expect(Preflight.spokenSeconds(words(150)) == 60)
        #expect(Preflight.spokenSeconds(words(300)) == 120)
        #expect(Preflight.spokenSeconds(words(1)) == 1, "rounded up")
        #expect(Preflight.spokenSeconds("") == 0)
        #expect(Preflight.spokenSeconds("  \n\t ") == 0)
    }

    @Test func breaksAddTheirTimeAndAreNotWords() {
        #expect(Preflight.spokenSeconds(words(150) + #" <break time="2s"/> "#) == 62)
        #expect(Preflight.spokenSeconds(words(150) + #"<break time="500ms"/>"#) == 61, "60.5 rounds up")
        #expect(Preflight.spokenSeconds(#"<break time="1.5s"/><break time="1500ms" />"#) == 3)
        #expect(Preflight.spokenSeconds(#"Hello <break time="3s"/> world"#) == 4, "2 words (0.8 s) + 3 s")
        #expect(Preflight.spokenSeconds(#"<break time="2s"/>"#) == 2, "a tag is not a word")
        #expect(Preflight.spokenSeconds("<break/> hi") == 1, "a break without a time adds nothing")
    }
}

@Suite("Child processes")
struct ChildProcessTests {
    @Test func outputAndStatusAreCaptured() async throws {
        let tools = try FakeTools()
        try tools.add("tool", "printf 'out'; printf 'err' >&2; exit 7")
        let output = try await ChildProcess.run(tools.bin.appendingPathComponent("tool").path, ["a b", "c"])
        #expect(output.status == 7 && !output.timedOut)
        #expect(String(decoding: output.stdout, as: UTF8.self) == "out")
        #expect(String(decoding: output.stderr, as: UTF8.self) == "err")
        #expect(tools.arguments("tool") == ["a b", "c"])
    }

    @Test func aHungToolIsStoppedAtTheTimeout() async throws {
        let tools = try FakeTools()
        let pidFile = tools.root.appendingPathComponent("tool.pid")
        let signals = tools.root.appendingPathComponent("tool.signals")
        try tools.add("tool", "grep -E 'SigBlk|SigIgn' /proc/$$/status > '\(signals.path)'; echo $$ > '\(pidFile.path)'; exec sleep 60")
        let started = ContinuousClock.now
        let output = try await ChildProcess.run(tools.bin.appendingPathComponent("tool").path, [], timeout: 1)
        #expect(output.timedOut)
        #expect(ContinuousClock.now - started < .seconds(45),
                "stopped well before the tool's own end; its signals: \((try? String(contentsOf: signals, encoding: .utf8)) ?? "?")")
        if let pid = (try? String(contentsOf: pidFile, encoding: .utf8)).flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            #expect(!processIsAlive(pid))
        }
    }

    @Test func largeOutputDoesNotStall() async throws {
        let tools = try FakeTools()
        // More than a pipe holds, on both streams.
        let out = String(repeating: "x", count: 99), err = String(repeating: "y", count: 57)
        try tools.add("tool", "i=0; while [ $i -lt 3000 ]; do echo '\(out)'; echo '\(err)' >&2; i=$((i+1)); done")
        let output = try await ChildProcess.run(tools.bin.appendingPathComponent("tool").path, [], timeout: 60)
        #expect(!output.timedOut && output.status == 0)
        #expect(output.stdout.count == 3000 * 100)
        #expect(output.stderr.count == 3000 * 58)
    }
}

extension ChildProcessTests {
    /// Found by this test: with six runs at once (2 CPUs) the 1 s timeout did not stop the tools, because the
    /// blocking reads and the timer shared Dispatch's small global pool. Reads now have threads of their own and
    /// the timer a thread of its own.
    @Test
    func severalHungToolsAreAllStoppedAtTheirTimeout() async throws {
        let tools = try FakeTools()
        let pids = tools.root.appendingPathComponent("pids")
        try tools.add("tool", "echo $$ >> '\(pids.path)'; exec sleep 60")
        let path = tools.bin.appendingPathComponent("tool").path
        let started = ContinuousClock.now
        let watcher = Task {
            try await Task.sleep(for: .seconds(8))
            let all = ((try? String(contentsOf: pids, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
            return all.filter(processIsAlive)
        }
        defer { watcher.cancel() }
        let results = try await withThrowingTaskGroup(of: ChildProcess.Output.self) { group in
            for _ in 0..<6 { group.addTask { try await ChildProcess.run(path, [], timeout: 1) } }
            var all: [ChildProcess.Output] = []
            for try await output in group { all.append(output) }
            return all
        }
        #expect(results.count == 6 && results.allSatisfy(\.timedOut))
        let alive = try await watcher.value
        #expect(alive.isEmpty, "still running 8 s in, after a 1 s timeout: \(alive)")
        #expect(ContinuousClock.now - started < .seconds(45), "every run was stopped well before the tools' own end")
    }
}
