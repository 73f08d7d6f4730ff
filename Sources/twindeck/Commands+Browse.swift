import ArgumentParser
import Foundation
import HeyGen

extension TwinDeckCommand {
    /// `twindeck looks`: the account's Digital Twin looks.
    struct Looks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your Digital Twin looks (every page).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await Session.with(global) { session in
                let looks = try await session.client.allLooks()
                if output.json { return try Output.json(looks) }
                Output.table(
                    ["ID", "NAME", "ENGINES", "ORIENTATION", "STATUS"],
                    looks.map { [$0.id, $0.name, engineBadges($0), $0.preferredOrientation?.rawValue ?? "-", $0.status?.rawValue ?? "-"] })
            }
        }
    }

    /// `twindeck look <id>`: one look's detail.
    struct Look: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one look, with the engines it supports.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The look's id (the avatar_id of a video).") var lookID: String

        func run() async throws {
            try await Session.with(global) { session in
                let look = try await session.client.look(id: lookID)
                if output.json { return try Output.json(look) }
                let size = look.imageWidth.flatMap { w in look.imageHeight.map { "\(w)×\($0)" } }
                Output.fields([
                    ("ID", look.id), ("Name", look.name), ("Type", look.avatarType.rawValue),
                    ("Engines", (look.supportedAPIEngines ?? []).map(\.displayName).joined(separator: ", ")),
                    ("Status", look.status?.rawValue), ("Problem", look.error?.message), ("Gender", look.gender?.rawValue),
                    ("Orientation", look.preferredOrientation?.rawValue), ("Image size", size),
                    ("Default voice", look.defaultVoiceID), ("Tags", look.tags?.joined(separator: ", ")),
                    ("Group", look.groupID), ("Preview image", look.previewImageURL), ("Preview video", look.previewVideoURL),
                ])
            }
        }
    }

    /// `twindeck voices`: the voice catalogue, public and private.
    struct Voices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List voices (public and your private clones), with filters.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Only this language, by name (English, Spanish) or code (es, es-ES).", valueName: "name|code"))
        var language: String?
        @Option(help: "Only this gender.") var gender: Gender?
        @Option(help: ArgumentHelp("Only voices whose name or language contains this text (case and accents ignored).", valueName: "text"))
        var search: String?

        /// A language as the catalogue names it: a code (`es`, `es-ES`, `pt_BR`) becomes its English name (`Spanish`);
        /// anything else is taken as a name.
        static func languageName(_ text: String) -> String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let parts = trimmed.split(whereSeparator: { $0 == "-" || $0 == "_" })
            guard let code = parts.first, (2...3).contains(code.count), code.allSatisfy(\.isLetter), parts.count <= 2,
                let name = Locale(identifier: "en").localizedString(forLanguageCode: code.lowercased()), name.lowercased() != code.lowercased()
            else { return trimmed }
            return name
        }

        func run() async throws {
            try await Session.with(global) { session in
                let wanted = language.map(Self.languageName)
                var voices = try await session.client.catalogue(language: wanted, gender: gender)
                if let language, let wanted, voices.isEmpty {
                    // Nothing in that language: say which languages there are instead of an empty table.
                    let known = Set(try await session.client.catalogue(language: nil, gender: gender).map(\.language)).sorted()
                    let shown = Sanitizer.inert(language, limit: 60) + (wanted != language ? " (\(wanted))" : "")
                    throw CLIError("no voices in \(shown); the languages are: \(known.joined(separator: ", "))", code: 64)
                }
                if let search, !search.isEmpty {
                    // The app's folding (lower case, accents removed), so `jose` finds `José` here as on the Voices pane.
                    let needle = PlainText.folded(search)
                    voices = voices.filter { PlainText.folded($0.name).contains(needle) || PlainText.folded($0.language).contains(needle) }
                }
                if output.json { return try Output.json(voices) }
                Output.table(
                    ["ID", "NAME", "LANGUAGE", "GENDER", "TYPE"],
                    voices.map { [$0.voiceID, $0.name, $0.language, $0.gender.rawValue, $0.type.rawValue] })
                Output.note("\(voices.count.formatted()) voices")
            }
        }
    }

    /// `twindeck account`: who the key belongs to.
    struct Account: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the account the API key belongs to and its balance (wallet, subscription or usage-based).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await Session.with(global) { session in
                let user = try await session.client.me()
                if output.json { return try Output.json(user) }
                let name = [user.firstName, user.lastName].compactMap { $0 }.joined(separator: " ")
                // The balance in the shape of the account's billing type (wallet, subscription, usage-based).
                let billing: [(String, String?)] = user.billing.details.map { ($0.0, $0.1) }
                Output.fields([("User", user.username), ("Name", name.isEmpty ? nil : name), ("Email", user.email)] + billing + [
                    ("Base URL", session.client.configuration.baseURL + (session.isDemo ? " (demo simulator)" : "")),
                ])
            }
        }
    }
}
