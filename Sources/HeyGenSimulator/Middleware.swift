import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore

/// Adds `X-Request-Id`, counts requests per route, checks `x-api-key` on `/v3`, and injects faults.
struct APIGateMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let state: SimulatorState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = "req_" + UUID().uuidString.prefix(8).lowercased()
        var request = request
        let path = request.uri.path
        await state.count("\(request.method) \(Self.route(path))")
        if state.options.recordRequests, path.hasPrefix("/v3/") {
            // Collecting keeps the body for the handler (Hummingbird replaces it with the collected buffer).
            // A multipart upload (up to 32 MB) is not kept: its handler reads it as a stream.
            let multipart = request.headers[.contentType]?.lowercased().hasPrefix("multipart/") == true
            let body = request.method == .get || request.method == .delete || multipart ? nil
                : try? await request.collectBody(upTo: 1 << 20)
            await state.record(RecordedRequest(method: request.method.rawValue, path: path, query: request.uri.query,
                                               body: body.map { Array($0.readableBytesView) }))
        }
        var response: Response
        do {
            response = try await gate(request, path: path, context: context, next: next)
        } catch let error as SimError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.requestID] = requestID
        return response
    }

    private func gate(_ request: Request, path: String, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard path.hasPrefix("/v3/") else { return try await next(request, context) }
        guard let key = request.headers[.apiKey], !key.isEmpty else {
            throw SimError(.unauthorized, "unauthorized", "Missing API key: send it in the x-api-key header")
        }
        guard key == state.options.apiKey else {
            throw SimError(.unauthorized, "unauthorized", "Invalid API key")
        }
        guard let fault = await state.nextFault(method: request.method.rawValue, path: path) else {
            return try await next(request, context)
        }
        return try await Self.apply(fault, request: request, context: context, next: next)
    }

    /// Collapses ids so counts group by route: `/v3/videos/v_123` → `/v3/videos/{id}`.
    static func route(_ path: String) -> String {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 3 else { return path }
        let fixed: Set<String> = ["statuses", "looks", "endpoints", "me", "speech", "events"]
        let last = parts.last!
        if parts[0] == "media" { return "/media/{file}" }
        // An action on one thing: `/v3/avatars/ag_1/consent` → `/v3/avatars/{id}/consent`.
        if last == "consent" || last == "rotate-secret", parts.count >= 4 {
            return "/" + parts.dropLast(2).joined(separator: "/") + "/{id}/" + last
        }
        if fixed.contains(last) { return path }
        return "/" + parts.dropLast().joined(separator: "/") + "/{id}"
    }

    static func apply(_ fault: Fault, request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch fault {
        case .rateLimited(let seconds, let httpDate):
            let header = httpDate ? RetryPolicy.httpDate(Date().addingTimeInterval(Double(seconds))) : String(seconds)
            throw SimError(.tooManyRequests, "rate_limit_exceeded", "Too many requests; slow down", retryAfter: header)
        case .serverError(let status) where status == 502 || status == 504:
            let html = "<html><head><title>\(status) Bad Gateway</title></head><body><h1>\(status)</h1>\u{1B}[2J nginx</body></html>"
            return Response(status: .init(code: status), headers: [.contentType: "text/html"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        case .serverError(let status):
            throw SimError(.init(code: status), "internal_error", "Simulated server error")
        case .slow(let ms):
            try? await Task.sleep(for: .milliseconds(ms))
            return try await next(request, context)
        case .malformed:
            // The server did the work (a create made its video); the answer is cut short.
            _ = try? await next(request, context)
            let body = #"{"data": [{"id": "lk_trunc", "name": "Cut off"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        case .drop:
            // The server does the work (a create makes its video), then the connection dies mid-answer.
            _ = try? await next(request, context)
            let partial = ByteBuffer(string: #"{"data": {"id": "partial", "sta"#)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(contentLength: 4096) { writer in
                try await writer.write(partial)
                throw SimulatedDrop()
            })
        case .errorIn200:
            let body = #"{"error": {"code": "internal_error", "message": "Something went wrong (in a 200)"}}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        case .unknownStatus(let word):
            return try await SimulatedFault.$statusWord.withValue(word) { try await next(request, context) }
        case .emptyPage:
            // Points back at the page that was asked for: following it gets the real page.
            let token = request.uri.queryParameters["token"].map(String.init) ?? PageToken.make(offset: 0, list: listName(path: request.uri.path))
            return try jsonResponse(Page<JSONValue>(data: [], hasMore: true, nextToken: token))
        case .repeatingToken(let token):
            return try jsonResponse(Page<JSONValue>(data: [], hasMore: true, nextToken: token))
        case .redirect(let location):
            return Response(status: .found, headers: [.location: location])
        case .htmlPage:
            let html = "<!DOCTYPE html><html><body><h1>Service Unavailable</h1><p>Back soon.</p></body></html>"
            return Response(status: .serviceUnavailable, headers: [.contentType: "text/html"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
    }
}

struct SimulatedDrop: Error {}

/// The list a paged path serves, as its page tokens name it.
private func listName(path: String) -> String {
    if path.hasPrefix("/v3/avatars/looks") { return "looks" }
    if path.hasPrefix("/v3/webhooks/endpoints") { return "endpoints" }
    if path.hasPrefix("/v3/voices") { return "voices" }
    return "videos"
}

/// Faults that act inside a handler rather than instead of it.
enum SimulatedFault {
    /// The status word every video answer carries while set (`Fault.unknownStatus`).
    @TaskLocal static var statusWord: String?
}
