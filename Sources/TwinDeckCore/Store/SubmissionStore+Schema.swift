import Foundation
import GRDB
import HeyGen

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
        migrator.registerMigration("v4-render-time") { db in
            try db.alter(table: Submission.databaseTableName) { t in
                // What the render-time estimate learns from: when the video was first seen `processing`, how long
                // its script speaks, and the resolution asked for (nil: the server's default).
                t.add(column: "processingAt", .double)
                t.add(column: "spokenSeconds", .integer)
                t.add(column: "resolution", .text)
            }
            // The estimate reads the most recently finished renders first.
            try db.create(index: "submission_completedAt", on: Submission.databaseTableName, columns: ["completedAt"],
                          condition: Column("completedAt") != nil)
            try backfillRenderFacts(db)
        }
        migrator.registerMigration("v5-change-log") { db in
            // What the board reads after its first read: the rows changed since a mark, and those removed.
            try createChangeLog(db)
            // The poller's read of what is still running, every round, without a pass over the whole history.
            try db.execute(sql: "CREATE INDEX submission_unfinished ON submission(createdAt) WHERE \(unfinishedCondition)")
        }
        return migrator
    }

    /// Fills `spokenSeconds` and `resolution` of the rows recorded before ``migrator``'s `v4-render-time` from
    /// their stored request body, so the history already recorded teaches the estimate at once. A body this
    /// version cannot decode (a hand edit, a newer TwinDeck) leaves that row's two columns empty: the row
    /// is then not used by the estimate, and nothing else changes.
    static func backfillRenderFacts(_ db: Database) throws {
        let decoder = JSONDecoder()
        let update = try db.makeStatement(sql: "UPDATE submission SET spokenSeconds = ?, resolution = ? WHERE rowID = ?")
        // A page at a time, so a history of 20,000 bodies is never held at once.
        var after: Int64 = 0
        while true {
            let rows = try Row.fetchAll(db, sql: """
                SELECT rowID, requestBody FROM submission WHERE rowID > ? AND requestBody IS NOT NULL ORDER BY rowID LIMIT 500
                """, arguments: [after])
            guard !rows.isEmpty else { return }
            for row in rows {
                let rowID: Int64 = row["rowID"]
                after = rowID
                let body: String? = row["requestBody"]
                // Not a store error: a body that does not decode is simply not learned from.
                guard let body, let request = try? decoder.decode(CreateVideoRequest.self, from: Data(body.utf8)) else { continue }
                try update.execute(arguments: [Preflight.spokenSeconds(request.script), request.resolution?.rawValue, rowID])
            }
        }
    }
}
