import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What saving the draft did.
public enum DraftSaveResult: Equatable, Sendable {
    /// Written to the draft file.
    case saved
    /// The file already holds this draft: nothing was written.
    case unchanged
    /// The draft file changed since this instance read or wrote it (another TwinDeck saved its own draft, or the
    /// file could not be read at start): it was left alone, and this draft was written to `path` instead, where this
    /// instance keeps saving from now on.
    case keptAside(path: String)
    /// Nothing could be written (a full disk, a read-only folder): the reason, for the screen.
    case failed(String)
}

/// The compose form's draft on disk, so it survives quitting, a crash and a `kill -9`.
///
/// - Every write is atomic: a 0600 temporary file in the same 0700 folder, written, `fsync`ed and renamed over the
///   draft, so a reader sees the old draft or the new one, never half of one.
/// - Two instances share one file. The store remembers what the file held when this instance loaded or last saved
///   it (size and FNV-1a hash); a save that finds anything else there does not overwrite it: this instance's draft
///   goes to `draft-<UTC time>.json` beside it instead (``DraftSaveResult/keptAside(path:)``). Reading, checking and
///   writing happen under an exclusive `flock` on a lock file beside the draft, so two saves cannot interleave.
public final class DraftStore: Sendable {
    /// The shared draft file (`draft.json`), the one loaded at start.
    public let url: URL
    private let now: @Sendable () -> Date
    private let state: Mutex<Tracking>

    struct Fingerprint: Equatable {
        var size: Int
        var hash: UInt64
        init(_ data: Data) {
            size = data.count
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in data { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            hash = h
        }
    }

    /// What this instance believes its file holds.
    enum Baseline: Equatable {
        /// No file (nothing loaded, or nothing there at start).
        case absent
        /// A file that could not be read: never ours to replace.
        case unknown
        case content(Fingerprint)
    }

    struct Tracking {
        var target: URL
        var baseline: Baseline = .absent
    }

    /// - Parameter now: the clock for side files' names.
    public init(url: URL, now: @escaping @Sendable () -> Date = { Date() }) {
        self.url = url
        self.now = now
        state = Mutex(Tracking(target: url))
    }

    /// Where this instance's draft goes now: ``url``, or the side file after a conflict.
    public var target: URL { state.withLock { $0.target } }

    /// The saved draft; nil when there is none. Throws when a file is there but cannot be read or decoded: it is then
    /// never overwritten (the next save goes to a side file).
    public func load() throws -> ComposeDraft? {
        try state.withLock { tracking in
            tracking.target = url
            let data: Data
            do {
                guard let read = try Self.read(url) else {
                    tracking.baseline = .absent
                    return nil
                }
                data = read
            } catch {
                tracking.baseline = .unknown
                throw error
            }
            do {
                let draft = try JSONDecoder().decode(ComposeDraft.self, from: data)
                tracking.baseline = .content(Fingerprint(data))
                return draft
            } catch {
                tracking.baseline = .unknown
                throw DraftError(message: "\(url.path) is not a draft this version can read (\(Self.describe(error)))")
            }
        }
    }

    /// Saves `draft` (see the type's notes); never throws: a failure is a result to show.
    public func save(_ draft: ComposeDraft) -> DraftSaveResult {
        do {
            return try state.withLock { tracking in try save(draft, &tracking) }
        } catch {
            return .failed(Self.describe(error))
        }
    }

    private func save(_ draft: ComposeDraft, _ tracking: inout Tracking) throws -> DraftSaveResult {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(draft)
        let ours = Fingerprint(data)
        // Nothing new since this instance last wrote or read it: whatever is on disk now is left as it is.
        if tracking.baseline == .content(ours) { return .unchanged }
        let folder = tracking.target.deletingLastPathComponent()
        try Self.makeFolder(folder)
        let lock = try FileLock(folder.appendingPathComponent(".\(url.lastPathComponent).lock"))
        defer { lock.release() }
        let onDisk = try Self.read(tracking.target).map(Fingerprint.init)
        if onDisk == ours {
            tracking.baseline = .content(ours)
            return .unchanged
        }
        let untouched = switch tracking.baseline {
        case .absent: onDisk == nil
        case .unknown: onDisk == nil
        case .content(let known): onDisk == known || onDisk == nil
        }
        if untouched {
            try Self.writeAtomically(data, to: tracking.target)
            tracking.baseline = .content(ours)
            return .saved
        }
        let side = try sideFile()
        try Self.writeAtomically(data, to: side)
        tracking.target = side
        tracking.baseline = .content(ours)
        return .keptAside(path: side.path)
    }

    /// `draft-20260105-142233.json` beside the draft (`draft-demo-….json` for `draft-demo.json`), a new name.
    private func sideFile() throws -> URL {
        let folder = url.deletingLastPathComponent()
        let stem = url.deletingPathExtension().lastPathComponent
        let ext = url.pathExtension.isEmpty ? "json" : url.pathExtension
        let seconds = now().timeIntervalSince1970
        var time = time_t(seconds.isFinite ? max(0, min(seconds, 4_000_000_000)) : 0)
        var parts = tm()
        gmtime_r(&time, &parts)
        let stamp = String(format: "%04d%02d%02d-%02d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                           Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        for n in 1...100 {
            let name = n == 1 ? "\(stem)-\(stamp).\(ext)" : "\(stem)-\(stamp)-\(n).\(ext)"
            let candidate = folder.appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        throw DraftError(message: "no free name for a side file of \(url.path)")
    }

    // MARK: - Files

    /// The file's bytes; nil when there is none.
    static func read(_ url: URL) throws -> Data? {
        do {
            return try Data(contentsOf: url)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return nil
        } catch let error as NSError where error.domain == NSPOSIXErrorDomain && error.code == Int(ENOENT) {
            return nil
        }
    }

    static func makeFolder(_ folder: URL) throws {
        guard !FileManager.default.fileExists(atPath: folder.path) else { return }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Writes `data` to a 0600 temporary file beside `url`, syncs it and renames it over `url`; on any failure the
    /// temporary file is removed and `url` is as it was. The errors carry the system's reason ("No space left on device").
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DraftError(errno: errno, doing: "create \(temporary.path)") }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temporary.path) }
        }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { break }
                let written = write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw DraftError(errno: errno, doing: "write \(url.path)")
                }
                if written == 0 { throw DraftError(errno: EIO, doing: "write \(url.path)") }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw DraftError(errno: errno, doing: "sync \(url.path)") }
        closed = true
        guard close(fd) == 0 else { throw DraftError(errno: errno, doing: "write \(url.path)") }
        guard rename(temporary.path, url.path) == 0 else { throw DraftError(errno: errno, doing: "replace \(url.path)") }
        renamed = true
        // The rename itself is made durable by syncing the folder (best effort: some file systems refuse it).
        let dir = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DraftError { return error.message }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let text = strerror(Int32(truncatingIfNeeded: underlying.code)) {
            return "\(String(cString: text)) (\(ns.userInfo[NSFilePathErrorKey] as? String ?? ns.localizedDescription))"
        }
        return ns.localizedDescription
    }
}

/// A draft file problem, with the system's words for it.
public struct DraftError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    init(errno code: Int32, doing what: String) {
        let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        // The reason first: it is what fits on a status line.
        message = "\(reason) (could not \(what))"
    }
    public var description: String { message }
}

/// An exclusive `flock` held while a save reads, checks and writes the draft.
struct FileLock {
    let fd: Int32

    init(_ url: URL) throws {
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DraftError(errno: errno, doing: "open the lock \(url.path)") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let code = errno
                close(fd)
                throw DraftError(errno: code, doing: "lock \(url.path)")
            }
        }
    }

    func release() {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
