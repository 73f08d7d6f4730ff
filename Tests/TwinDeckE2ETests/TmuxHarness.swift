import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

// A small harness that runs the real `twindeck --demo` in a real pseudo-terminal, inside a private tmux
// server, and reads the screen back with `capture-pane` (shared/guides/terminal.md §C).
//
// - One tmux server per app (`tmux -L <unique socket> -f /dev/null`, `escape-time 0`,
//   `default-terminal xterm-256color`), so tests can run in parallel.
// - The pane runs `sh -c 'ulimit -c 0; trap : INT; <binary> --demo; echo EXIT=$?; sleep 60'` (or other
//   arguments than `--demo`; ``TwinDeckInTmux/restart()`` runs it again in the same sandbox): the pane
//   outlives the app, so the exit code and the tty it left behind can be read from outside (`stty -F`,
//   `#{alternate_on}`). `sh`, not bash: bash would restore the tty itself and hide bugs.
// - Nothing sleeps for synchronisation: ``TwinDeckInTmux/waitFor(_:timeout:escapes:settle:_:)`` polls
//   every 50 ms until a predicate holds (and the screen has settled), with a deadline.
// - Every tmux call has a time limit, and the server kills itself after ``TwinDeckInTmux/serverLifetime``
//   seconds even if the test runner dies before ``TwinDeckInTmux/close()``.

/// The built `twindeck` binary, next to the test bundle executable (as in the CLI tests).
let twindeckBinary: URL = {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
        let candidate = dir.appendingPathComponent("twindeck")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return bundleDir.appendingPathComponent("twindeck")
}()

enum E2EError: Error, CustomStringConvertible {
    case missingTool(String)
    case missingBinary(String)
    case tmuxFailed([String], ToolResult)
    case timeout(String, Duration, Screen)
    case noAppProcess(String)
    case simulator(String)

    var description: String {
        switch self {
        case .missingTool(let tool): "\(tool) is not installed (the end-to-end tests need it)"
        case .missingBinary(let path): "no twindeck binary at \(path) (build with swift build --build-tests)"
        case .tmuxFailed(let args, let result): "tmux \(args.joined(separator: " ")) failed (\(result.status)): \(result.stderr)"
        case .timeout(let what, let limit, let screen): "timed out after \(limit) waiting for \(what); the screen was:\n\(screen)"
        case .noAppProcess(let detail): "could not find the twindeck process: \(detail)"
        case .simulator(let detail): "simulator: \(detail)"
        }
    }
}

/// What a finished tool printed.
struct ToolResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Tools {
    /// The absolute path of `name` on `PATH` (or the usual system folders).
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"]
        return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable` to the end and returns what it printed; kills it after `timeout`.
    ///
    /// Not Foundation's `Process`, for two reasons found the hard way with tmux (whose client forks the
    /// server daemon):
    /// - corelibs Foundation notices a child's exit through a socket the child inherits; the tmux server
    ///   inherits it too and keeps it open, so `waitUntilExit()` never returns for the command that started it;
    /// - the child inherits the calling thread's signal mask (a Dispatch worker blocks almost everything),
    ///   and the tmux server then runs with SIGCHLD/SIGTERM blocked: it never reaps its panes and
    ///   `kill-server` cannot finish.
    /// So: `posix_spawn` with an empty signal mask, default dispositions, a new process group, no inherited
    /// descriptors beyond 0–2, output to files (no pipe whose end a daemon could keep), and `waitpid` polling.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    timeout: Duration = .seconds(10)) -> ToolResult {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-run-\(UUID().uuidString)").path
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }

        let pid: pid_t
        switch spawn(executable, arguments, environment: environment, stdout: outPath, stderr: errPath) {
        case .success(let spawned): pid = spawned
        case .failure(let message): return ToolResult(status: -1, stdout: "", stderr: message.text)
        }

        var status: Int32 = 0
        var note = ""
        let deadline = ContinuousClock.now + timeout
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { note = "waitpid failed: \(String(cString: strerror(errno)))"; status = -1; break }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                note = "killed after \(timeout)"
                break
            }
            usleep(2_000)
        }
        let code: Int32 = status == -1 ? -1 : exitCode(status)
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ToolResult(status: note.isEmpty ? code : -1, stdout: stdout, stderr: note.isEmpty ? stderr : note + "; " + stderr)
    }

    struct SpawnFailure: Error { let text: String }

    /// Decodes a wait status: the exit code, or 128 + the signal (WIFEXITED/WEXITSTATUS are macros Swift cannot see).
    static func exitCode(_ status: Int32) -> Int32 { (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }

    /// Starts `executable` without waiting for it, with the hygiene ``run(_:_:environment:timeout:)`` explains:
    /// stdin from /dev/null, stdout and stderr into the files `stdout`/`stderr`, an empty signal mask, default
    /// dispositions, its own process group, no inherited descriptors beyond 0–2. The caller reaps it (`waitpid`).
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                      stdout outPath: String, stderr errPath: String) -> Result<pid_t, SpawnFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let env = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            return .failure(SpawnFailure(text: "could not start \(executable): \(String(cString: strerror(spawned)))"))
        }
        return .success(pid)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc ≥ 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not declare.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Closes every descriptor above 2 in the child (Foundation leaves some inheritable on purpose).
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
        // Older glibc: close what is open now (a descriptor closed meanwhile is ignored by posix_spawn).
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
    }
}

/// One capture of the pane: its text lines (tmux gives a wide character as one `Character`).
struct Screen: CustomStringConvertible, Sendable {
    let text: String
    var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    func contains(_ s: String) -> Bool { text.contains(s) }

    /// The first line containing `s`.
    func line(containing s: String) -> String? { lines.first { $0.contains(s) } }

    /// The rows of the list: the lines after the column header (the line starting with " NAME"), up to the
    /// first empty line.
    var listRows: [String] {
        let all = lines
        guard let header = all.firstIndex(where: { $0.hasPrefix(" NAME") }) else { return [] }
        return Array(all[(header + 1)...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
    }

    /// The value of the detail panel's `Name` row ("│ Name         Office — Blue Shirt     │").
    var detailName: String? {
        guard let line = line(containing: "│ Name "), let range = line.range(of: "│ Name ") else { return nil }
        var value = line[range.upperBound...]
        if let border = value.firstIndex(of: "│") { value = value[..<border] }
        return value.trimmingCharacters(in: .whitespaces)
    }

    var description: String {
        let all = lines
        let width = all.map(displayWidth).max() ?? 0
        let rule = String(repeating: "-", count: max(width, 10))
        return "+\(rule)\n" + all.map { "|" + $0 }.joined(separator: "\n") + "\n+\(rule)"
    }
}

/// Display columns of a terminal cell string: wide East Asian characters take 2, combining marks 0.
func displayWidth(_ scalar: Unicode.Scalar) -> Int {
    switch scalar.value {
    case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: 0
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
         0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
         0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD: 2
    default: 1
    }
}

func displayWidth<S: StringProtocol>(_ s: S) -> Int { s.unicodeScalars.reduce(0) { $0 + displayWidth($1) } }

/// The display column (0-based) where `needle` starts in `line`, or nil.
func displayColumn(of needle: String, in line: String?) -> Int? {
    guard let line, let range = line.range(of: needle) else { return nil }
    return displayWidth(line[..<range.lowerBound])
}

/// The display column just after `needle` ends in `line`, or nil.
func displayEndColumn(of needle: String, in line: String?) -> Int? {
    guard let line, let range = line.range(of: needle) else { return nil }
    return displayWidth(line[..<range.upperBound])
}

/// The colour parameters (30–38, 40–48, 90–97, 100–107) in the SGR sequences of `text`
/// (`39`/`49`, "default colour", do not count: tmux writes them even for a monochrome pane).
func colourCodes(in text: String) -> [String] {
    var found: [String] = []
    var rest = Substring(text)
    while let start = rest.range(of: "\u{1B}[") {
        rest = rest[start.upperBound...]
        guard let end = rest.firstIndex(where: { !($0.isNumber || $0 == ";" || $0 == ":") }) else { break }
        if rest[end] == "m" {
            for parameter in rest[..<end].split(whereSeparator: { $0 == ";" || $0 == ":" }) {
                guard let n = Int(parameter) else { continue }
                if (30...38).contains(n) || (40...48).contains(n) || (90...97).contains(n) || (100...107).contains(n) {
                    found.append("\\e[\(rest[..<end])m")
                    break
                }
            }
        }
        rest = rest[end...]
    }
    return found
}

/// Quotes `s` for `sh`.
func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// `twindeck --demo` (or `twindeck <arguments>`) running in its own tmux server, in a private XDG/HOME sandbox.
final class TwinDeckInTmux: Sendable {
    /// Seconds after which the server kills itself, whatever happens to the test.
    static let serverLifetime = 180

    let socket: String
    let root: URL
    let tmuxPath: String
    let clientEnvironment: [String: String]
    /// `TWINDECK_DOWNLOAD_DIR` in the pane: `downloads` in the sandbox.
    let downloadDirectory: URL

    /// Starts the app in a detached `width`×`height` session; `environment` is added to the pane's, and
    /// `arguments` are the app's (`--demo` unless given, e.g. `--base-url … --api-key …`).
    init(width: Int = 80, height: Int = 24, environment extra: [String: String] = [:], arguments: [String] = ["--demo"]) throws {
        guard let tmux = Tools.which("tmux") else { throw E2EError.missingTool("tmux") }
        guard FileManager.default.isExecutableFile(atPath: twindeckBinary.path) else {
            throw E2EError.missingBinary(twindeckBinary.path)
        }
        tmuxPath = tmux
        let id = UUID().uuidString.prefix(8).lowercased()
        socket = "twindeck-e2e-\(id)"
        root = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-\(id)")
        for sub in ["data", "cache", "state", "config", "downloads"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        downloadDirectory = root.appendingPathComponent("downloads")
        // The tmux server starts with only this environment, so nothing from the runner (TMUX, NO_COLOR,
        // HEYGEN_API_KEY…) leaks into the pane.
        clientEnvironment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": root.path,
        ]
        var pane = [
            "LANG": "C.UTF-8",
            "HOME": root.path,
            "XDG_DATA_HOME": root.appendingPathComponent("data").path,
            "XDG_CACHE_HOME": root.appendingPathComponent("cache").path,
            "XDG_STATE_HOME": root.appendingPathComponent("state").path,
            "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "TWINDECK_DOWNLOAD_DIR": downloadDirectory.path,
        ]
        pane.merge(extra) { $1 }
        // `ulimit -c 0`: the crash-signal tests must not leave core files behind. `trap : INT`: Ctrl-C goes to
        // the whole foreground group, and sh must survive it to print the app's exit code (an interactive
        // shell would too); a trapped signal is reset to the default in the app, so the app is unaffected.
        let command = ([twindeckBinary.path] + arguments).map(shellQuote).joined(separator: " ")
        let script = "ulimit -c 0; trap : INT; \(command); echo EXIT=$?; sleep 60"
        var args = [
            "start-server", ";",
            "set", "-g", "escape-time", "0", ";",
            // TERM inside a pane is default-terminal (new-session -e cannot override it).
            "set", "-g", "default-terminal", "xterm-256color", ";",
            "new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-c", root.path,
        ]
        for (key, value) in pane.sorted(by: { $0.key < $1.key }) { args += ["-e", "\(key)=\(value)"] }
        args += ["sh", "-c", script, ";",
                 "run-shell", "-b", "sleep \(Self.serverLifetime); \(shellQuote(tmux)) -L \(socket) kill-server"]
        let result = Tools.run(tmuxPath, ["-L", socket, "-f", "/dev/null"] + args, environment: clientEnvironment)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(at: root)
            throw E2EError.tmuxFailed(args, result)
        }
    }

    /// Kills the server (and with it the app and the pane), waits for the pane's processes to end, and
    /// removes the sandbox and the socket. Idempotent.
    func close() {
        let socketPath = (try? display("#{socket_path}")) ?? "/tmp/tmux-\(getuid())/\(socket)"
        let shell = (try? display("#{pane_pid}")).flatMap { Int32($0) }
        let processes = shell.map { [$0] + Self.children(of: $0) } ?? []
        _ = Tools.run(tmuxPath, ["-L", socket, "kill-server"], environment: clientEnvironment)
        // kill-server returns before the app has finished exiting (it saves the simulator's state on SIGHUP);
        // removing the sandbox meanwhile would race with those writes.
        let deadline = ContinuousClock.now + .seconds(5)
        while processes.contains(where: Self.isAlive), ContinuousClock.now < deadline { usleep(20_000) }
        // tmux leaves its socket file behind after kill-server.
        if socketPath.hasSuffix("/" + socket) { unlink(socketPath) }
        for _ in 0..<50 {
            try? FileManager.default.removeItem(at: root)
            if !FileManager.default.fileExists(atPath: root.path) { break }
            usleep(20_000)
        }
    }

    /// Starts the app again in the same pane, sandbox and environment (`respawn-pane -k`: the pane's shell,
    /// the app if it still runs, and the `sleep` after `EXIT=` are ended first; the new pane starts blank).
    func restart() throws { try tmux(["respawn-pane", "-k"]) }

    /// `kill -9` to the app: it cannot save or restore anything.
    func killApp() throws {
        let pid = try appPID()
        guard kill(pid, SIGKILL) == 0 else { throw E2EError.noAppProcess("kill -9 \(pid): \(String(cString: strerror(errno)))") }
    }

    /// The direct children of `pid`.
    static func children(of pid: Int32) -> [Int32] {
        guard let pgrep = Tools.which("pgrep") else { return [] }
        return Tools.run(pgrep, ["-P", "\(pid)"]).stdout.split(separator: "\n").compactMap { Int32($0) }
    }

    /// Whether `pid` still runs (a zombie has finished).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ") ", options: .backwards) else { return false }
        return !stat[close.upperBound...].hasPrefix("Z")
    }

    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let result = Tools.run(tmuxPath, ["-L", socket] + args, environment: clientEnvironment)
        guard result.status == 0 else { throw E2EError.tmuxFailed(args, result) }
        return result.stdout
    }

    /// The pane as text (`escapes`: with SGR sequences, `capture-pane -e`).
    func capture(escapes: Bool = false) throws -> Screen {
        var text = try tmux(["capture-pane", "-p"] + (escapes ? ["-e"] : []))
        if text.hasSuffix("\n") { text.removeLast() }
        return Screen(text: text)
    }

    /// Sends tmux key names (`Tab`, `Escape`, `j`…).
    func press(_ keys: String...) throws { try tmux(["send-keys"] + keys) }

    /// Types `text` literally (`send-keys -l`, UTF-8).
    func type(_ text: String) throws { try tmux(["send-keys", "-l", text]) }

    func resize(width: Int, height: Int) throws { try tmux(["resize-window", "-x", "\(width)", "-y", "\(height)"]) }

    /// A tmux format for the pane (`#{pane_tty}`, `#{alternate_on}`…).
    func display(_ format: String) throws -> String {
        try tmux(["display-message", "-p", format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the pane every 50 ms until `predicate` holds; throws with the last screen after `timeout`.
    ///
    /// With `settle` (the default) the screen must also be the same in two captures 50 ms apart: tmux can be
    /// captured while it is still parsing the app's output, so a frame may be half drawn (seen: the help
    /// overlay gone but the footer not yet repainted).
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(15), escapes: Bool = false, settle: Bool = true,
                 _ predicate: (Screen) -> Bool) async throws -> Screen {
        let deadline = ContinuousClock.now + timeout
        var previous: Screen?
        while true {
            let screen = try capture(escapes: escapes)
            if predicate(screen) {
                if !settle || previous?.text == screen.text { return screen }
                previous = screen
            } else {
                previous = nil
            }
            if ContinuousClock.now >= deadline { throw E2EError.timeout(what, timeout, screen) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits for the demo's first full frame: the looks list and the account in the header.
    @discardableResult
    func waitForFirstFrame() async throws -> Screen {
        try await waitFor("the first frame (looks and account)", timeout: .seconds(15)) {
            $0.contains("Office — Blue Shirt") && $0.contains("demo-twin") && $0.listRows.count >= 5
        }
    }

    /// Waits for `EXIT=<code>`, printed by the pane's shell once the app has ended, and returns the code.
    /// (Searched anywhere in a line: with a tty left in raw mode the shell's output staircases.)
    func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32? {
        func code(in screen: Screen) -> Int32? {
            guard let range = screen.text.range(of: "EXIT=", options: .backwards) else { return nil }
            return Int32(String(screen.text[range.upperBound...].prefix { $0.isASCII && $0.isNumber }))
        }
        let screen = try await waitFor("the app to exit (EXIT=…)", timeout: timeout, settle: false) { code(in: $0) != nil }
        return code(in: screen)
    }

    /// The pid of the running `twindeck` (the child of the pane's shell).
    func appPID() throws -> Int32 {
        let shell = try display("#{pane_pid}")
        guard Tools.which("pgrep") != nil else { throw E2EError.missingTool("pgrep") }
        let pids = Int32(shell).map(Self.children(of:)) ?? []
        let app = pids.filter { pid in
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            return comm.trimmingCharacters(in: .whitespacesAndNewlines) == "twindeck"
        }
        guard app.count == 1 else { throw E2EError.noAppProcess("children of sh \(shell): \(pids)") }
        return app[0]
    }

    /// The local modes of the pane's tty, read from outside (`stty -a -F`), as words (`icanon`, `-echo`…).
    func ttyModes() throws -> Set<String> {
        let tty = try display("#{pane_tty}")
        guard let stty = Tools.which("stty") else { throw E2EError.missingTool("stty") }
        let result = Tools.run(stty, ["-a", "-F", tty])
        guard result.status == 0 else { throw E2EError.tmuxFailed(["stty", "-a", "-F", tty], result) }
        return Set(result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
    }

    /// Checks the app holds the terminal: alternate screen on, tty in cbreak/noecho (so that
    /// ``expectTerminalRestored(_:sourceLocation:)`` afterwards proves something).
    func expectTerminalTaken(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try display("#{alternate_on}") == "1", "the app should draw on the alternate screen", sourceLocation: sourceLocation)
        let modes = try ttyModes()
        #expect(modes.contains("-icanon") && modes.contains("-echo"),
                "while the app runs the tty should be -icanon -echo: \(modes.sorted())", sourceLocation: sourceLocation)
    }

    /// Checks the terminal was given back: the alternate screen is off and the tty is canonical with echo.
    func expectTerminalRestored(_ context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let alternate = try display("#{alternate_on}")
        #expect(alternate == "0", "\(context): the alternate screen is still on", sourceLocation: sourceLocation)
        let modes = try ttyModes()
        for mode in ["icanon", "echo", "icrnl", "isig"] {
            #expect(modes.contains(mode) && !modes.contains("-" + mode),
                    "\(context): tty is not restored, \(mode) missing in \(modes.sorted())", sourceLocation: sourceLocation)
        }
    }
}

/// `twindeck simulate` as a separate process (for the app with `--base-url`), with its state file in a private
/// folder. Started like ``Tools/spawn(_:_:environment:stdout:stderr:)`` (not Foundation's `Process`, for the
/// reasons given at ``Tools/run(_:_:environment:timeout:)``); ``baseURL`` is the first line it prints.
/// ``stop()`` sends SIGINT, reaps it and removes the folder; call it in a `defer`.
final class SimulatorServer: Sendable {
    let pid: pid_t
    let baseURL: String
    let folder: URL
    private let stopped = Mutex<Int32?>(nil)

    init(_ arguments: [String], timeout: Duration = .seconds(15)) throws {
        guard FileManager.default.isExecutableFile(atPath: twindeckBinary.path) else {
            throw E2EError.missingBinary(twindeckBinary.path)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-e2e-sim-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent("stdout").path, err = folder.appendingPathComponent("stderr").path
        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": folder.path,
            "XDG_DATA_HOME": folder.appendingPathComponent("data").path,
            "XDG_STATE_HOME": folder.appendingPathComponent("state").path,
            "XDG_CONFIG_HOME": folder.appendingPathComponent("config").path,
            "XDG_CACHE_HOME": folder.appendingPathComponent("cache").path,
        ]
        let arguments = ["simulate", "--port", "0", "--state", folder.appendingPathComponent("sim.json").path] + arguments
        switch Tools.spawn(twindeckBinary.path, arguments, environment: environment, stdout: out, stderr: err) {
        case .success(let pid): self.pid = pid
        case .failure(let failure):
            try? FileManager.default.removeItem(at: folder)
            throw E2EError.simulator(failure.text)
        }
        self.folder = folder
        // The first line of stdout is the base URL.
        let deadline = ContinuousClock.now + timeout
        var url: String?
        while url == nil {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let newline = text.firstIndex(of: "\n") { url = String(text[..<newline]); break }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                stopped.withLock { $0 = Tools.exitCode(status) }
                let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
                try? FileManager.default.removeItem(at: folder)
                throw E2EError.simulator("twindeck simulate exited (\(Tools.exitCode(status))) before printing its URL: \(stderr)")
            }
            if ContinuousClock.now >= deadline { break }
            usleep(10_000)
        }
        guard let url, url.hasPrefix("http://") else {
            let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            baseURL = ""
            stop()
            throw E2EError.simulator("twindeck simulate printed no URL within \(timeout): \(stderr)")
        }
        baseURL = url
    }

    /// SIGINT, then waits up to `timeout` for the process to end (SIGKILL after that); removes the folder.
    /// Idempotent. Returns the exit code (128 + signal when killed).
    @discardableResult
    func stop(timeout: Duration = .seconds(5)) -> Int32 {
        stopped.withLock { code in
            if let code { return code }
            var status: Int32 = 0
            kill(pid, SIGINT)
            let deadline = ContinuousClock.now + timeout
            var reaped = false
            while ContinuousClock.now < deadline {
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid || (result < 0 && errno != EINTR) { reaped = result == pid; break }
                usleep(10_000)
            }
            if !reaped {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
            }
            try? FileManager.default.removeItem(at: folder)
            code = reaped ? Tools.exitCode(status) : 128 + SIGKILL
            return code!
        }
    }

    /// `curl -s <baseURL><path> -H 'x-api-key: demo'`, parsed as a JSON object.
    func get(_ path: String) throws -> [String: Any] {
        guard let curl = Tools.which("curl") else { throw E2EError.missingTool("curl") }
        let result = Tools.run(curl, ["-s", "--max-time", "5", baseURL + path, "-H", "x-api-key: demo"])
        guard result.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw E2EError.simulator("curl \(path) failed (\(result.status)): \(result.stdout) \(result.stderr)")
        }
        return object
    }
}

/// Every suite that drives the real binary in tmux runs inside this one, one test at a time: each starts a debug
/// build of the app with its own in-process demo server and catalogue, and forty of them starting at once on two
/// cores took longer than any wait for a first frame (they are quick one by one). The rest of `swift test` still
/// runs in parallel beside them.
@Suite(.serialized) enum TmuxE2E {}
