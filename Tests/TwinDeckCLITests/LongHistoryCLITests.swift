import Foundation
import Testing
import TwinDeckTestSupport

// Issue 16, item 6 through the real binary: `videos --json` writes a long history a page at a time (its memory
// does not grow with the history; perf.py measures that), and what it writes is one valid JSON array of every row.

/// Copies the one row of the history `count - 1` times with new keys and videos, one day apart, straight into the
/// file (as years of use would leave it), and makes one copy unreadable to this version.
private func growHistory(_ path: String, to count: Int) async throws {
    let result = try await run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        columns = [r[1] for r in db.execute("PRAGMA table_info(submission)") if r[1] not in ("rowID", "changeSeq")]
        row = dict(zip(columns, db.execute(f"SELECT {', '.join(columns)} FROM submission").fetchone()))
        rows = []
        for i in range(1, int(sys.argv[2])):
            copy = dict(row, idempotencyKey=f"grown-{i:05d}", videoID=f"v_grown_{i:05d}", title=f"Grown {i} \\u00e9\\u9031",
                        createdAt=row["createdAt"] - i * 86400, status="completed")
            rows.append(tuple(copy[c] for c in columns))
        db.executemany(f"INSERT INTO submission ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
        db.execute("UPDATE submission SET downloadState = 'mirrored' WHERE idempotencyKey = 'grown-00777'")
        db.commit()
        """, path, String(count)], environment: ProcessInfo.processInfo.environment)
    try #require(result.code == 0, "\(result.stderr)")
}

@Suite("twindeck videos over a long history")
struct LongHistoryCLITests {
    @Test("videos --json over 3,000 rows is one JSON array of every readable row, newest first; the bad one is named")
    func everyRowIsListedAsValidJSON() async throws {
        let sandbox = Sandbox()
        let made = try await twindeck(["create", "--look", "lk_twin_office", "--voice", "1bd001e7e50f421d891986aad5c8bbd2",
                                       "--script", "Hello from the long history.", "--title", "Newest", "--demo"], sandbox: sandbox)
        try #require(made.code == 0, "\(made.stderr)")
        let path = sandbox.root.appendingPathComponent("data/twindeck/demo-store.sqlite").path
        try await growHistory(path, to: 3_000)

        let listed = try await twindeck(["videos", "--demo", "--json"], sandbox: sandbox)
        #expect(listed.code == 0, "\(listed.stderr)")
        let rows = try #require(listed.json as? [[String: Any]], "not one JSON array: \(listed.stdout.prefix(300))")
        #expect(rows.count == 2_999)
        let keys = rows.compactMap { $0["idempotency_key"] as? String }
        #expect(Set(keys).count == 2_999 && !keys.contains("grown-00777"))
        #expect(rows.first?["title"] as? String == "Newest")
        #expect(rows.last?["idempotency_key"] as? String == "grown-02999")
        #expect(rows.dropFirst().first?["title"] as? String == "Grown 1 é週")
        let created = rows.compactMap { $0["created_at"] as? String }
        #expect(created.count == rows.count && created == created.sorted(by: >), "newest first")
        #expect(rows.allSatisfy { $0.keys.contains("failure_message") && $0.keys.contains("video_url") }, "every key present")
        #expect(listed.stderr.contains("1 row of the history could not be read"), "\(listed.stderr)")
        #expect(listed.stderr.contains("grown-00777") && listed.stderr.contains("downloadState"), "\(listed.stderr)")
        // The same rows as the table lists.
        let table = try await twindeck(["videos", "--demo"], sandbox: sandbox)
        #expect(table.code == 0)
        #expect(table.stdout.split(separator: "\n").count == 3_000, "a header and 2,999 rows")
    }

    @Test("an empty history is an empty JSON array, and a write that fails is an error, not a cut listing")
    func emptyAndUnwritable() async throws {
        let sandbox = Sandbox()
        let empty = try await twindeck(["videos", "--demo", "--json"], sandbox: sandbox)
        #expect(empty.code == 0 && (empty.json as? [Any])?.isEmpty == true, "\(empty.stdout)")
        let made = try await twindeck(["create", "--look", "lk_twin_office", "--voice", "1bd001e7e50f421d891986aad5c8bbd2",
                                       "--script", "Hello.", "--title", "One", "--demo"], sandbox: sandbox)
        try #require(made.code == 0, "\(made.stderr)")
        let one = try await twindeck(["videos", "--demo", "--json"], sandbox: sandbox)
        #expect((one.json as? [[String: Any]])?.first?["title"] as? String == "One")
        let full = try await run(URL(fileURLWithPath: "/bin/sh"), ["-c", "exec \"$0\" videos --demo --json > /dev/full", twindeckBinary.path],
                                 environment: sandbox.environment)
        #expect(full.code != 0, "writing to a full disk must fail")
        #expect(full.stderr.contains("No space left") || full.stderr.contains("could not write"), "\(full.stderr)")
    }
}
