import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A response whose status was 2xx.
struct RawResponse: Sendable {
    var status: Int
    var body: ByteBuffer
    var requestID: String?
    var retryAfter: Duration?
}

extension HeyGenClient {
    func send<T: Decodable & Sendable>(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        headers: [(String, String)] = [], timeout: Duration? = nil, idempotent: Bool? = nil, as type: T.Type
    ) async throws -> T {
        let raw = try await sendRaw(
            method, path, query: query, body: body, headers: headers, timeout: timeout ?? configuration.readTimeout,
            idempotent: idempotent ?? (method == .GET || method == .DELETE))
        return try decode(type, from: raw)
    }

    func decode<T: Decodable>(_ type: T.Type, from raw: RawResponse) throws -> T {
        // A 200 that carries an error object instead of data is still an error.
        if let apiError = try? JSONDecoder().decode(APIErrorBody.self, from: raw.body),
            (try? JSONDecoder().decode(DataProbe.self, from: raw.body))?.data == nil
        {
            throw mapError(status: raw.status, body: apiError, requestID: raw.requestID, retryAfter: nil)
        }
        do {
            return try JSONDecoder().decode(type, from: raw.body)
        } catch {
            throw HeyGenError(
                kind: .undecodable, httpStatus: raw.status, message: Self.describe(decoding: error),
                requestID: raw.requestID, snippet: snippet(raw.body))
        }
    }

    private struct DataProbe: Decodable { var data: JSONValue? }

    /// Sends a request with the retry policy; returns only 2xx responses.
    func sendRaw(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], body: Data?, headers: [(String, String)],
        timeout: Duration, idempotent: Bool
    ) async throws -> RawResponse {
        let url = try makeURL(path, query: query)
        let policy = configuration.retry
        var attempt = 0
        while true {
            let started = ContinuousClock.now
            do {
                let response = try await execute(method, url: url, body: body, headers: headers, timeout: timeout)
                logger.debug("\(method) \(path) → \(response.status) in \(ContinuousClock.now - started)")
                if (200..<300).contains(response.status) { return response }
                let error = mapError(response)
                guard attempt < policy.maxRetries, let wait = retryDelay(for: error, attempt: attempt, idempotent: idempotent) else {
                    throw error
                }
                logger.info("\(method) \(path): \(error.shortDescription); retrying in \(wait)")
                try await policy.sleep(wait)
            } catch let error as HeyGenError where error.kind == .transport || error.kind == .timeout {
                logger.debug("\(method) \(path) failed: \(error.shortDescription)")
                guard idempotent, attempt < policy.maxRetries else { throw error }
                try await policy.sleep(policy.backoff(attempt: attempt))
            }
            attempt += 1
        }
    }

    /// How long to wait before retrying after `error`, or nil when it must not be retried.
    func retryDelay(for error: HeyGenError, attempt: Int, idempotent: Bool) -> Duration? {
        let policy = configuration.retry
        switch error.kind {
        case .rateLimited:
            let wait = error.retryAfter ?? policy.backoff(attempt: attempt)
            return wait <= policy.maxRetryAfter ? wait : nil
        case .server where idempotent, .conflict where idempotent:
            return policy.backoff(attempt: attempt)
        default:
            return nil
        }
    }

    private func execute(_ method: HTTPMethod, url: String, body: Data?, headers: [(String, String)], timeout: Duration) async throws -> RawResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "x-api-key", value: configuration.apiKey)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "twindeck/0.1")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        return try await execute(request, timeout: timeout)
    }

    /// Sends one prepared request (its headers, key included, already set) and reads the answer; errors are mapped.
    func execute(_ request: HTTPClientRequest, timeout: Duration) async throws -> RawResponse {
        let nanos = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(nanos))
            let bytes = try await response.body.collect(upTo: configuration.maxBodyBytes)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryPolicy.parseRetryAfter($0) }
            return RawResponse(
                status: Int(response.status.code), body: bytes, requestID: response.headers.first(name: "X-Request-Id"),
                retryAfter: retryAfter)
        } catch let error as HeyGenError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout || error == .writeTimeout {
                throw HeyGenError(kind: .timeout, message: "no answer within \(HeyGenError.seconds(timeout)) s")
            }
            if error == .cancelled { throw CancellationError() }
            throw HeyGenError(kind: .transport, message: Sanitizer.inert(String(describing: error), redacting: [configuration.apiKey]))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw HeyGenError(kind: .transport, message: Sanitizer.inert(String(describing: error), redacting: [configuration.apiKey]))
        }
    }

    func makeURL(_ path: String, query: [(String, String)]) throws -> String {
        // Checked here too, for a configuration made without the CLI's checks: a port past 65535 traps in NIO, and a
        // key with a line break would come back escaped (so unredacted) inside AsyncHTTPClient's error.
        if let problem = HeyGenConfiguration.problem(withBaseURL: configuration.baseURL) {
            throw HeyGenError(kind: .configuration, message: problem)
        }
        if let problem = HeyGenConfiguration.problem(withAPIKey: configuration.apiKey) {
            throw HeyGenError(kind: .configuration, message: problem)
        }
        guard var components = URLComponents(string: configuration.baseURL + path), components.encodedHost != nil else {
            throw HeyGenError(kind: .configuration, message: "the base URL \"\(configuration.baseURL)\" is not a valid URL")
        }
        if !query.isEmpty {
            components.percentEncodedQuery = query.map { "\(Self.queryEscape($0.0))=\(Self.queryEscape($0.1))" }.joined(separator: "&")
        }
        guard let url = components.string else {
            throw HeyGenError(kind: .configuration, message: "cannot build a URL for \(path)")
        }
        return url
    }

    static func queryEscape(_ value: String) -> String {
        PlainText.percentEncoded(value, keeping: "-._~,")
    }

    func mapError(_ response: RawResponse) -> HeyGenError {
        let body = try? JSONDecoder().decode(APIErrorBody.self, from: response.body)
        var error = mapError(status: response.status, body: body, requestID: response.requestID, retryAfter: response.retryAfter)
        if body == nil { error.snippet = snippet(response.body) }
        return error
    }

    func mapError(status: Int, body: APIErrorBody?, requestID: String?, retryAfter: Duration?) -> HeyGenError {
        let code = body?.error.code
        let fallback = (300..<400).contains(status)
            ? "the API answered with a redirect (HTTP \(status)), which is not followed: the key goes to the base URL only"
            : HTTPResponseStatus(statusCode: status).reasonPhrase
        let message = Sanitizer.inert(body?.error.message ?? fallback, limit: 500,
                                      redacting: [configuration.apiKey])
        let param = body?.error.param.map { Sanitizer.inert($0, limit: 100) }
        let kind: HeyGenError.Kind
        switch (status, code) {
        case (401, _), (_, "unauthorized"): kind = .unauthorized
        case (402, _), (_, "insufficient_credit"): kind = .insufficientCredit
        case (429, _), (_, "rate_limit_exceeded"), (_, "quota_exceeded"): kind = .rateLimited
        case (409, _), (_, "request_in_progress"): kind = .conflict
        case (403, _): kind = .forbidden
        case (404, _): kind = .notFound
        case (400, _), (422, _), (_, "invalid_parameter"): kind = .validation
        case (500..., _): kind = .server
        case (300..<400, _): kind = .http  // a redirect, not followed: the key goes to the base URL only
        default: kind = status >= 400 ? .http : .server
        }
        return HeyGenError(kind: kind, httpStatus: status, code: code, message: message, param: param,
                           requestID: requestID, retryAfter: retryAfter)
    }

    func snippet(_ body: ByteBuffer) -> String? {
        guard body.readableBytes > 0 else { return "(empty body)" }
        let text = String(decoding: body.readableBytesView.prefix(160), as: UTF8.self)
        return Sanitizer.inert(text, limit: 120, redacting: [configuration.apiKey])
    }

    static func describe(decoding error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not JSON" }
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "the body" : p
        }
        switch error {
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context)) is malformed"
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)) has the wrong type"
        @unknown default: return "the body does not match the contract"
        }
    }
}
