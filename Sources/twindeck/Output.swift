import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HeyGen
import Terminal

/// Everything the CLI prints goes through here: tables for people, JSON for scripts, one-line errors.
enum Output {
    static func line(_ text: String = "") {
        write(text + "\n", to: STDOUT_FILENO)
    }

    static func error(_ text: String) {
        write("twindeck: error: \(text)\n", to: STDERR_FILENO)
    }

    static func note(_ text: String) {
        write("\(text)\n", to: STDERR_FILENO)
    }

    /// Writes all of `text`; a closed pipe (`twindeck voices | head`) ends the process quietly, like `cat`.
    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { exit(0) }
                return
            }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Writes all of `data` to standard output, or throws why it could not (a full disk, an I/O error): for output
    /// written in parts, where a part lost must not pass for a whole listing. A closed pipe ends the process quietly,
    /// as ``write(_:to:)`` does.
    static func emit(_ data: [UInt8]) throws {
        var bytes = data[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { exit(0) }
                throw CLIError("could not write the output: \(String(cString: strerror(errno)))")
            }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Pretty JSON with sorted keys and unescaped slashes.
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        line(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// An aligned table; every cell is made inert (no escape sequences reach the terminal) and clipped.
    static func table(_ headers: [String], _ rows: [[String]], maxWidths: [Int]? = nil) {
        let cells = rows.map { row in row.enumerated().map { i, cell in
            DisplayWidth.clip(Sanitizer.inert(cell, limit: 400), to: maxWidths?[safe: i] ?? 60)
        } }
        var widths = headers.map { DisplayWidth.of($0) }
        for row in cells {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], DisplayWidth.of(cell)) }
        }
        func render(_ row: [String]) -> String {
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : DisplayWidth.pad(cell, to: widths[i]) }
                .joined(separator: "  ")
        }
        line(render(headers))
        for row in cells { line(render(row)) }
    }

    /// `key: value` lines, aligned, values made inert.
    static func fields(_ pairs: [(String, String?)]) {
        let width = pairs.map { DisplayWidth.of($0.0) }.max() ?? 0
        for (key, value) in pairs {
            guard let value, !value.isEmpty else { continue }
            line(DisplayWidth.pad(key + ":", to: width + 1) + " " + Sanitizer.inert(value, limit: 2_000))
        }
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// Badge text for a look's engines: `IV V`.
func engineBadges(_ look: Look) -> String {
    let engines = look.supportedAPIEngines ?? []
    let known = Engine.requestable.filter(engines.contains).map { $0 == .avatarIV ? "IV" : "V" }
    let other = engines.filter { !Engine.requestable.contains($0) }.map(\.rawValue)
    return (known + other).joined(separator: " ")
}

/// `--script TEXT` or `--script-file PATH|-`, as `create` and `speak` take them.
enum ScriptInput {
    /// The script: the text given, or the file's (standard input for `-`) without its last newline.
    /// - Throws: ``CLIError`` (exit 64) for a file that cannot be read or is not UTF-8.
    static func read(script: String?, file: String?) throws -> String {
        if let script { return script }
        guard let path = file else { return "" }
        let data: Data
        if path == "-" {
            do {
                data = try FileHandle.standardInput.readToEnd() ?? Data()
            } catch {
                throw CLIError("cannot read the script from standard input: \(error.localizedDescription)", code: 64)
            }
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CLIError("cannot read the script file \(path)", code: 64)
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError("the script file is not UTF-8 text", code: 64) }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }
}
