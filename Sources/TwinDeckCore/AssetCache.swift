import Foundation
import HeyGen

/// Which local files were uploaded already, so using the same file again sends nothing: (account, SHA-256 of the
/// content, size) → the asset. A JSON file under the cache folder, written 0600 (``PrivateFile``). A changed file has
/// another hash and is uploaded again; a file that was only renamed or moved is not.
public struct AssetCache: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// One uploaded file.
    public struct Entry: Codable, Sendable, Hashable {
        /// ``HeyGenConfiguration/accountTag`` (or `demo`).
        public var account: String
        public var sha256: String
        public var size: Int64
        public var asset: UploadedAsset
        /// The name it had when it was uploaded (for people reading the file).
        public var fileName: String
        public var uploadedAt: Date
    }

    /// What ``asset(for:account:upload:)`` did.
    public struct Outcome: Sendable, Hashable {
        public var asset: UploadedAsset
        /// The file was uploaded before: nothing was sent.
        public var reused: Bool
        /// Something worth saying that did not stop the upload (the cache could not be read or saved).
        public var note: String?
    }

    private struct Saved: Codable {
        var version = 1
        var entries: [Entry]
    }

    /// Every remembered upload; an empty list when there is no cache yet.
    /// - Throws: when the file exists but cannot be read or is not the cache's JSON.
    public func entries() throws -> [Entry] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return []
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Saved.self, from: data).entries
    }

    /// The asset uploaded from a file with this content for this account, if any.
    public func lookup(sha256: String, size: Int64, account: String) throws -> UploadedAsset? {
        try entries().last { $0.account == account && $0.sha256 == sha256 && $0.size == size }?.asset
    }

    /// Adds (or replaces) the entry for its account and content.
    public func remember(_ entry: Entry) throws {
        var all = (try? entries()) ?? []  // a damaged cache is replaced: it only saves uploads
        all.removeAll { $0.account == entry.account && $0.sha256 == entry.sha256 && $0.size == entry.size }
        all.append(entry)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try PrivateFile.write(try encoder.encode(Saved(entries: all)), to: url)
    }

    /// The asset for `file`: the remembered one when this account uploaded the same content before, else `upload`'s
    /// (then remembered). A cache that cannot be read or written does not stop the upload; it is said in `note`.
    ///
    /// `exists`, when given, asks the server whether a remembered asset is still there (`GET /v3/assets/{id}`): one the
    /// account no longer has (deleted, or a demo simulator that started afresh) is forgotten and the file uploaded again.
    public func asset(
        for file: AssetFile, account: String, now: Date = Date(),
        exists: ((UploadedAsset) async throws -> Bool)? = nil,
        upload: (AssetFile) async throws -> UploadedAsset
    ) async throws -> Outcome {
        let hash: String
        do {
            hash = try file.contentHash()
        } catch {
            let message = "cannot read \(Sanitizer.inert(file.url.path, limit: 300)): \(Sanitizer.inert(error.localizedDescription, limit: 200))"
            throw HeyGenError(kind: .invalidRequest, message: message, param: "file",
                              issues: [FieldIssue(field: "file", message: message, rule: "asset.file")])
        }
        var note: String?
        do {
            if let asset = try lookup(sha256: hash, size: file.size, account: account) {
                if try await exists?(asset) ?? true {
                    return Outcome(asset: asset, reused: true, note: nil)
                }
                note = "\(asset.assetID) is no longer on the account: uploaded again"
            }
        } catch let error as HeyGenError {
            throw error  // the server could not say whether the asset exists: nothing is guessed
        } catch {
            note = "the upload cache \(url.path) could not be read (\(Self.reason(error))); it will be rewritten"
        }
        let asset = try await upload(file)
        do {
            try remember(Entry(account: account, sha256: hash, size: file.size, asset: asset,
                               fileName: file.url.lastPathComponent, uploadedAt: now))
        } catch {
            note = (note.map { $0 + "; " } ?? "") + "uploaded, but the upload cache \(url.path) could not be saved (\(Self.reason(error))): the next use uploads again"
        }
        return Outcome(asset: asset, reused: false, note: note)
    }

    static func reason(_ error: any Error) -> String {
        if error is DecodingError { return "not the cache's JSON" }
        return Sanitizer.inert((error as NSError).localizedDescription, limit: 200)
    }
}

/// Turns the local files a request names into asset ids: each file checked (nothing is sent for a bad one), uploaded
/// once per content and account (``AssetCache``), and its id put in the request. The compose form, `twindeck create`
/// and `twindeck batch` all go through it before the one ``SubmitPipeline``.
public struct LocalFileUploader: Sendable {
    public let service: any HeyGenService
    public let cache: AssetCache
    /// ``HeyGenConfiguration/accountTag`` (or `demo`).
    public let account: String

    public init(service: any HeyGenService, cache: AssetCache, account: String) {
        self.service = service
        self.cache = cache
        self.account = account
    }

    /// One file's progress: which field, and the upload's own figures (`sent == total` and `reused` when nothing was sent).
    public struct Progress: Sendable, Hashable {
        public var field: String
        public var fileName: String
        public var sent: Int64
        public var total: Int64
        public var attempt: Int
        public var reused: Bool
    }

    /// `request` with every file of `files` uploaded and its asset id in place.
    /// - Returns: the request, and notes worth telling (a cache that could not be saved, an asset uploaded again).
    /// - Throws: ``HeyGenError`` at the file's target field (`audio_asset_id`, `background.asset_id`) for a file that
    ///   cannot be used or an upload the server refused; the upload's own error for a network failure.
    public func resolve(
        _ request: CreateVideoRequest, files: LocalFiles, progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws -> (request: CreateVideoRequest, notes: [String]) {
        let (checked, issues) = files.check()
        if let first = issues.first {
            throw HeyGenError(kind: .invalidRequest, message: first.message, param: first.field, issues: issues)
        }
        var request = request
        var notes: [String] = []
        for (field, file) in checked {
            let name = file.url.lastPathComponent
            let outcome: AssetCache.Outcome
            do {
                outcome = try await upload(file) { p in
                    progress(Progress(field: field.column, fileName: name, sent: p.sent, total: p.total, attempt: p.attempt, reused: false))
                }
            } catch let error as HeyGenError {
                throw Self.atField(error, field)
            }
            if outcome.reused {
                progress(Progress(field: field.column, fileName: name, sent: file.size, total: file.size, attempt: 1, reused: true))
            }
            if let note = outcome.note { notes.append(note) }
            LocalFiles.fill(&request, field, outcome.asset.assetID)
        }
        return (request, notes)
    }

    /// One checked file's asset: the remembered one when this account still has it (asked with `GET /v3/assets/{id}`),
    /// else a new upload (then remembered).
    public func upload(_ file: AssetFile, progress: @escaping @Sendable (UploadProgress) -> Void) async throws -> AssetCache.Outcome {
        try await cache.asset(for: file, account: account, exists: { [service] asset in
            do {
                _ = try await service.asset(id: asset.assetID)
                return true
            } catch let error as HeyGenError where error.kind == .notFound {
                return false
            }
        }) { [service] file in
            try await service.uploadAsset(file, progress: progress)
        }
    }

    /// An upload's refusal (its field is `file`) moved to the request field the file fills.
    static func atField(_ error: HeyGenError, _ field: LocalFileField) -> HeyGenError {
        // A refusal of the file itself; an unreachable server, a bad key or no credit is not the field's fault.
        guard [.invalidRequest, .validation, .http, .notFound].contains(error.kind) else { return error }
        var moved = error
        if moved.param == nil || moved.param == "file" { moved.param = field.target }
        moved.issues = moved.issues.map { issue in
            var issue = issue
            if issue.field == "file" { issue.field = field.target }
            return issue
        }
        if moved.issues.isEmpty {
            moved.issues = [FieldIssue(field: field.target, message: "\(field.label): \(moved.message)", rule: "asset.upload")]
        }
        return moved
    }
}
