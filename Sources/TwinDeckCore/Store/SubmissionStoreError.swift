import Foundation
import HeyGen

/// Why the submission store refused an operation.
public struct SubmissionStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong; callers decide on this, not on the message.
    public enum Kind: String, Sendable, Equatable {
        /// A submission with this Idempotency-Key is already recorded.
        case duplicateKey
        /// No submission has this Idempotency-Key.
        case unknownKey
        /// Another submission (not an import) already holds this video ID.
        case duplicateVideo
        /// The database could not be opened or migrated.
        case unavailable
        /// The history is open read-only (a newer TwinDeck's file, or a folder that cannot be written): nothing is written.
        case readOnly
    }

    public var kind: Kind
    /// The sentence a user reads.
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func duplicateKey(_ key: String) -> Self {
        Self(kind: .duplicateKey, message: "a submission with Idempotency-Key \(key) is already recorded")
    }

    static func unknownKey(_ key: String) -> Self {
        Self(kind: .unknownKey, message: "no submission has Idempotency-Key \(key)")
    }

    static func duplicateVideo(_ videoID: String, key: String) -> Self {
        Self(kind: .duplicateVideo, message: "video \(videoID) is already recorded for Idempotency-Key \(key)")
    }
}

extension HeyGenError {
    /// Whether the server (or the local rules, before sending) definitely refused a create: a 4xx that
    /// means "this request will never make a video". Such a submission is marked rejected and never re-sent.
    ///
    /// 409 (`request_in_progress`) and 429 are not refusals: the first means the same key is still being
    /// handled, the second that it was not looked at yet. Timeouts, network errors and 5xx leave the outcome
    /// unknown; the submission stays `submitting` and is re-sent with the same key.
    public var isDefiniteRejection: Bool {
        switch kind {
        case .invalidRequest, .validation, .unauthorized, .insufficientCredit, .forbidden, .notFound:
            return true
        case .http:
            return httpStatus.map { (400..<500).contains($0) && $0 != 408 } ?? false
        default:
            return false
        }
    }
}
