import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension HeyGenClient {
    /// Streams a presigned media URL into `partFile`, resuming with `Range` from what the file already holds.
    ///
    /// The media host is not the API: no `x-api-key` is sent to it.
    /// - Parameters:
    ///   - url: the presigned `video_url` (or captioned/subtitle URL).
    ///   - partFile: the temporary file; bytes are appended to it.
    ///   - progress: called with (bytes in the file, total size when known) as data arrives.
    /// - Returns: the final size of the file.
    /// - Throws: ``HeyGenError`` `.forbidden`/`.notFound` for an expired or missing link (fetch the video again
    ///   for a fresh URL), `.transport`/`.timeout` when the connection fails (call again to resume).
    public func download(from url: String, to partFile: URL, progress: @Sendable (Int64, Int64?) -> Void) async throws -> Int64 {
        let fm = FileManager.default
        if !fm.fileExists(atPath: partFile.path) {
            fm.createFile(atPath: partFile.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let handle = try FileHandle(forUpdating: partFile)
        defer { try? handle.close() }
        var offset = Int64(try handle.seekToEnd())
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "twindeck/0.1")
        if offset > 0 { request.headers.add(name: "Range", value: "bytes=\(offset)-") }
        let response: HTTPClientResponse
        do {
            // The media host may redirect (a CDN); no key is sent to it, so the shared client may follow.
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        } catch {
            throw HeyGenError(kind: .transport, message: Sanitizer.inert(String(describing: error)))
        }
        let status = Int(response.status.code)
        switch status {
        case 200:
            // The server ignored the range (or there was none): start over.
            try handle.truncate(atOffset: 0)
            offset = 0
        case 206:
            break
        case 416:
            // Nothing left to fetch when the part file is as long as the media (`Content-Range: bytes */size`). A part
            // file longer than that is not this media: empty it and fail as a transport error, so the caller starts over.
            let size = response.headers.first(name: "Content-Range")?.split(separator: "/").last.flatMap { Int64($0) }
            guard let size, size != offset else { return offset }
            try handle.truncate(atOffset: 0)
            throw HeyGenError(kind: .transport, message: "the partial download (\(offset) bytes) does not match the file (\(size) bytes); starting again")
        case 403:
            throw HeyGenError(kind: .forbidden, httpStatus: 403, message: "the download link was refused (it may have expired)")
        case 404:
            throw HeyGenError(kind: .notFound, httpStatus: 404, message: "the download link is gone")
        default:
            throw HeyGenError(kind: status >= 500 ? .server : .http, httpStatus: status, message: "download answered HTTP \(status)")
        }
        let length = response.headers.first(name: "Content-Length").flatMap(Int64.init)
        let total = length.map { $0 + offset }
        progress(offset, total)
        do {
            for try await chunk in response.body {
                handle.write(Data(buffer: chunk))
                offset += Int64(chunk.readableBytes)
                progress(offset, total)
            }
        } catch {
            throw HeyGenError(kind: .transport, message: "the download stopped at \(offset) bytes; it resumes from there")
        }
        if let total, offset < total {
            throw HeyGenError(kind: .transport, message: "the download stopped at \(offset) of \(total) bytes; it resumes from there")
        }
        return offset
    }
}

extension HeyGenClient {
    /// Fetches a small media file (a look picture, a voice preview) into memory, refusing more than `maxBytes`.
    /// Like ``download(from:to:progress:)`` it sends no API key: media hosts are not the API.
    public func fetchMedia(_ url: String, maxBytes: Int = 10 << 20) async throws -> Data {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw HeyGenError(kind: .configuration, message: "not a web address: \(Sanitizer.inert(url, limit: 80))")
        }
        if scheme == "http", !HeyGenConfiguration.isLoopback(parsed.host(percentEncoded: true) ?? "") {
            throw HeyGenError(kind: .configuration, message: "media over plain http is refused except on this machine")
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "twindeck/0.1")
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .seconds(30))
        } catch {
            throw HeyGenError(kind: .transport, message: Sanitizer.inert(String(describing: error)))
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            throw HeyGenError(kind: status == 404 ? .notFound : status == 403 ? .forbidden : status >= 500 ? .server : .http,
                              httpStatus: status, message: "the media host answered HTTP \(status)")
        }
        do {
            return Data(buffer: try await response.body.collect(upTo: maxBytes))
        } catch {
            throw HeyGenError(kind: .transport, message: "the media file is over \(maxBytes >> 20) MB or was cut off")
        }
    }
}

/// Safe file names for downloads.
public enum DownloadName {
    /// A file name from a title and id: no path separators, no `..`, no control characters, bounded length.
    public static func make(title: String?, videoID: String, extension ext: String) -> String {
        var base = (title ?? "").unicodeScalars.map { scalar -> Character in
            let v = scalar.value
            if Sanitizer.isUnsafe(scalar) || "/\\:*?\"<>|".unicodeScalars.contains(scalar) { return "_" }
            return Character(scalar)
        }.reduce(into: "") { $0.append($1) }
        base = base.trimmingCharacters(in: CharacterSet(charactersIn: " ."))
        while base.contains("..") { base = base.replacingOccurrences(of: "..", with: ".") }
        let safeID = String(videoID.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }.prefix(64))
        // At most 120 bytes in all: the title gets what the id and the extension leave, up to 80.
        let limit = max(0, min(80, 120 - safeID.utf8.count - " [].".utf8.count - ext.utf8.count))
        if base.utf8.count > limit {
            base = String(base.prefix(limit))
            while base.utf8.count > limit { base.removeLast() }
        }
        var stem = base.isEmpty ? (safeID.isEmpty ? "video" : safeID) : "\(base) [\(safeID)]"
        // Names Windows reserves (a copy to a shared or FAT drive must not fail or hit a device).
        if reserved.contains(stem.uppercased()) { stem = "_" + stem }
        return stem + "." + ext
    }

    static let reserved: Set<String> = Set(["CON", "PRN", "AUX", "NUL"] + (1...9).flatMap { ["COM\($0)", "LPT\($0)"] })
}
