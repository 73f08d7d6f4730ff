import HeyGen

/// The submit pipeline records through the GRDB store.
extension SubmissionStore: SubmissionRecorder {
    public func recordBeforeSending(request: CreateVideoRequest, key: String, lookName: String?, voiceName: String?,
                                    source: Submission.Source) async throws {
        try await recordSubmitting(request: request, key: key, lookName: lookName, voiceName: voiceName, source: source)
    }

    public func recordSubmitted(key: String, videoID: String, status: VideoStatus) async throws {
        try await markSubmitted(key: key, videoID: videoID, status: status)
    }

    public func recordRejected(key: String, error: String) async throws {
        try await markRejected(key: key, error: error)
    }
}
