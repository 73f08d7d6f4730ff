import Foundation

/// How long a recording plays, read from its header: exact for a WAV (data size over byte rate), about for an MP3
/// (the first frame's bit rate over the file's size: right for constant bit rate, close for most variable ones).
public enum AudioLength {
    /// Seconds, or nil when the header does not tell (an unusual layout, a damaged file).
    public static func seconds(of url: URL, type: AssetType) -> Double? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        // Headers sit at the front; 64 KiB covers an ID3 tag with a small cover picture and any WAV's chunks before data.
        guard let head = try? handle.read(upToCount: 65_536), let size = try? handle.seekToEnd() else { return nil }
        return seconds(head: [UInt8](head), fileSize: Int64(clamping: size), type: type)
    }

    /// Seconds from a file's first bytes (64 KiB is plenty) and its whole size.
    public static func seconds(head bytes: [UInt8], fileSize: Int64, type: AssetType) -> Double? {
        switch type {
        case .wav: wav(bytes)
        case .mp3: mp3(bytes, fileSize: fileSize)
        default: nil
        }
    }

    static func le32(_ b: [UInt8], _ i: Int) -> UInt32? {
        guard i >= 0, i + 4 <= b.count else { return nil }
        return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    /// RIFF/WAVE: the `fmt ` chunk's byte rate, the `data` chunk's size.
    static func wav(_ b: [UInt8]) -> Double? {
        guard b.count >= 12, Array(b[0..<4]) == Array("RIFF".utf8), Array(b[8..<12]) == Array("WAVE".utf8) else { return nil }
        var offset = 12
        var byteRate: UInt32?
        while offset + 8 <= b.count {
            let id = String(decoding: b[offset..<(offset + 4)], as: UTF8.self)
            guard let size = le32(b, offset + 4) else { return nil }
            if id == "fmt " { byteRate = le32(b, offset + 8 + 8) }
            if id == "data" {
                guard let rate = byteRate, rate > 0 else { return nil }
                return Double(size) / Double(rate)
            }
            let (next, overflow) = offset.addingReportingOverflow(8 + Int(size) + Int(size & 1))
            guard !overflow else { return nil }
            offset = next
        }
        return nil
    }

    /// MPEG audio: skip an ID3v2 tag, read the first frame's bit rate.
    static func mp3(_ b: [UInt8], fileSize: Int64) -> Double? {
        var start = 0
        if b.count >= 10, Array(b[0..<3]) == Array("ID3".utf8) {
            // A syncsafe size: 7 bits a byte.
            let tag = b[6..<10].reduce(0) { ($0 << 7) | Int($1 & 0x7F) }
            start = 10 + tag
        }
        guard start + 4 <= b.count, b[start] == 0xFF, b[start + 1] & 0xE0 == 0xE0 else { return nil }
        let version = (b[start + 1] >> 3) & 0x03  // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        let layer = (b[start + 1] >> 1) & 0x03  // 1: layer III
        let index = Int(b[start + 2] >> 4)
        guard layer == 1, version != 1, (1...14).contains(index) else { return nil }
        let mpeg1 = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
        let mpeg2 = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
        let kbps = (version == 3 ? mpeg1 : mpeg2)[index - 1]
        let audioBytes = max(0, fileSize - Int64(start))
        return Double(audioBytes) * 8 / Double(kbps * 1000)
    }
}
