import AsyncHTTPClient
import Foundation
import HeyGen
import HeyGenSimulator
import NIOCore
import NIOHTTP1
import Testing
import TwinDeckTestSupport

/// A key distinctive enough that finding it in a message is proof of a leak.
let secretKey = "sk_live_SECRET_7f3a9c2e1b"

/// The voice `sampleRequest()` uses.
let sampleVoiceID = "1bd001e7e50f421d891986aad5c8bbd2"

/// A response read without the HeyGen client.
struct RawReply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    /// The `{"error": …}` body, when there is one.
    var apiError: APIErrorBody.Detail? { (try? JSONDecoder().decode(APIErrorBody.self, from: body))?.error }
}

/// Sends one request with AsyncHTTPClient directly, bypassing `HeyGenClient` (its encoder and its rules).
func rawRequest(
    _ method: HTTPMethod, _ url: String, body: String? = nil, apiKey: String? = "demo", headers: [(String, String)] = []
) async throws -> RawReply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let apiKey { request.headers.add(name: "x-api-key", value: apiKey) }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
    return RawReply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
}

/// `POST /v3/videos` with a raw JSON body.
func rawCreate(_ sim: RunningSimulator, _ json: String, key: String? = nil) async throws -> RawReply {
    try await rawRequest(.POST, sim.baseURL + "/v3/videos", body: json, headers: key.map { [("Idempotency-Key", $0)] } ?? [])
}

/// How many `POST /v3/videos` the simulator has seen.
func createCount(_ sim: RunningSimulator) async -> Int {
    await sim.state.requestCounts()["POST /v3/videos", default: 0]
}

/// Every video on the simulator, across pages.
func allVideos(_ client: HeyGenClient) async throws -> [Video] {
    try await HeyGenClient.collectPages { token in try await client.videos(limit: 100, token: token) }
}

/// A client on the same simulator with another key or retry policy.
func client(for sim: RunningSimulator, apiKey: String = "demo", retry: RetryPolicy = .never, readTimeout: Duration = .seconds(10)) -> HeyGenClient {
    HeyGenClient(configuration: HeyGenConfiguration(
        baseURL: sim.baseURL, apiKey: apiKey, readTimeout: readTimeout, createTimeout: readTimeout, retry: retry))
}

/// Waits until the video reaches a final status and returns it.
func finished(_ client: HeyGenClient, _ id: String, timeout: Duration = .seconds(30)) async throws -> Video {
    var last: Video?
    _ = try await eventually(timeout: timeout) {
        last = try await client.video(id: id)
        return last?.status.isFinal ?? false
    }
    return try #require(last)
}

/// A fresh Idempotency-Key.
func newKey() -> String { IdempotencyKey.make() }
