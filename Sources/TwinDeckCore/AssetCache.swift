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
    public func asset(
        for file: AssetFile, account: String, now: Date = Date(),
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
                return Outcome(asset: asset, reused: true, note: nil)
            }
        } catch {
            note = "the upload cache \(url.path) could not be read (\(Self.reason(error))); it will be rewritten"
        }
        let asset = try await upload(file)
        do {
            try remember(Entry(account: account, sha256: hash, size: file.size, asset: asset,
                               fileName: file.url.lastPathComponent, uploadedAt: now))
        } catch {
            note = "uploaded, but the upload cache \(url.path) could not be saved (\(Self.reason(error))): the next use uploads again"
        }
        return Outcome(asset: asset, reused: false, note: note)
    }

    static func reason(_ error: any Error) -> String {
        if error is DecodingError { return "not the cache's JSON" }
        return Sanitizer.inert((error as NSError).localizedDescription, limit: 200)
    }
}
