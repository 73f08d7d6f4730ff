import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Mints and checks the simulator's presigned media URLs (`/media/<file>?expires=…&sig=…`).
final class MediaSigner: Sendable {
    private let baseURL = Mutex("")
    let lifetime: Double
    private let secret: String

    init(lifetime: Double, secret: String) {
        self.lifetime = lifetime
        self.secret = secret
    }

    var base: String { baseURL.withLock { $0 } }
    func setBase(_ url: String) { baseURL.withLock { $0 = url } }

    func signature(path: String, expires: Int) -> String {
        String(stableHash(Data("\(secret)|\(path)|\(expires)".utf8)), radix: 16)
    }

    func url(path: String, now: Double) -> String {
        // Round up: truncating could leave a 1-second link valid for only a few milliseconds.
        let expires = Int((now + lifetime).rounded(.up))
        return "\(base)/media/\(path)?expires=\(expires)&sig=\(signature(path: path, expires: expires))"
    }
}

/// Serves rendered media with `Content-Length`, `Range` and expiry, like a presigned object store.
struct MediaController {
    let state: SimulatorState
    let signer: MediaSigner

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/media/{file}") { request, context in try await serve(request, file: context.parameters.require("file")) }
        router.head("/media/{file}") { request, context in try await serve(request, file: context.parameters.require("file")) }
        router.get("/videos/{id}") { _, context in
            let id = try context.parameters.require("id")
            let html = "<!doctype html><title>TwinDeck simulator</title><p>Video \(id) (simulated share page)</p>"
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    func serve(_ request: Request, file: String) async throws -> Response {
        guard let expires = request.query("expires").flatMap(Int.init), let sig = request.query("sig"),
            sig == signer.signature(path: file, expires: expires)
        else { return Self.plain(.forbidden, "AccessDenied: the link is not signed") }
        guard Double(expires) >= (await state.now) else { return Self.plain(.forbidden, "AccessDenied: Request has expired") }
        let (id, ext) = Self.split(file)
        guard let video = await state.video(id: id.replacingOccurrences(of: "_captioned", with: "")),
            await state.status(of: video) == .completed
        else { return Self.plain(.notFound, "NoSuchKey") }
        let (data, type) = content(ext: ext, video: video)
        return Self.ranged(data, contentType: type, range: request.headers[.range], headOnly: request.method == .head)
    }

    static func split(_ file: String) -> (String, String) {
        guard let dot = file.lastIndex(of: ".") else { return (file, "") }
        return (String(file[..<dot]), String(file[file.index(after: dot)...]))
    }

    func content(ext: String, video: SimVideo) -> (Data, String) {
        switch ext {
        case "mp4": return (sized(Fixtures.media("sample.mp4")), "video/mp4")
        case "webm": return (Fixtures.media("sample.webm"), "video/webm")
        case "jpg", "gif": return (Fixtures.media("thumbnail.jpg"), ext == "jpg" ? "image/jpeg" : "image/gif")
        case "srt":
            let text = "1\n00:00:00,000 --> 00:00:02,000\n\(video.request.script.prefix(80))\n"
            return (Data(text.utf8), "application/x-subrip")
        default: return (Data(), "application/octet-stream")
        }
    }

    /// The sample, repeated up to `mediaBytes` when a large file was asked for (throughput runs).
    func sized(_ data: Data) -> Data {
        guard let size = state.options.mediaBytes, size > data.count, !data.isEmpty else { return data }
        var out = Data(capacity: size)
        while out.count < size { out.append(data.prefix(size - out.count)) }
        return out
    }

    /// A 200 with the whole body, or a 206 for a satisfiable `Range: bytes=…`, or a 416.
    static func ranged(_ data: Data, contentType: String, range: String?, headOnly: Bool) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .acceptRanges: "bytes"]
        var status: HTTPResponse.Status = .ok
        var slice = data[...]
        if let range {
            guard let bounds = parseRange(range, size: data.count) else {
                headers[.contentRange] = "bytes */\(data.count)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            slice = data[bounds]
            status = .partialContent
            headers[.contentRange] = "bytes \(bounds.lowerBound)-\(bounds.upperBound)/\(data.count)"
        }
        headers[.contentLength] = String(slice.count)
        let body = headOnly ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: slice))
        return Response(status: status, headers: headers, body: body)
    }

    /// Parses one `bytes=a-b`, `bytes=a-` or `bytes=-n` range against `size`.
    static func parseRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6).split(separator: ",").first.map(String.init) ?? ""
        let parts = spec.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let n = Int(parts[1]), n > 0 else { return nil }
            return max(0, size - n)...(size - 1)
        }
        guard let start = Int(parts[0]), start < size else { return nil }
        let end = parts[1].isEmpty ? size - 1 : min(Int(parts[1]) ?? -1, size - 1)
        return end >= start ? start...end : nil
    }
}
