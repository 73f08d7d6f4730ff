import GRDB

extension SubmissionStore {
    // MARK: - Schema

    /// Every schema change since the first release, in order; never edit a shipped migration.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: Submission.databaseTableName) { t in
                t.autoIncrementedPrimaryKey("rowID")
                t.column("idempotencyKey", .text).notNull().unique()
                t.column("videoID", .text)
                t.column("title", .text)
                t.column("lookID", .text)
                t.column("lookName", .text)
                t.column("voiceID", .text)
                t.column("voiceName", .text)
                t.column("engine", .text)
                t.column("requestBody", .text)
                t.column("source", .text).notNull()
                t.column("createdAt", .double).notNull()
                t.column("updatedAt", .double).notNull()
                t.column("submitState", .text).notNull()
                t.column("submitError", .text)
                t.column("status", .text)
                t.column("videoURL", .text)
                t.column("captionedVideoURL", .text)
                t.column("thumbnailURL", .text)
                t.column("videoPageURL", .text)
                t.column("subtitleURL", .text)
                t.column("duration", .double)
                t.column("failureCode", .text)
                t.column("failureMessage", .text)
                t.column("completedAt", .double)
                t.column("lastPolledAt", .double)
                t.column("downloadPath", .text)
                t.column("downloadState", .text).notNull().defaults(to: "none")
                t.column("downloadedBytes", .integer)
                t.column("totalBytes", .integer)
            }
            // A video belongs to one submission; many rows have no video yet.
            try db.create(index: "submission_videoID", on: Submission.databaseTableName, columns: ["videoID"],
                          options: .unique, condition: Submission.Columns.videoID != nil)
            try db.create(index: "submission_createdAt", on: Submission.databaseTableName, columns: ["createdAt"])
            try db.create(index: "submission_submitState_status", on: Submission.databaseTableName, columns: ["submitState", "status"])
            try db.create(table: PollerLease.databaseTableName) { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("owner", .text).notNull()
                t.column("expiresAt", .double).notNull()
            }
        }
        migrator.registerMigration("v2-webhooks") { db in
            try db.alter(table: Submission.databaseTableName) { t in
                t.add(column: "callbackURL", .text)
                t.add(column: "webhookAt", .double)
            }
            // Event ids already taken in, so a re-delivered event is recorded once.
            try db.create(table: WebhookEventRecord.databaseTableName) { t in
                t.primaryKey("eventID", .text)
                t.column("receivedAt", .double).notNull().indexed()
            }
            // Running `twindeck webhook listen` processes, each with its last heartbeat.
            try db.create(table: ReceiverHeartbeat.databaseTableName) { t in
                t.primaryKey("owner", .text)
                t.column("address", .text).notNull()
                t.column("signed", .boolean).notNull()
                t.column("callbacks", .boolean).notNull()
                t.column("heartbeatAt", .double).notNull()
            }
        }
        migrator.registerMigration("v3-missing") { db in
            try db.alter(table: Submission.databaseTableName) { t in
                // When HeyGen first said it did not know the video (cleared when it answers again).
                t.add(column: "missingSince", .double)
            }
        }
        return migrator
    }
}
