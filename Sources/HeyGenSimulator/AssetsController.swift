import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore

/// An uploaded file as the simulator keeps it.
public struct SimAsset: Codable, Sendable, Hashable {
    public var id: String
    public var type: AssetType
    public var fileName: String
    public var sizeBytes: Int64
    public var createdAt: Double
}

/// `POST /v3/assets` (multipart/form-data, one part named `file`, ≤ 32 MB, png/jpeg/mp4/webm/mp3/wav/pdf/srt),
/// `GET /v3/assets/{asset_id}`, and the uploaded bytes at the asset's `url` (`/assets/{asset_id}.{ext}`).
struct AssetsController {
    let state: SimulatorState
    let media: MediaSigner

    /// Room for the multipart framing around a file at the limit.
    static let framing: Int64 = 64 * 1024

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v3/assets") { request, _ in try await upload(request) }
        router.get("/v3/assets/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let asset = await state.asset(id: id) else { throw SimError(.notFound, "not_found", "Asset \(id) was not found", param: "asset_id") }
            return try jsonResponse(DataBox(data: info(asset)))
        }
        router.get("/assets/{file}") { _, context in
            let file = try context.parameters.require("file")
            let id = String(file.split(separator: ".").first ?? "")
            guard let asset = await state.asset(id: id), let bytes = await state.assetBytes(id: id) else {
                return MediaController.plain(.notFound, "NoSuchKey")
            }
            return Response(status: .ok, headers: [.contentType: asset.type.mimeType],
                            body: ResponseBody(byteBuffer: ByteBuffer(data: bytes)))
        }
    }

    func describe(_ asset: SimAsset) -> UploadedAsset {
        UploadedAsset(assetID: asset.id, url: "\(media.base)/assets/\(asset.id).\(asset.type.extensions[0])",
                      mimeType: asset.type.mimeType, sizeBytes: asset.sizeBytes)
    }

    /// The published `GET /v3/assets/{asset_id}` answer (id, name, type, owner, space_id, uploaded_at; url, folder_id).
    func info(_ asset: SimAsset) -> JSONValue {
        let kind = asset.type.isAudio ? "audio" : asset.type.isImage ? "image" : asset.type == .mp4 || asset.type == .webm ? "video" : "file"
        return .object([
            "id": .string(asset.id), "name": .string(asset.fileName), "type": .string(kind), "owner": .string("demo"),
            "space_id": .string("space_demo"), "uploaded_at": .number(Double(Int(asset.createdAt))),
            "url": .string(describe(asset).url), "folder_id": .null,
        ])
    }

    func upload(_ request: Request) async throws -> Response {
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.boundary(of: contentType)
        else {
            throw SimError.invalid("the body must be multipart/form-data with a part named file", param: "file")
        }
        // The whole body is read (a client still sending would otherwise see its connection reset) but only kept up to
        // the limit: a bigger one is refused 413 once it has arrived.
        let limit = AssetType.maxBytes + Self.framing
        var body = ByteBuffer()
        var total: Int64 = 0
        for try await chunk in request.body {
            total += Int64(chunk.readableBytes)
            if total <= limit {
                var chunk = chunk
                body.writeBuffer(&chunk)
            }
        }
        guard total <= limit else { throw Self.tooLarge(total) }
        guard let part = Self.filePart(Array(body.readableBytesView), boundary: boundary) else {
            throw SimError.invalid("the body has no part named file", param: "file")
        }
        guard Int64(part.content.count) <= AssetType.maxBytes else { throw Self.tooLarge(Int64(part.content.count)) }
        guard !part.content.isEmpty else { throw SimError.invalid("the file is empty", param: "file") }
        guard let type = AssetType.detect(prefix: Array(part.content.prefix(AssetType.signatureLength)), fileName: part.fileName) else {
            throw SimError.invalid("unsupported file type: upload png, jpeg, mp4, webm, mp3, wav, pdf or srt", param: "file")
        }
        let asset = await state.addAsset(type: type, fileName: part.fileName, bytes: Data(part.content))
        return try jsonResponse(DataBox(data: describe(asset)))
    }

    static func tooLarge(_ bytes: Int64) -> SimError {
        SimError(.contentTooLarge, "file_too_large", "the file is \(bytes / 1_048_576) MB; the limit is 32 MB", param: "file")
    }

    static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// The content and file name of the part named `file`.
    static func filePart(_ body: [UInt8], boundary: String) -> (content: ArraySlice<UInt8>, fileName: String)? {
        let delimiter = Array("--\(boundary)".utf8)
        var starts: [Int] = []
        var index = 0
        while let found = find(delimiter, in: body, from: index) {
            starts.append(found)
            index = found + delimiter.count
        }
        guard starts.count >= 2 else { return nil }
        for (start, next) in zip(starts, starts.dropFirst()) {
            var partStart = start + delimiter.count
            guard partStart + 2 <= body.count, body[partStart] == 0x0D, body[partStart + 1] == 0x0A else { continue }
            partStart += 2
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: partStart), headerEnd < next else { continue }
            let headers = String(decoding: body[partStart..<headerEnd], as: UTF8.self)
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                parameter("name", in: String(disposition)) == "file"
            else { continue }
            // The content ends before the CRLF that precedes the next delimiter.
            let contentEnd = next - 2
            let contentStart = headerEnd + 4
            guard contentEnd >= contentStart else { continue }
            return (body[contentStart..<contentEnd], parameter("filename", in: String(disposition)) ?? "")
        }
        return nil
    }

    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            return pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
