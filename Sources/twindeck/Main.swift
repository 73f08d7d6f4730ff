import ArgumentParser
import HeyGen
import Foundation

extension TwinDeckCommand {
    /// Parses and runs like argument-parser's own `main`, with two differences a person notices: a word that names no
    /// command is refused with the nearest one (`twindeck lookz` → "did you mean looks?") instead of the app's usage, and
    /// every error has one style, `twindeck: error: …` on stderr (argument-parser's own say `Error: …`).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = unknownCommand(in: arguments) {
            Output.error(message)
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                // --help, --version: the text on stdout.
                if !message.isEmpty { Output.write(message + "\n", to: STDOUT_FILENO) }
                Glibc.exit(0)
            }
            if !message.isEmpty {
                let unified = message.hasPrefix("Error: ") ? "twindeck: error: " + message.dropFirst("Error: ".count) : message
                Output.write(unified + "\n", to: STDERR_FILENO)
            }
            Glibc.exit(code.rawValue)
        }
    }

    /// The names a first argument may be: the subcommands and `help`.
    static var commandNames: [String] {
        configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// Why the arguments name no command, with a suggestion; nil when they do (or start with an option: the app).
    static func unknownCommand(in arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = commandNames.filter { $0 != "exercise-store" }
        guard !commandNames.contains(first) else { return nil }
        let nearest = names.map { ($0, editDistance($0, first)) }.min { $0.1 < $1.1 }
        let shown = Sanitizer.inert(first, limit: 60)
        if let (name, distance) = nearest, distance <= max(2, first.count / 3) || name.hasPrefix(first) {
            return "'\(shown)' is not a twindeck command; did you mean '\(name)'? (twindeck --help lists them)"
        }
        return "'\(shown)' is not a twindeck command (twindeck --help lists them)"
    }

    /// Levenshtein distance, by characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
