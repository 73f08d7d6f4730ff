import Foundation

/// Small files of each kind an upload test needs, written into a fresh temporary folder.
public struct SampleAssets {
    public let folder: URL

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindeck-assets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    public func remove() { try? FileManager.default.removeItem(at: folder) }

    /// An MP3: an ID3v2 header and `frames` silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each).
    public func mp3(_ name: String = "voice.mp3", frames: Int = 40) throws -> URL {
        var bytes: [UInt8] = Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 0]
        let frame: [UInt8] = [0xFF, 0xFB, 0x90, 0x64] + [UInt8](repeating: 0, count: 413)
        for _ in 0..<frames { bytes += frame }
        return try write(bytes, name)
    }

    /// A WAV: a RIFF/WAVE header and `seconds` of 8 kHz 16-bit mono silence.
    public func wav(_ name: String = "voice.wav", seconds: Int = 1) throws -> URL {
        let dataSize = UInt32(8_000 * 2 * seconds)
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        var bytes = Array("RIFF".utf8) + le32(36 + dataSize) + Array("WAVE".utf8)
        bytes += Array("fmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(8_000) + le32(16_000) + le16(2) + le16(16)
        bytes += Array("data".utf8) + le32(dataSize) + [UInt8](repeating: 0, count: Int(dataSize))
        return try write(bytes, name)
    }

    /// A PNG: the signature and an IHDR chunk, padded to `size` bytes.
    public func png(_ name: String = "background.png", size: Int = 2_048) throws -> URL {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        bytes += [UInt8](repeating: 7, count: max(0, size - bytes.count))
        return try write(bytes, name)
    }

    /// A text file (under any name, `notes.mp3` say, to pose as something else).
    public func text(_ name: String = "notes.txt", _ content: String = "just some words, not audio\n") throws -> URL {
        try write(Array(content.utf8), name)
    }

    /// A sparse file of `bytes` bytes that starts like an MP3 (no disk is spent on the rest).
    public func big(_ name: String = "long.mp3", bytes: Int64) throws -> URL {
        let url = try mp3(name, frames: 1)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(bytes))
        try handle.close()
        return url
    }

    @discardableResult
    public func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}
