import Foundation
import GRDB

/// The one row of the `lease` table: which instance polls for the store, and until when.
struct PollerLease: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "lease"
    var id: Int64 = 1
    var owner: String
    /// Seconds since 1970.
    var expiresAt: Double
}

extension SubmissionStore {
    // MARK: - Poller lease

    /// Claims or renews the right to poll for this store, so several running instances on one store do not
    /// multiply polling. Granted when nobody holds the lease, when it expired, or when `owner` already holds
    /// it (renewal is calling this again before `ttl` passes).
    /// - Parameters:
    ///   - owner: a name unique to the instance, e.g. `"\(hostname):\(pid):\(UUID())"`.
    ///   - ttl: how long the lease lasts without renewal.
    ///   - now: the current time.
    /// - Returns: whether `owner` holds the lease until `now + ttl`.
    public func acquireLease(owner: String, ttl: TimeInterval, now: Date = Date()) async throws -> Bool {
        try await write { db in
            let moment = now.timeIntervalSince1970
            if let lease = try PollerLease.fetchOne(db, key: 1), lease.owner != owner, lease.expiresAt > moment,
                !Self.ownerIsGone(lease.owner)
            {
                return false
            }
            try PollerLease(owner: owner, expiresAt: moment + ttl).save(db)
            return true
        }
    }

    /// Whether the lease's owner was a process on this machine that no longer runs (killed, crashed): its lease
    /// is taken over at once instead of after its time-to-live. Owners are named `twindeck-<pid>-<random>`.
    static func ownerIsGone(_ owner: String) -> Bool {
        let parts = owner.split(separator: "-")
        guard parts.count >= 3, parts[0] == "twindeck", let pid = Int32(parts[1]), pid > 0 else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Gives the lease up, if `owner` holds it, so another instance may poll at once.
    public func releaseLease(owner: String) async throws {
        try await write { db in
            _ = try PollerLease.filter(Column("owner") == owner).deleteAll(db)
        }
    }
}
