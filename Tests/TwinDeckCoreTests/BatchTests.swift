import Foundation
import HeyGen
import HeyGenSimulator
import Logging
import Synchronization
import Testing
import TwinDeckTestSupport
@testable import TwinDeckCore

// Batch files: reading (CSV.swift), checking (the one rule table), keys, and sending against the simulator.
// Names here carry a `Batch`/`batch` prefix or are private: other test files share this module.

private let voice = "1bd001e7e50f421d891986aad5c8bbd2"
private let otherVoice = "83434af970e87f21603e6d1ae9cf7465"

private func batchFile(_ text: String, name: String = "videos.csv") -> BatchFile {
    BatchFile(data: Data(text.utf8), name: name)
}

/// `rows` valid Avatar IV rows on three fixture looks and two fixture voices.
private func batchCSV(rows: Int, prefix: String = "Batch") -> String {
    let looks = ["lk_twin_office", "lk_twin_studio", "lk_twin_kitchen"]
    var text = "look,voice,script,title,engine,resolution\n"
    for i in 1...rows {
        text += "\(looks[i % 3]),\(i % 2 == 0 ? voice : otherVoice),\"Hello, this is video \(i).\",\(prefix) \(i),avatar_iv,720p\n"
    }
    return text
}

private func pairs(_ issues: [BatchIssue]) -> [String] {
    issues.map { "\($0.row.map(String.init) ?? "-"):\($0.column ?? "-")" }
}

/// Events of a run, recorded from any task.
private final class BatchEventLog: Sendable {
    private let events = Mutex<[BatchEvent]>([])
    var record: @Sendable (BatchEvent) -> Void { { [self] event in events.withLock { $0.append(event) } } }
    var waits: Int { events.withLock { $0.filter { if case .waiting = $0 { true } else { false } }.count } }
    var finished: Int { events.withLock { $0.filter { if case .finished = $0 { true } else { false } }.count } }
}

private func postCount(_ sim: RunningSimulator) async -> Int {
    await sim.state.requestCounts()["POST /v3/videos", default: 0]
}

private func simulatorVideoCount(_ client: HeyGenClient) async throws -> Int {
    try await HeyGenClient.collectPages { token in try await client.videos(limit: 100, token: token) }.count
}

@Suite("Batch files: reading and checking")
struct BatchFileTests {
    @Test func quotedFieldsKeepCommasQuotesAndLineBreaks() throws {
        let file = batchFile("look,voice,script,title\nlk_twin_office,\(voice),\"Hello, world.\nSecond line with \"\"quotes\"\".\",\"A, B\"\n")
        #expect(file.readIssues.isEmpty && file.issues().isEmpty, "\(file.issues())")
        let row = try #require(file.rows.first)
        #expect(file.rows.count == 1 && row.number == 2)
        #expect(row.request.script == "Hello, world.\nSecond line with \"quotes\".")
        #expect(row.request.title == "A, B")
        #expect(row.request.avatarID == "lk_twin_office" && row.request.voiceID == voice)
    }

    @Test func aByteOrderMarkAndCRLFAreRead() throws {
        let text = "look,voice,script\r\nlk_twin_office,\(voice),Hi there\r\n"
        let file = BatchFile(data: Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8), name: "bom.csv")
        #expect(file.issues().isEmpty, "\(file.issues())")
        #expect(file.rows.map(\.request.script) == ["Hi there"])
        #expect(file.rows.first?.request.avatarID == "lk_twin_office")
    }

    @Test func blankLinesAreSkippedAndRowsAreNumberedLikeASpreadsheet() {
        let file = batchFile("look,voice,script\n\nlk_twin_office,\(voice),\"one\ntwo\"\n , ,\nlk_twin_studio,\(voice),three\n\n")
        #expect(file.issues().isEmpty, "\(file.issues())")
        // Row 2 is blank, row 3 spans two lines, row 4 holds only spaces.
        #expect(file.rows.map(\.number) == [3, 5])
        #expect(file.rows.map(\.request.script) == ["one\ntwo", "three"])
    }

    @Test func headersAreMatchedLooselyAndWireNamesAreAccepted() {
        let file = batchFile("Avatar_ID,voice_id, Script ,Aspect-Ratio,SPEED\nlk_twin_office,\(voice),Hi,9:16,1.2\n")
        #expect(file.issues().isEmpty, "\(file.issues())")
        let request = file.rows.first?.request
        #expect(request?.avatarID == "lk_twin_office" && request?.aspectRatio == .portrait && request?.voiceSettings?.speed == 1.2)
    }

    @Test func anUnknownColumnAndAMissingRequiredColumnAreErrors() {
        let file = batchFile("look,script,colour\nlk_twin_office,Hi,red\n")
        let issues = file.issues()
        #expect(issues.contains { $0.row == 1 && $0.column == "colour" && $0.message.contains("unknown column") })
        #expect(issues.contains { $0.row == 1 && $0.column == "voice" && $0.message.contains("missing required column") })
        #expect(file.readIssues.count == 2)
        #expect(batchFile("look,voice,script,Voice\n").readIssues.contains { $0.message.contains("appears twice") })
    }

    @Test func unnamedColumnsMayStayEmptyButNotHoldValues() {
        let file = batchFile("look,voice,script,,\nlk_twin_office,\(voice),Fine,,\nlk_twin_office,\(voice),Stray,,oops\n")
        #expect(pairs(file.issues()) == ["3:-"])
        #expect(file.issues().first?.message.contains("cell 5") == true)
        #expect(file.rows.count == 2)
    }

    @Test func aQuoteNeverClosedIsAnErrorInsteadOfSwallowingTheRowsAfterIt() {
        let file = batchFile("look,voice,script\nlk_twin_office,\(voice),\"Opened, never closed\nlk_twin_office,\(voice),Lost row\n")
        #expect(file.rows.count == 1, "the reader takes the rest of the file as one cell")
        #expect(file.readIssues.contains { $0.row == nil && $0.message.contains("never closed") })
        #expect(batchFile("look,voice,script\nlk_twin_office,\(voice),\"Say \"\"hi\"\"\"\n").readIssues.isEmpty)
    }

    @Test func anEmptyFileOrOneWithoutRowsOrNotUTF8IsAnError() {
        #expect(batchFile("").readIssues.map(\.message).first?.contains("empty") == true)
        #expect(batchFile("look,voice,script\n\n").readIssues.map(\.message).first?.contains("no rows") == true)
        #expect(BatchFile(data: Data([0x6C, 0xFF, 0xFE, 0x0A]), name: "x.csv").readIssues.first?.message.contains("UTF-8") == true)
    }

    @Test func everyProblemIsListedWithItsRowAndColumn() {
        let text = """
            look,voice,script,title,resolution,speed,background_color,engine,motion_prompt,remove_background
            lk_twin_office,\(voice),Fine row,OK,,,,,,
            lk_twin_office,,Needs a voice,,,,,,,
            lk_twin_office,\(voice),Bad settings,,8k,2,,,,maybe
            lk_twin_office,\(voice),Bad cells,,,fast,blue,,,
            lk_twin_office,\(voice),,,,,,avatar_v,wave,
            ,\(voice),No look,,,,,,,
            lk_twin_office,\(voice),Too many cells,,,,,,,,extra

            """
        let issues = batchFile(text).issues()
        // In row order, then in the order of the columns; the row with too many cells has no column to blame.
        #expect(pairs(issues) == ["3:voice", "4:resolution", "4:remove_background", "4:speed", "5:background_color", "5:speed",
                                  "6:script", "6:motion_prompt", "7:look", "8:-"])
        #expect(issues.first { $0.column == "resolution" }?.message.contains("8k") == true)
        #expect(issues.first { $0.row == 5 && $0.column == "speed" }?.message.contains("must be a number") == true)
        #expect(issues.first { $0.row == 4 && $0.column == "speed" }?.description == "row 4, column speed: must be from 0.5 to 1.5 (got 2)")
    }

    @Test func eachRuleIssueIsTheRuleTablesOwnMessage() throws {
        // The batch adds no rule of its own: a row's issues are exactly what the request's validate() says.
        let file = batchFile("look,voice,script,expressiveness,output_format,background_image,locale,callback_url\n"
            + "lk_twin_office,\(voice),Hi,extreme,mov,http://x.test/a.png,english please,ftp://x\n")
        let request = try #require(file.rows.first?.request)
        #expect(Set(file.issues().map(\.message)) == Set(request.validate().map(\.message)))
        #expect(file.issues().count == request.validate().count)
        // In the order of the field table (the compose form's).
        #expect(pairs(file.issues()) == ["2:expressiveness", "2:output_format", "2:background_image", "2:locale", "2:callback_url"])
    }

    @Test func bothBackgroundsInOneRowIsAnError() {
        let file = batchFile("look,voice,script,background_color,background_image\nlk_twin_office,\(voice),Hi,#000000,https://x.test/a.png\n")
        #expect(file.issues().contains { $0.row == 2 && $0.column == "background_image" && $0.message.contains("not both") })
    }

    @Test func theLookRulesRunWhenTheLookIsKnown() {
        let file = batchFile("look,voice,script,engine\nlk_iv,\(voice),Hi,avatar_v\nlk_iv,\(voice),Hi,avatar_iv\n")
        #expect(file.issues().isEmpty)
        let ivOnly = Look(id: "lk_iv", name: "IV only", supportedAPIEngines: [.avatarIV], status: .completed)
        #expect(pairs(file.issues(looks: ["lk_iv": ivOnly])) == ["2:engine"])
        #expect(pairs(file.issues(missingLooks: ["lk_iv": "not found"])) == ["2:look", "3:look"])
    }
}

@Suite("Batch files: Idempotency-Keys")
struct BatchKeyTests {
    @Test func keysAreStableValidAndDistinct() {
        let text = batchCSV(rows: 5)
        let first = batchFile(text).rows.map(\.key), again = batchFile(text).rows.map(\.key)
        #expect(first == again)
        #expect(Set(first).count == 5)
        #expect(first.allSatisfy { $0.hasPrefix("batch-") && IdempotencyKey.isValid($0) })
        #expect(batchFile(text, name: "other.csv").rows.map(\.key).allSatisfy { !first.contains($0) }, "another file, other videos")
    }

    @Test func identicalRowsAreDifferentVideos() {
        let row = "lk_twin_office,\(voice),Same script\n"
        let keys = batchFile("look,voice,script\n" + row + row + row).rows.map(\.key)
        #expect(Set(keys).count == 3)
    }

    @Test func editingOrInsertingARowChangesOnlyThatRowsKey() {
        let lines = batchCSV(rows: 4).split(separator: "\n").map(String.init)
        let original = batchFile(lines.joined(separator: "\n")).rows.map(\.key)
        var edited = lines
        edited[2] = edited[2].replacingOccurrences(of: "video 2.", with: "video two.")
        let editedKeys = batchFile(edited.joined(separator: "\n")).rows.map(\.key)
        #expect(editedKeys[0] == original[0] && editedKeys[2...] == original[2...] && editedKeys[1] != original[1])
        // A row inserted above the others: they keep their keys (the row number is not part of a key).
        var inserted = lines
        inserted.insert("lk_twin_office,\(voice),A new row,New,avatar_iv,720p", at: 1)
        #expect(Set(batchFile(inserted.joined(separator: "\n")).rows.map(\.key)).isSuperset(of: original))
    }
}

@Suite("Batch runs against the simulator")
struct BatchRunTests {
    @Test func checkFetchesEachLookOnceAndFindsLookProblems() async throws {
        try await withSimulator { sim, client in
            let file = batchFile("""
                look,voice,script,engine
                lk_twin_kitchen,\(voice),IV only look,avatar_v
                lk_twin_kitchen,\(voice),Fine,avatar_iv
                lk_twin_new,\(voice),Still training,
                lk_nope,\(voice),Unknown look,
                lk_nope,\(voice),Unknown again,
                lk_twin_kitchen,no_such_voice,Unknown voice,

                """)
            let (catalog, issues) = try await BatchRunner.check(file, service: client)
            #expect(pairs(issues) == ["2:engine", "4:look", "5:look", "6:look", "7:voice"])
            #expect(issues.last?.message.contains("no_such_voice") == true)
            #expect(Set(catalog.voices.keys) == [voice])
            #expect(issues[0].message.contains("Avatar V is not available"))
            #expect(issues[1].message.contains("cannot be used yet") && issues[2].message.contains("not found"))
            #expect(Set(catalog.looks.keys) == ["lk_twin_kitchen", "lk_twin_new"])
            #expect(await sim.state.requestCounts()["GET /v3/avatars/looks/{id}"] == 3, "one GET per distinct look")
            #expect(await postCount(sim) == 0)
        }
    }

    @Test func fiftyRowsWithInjected429sMakeExactlyFiftyVideosAndARerunSendsNothing() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 0.4 }, retry: .never) { sim, client in
            await sim.state.inject([ScriptedFault(.rateLimited(retryAfterSeconds: 1), pathPrefix: "/v3/videos", method: "POST", count: 6)])
            let store = try SubmissionStore.inMemory()
            let file = batchFile(batchCSV(rows: 50))
            let (catalog, issues) = try await BatchRunner.check(file, service: client)
            try #require(issues.isEmpty, "\(issues)")
            let log = BatchEventLog()
            let runner = BatchRunner(store: store, service: client, concurrency: 4)
            let results = try await runner.run(file.rows, catalog: catalog, events: log.record)

            #expect(results.count == 50 && results.allSatisfy { $0.outcome == .submitted }, "\(results.filter { $0.outcome != .submitted })")
            #expect(results.map(\.row) == Array(2...51))
            #expect(Set(results.compactMap(\.videoID)).count == 50)
            #expect(try await simulatorVideoCount(client) == 50)
            let posts = await postCount(sim)
            #expect(posts >= 56, "50 accepted + 6 injected 429s (+ concurrency-limit 429s): \(posts)")
            #expect(log.waits == posts - 50, "every 429 was waited out and the row sent again")
            #expect(log.finished == 50)
            let rows = try await store.all()
            #expect(rows.count == 50 && rows.allSatisfy { $0.source == .batch && $0.submitState == .submitted })
            #expect(Set(rows.compactMap(\.videoID)) == Set(results.compactMap(\.videoID)))
            #expect(Set(rows.map(\.idempotencyKey)) == Set(file.rows.map(\.key)))
            let office = try #require(rows.first { $0.lookID == "lk_twin_office" })
            #expect(office.lookName != nil && office.lookName == catalog.looks["lk_twin_office"]?.name)
            #expect(office.voiceName != nil && office.voiceName == catalog.voices[office.voiceID ?? ""]?.name)

            let again = try await runner.run(file.rows, catalog: catalog)
            #expect(again.allSatisfy { $0.outcome == .skipped } && again.map(\.videoID) == results.map(\.videoID))
            #expect(await postCount(sim) == posts, "a re-run sends nothing")
            #expect(try await simulatorVideoCount(client) == 50)
        }
    }

    @Test func rowsLeftSubmittingAreResentWithTheirKeysAndMakeNoSecondVideo() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 0.3 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let file = batchFile(batchCSV(rows: 6))
            let (catalog, _) = try await BatchRunner.check(file, service: client)
            // A run killed mid-way: rows 2–3 were recorded and reached the server (answer lost), row 4 was only
            // recorded, and row 5 was recorded and answered.
            for row in file.rows.prefix(4) {
                try await store.recordSubmitting(request: row.request, key: row.key, lookName: nil, voiceName: nil, source: .batch)
            }
            var lost: [String: String] = [:]
            for row in file.rows.prefix(2) { lost[row.key] = try await client.createVideo(row.request, idempotencyKey: row.key).videoID }
            let answered = try await client.createVideo(file.rows[3].request, idempotencyKey: file.rows[3].key)
            try await store.markSubmitted(key: file.rows[3].key, videoID: answered.videoID, status: answered.status)
            #expect(try await simulatorVideoCount(client) == 3)
            #expect(try await BatchRowState.of(file.rows[0], in: store) == .resend)
            #expect(try await BatchRowState.of(file.rows[3], in: store) == .done(videoID: answered.videoID))
            #expect(try await BatchRowState.of(file.rows[5], in: store) == .new)

            let results = try await BatchRunner(store: store, service: client, concurrency: 3).run(file.rows, catalog: catalog)
            #expect(results.map(\.outcome) == [.resent, .resent, .resent, .skipped, .submitted, .submitted])
            #expect(results[0].videoID == lost[file.rows[0].key] && results[1].videoID == lost[file.rows[1].key], "the server replayed")
            #expect(try await simulatorVideoCount(client) == 6)
            #expect(try await store.all().count == 6)
            #expect(try await store.awaitingResubmit().isEmpty)
            #expect(await postCount(sim) == 3 + 5)
        }
    }

    @Test func aRefusedRowIsRecordedOnceAndNeverSentAgain() async throws {
        // One credit on the account: the second row passes every check but the server refuses it (402), for good.
        try await withSimulator(configure: { $0.renderSeconds = 0.3; $0.credits = 1 }) { sim, client in
            let store = try SubmissionStore.inMemory()
            let file = batchFile("look,voice,script\nlk_twin_office,\(voice),Fine\nlk_twin_office,\(voice),No credit left\n")
            let (catalog, issues) = try await BatchRunner.check(file, service: client)
            try #require(issues.isEmpty, "\(issues)")
            let runner = BatchRunner(store: store, service: client, concurrency: 1)
            let results = try await runner.run(file.rows, catalog: catalog)
            #expect(results.map(\.outcome) == [.submitted, .rejected])
            #expect(results[1].error?.contains("credit") == true)
            #expect(try await store.submission(key: file.rows[1].key)?.submitState == .rejected)
            let posts = await postCount(sim)
            let again = try await runner.run(file.rows, catalog: catalog)
            #expect(again.map(\.outcome) == [.skipped, .rejected])
            #expect(again[1].error?.hasPrefix("refused on an earlier run") == true)
            #expect(await postCount(sim) == posts)
        }
    }

    @Test func serverErrorsAreRetriedThenTheRowIsLeftForTheNextRun() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 0.3 }, retry: .never) { sim, client in
            await sim.state.inject([ScriptedFault(.serverError(status: 500), pathPrefix: "/v3/videos", method: "POST", count: 3)])
            let store = try SubmissionStore.inMemory()
            let file = batchFile(batchCSV(rows: 1))
            var runner = BatchRunner(store: store, service: client, concurrency: 1)
            runner.transientRetries = 1
            runner.sleep = { _ in }
            let first = try await runner.run(file.rows)
            #expect(first.map(\.outcome) == [.unresolved])
            #expect(try await store.awaitingResubmit().map(\.idempotencyKey) == [file.rows[0].key])
            let second = try await runner.run(file.rows)  // one more 500, then through
            #expect(second.map(\.outcome) == [.resent] && second[0].videoID != nil)
            #expect(await postCount(sim) == 4)
            #expect(try await simulatorVideoCount(client) == 1)
        }
    }

    @Test func batchRowsAreOnTheBoardAndThePollerFollowsThemToTheEnd() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 0.3 }) { _, client in
            let store = try SubmissionStore.inMemory()
            let file = batchFile(batchCSV(rows: 5, prefix: "Board"))
            let (catalog, _) = try await BatchRunner.check(file, service: client)
            _ = try await BatchRunner(store: store, service: client, concurrency: 5).run(file.rows, catalog: catalog)
            var logger = Logger(label: "batch-board")
            logger.logLevel = .critical
            let engine = BoardEngine(store: store, service: client, downloads: FileManager.default.temporaryDirectory,
                                     schedule: PollSchedule(scale: 0.05), logger: logger, post: { _ in })
            let finished = try await eventually(timeout: .seconds(30)) {
                _ = try await engine.pollOnce()
                return try await store.all().allSatisfy { $0.status == "completed" && $0.videoURL != nil }
            }
            #expect(finished)
            var app = AppState(width: 120, height: 40, baseURL: "http://sim", isDemo: true)
            _ = update(&app, .boardLoaded(try await store.all()))
            #expect(app.board.visible.count == 5)
            app.board.filter = "Board 3"
            #expect(app.board.visible.map(\.title) == ["Board 3"])
        }
    }

    @Test func concurrencyIsClampedToTheAccountLimit() throws {
        let store = try SubmissionStore.inMemory()
        let client = HeyGenClient(configuration: HeyGenConfiguration(baseURL: "http://127.0.0.1:9", apiKey: "x"))
        #expect(BatchRunner(store: store, service: client, concurrency: 50).concurrency == 10)
        #expect(BatchRunner(store: store, service: client, concurrency: 0).concurrency == 1)
    }
}

@Suite("Batch columns from the field table")
struct BatchFieldTableTests {
    @Test("every field of the table is a batch column, by its name and its aliases")
    func everyFieldIsAColumn() throws {
        #expect(BatchColumn.all.count == RequestFields.all.count + RequestFields.files.count)
        for file in RequestFields.files {
            let column = try #require(BatchColumn.named(file.column), "no batch column for the file \(file.column)")
            #expect(column.file == file && column.field == file.target && column.summary.hasPrefix(file.help))
        }
        for field in RequestFields.all {
            let column = try #require(BatchColumn.named(field.column), "no batch column for \(field.wire)")
            #expect(column.field == field.wire && column.summary == field.help)
            for alias in field.aliases { #expect(BatchColumn.named(alias)?.name == field.column) }
        }
    }

    @Test("each new column fills its key; a recording replaces the script column")
    func newColumns() throws {
        let file = BatchFile(data: Data("""
            look,voice,audio_url,audio_asset_id,aspect_ratio,fit,volume,caption,callback_id,background_asset_id
            lk_twin_office,,https://example.com/a.mp3,,4:5,contain,0.3,burned,order-1,asset_bg
            lk_twin_office,\(voice),,asset_audio,auto,,,srt,,
            lk_twin_office,\(voice),,,,,,,,

            """.utf8), name: "new.csv")
        #expect(file.readIssues.isEmpty, "\(file.readIssues)")
        let first = try #require(file.rows.first?.request)
        #expect(first.audioURL == "https://example.com/a.mp3" && first.aspectRatio == .fourFive && first.fit == .contain)
        #expect(first.voiceSettings?.volume == 0.3 && first.caption == .burnedIn && first.callbackID == "order-1")
        #expect(first.background == Background(type: "image", assetID: "asset_bg"))
        #expect(file.rows[1].request.audioAssetID == "asset_audio" && file.rows[1].request.caption == .sidecar)
        let issues = file.issues()
        #expect(!issues.contains { $0.row == 2 || $0.row == 3 }, "\(issues)")
        #expect(issues.contains { $0.row == 4 && $0.column == "script" && $0.message.contains("or give a recording") })
    }

    @Test("the new columns' refusals name the column")
    func refusals() {
        let file = BatchFile(data: Data("""
            look,voice,script,audio_url,volume,fit,caption,background_color,background_asset_id
            lk_twin_office,\(voice),Hi,https://example.com/a.mp3,3,fill,vtt,,
            lk_twin_office,\(voice),Hi,,,,,#000000,asset_1

            """.utf8), name: "bad.csv")
        let found = file.issues().map { "\($0.row ?? 0):\($0.column ?? "-")" }
        #expect(found.contains("2:audio_url") && found.contains("2:volume") && found.contains("2:fit") && found.contains("2:caption"))
        #expect(file.issues().contains { $0.row == 3 && $0.column == "background_asset_id" && $0.message.contains("not both") })
    }

    @Test("a file without a script column needs a recording column")
    func speechColumnRequired() {
        let file = BatchFile(data: Data("look,voice,title\nlk_twin_office,\(voice),x\n".utf8), name: "none.csv")
        #expect(file.readIssues.contains { $0.row == 1 && $0.column == "script" && $0.message.contains("audio_url, audio_asset_id or audio_file") })
    }

    @Test("a row's voice, when known, is checked against its limits")
    func voiceLimits() {
        let file = BatchFile(data: Data("look,voice,script\nlk_twin_office,v_plain,\"Hi <break time=\"\"1s\"\"/> there\"\n".utf8), name: "v.csv")
        let plain = Voice(voiceID: "v_plain", name: "Plain", language: "English", gender: .male, supportPause: false)
        #expect(file.issues().isEmpty)
        #expect(file.issues(voices: ["v_plain": plain]).contains { $0.row == 2 && $0.column == "script" && $0.message.contains("pauses") })
    }
}
