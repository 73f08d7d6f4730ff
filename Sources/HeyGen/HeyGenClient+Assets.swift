import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// A file type `POST /v3/assets` takes, told by its first bytes (an `srt` by its name: it has no signature).
public enum AssetType: String, Sendable, Hashable, Codable, CaseIterable {
    case png, jpeg, mp4, webm, mp3, wav, pdf, srt

    /// The upload limit of `POST /v3/assets`: 32 MB.
    public static let maxBytes: Int64 = 32 * 1024 * 1024
    /// How many leading bytes ``detect(prefix:fileName:)`` looks at.
    public static let signatureLength = 16

    public var mimeType: String {
        switch self {
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .mp4: "video/mp4"
        case .webm: "video/webm"
        case .mp3: "audio/mpeg"
        case .wav: "audio/wav"
        case .pdf: "application/pdf"
        case .srt: "application/x-subrip"
        }
    }

    /// An audio file for `audio_asset_id`.
    public var isAudio: Bool { self == .mp3 || self == .wav }
    /// An image for `background.asset_id`.
    public var isImage: Bool { self == .png || self == .jpeg }

    /// The file name endings of this type.
    public var extensions: [String] {
        switch self {
        case .jpeg: ["jpg", "jpeg"]
        default: [rawValue]
        }
    }

    /// The type a file name's ending names, if any.
    public static func named(_ fileName: String) -> AssetType? {
        let ext = (fileName as NSString).pathExtension.lowercased()
        return allCases.first { $0.extensions.contains(ext) }
    }

    /// The type the first bytes of a file show (`prefix`: at least ``signatureLength`` bytes when the file has them);
    /// nil when they match none. An `srt` (plain text) is recognised only under a `.srt` name.
    public static func detect(prefix: [UInt8], fileName: String) -> AssetType? {
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            prefix.count >= offset + bytes.count && Array(prefix[offset..<(offset + bytes.count)]) == bytes
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("RIFF".utf8)) && starts(Array("WAVE".utf8), at: 8) { return .wav }
        if starts(Array("ID3".utf8)) { return .mp3 }
        // An MPEG audio frame: 11 sync bits, a version that is not "reserved", a layer that is not "reserved" (AAC's 00).
        if prefix.count >= 2, prefix[0] == 0xFF, prefix[1] & 0xE0 == 0xE0, prefix[1] & 0x18 != 0x08, prefix[1] & 0x06 != 0 { return .mp3 }
        if starts(Array("ftyp".utf8), at: 4) { return .mp4 }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return .webm }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if named(fileName) == .srt, String(validating: prefix.prefix(8).filter { $0 < 0x80 }, as: UTF8.self) != nil,
            !prefix.contains(0)
        {
            return .srt
        }
        return nil
    }
}

/// What the asset is for: the audio of a video (`audio_asset_id`) or its background image (`background.asset_id`).
public enum AssetPurpose: String, Sendable, Hashable, CaseIterable {
    case audio, image

    public func accepts(_ type: AssetType) -> Bool { self == .audio ? type.isAudio : type.isImage }

    /// The types this purpose takes, for messages: `mp3 or wav`.
    public var typeList: String { self == .audio ? "mp3 or wav" : "png or jpeg" }
    var article: String { self == .audio ? "an audio file" : "an image" }
}

/// `POST /v3/assets`'s `data`.
public struct UploadedAsset: Codable, Sendable, Hashable {
    public var assetID: String
    public var url: String
    public var mimeType: String
    public var sizeBytes: Int64

    public init(assetID: String, url: String, mimeType: String, sizeBytes: Int64) {
        self.assetID = assetID
        self.url = url
        self.mimeType = mimeType
        self.sizeBytes = sizeBytes
    }

    enum CodingKeys: String, CodingKey {
        case assetID = "asset_id", url, mimeType = "mime_type", sizeBytes = "size_bytes"
    }
}

/// `GET /v3/assets/{asset_id}`'s `data` (the fields TwinDeck reads; the rest are ignored).
public struct AssetInfo: Codable, Sendable, Hashable {
    public var id: String
    public var name: String?
    /// `image`, `video`, `audio`, `font`, … (open: kept as the server says it).
    public var type: String?
    public var url: String?
    public var uploadedAt: Int?

    public init(id: String, name: String? = nil, type: String? = nil, url: String? = nil, uploadedAt: Int? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.url = url
        self.uploadedAt = uploadedAt
    }

    enum CodingKeys: String, CodingKey { case id, name, type, url, uploadedAt = "uploaded_at" }
}

/// A local file checked for upload: its size and type are known, and it could be opened.
public struct AssetFile: Sendable, Hashable {
    public var url: URL
    public var size: Int64
    public var type: AssetType

    /// Checks a file before anything is sent: it can be read, is at most 32 MB, and is what `purpose` needs (by its
    /// name and by its first bytes). nil `purpose` takes any type `POST /v3/assets` takes.
    /// - Throws: ``HeyGenError`` of kind `invalidRequest` on the field `file`, with a sentence naming the problem.
    public static func check(_ url: URL, for purpose: AssetPurpose?) throws -> AssetFile {
        let path = url.path
        func refuse(_ message: String) -> HeyGenError {
            HeyGenError(kind: .invalidRequest, message: message, param: "file",
                        issues: [FieldIssue(field: "file", message: message, rule: "asset.file")])
        }
        let shown = Sanitizer.inert(path, limit: 300)
        var info = stat()
        guard stat(path, &info) == 0 else { throw refuse("cannot read \(shown): \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw refuse("cannot read \(shown): not a regular file") }
        let size = Int64(info.st_size)
        guard size <= AssetType.maxBytes else {
            throw refuse("\(shown) is a \(Self.megabytes(size)) file; uploads are limited to 32 MB")
        }
        guard size > 0 else { throw refuse("\(shown) is empty") }
        let prefix: [UInt8]
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            prefix = Array(try handle.read(upToCount: AssetType.signatureLength) ?? Data())
        } catch {
            throw refuse("cannot read \(shown): \(Self.reason(error))")
        }
        let detected = AssetType.detect(prefix: prefix, fileName: url.lastPathComponent)
        let named = AssetType.named(url.lastPathComponent)
        if let purpose {
            guard let detected, purpose.accepts(detected) else {
                let looks = detected.map { " (it is \($0.rawValue))" } ?? ""
                throw refuse("\(shown) is not \(purpose.article)\(looks): use \(purpose.typeList)")
            }
            guard let named, purpose.accepts(named) else {
                throw refuse("\(shown) holds \(detected.rawValue) but its name does not end in .\(detected.extensions[0]): use \(purpose.typeList)")
            }
            return AssetFile(url: url, size: size, type: detected)
        }
        guard let detected else {
            throw refuse("\(shown) is not a file HeyGen takes: use png, jpeg, mp4, webm, mp3, wav, pdf or srt")
        }
        return AssetFile(url: url, size: size, type: detected)
    }

    /// The SHA-256 of the file's content, read in chunks (hex).
    public func contentHash() throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func megabytes(_ bytes: Int64) -> String {
        let mb = Double(bytes) / 1_048_576
        return mb >= 10 ? "\(Int(saturating: mb.rounded())) MB" : String(format: "%.1f MB", mb)
    }

    static func reason(_ error: any Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return Sanitizer.inert((error as NSError).localizedDescription, limit: 200)
    }
}

/// How far an upload is.
public struct UploadProgress: Sendable, Hashable {
    /// Bytes of the file handed to the connection in this attempt.
    public var sent: Int64
    public var total: Int64
    /// 1 for the first try, 2 after a retry, …
    public var attempt: Int
}

extension HeyGenClient {
    /// Uploads a local file with `POST /v3/assets` (multipart, streamed from disk in 256 KiB chunks).
    ///
    /// The file is checked first (``AssetFile/check(_:for:)``): nothing is sent for a file that is too big, of the
    /// wrong type or unreadable. A dropped connection, a timeout, a 5xx or a 429 is retried with the configuration's
    /// retry policy (an upload is safe to repeat: it only makes an asset), from the start of the file.
    /// - Parameters:
    ///   - purpose: `.audio` (mp3/wav) or `.image` (png/jpeg); nil for any type the endpoint takes.
    ///   - progress: called as chunks go out, from the connection's task.
    public func uploadAsset(
        file: URL, purpose: AssetPurpose? = nil, progress: @escaping @Sendable (UploadProgress) -> Void = { _ in }
    ) async throws -> UploadedAsset {
        let checked = try AssetFile.check(file, for: purpose)
        return try await uploadAsset(checked, progress: progress)
    }

    /// Uploads a file already checked by ``AssetFile/check(_:for:)``.
    public func uploadAsset(_ file: AssetFile, progress: @escaping @Sendable (UploadProgress) -> Void = { _ in }) async throws -> UploadedAsset {
        let url = try makeURL("/v3/assets", query: [])
        let boundary = "twindeck-" + UUID().uuidString
        let name = Self.multipartSafe(file.url.lastPathComponent)
        let head = Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n"
            + "Content-Type: \(file.type.mimeType)\r\n\r\n").utf8)
        let tail = Array("\r\n--\(boundary)--\r\n".utf8)
        let length = Int64(head.count + tail.count) + file.size
        // A slow uplink gets time in proportion to the file (64 KiB/s at worst) on top of the create deadline.
        let timeout = configuration.createTimeout + .seconds(file.size / 65_536)
        let policy = configuration.retry
        var attempt = 0
        while true {
            let started = ContinuousClock.now
            do {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "x-api-key", value: configuration.apiKey)
                request.headers.add(name: "Accept", value: "application/json")
                request.headers.add(name: "User-Agent", value: "twindeck/0.1")
                request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
                let number = attempt + 1
                let body = MultipartFileBody(head: head, tail: tail, file: file.url, size: file.size) { sent in
                    progress(UploadProgress(sent: sent, total: file.size, attempt: number))
                }
                request.body = .stream(body, length: .known(length))
                let response = try await execute(request, timeout: timeout)
                logger.debug("POST /v3/assets → \(response.status) in \(ContinuousClock.now - started)")
                if (200..<300).contains(response.status) {
                    return try decode(DataEnvelope<UploadedAsset>.self, from: response).data
                }
                let error = mapError(response)
                guard attempt < policy.maxRetries, let wait = retryDelay(for: error, attempt: attempt, idempotent: true) else {
                    throw error
                }
                logger.info("POST /v3/assets: \(error.shortDescription); retrying in \(wait)")
                try await policy.sleep(wait)
            } catch let error as HeyGenError where error.kind == .transport || error.kind == .timeout {
                logger.debug("POST /v3/assets failed: \(error.shortDescription)")
                guard attempt < policy.maxRetries else { throw error }
                try await policy.sleep(policy.backoff(attempt: attempt))
            }
            attempt += 1
        }
    }

    /// An asset's metadata (`GET /v3/assets/{asset_id}`): whether an id remembered from an earlier upload still exists.
    /// - Throws: ``HeyGenError`` of kind `notFound` when the account has no such asset (any more).
    public func asset(id: String) async throws -> AssetInfo {
        try await send(.GET, "/v3/assets/\(Self.escape(id))", as: DataEnvelope<AssetInfo>.self).data
    }

    /// A file name as a quoted multipart parameter: quotes, backslashes and controls become `_`.
    static func multipartSafe(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { s in
            s == "\"" || s == "\\" || s.value < 0x20 || s.value == 0x7F || s.value > 0x7E ? "_" : s
        }))
    }
}


/// The multipart body of an upload: the part's head, the file in 256 KiB chunks read as the connection asks for them,
/// the closing boundary. A file that changed size since it was checked ends the upload with an error.
struct MultipartFileBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let head: [UInt8]
    let tail: [UInt8]
    let file: URL
    let size: Int64
    let sent: @Sendable (Int64) -> Void

    static let chunk = 256 * 1024

    func makeAsyncIterator() -> Iterator { Iterator(body: self) }

    struct Iterator: AsyncIteratorProtocol {
        let body: MultipartFileBody
        var stage = 0
        var handle: FileHandle?
        var read: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            switch stage {
            case 0:
                stage = 1
                do {
                    handle = try FileHandle(forReadingFrom: body.file)
                } catch {
                    throw Self.failure("cannot read \(body.file.path): \(AssetFile.reason(error))")
                }
                body.sent(0)
                return ByteBuffer(bytes: body.head)
            case 1:
                guard let handle else { return nil }
                let data: Data
                do {
                    data = try handle.read(upToCount: MultipartFileBody.chunk) ?? Data()
                } catch {
                    throw Self.failure("cannot read \(body.file.path): \(AssetFile.reason(error))")
                }
                guard !data.isEmpty, read + Int64(data.count) <= body.size else {
                    try? handle.close()
                    self.handle = nil
                    throw Self.failure("\(body.file.path) changed while it was being uploaded")
                }
                read += Int64(data.count)
                body.sent(read)
                var buffer = ByteBuffer(data: data)
                if read == body.size {
                    try? handle.close()
                    self.handle = nil
                    buffer.writeBytes(body.tail)
                    stage = 2
                }
                return buffer
            default:
                return nil
            }
        }

        static func failure(_ message: String) -> HeyGenError {
            HeyGenError(kind: .invalidRequest, message: Sanitizer.inert(message, limit: 400), param: "file",
                        issues: [FieldIssue(field: "file", message: Sanitizer.inert(message, limit: 400), rule: "asset.file")])
        }
    }
}

extension HeyGenConfiguration {
    /// Names the account an asset id belongs to without holding the key: the base URL and the first 16 hex digits of
    /// the key's SHA-256 (an asset uploaded with one key is not offered to another).
    public var accountTag: String {
        let digest = SHA256.hash(data: Data(apiKey.utf8)).map { String(format: "%02x", $0) }.joined()
        return baseURL + " " + digest.prefix(16)
    }
}
