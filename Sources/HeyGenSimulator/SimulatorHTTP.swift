import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore

/// An API error as HeyGen writes it: `{"error": {"code", "message", "param"?, "doc_url"}}`.
struct SimError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var param: String?
    var retryAfter: String?

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, param: String? = nil, retryAfter: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.retryAfter = retryAfter
    }

    static func invalid(_ message: String, param: String?) -> SimError {
        SimError(.badRequest, "invalid_parameter", message, param: param)
    }

    static func from(_ error: HeyGenError) -> SimError {
        SimError(.init(code: error.httpStatus ?? 400), error.code ?? "invalid_parameter", error.message, param: error.param,
                 retryAfter: error.retryAfter.map { String($0.components.seconds) })
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = APIErrorBody(error: .init(
            code: code, message: message, param: param,
            docURL: "https://developers.heygen.com/docs/error-codes#\(code.replacingOccurrences(of: "_", with: "-"))"))
        var response = try jsonResponse(body, status: status)
        if let retryAfter { response.headers[.retryAfter] = retryAfter }
        return response
    }
}

let simEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return encoder
}()

/// A JSON response with the API's content type.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try simEncoder.encode(value)
    return Response(
        status: status, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(data: data)))
}

/// `{"data": value}`.
struct DataBox<T: Encodable>: Encodable { var data: T }

extension HTTPField.Name {
    static let apiKey = HTTPField.Name("x-api-key")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let requestID = HTTPField.Name("X-Request-Id")!
}

/// Query helpers over Hummingbird's request.
extension Request {
    func query(_ name: String) -> String? {
        uri.queryParameters[Substring(name)].map(String.init)
    }

    /// `limit` within `range`, or the default; anything else is a 400 naming `limit`.
    func limit(default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = query("limit") else { return value }
        guard let n = Int(raw), range.contains(n) else {
            throw SimError.invalid("limit must be an integer from \(range.lowerBound) to \(range.upperBound)", param: "limit")
        }
        return n
    }
}

/// Opaque page tokens: base64 of the next offset, bound to the list they came from.
enum PageToken {
    static func make(offset: Int, list: String) -> String {
        Data("\(list):\(offset)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func offset(_ token: String?, list: String) throws -> Int {
        guard let token, !token.isEmpty else { return 0 }
        var padded = token
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded), let text = String(data: data, encoding: .utf8),
            text.hasPrefix(list + ":"), let offset = Int(text.dropFirst(list.count + 1)), offset >= 0
        else { throw SimError.invalid("token is not a valid page token", param: "token") }
        return offset
    }

    /// Slices `items` into a page.
    static func page<T: Codable & Sendable>(_ items: [T], request: Request, list: String, defaultLimit: Int, maxLimit: Int) throws -> Page<T> {
        let limit = try request.limit(default: defaultLimit, range: 1...maxLimit)
        let offset = try PageToken.offset(request.query("token"), list: list)
        let slice = Array(items.dropFirst(offset).prefix(limit))
        let more = offset + slice.count < items.count
        return Page(data: slice, hasMore: more, nextToken: more ? make(offset: offset + slice.count, list: list) : nil)
    }
}
