import CSV
import Foundation
import HeyGen

/// One column a batch file may have: its header, the request field it fills, and how a cell is read.
public struct BatchColumn: Sendable {
    /// The header, e.g. `look` or `aspect_ratio`.
    public let name: String
    /// Other headers accepted for it (the wire name where it differs, e.g. `avatar_id`).
    public let aliases: [String]
    /// The request field it fills, as ``FieldIssue/field`` names it (e.g. `voice_settings.speed`).
    public let field: String
    /// Whether every file must have it.
    public let isRequired: Bool
    /// What goes in it, for help text and the README.
    public let summary: String
    /// Puts a (trimmed, non-empty) cell into the request; returns why the cell cannot be read.
    let apply: @Sendable (String, inout CreateVideoRequest) -> String?
    /// The local file this column names (uploaded before the row is sent, its asset id in ``field``); nil for a request field.
    public let file: LocalFileField?

    /// Every column, in the order of the compose form: one per field of ``RequestFields/all``, then one per local file of
    /// ``RequestFields/files``.
    public static let all: [BatchColumn] = RequestFields.all.map { field in
        BatchColumn(name: field.column, aliases: field.aliases, field: field.wire, isRequired: field.isRequiredColumn,
                    summary: field.help, apply: { value, request in field.set(&request, value) }, file: nil)
    } + RequestFields.files.map { file in
        BatchColumn(name: file.column, aliases: [], field: file.target, isRequired: false,
                    summary: file.help + " (a relative path is read from the batch file's folder)", apply: { _, _ in nil }, file: file)
    }

    /// The columns of which a file must have at least one: what the video says.
    public static let speechColumns = ["script", "audio_url", "audio_asset_id", "audio_file"]

    /// The columns that fill the background (a row uses one of them).
    static let backgroundColumns = all.filter { $0.field.hasPrefix("background.") }.map(\.name)

    /// The column named by a header (any case; `-` and spaces read as `_`).
    public static func named(_ header: String) -> BatchColumn? {
        let key = header.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            .replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: " ", with: "_")
        return all.first { $0.name == key || $0.aliases.contains(key) }
    }

    /// The column to blame for a rule's field in a row that has `columns` filled: the column that fills the field,
    /// or for the background as a whole, the background column the row used.
    static func blamed(for field: String, filled columns: [String]) -> String? {
        // What the video says: the recording column the row used (a URL, an asset id or a file).
        if field == "audio_url" || field == "audio_asset_id", let used = ["audio_url", "audio_asset_id", "audio_file"].first(where: columns.contains) {
            return used
        }
        // A field a local file fills is the file's column when the row named one.
        if let file = RequestFields.files.first(where: { $0.target == field && columns.contains($0.column) }) { return file.column }
        if let column = all.first(where: { $0.field == field }) { return column.name }
        if field.hasPrefix("background") {
            return backgroundColumns.reversed().first(where: columns.contains) ?? "background_color"
        }
        if field == "audio_url" || field == "audio_asset_id" {
            return ["audio_url", "audio_asset_id", "audio_file"].first(where: columns.contains) ?? field
        }
        return nil
    }
}

/// A problem in a batch file, with the row and column to fix.
public struct BatchIssue: Hashable, Sendable, CustomStringConvertible {
    /// The row as a spreadsheet numbers it (the header is row 1); nil for the file as a whole.
    public var row: Int?
    /// The column's header; nil when the problem is not in one column.
    public var column: String?
    public var message: String

    public init(row: Int?, column: String?, message: String) {
        self.row = row
        self.column = column
        self.message = message
    }

    public var description: String {
        switch (row, column) {
        case let (row?, column?): "row \(row), column \(column): \(message)"
        case let (row?, nil): "row \(row): \(message)"
        case let (nil, column?): "column \(column): \(message)"
        case (nil, nil): message
        }
    }
}

/// One video to make: a row of the file, the request it becomes, and its Idempotency-Key.
public struct BatchRow: Sendable, Equatable {
    /// The row as a spreadsheet numbers it (the header is row 1).
    public let number: Int
    public let request: CreateVideoRequest
    /// `batch-` and a hash of the file's name, the request body and which copy of that body in the file it is.
    public let key: String
    /// The columns this row filled (for blaming a rule on a column).
    public let filled: [String]
    /// The local files the row names (paths made absolute against the batch file's folder); ``request`` holds their
    /// placeholders until they are uploaded.
    public var files = LocalFiles()
}

/// A CSV file of videos, one a row, read and checked before anything is sent.
///
/// The reader is yaslab/CSV.swift (quoted fields, doubled quotes, line breaks inside quotes); a UTF-8 byte order mark is
/// removed first. Cells are trimmed; an empty cell leaves its field unset; a row with every cell empty is skipped.
public struct BatchFile: Sendable {
    /// The file's name without its folder: part of every row's key, so the same rows in another file are other videos.
    public let name: String
    public let rows: [BatchRow]
    /// What is wrong with the file before any rule runs: columns, unreadable cells, ragged rows.
    public private(set) var readIssues: [BatchIssue]

    /// Reads a batch file; never throws, every problem is in ``readIssues``.
    /// - Parameter folder: where a relative path in a file column is read from (the batch file's folder); nil for the
    ///   current directory.
    public init(data: Data, name: String, folder: URL? = nil) {
        self.name = name
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) else {
            (rows, readIssues) = ([], [BatchIssue(row: nil, column: nil, message: "the file is not UTF-8 text")])
            return
        }
        (rows, readIssues) = Self.read(text, name: name, folder: folder)
        // In a well-formed file quotes pair up (a quote inside a cell is doubled). An odd count means a quoted cell is
        // never closed, and the reader would take the rest of the file as one cell: fewer rows than the file shows.
        if text.unicodeScalars.lazy.filter({ $0 == "\"" }).count % 2 == 1 {
            readIssues.append(BatchIssue(row: nil, column: nil, message:
                "a quoted cell is never closed (the file has an odd number of \" characters; write a quote inside a cell as \"\")"))
        }
    }

    private static func read(_ text: String, name: String, folder: URL?) -> ([BatchRow], [BatchIssue]) {
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false)
        } catch {
            return ([], [BatchIssue(row: nil, column: nil, message: "the file cannot be read as CSV: \(error)")])
        }
        guard let header = reader.next(), header.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            return ([], [BatchIssue(row: 1, column: nil, message: "the file is empty; the first row names the columns")])
        }
        var issues: [BatchIssue] = []
        var columns: [BatchColumn?] = []
        for cell in header {
            let column = BatchColumn.named(cell)
            if cell.trimmingCharacters(in: .whitespaces).isEmpty {
                // A column without a name (a spreadsheet's trailing commas) is fine while it stays empty.
            } else if column == nil {
                let known = BatchColumn.all.map(\.name).joined(separator: ", ")
                issues.append(BatchIssue(row: 1, column: cell, message: "unknown column; the columns are \(known)"))
            } else if columns.contains(where: { $0?.name == column?.name }) {
                issues.append(BatchIssue(row: 1, column: cell, message: "the column \(column!.name) appears twice"))
            }
            columns.append(column)
        }
        for required in BatchColumn.all where required.isRequired && !columns.contains(where: { $0?.name == required.name }) {
            issues.append(BatchIssue(row: 1, column: required.name, message: "missing required column"))
        }
        if !columns.contains(where: { BatchColumn.speechColumns.contains($0?.name ?? "") }) {
            issues.append(BatchIssue(row: 1, column: "script", message:
                "missing required column (or a recording instead: audio_url, audio_asset_id or audio_file)"))
        }
        let named = header.map { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        var rows: [BatchRow] = []
        var copies: [String: Int] = [:]
        var number = 1
        while let record = reader.next() {
            number += 1
            let cells = record.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if cells.allSatisfy(\.isEmpty) { continue }
            if let stray = cells.indices.first(where: { !cells[$0].isEmpty && !(named.indices.contains($0) && named[$0]) }) {
                issues.append(BatchIssue(row: number, column: nil, message: "cell \(stray + 1) has a value but its column has no name in the header"))
            }
            var request = CreateVideoRequest(avatarID: "", script: "", voiceID: "")
            var filled: [String] = []
            var paths: [String: String] = [:]
            for (column, cell) in zip(columns, cells) where !cell.isEmpty {
                guard let column else { continue }
                // A NUL would be sent and then stored cut short; other control characters reach the API as they are.
                if let problem = controlCharacterProblem(cell, allowingLineBreaks: column.name == "script") {
                    issues.append(BatchIssue(row: number, column: column.name, message: problem))
                    filled.append(column.name)
                    continue
                }
                if column.file != nil {
                    let expanded = (cell as NSString).expandingTildeInPath
                    if let folder, !expanded.hasPrefix("/") {
                        paths[column.name] = folder.appendingPathComponent(expanded).path
                    } else {
                        paths[column.name] = expanded
                    }
                } else if let problem = column.apply(cell, &request) {
                    issues.append(BatchIssue(row: number, column: column.name, message: problem))
                }
                filled.append(column.name)
            }
            let backgrounds = BatchColumn.backgroundColumns.filter(filled.contains)
            if backgrounds.count > 1 {
                issues.append(BatchIssue(row: number, column: backgrounds[backgrounds.count - 1],
                                         message: backgrounds.count == 2 ? "use either \(backgrounds[0]) or \(backgrounds[1]), not both"
                                             : "use one of \(backgrounds.joined(separator: ", ")), not several"))
            }
            let files = LocalFiles(paths)
            request = files.withPlaceholders(request)
            // The files named are part of what the row is (their ids are not known yet): two rows naming other files are
            // other videos. A row without files keeps the key it always had.
            var body = (try? request.jsonBody(pretty: false)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            if !files.isEmpty { body += "\u{0}" + files.paths.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}") }
            copies[body, default: 0] += 1
            let key = IdempotencyKey.derived(prefix: "batch", from: [name, body, String(copies[body] ?? 1)])
            rows.append(BatchRow(number: number, request: request, key: key, filled: filled, files: files))
        }
        if rows.isEmpty && issues.isEmpty {
            issues.append(BatchIssue(row: nil, column: nil, message: "the file has a header but no rows"))
        }
        return (rows, issues)
    }

    /// Why a cell cannot be used as it is: a C0/C1 control character (NUL, ESC, DEL…), or a line break or tab outside the
    /// script. Says which character and where, without repeating the cell.
    static func controlCharacterProblem(_ cell: String, allowingLineBreaks: Bool) -> String? {
        for (offset, scalar) in cell.unicodeScalars.enumerated() {
            let v = scalar.value
            if allowingLineBreaks && (v == 0x0A || v == 0x0D || v == 0x09) { continue }
            guard v < 0x20 || (0x7F...0x9F).contains(v) else { continue }
            let hex = String(v, radix: 16, uppercase: true)
            let name = v == 0 ? "a NUL byte" : (v == 0x0A || v == 0x0D ? "a line break" : (v == 0x09 ? "a tab" : "a control character"))
            return "has \(name) (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)) at character \(offset + 1); remove it"
        }
        return nil
    }

    /// Each row's local files that cannot be used (unreadable, too big, the wrong type), on the file's column. Reads the
    /// disk (stat and a few bytes a file).
    public func fileIssues() -> [BatchIssue] {
        rows.flatMap { row in
            row.files.check().issues.map { issue in
                BatchIssue(row: row.number, column: RequestFields.files.first { $0.target == issue.field }?.column, message: issue.message)
            }
        }
    }

    /// The look ids the rows name, each once, in the order they first appear.
    public var lookIDs: [String] { Self.distinct(rows.map(\.request.avatarID)) }

    /// The voice ids the rows name, each once, in the order they first appear.
    public var voiceIDs: [String] { Self.distinct(rows.map(\.request.voiceID)) }

    private static func distinct(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Every problem: the file's own, then each row's broken rules (``VideoRules/all``) on the column that holds the field.
    /// - Parameters:
    ///   - looks: the looks fetched so far by id; a row whose look is known is also checked against it
    ///     (finished training, Avatar V allowed).
    ///   - missingLooks: why a look could not be had, by id; an issue on the `look` column of each row naming it.
    ///   - missingVoices: the same for voices, on the `voice` column.
    ///   - voices: the voices fetched so far by id; a row whose voice is known is also checked against its limits
    ///     (pauses, locale).
    ///   - extra: more issues to sort in (``fileIssues()``).
    public func issues(
        looks: [String: Look] = [:], missingLooks: [String: String] = [:], missingVoices: [String: String] = [:],
        voices: [String: Voice] = [:], extra: [BatchIssue] = []
    ) -> [BatchIssue] {
        var all = readIssues + extra
        for row in rows {
            if let message = missingLooks[row.request.avatarID] { all.append(BatchIssue(row: row.number, column: "look", message: message)) }
            if let message = missingVoices[row.request.voiceID] { all.append(BatchIssue(row: row.number, column: "voice", message: message)) }
            for issue in row.request.validate(look: looks[row.request.avatarID], voice: voices[row.request.voiceID]) {
                all.append(BatchIssue(row: row.number, column: BatchColumn.blamed(for: issue.field, filled: row.filled), message: issue.message))
            }
        }
        let order = Dictionary(uniqueKeysWithValues: BatchColumn.all.enumerated().map { ($1.name, $0) })
        return all.enumerated().sorted { a, b in
            let ka = (a.element.row ?? 0, a.element.column.flatMap { order[$0] } ?? -1, a.offset)
            let kb = (b.element.row ?? 0, b.element.column.flatMap { order[$0] } ?? -1, b.offset)
            return ka < kb
        }.map(\.element)
    }
}

extension BatchColumn {
    /// The README's table of columns, made from ``all`` (a test keeps the README's copy equal to it).
    public static var markdownTable: String {
        var lines = ["| column | request field | what goes in it |", "|---|---|---|"]
        for column in all {
            let names = ([column.name] + column.aliases).map { "`\($0)`" }.joined(separator: " or ")
            let required = column.isRequired ? " (required)" : ""
            let target = column.file != nil ? "`\(column.field)` (the upload's id)" : "`\(column.field)`"
            lines.append("| \(names)\(required) | \(target) | \(column.summary.replacingOccurrences(of: "|", with: "\\|")) |")
        }
        return lines.joined(separator: "\n")
    }
}
