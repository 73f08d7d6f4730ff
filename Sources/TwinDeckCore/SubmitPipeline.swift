import Foundation
import HeyGen

/// The one way a create is sent and its answer recorded: the compose form, `twindeck create` and `resume`, a
/// batch and the board's re-sender all go through ``SubmitPipeline``, so they agree on what a refusal is.
///
/// The order never changes: the request is recorded (state `submitting`, with its key and exact body) before it
/// is sent; then the server's answer is recorded. Only a definite refusal (``HeyGenError/isDefiniteRejection``)
/// marks the row rejected; anything else leaves it `submitting`, to be sent again with the same key.
public struct SubmitPipeline: Sendable {
    /// What one send came to.
    public enum Outcome: Sendable {
        /// The server made (or replayed) the video, and the history holds its id.
        case created(CreateVideoResponse)
        /// Refused for good; the row is marked rejected and never sent again.
        case rejected(HeyGenError)
        /// No usable answer (network, timeout, 5xx, 409, 429, an unreadable 200): the video may exist. The row stays
        /// `submitting` and is sent again later with the same key; the server replays its first answer.
        case pending(HeyGenError)
        /// The server made the video but the history could not record it (a full disk at commit): the row stays
        /// `submitting`, so the next re-send with the same key records the replayed answer.
        case unrecorded(CreateVideoResponse, any Error)
    }

    let service: any HeyGenService
    let recorder: any SubmissionRecorder

    public init(service: any HeyGenService, recorder: any SubmissionRecorder) {
        self.service = service
        self.recorder = recorder
    }

    /// Records a request before anything is sent (state `submitting`).
    /// - Throws: the store's error (``SubmissionStoreError`` `duplicateKey` for a key already recorded): nothing is sent.
    public func record(_ request: CreateVideoRequest, key: String, lookName: String?, voiceName: String?,
                       source: Submission.Source) async throws {
        try await recorder.recordBeforeSending(request: request, key: key, lookName: lookName, voiceName: voiceName, source: source)
    }

    /// Sends a recorded request with its key and records the answer.
    /// - Throws: `CancellationError` only (the row stays `submitting`); a store error while recording a refusal.
    public func send(_ request: CreateVideoRequest, key: String, look: Look?) async throws -> Outcome {
        let created: CreateVideoResponse
        do {
            created = try await service.createVideo(request, idempotencyKey: key, look: look)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HeyGenError {
            guard error.isDefiniteRejection else { return .pending(error) }
            try await recorder.recordRejected(key: key, error: error.description)
            return .rejected(error)
        } catch {
            return .pending(HeyGenError(kind: .transport, message: Sanitizer.inert(String(describing: error), limit: 300)))
        }
        do {
            try await recorder.recordSubmitted(key: key, videoID: created.videoID, status: created.status)
        } catch {
            return .unrecorded(created, error)
        }
        return .created(created)
    }

    /// Records, then sends: the whole path for a new submission.
    /// - Throws: a store error before sending (nothing was sent), or `CancellationError`.
    public func submit(_ request: CreateVideoRequest, key: String, look: Look?, lookName: String?, voiceName: String?,
                       source: Submission.Source) async throws -> Outcome {
        try await record(request, key: key, lookName: lookName, voiceName: voiceName, source: source)
        return try await send(request, key: key, look: look)
    }

    /// Sends a recorded submission again with its stored key and body (`resume`, the board's re-sender). A stored body
    /// that cannot be read is marked rejected: it can never be sent.
    public func resend(_ row: Submission) async throws -> Outcome {
        let request: CreateVideoRequest
        do {
            guard let stored = try row.storedRequest() else { throw HeyGenError(kind: .invalidRequest, message: "no request stored") }
            request = stored
        } catch {
            let refusal = HeyGenError(kind: .invalidRequest, message: "the stored request could not be read")
            try await recorder.recordRejected(key: row.idempotencyKey, error: refusal.description)
            return .rejected(refusal)
        }
        return try await send(request, key: row.idempotencyKey, look: nil)
    }
}
