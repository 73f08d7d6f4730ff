import HeyGen

/// The app's compose form records through the GRDB store.
extension SubmissionStore: SubmissionRecorder {
    public func recordSubmitting(request: CreateVideoRequest, key: String, lookName: String?, voiceName: String?) async throws {
        try await recordSubmitting(request: request, key: key, lookName: lookName, voiceName: voiceName, source: .form)
    }

    public func recordSubmitted(key: String, videoID: String, status: VideoStatus) async throws {
        try await markSubmitted(key: key, videoID: videoID, status: status)
    }

    public func recordRejected(key: String, error: String) async throws {
        try await markRejected(key: key, error: error)
    }
}
