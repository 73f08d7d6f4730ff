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
    ///   for a fresh URL), `.transport`/`.timeout` when the connection fails (call again to resume);
    ///   ``DownloadWriteError`` when the disk refuses the bytes (full, over quota, failing): the part file is kept,
    ///   and calling again before freeing space fails the same way, so callers must not retry it in a loop.
    public func download(from url: String, to partFile: URL, progress: @Sendable (Int64, Int64?) -> Void) async throws -> Int64 {
        let fm = FileManager.default
        if !fm.fileExists(atPath: partFile.path),
            !fm.createFile(atPath: partFile.path, contents: nil, attributes: [.posixPermissions: 0o600])
        {
            throw DownloadWriteError(errno: Self.lastErrno(default: EIO), written: 0, total: nil, partFile: partFile.path)
        }
        let handle = try FileHandle(forUpdating: partFile)
        defer { try? handle.close() }
        var offset = Int64(try handle.seekToEnd())
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "twindeck/0.1")
        if offset > 0 { request.headers.add(name: "Range", value: "bytes=\(offset)-") }
        let response: HTTPClientResponse
        do {
            // The media host may redirect (a CDN); no key is sent to it, so this client may follow.
            response = try await Self.mediaHTTPClient.execute(request, timeout: .seconds(60))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .connectTimeout || error == .readTimeout {
            throw HeyGenError(kind: .timeout, message: "the media host \(Self.hostName(url)) did not answer within 60 s")
        } catch {
            throw HeyGenError(kind: .transport, message: Self.connectionFailure(error, url: url))
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
                do {
                    // The throwing write: the old `write(_:)` traps (SIGILL) on a full disk.
                    try handle.write(contentsOf: Data(buffer: chunk))
                } catch {
                    // A write can stop part-way: what the file holds is what a resume goes on from.
                    let held = (try? handle.seekToEnd()).map { Int64(clamping: $0) } ?? offset
                    progress(held, total)
                    throw DownloadWriteError(errno: DownloadWriteError.errno(of: error), written: held, total: total, partFile: partFile.path)
                }
                offset += Int64(chunk.readableBytes)
                progress(offset, total)
            }
        } catch let error as DownloadWriteError {
            throw error
        } catch {
            throw HeyGenError(kind: .transport, message: "the download stopped at \(offset) bytes; it resumes from there")
        }
        if let total, offset < total {
            throw HeyGenError(kind: .transport, message: "the download stopped at \(offset) of \(total) bytes; it resumes from there")
        }
        return offset
    }

    /// The client for media hosts: redirects followed (no key is sent to them), and a connection that cannot be
    /// made fails at once rather than being retried silently up to the deadline: the downloader has its own
    /// bounded backoff, and a refused connection usually means a dead link to refresh (an old simulator port, a
    /// host that moved), which waiting does not fix.
    static let mediaHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(15)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// `host:port` of a link, for messages (never its query: that is the signature).
    static func hostName(_ url: String) -> String {
        guard let parsed = URL(string: url), let host = parsed.host(percentEncoded: true) else { return "(unknown host)" }
        return Sanitizer.inert(parsed.port.map { "\(host):\($0)" } ?? host, limit: 80)
    }

    /// A connection failure in words: "the connection to 127.0.0.1:9 was refused" rather than a NIO dump.
    static func connectionFailure(_ error: any Error, url: String) -> String {
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("connection refused") || text.contains("ECONNREFUSED") || text.contains("connectionRefused") {
            return "the connection to \(hostName(url)) was refused"
        }
        return "could not reach \(hostName(url)): \(Sanitizer.inert(text, limit: 160))"
    }

    static func lastErrno(default fallback: Int32) -> Int32 {
        let code = currentErrno()
        return code == 0 ? fallback : code
    }
}

/// `errno`, read where no property of that name hides it.
private func currentErrno() -> Int32 { errno }

/// The disk refused a download's bytes: full (`ENOSPC`), over quota (`EDQUOT`), failing (`EIO`) or another
/// write error. The part file keeps what was written, for a resume once space is freed.
public struct DownloadWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `errno` of the failed write.
    public var errno: Int32
    /// Bytes the part file holds.
    public var written: Int64
    /// The media's size, when the server gave it.
    public var total: Int64?
    public var partFile: String

    public init(errno: Int32, written: Int64, total: Int64?, partFile: String) {
        self.errno = errno
        self.written = written
        self.total = total
        self.partFile = partFile
    }

    /// Whether freeing space is the fix (full disk or quota).
    public var isOutOfSpace: Bool { errno == ENOSPC || errno == EDQUOT }

    /// What went wrong, in a few words: for a board row.
    public var reason: String {
        switch errno {
        case ENOSPC: "the disk is full"
        case EDQUOT: "the disk quota is used up"
        case EIO: "the disk failed to write (I/O error)"
        default: "the file could not be written (\(Sanitizer.inert(String(cString: strerror(errno)), limit: 60)))"
        }
    }

    /// The fewest words, for a narrow board row.
    public var short: String {
        switch errno {
        case ENOSPC: "disk full"
        case EDQUOT: "over quota"
        case EIO: "disk error"
        default: "write error"
        }
    }

    /// The whole sentence, ending with what to do; `retry` is how to try again here ("run `twindeck download ID`
    /// again", "press d").
    public func message(retry: String) -> String {
        let amount = total.map { "\(written) bytes of \($0)" } ?? "\(written) bytes"
        let fix = isOutOfSpace ? "free space and \(retry)" : "check the disk and \(retry)"
        return "\(reason): \(amount) written to \(Sanitizer.inert(partFile, limit: 300)); \(fix) (it resumes from there)"
    }

    public var description: String { message(retry: "download again") }

    /// The `errno` behind a Foundation write error (a `CocoaError` or an `NSError` wrapping a POSIX one); `EIO`
    /// when there is none to be found.
    static func errno(of error: any Error) -> Int32 {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(clamping: ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(clamping: underlying.code)
        }
        if ns.domain == NSCocoaErrorDomain, ns.code == CocoaError.fileWriteOutOfSpace.rawValue { return ENOSPC }
        return EIO
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
