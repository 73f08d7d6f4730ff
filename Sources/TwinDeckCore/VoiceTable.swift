import Foundation
import HeyGen

/// The voice catalogue kept compactly: every voice's id, name and preview file name back to back in one
/// UTF-8 buffer, and nine 32-bit words a voice for where they are and which language, gender, type and
/// preview URL folder it has (each distinct value stored once). A voice is made into a ``Voice`` only when
/// asked (`table[i]`), which the app does for the rows on screen.
///
/// Why: 10,000 `Voice` values with their own strings (two of them too long to be stored inline) took about
/// 250 bytes each, and a dictionary from id to position another 80; the table takes about 110 (the text
/// itself is most of it). It also has a plain binary form (``encoded(savedAt:)``), so the catalogue cached
/// on disk is read straight into the table instead of through a JSON decode, which left several MiB of
/// freed memory behind in malloc's arenas.
public struct VoiceTable: Sendable, Equatable, RandomAccessCollection {
    /// Words a voice: text start, id length, name length, URL length (after its folder), language, gender, type,
    /// flags, the URL's folder (`https://…/voices/`, stored once for all the voices that share it).
    static let width = 9
    private enum Word {
        static let start = 0, id = 1, name = 2, url = 3, language = 4, gender = 5, type = 6, flags = 7, urlFolder = 8
    }
    private enum Flag { static let pause: UInt32 = 1, locale: UInt32 = 2, url: UInt32 = 4 }

    let text: [UInt8]
    let words: [UInt32]
    /// Distinct languages, genders and types, in the order first seen.
    public let languageNames: [String]
    let genders: [Gender]
    let types: [VoiceType]
    /// Distinct preview URL folders (everything up to the last `/`).
    let urlFolders: [String]

    public init(_ voices: [Voice]) {
        var text: [UInt8] = []
        var words: [UInt32] = []
        words.reserveCapacity(voices.count * Self.width)
        var languages = Interner<String>(), genders = Interner<Gender>(), types = Interner<VoiceType>()
        var folders = Interner<String>()
        for voice in voices {
            let start = text.count
            text += voice.voiceID.utf8
            text += voice.name.utf8
            var folder = "", file = Substring("")
            if let url = voice.previewAudioURL {
                let cut = url.lastIndex(of: "/").map { url.index(after: $0) } ?? url.startIndex
                folder = String(url[..<cut])
                file = url[cut...]
                text += file.utf8
            }
            words += [
                UInt32(start), UInt32(voice.voiceID.utf8.count), UInt32(voice.name.utf8.count), UInt32(file.utf8.count),
                languages.id(voice.language), genders.id(voice.gender), types.id(voice.type),
                (voice.supportPause ? Flag.pause : 0) | (voice.supportLocale ? Flag.locale : 0)
                    | (voice.previewAudioURL != nil ? Flag.url : 0),
                folders.id(folder),
            ]
        }
        self.init(text: text, words: words, languageNames: languages.values, genders: genders.values, types: types.values,
                  urlFolders: folders.values)
    }

    private init(text: [UInt8], words: [UInt32], languageNames: [String], genders: [Gender], types: [VoiceType],
                 urlFolders: [String]) {
        self.text = text
        self.words = words
        self.languageNames = languageNames
        self.genders = genders
        self.types = types
        self.urlFolders = urlFolders
    }

    public static let empty = VoiceTable([])

    public var startIndex: Int { 0 }
    public var endIndex: Int { words.count / Self.width }

    public subscript(position: Int) -> Voice {
        let w = position * Self.width
        let flags = words[w + Word.flags]
        return Voice(
            voiceID: voiceID(at: position), name: string(w, from: Int(words[w + Word.id]), length: Word.name),
            language: languageNames[Int(words[w + Word.language])], gender: genders[Int(words[w + Word.gender])],
            type: types[Int(words[w + Word.type])], supportPause: flags & Flag.pause != 0,
            supportLocale: flags & Flag.locale != 0,
            previewAudioURL: flags & Flag.url != 0
                ? urlFolders[Int(words[w + Word.urlFolder])]
                    + string(w, from: Int(words[w + Word.id]) + Int(words[w + Word.name]), length: Word.url)
                : nil)
    }

    /// The id of the voice at `position`, without making the rest of the voice.
    public func voiceID(at position: Int) -> String { string(position * Self.width, from: 0, length: Word.id) }

    /// The voice's language as an index into ``languageNames``.
    func languageID(at position: Int) -> Int { Int(words[position * Self.width + Word.language]) }
    func gender(at position: Int) -> Gender { genders[Int(words[position * Self.width + Word.gender])] }

    /// The id bytes of the voice at `position`, for comparing without making a string.
    func withIDBytes<R>(at position: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let w = position * Self.width
        let start = Int(words[w + Word.start])
        return text.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<start + Int(words[w + Word.id])])) }
    }

    /// The name bytes of the voice at `position` (for folding into the search index).
    func nameBytes(at position: Int) -> ArraySlice<UInt8> {
        let w = position * Self.width
        let start = Int(words[w + Word.start]) + Int(words[w + Word.id])
        return text[start..<start + Int(words[w + Word.name])]
    }

    private func string(_ w: Int, from offset: Int, length word: Int) -> String {
        let start = Int(words[w + Word.start]) + offset
        return String(decoding: text[start..<start + Int(words[w + word])], as: UTF8.self)
    }

    // MARK: - The binary form

    /// `TWINDECK-VOICES` and a format number: a file of another format (an older JSON cache) is not read.
    static let magic = Array("TWINDECK-VOICES2".utf8)

    /// The table as bytes for the disk cache: the magic, the time, the sizes, the words, the text and the
    /// distinct values, every number little-endian.
    public func encoded(savedAt: Date) -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(out.count + 64 + words.count * 4 + text.count + languageNames.count * 16)
        func put(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        func put(strings: [String]) {
            put(UInt32(strings.count))
            for string in strings {
                put(UInt32(string.utf8.count))
                out += string.utf8
            }
        }
        withUnsafeBytes(of: savedAt.timeIntervalSinceReferenceDate.bitPattern.littleEndian) { out += $0 }
        put(UInt32(words.count))
        put(UInt32(text.count))
        for word in words { put(word) }
        out += text
        put(strings: languageNames)
        put(strings: genders.map(\.rawValue))
        put(strings: types.map(\.rawValue))
        put(strings: urlFolders)
        return out
    }

    /// Reads ``encoded(savedAt:)``; nil for anything else (another format, a cut or damaged file, a word
    /// pointing outside the text or past the distinct values): the caller then fetches the catalogue again.
    public static func decode(_ bytes: [UInt8]) -> (table: VoiceTable, savedAt: Date)? {
        var source = ArraySource(bytes: bytes)
        return read(&source)
    }

    /// ``decode(_:)`` straight from a file: the words and the text are read into the table's own arrays, so
    /// loading a 10,000-voice cache holds no second copy of it (the peak is the table itself).
    public static func read(contentsOf path: String) -> (table: VoiceTable, savedAt: Date)? {
        guard var source = FileSource(path: path) else { return nil }
        defer { source.finish() }
        return read(&source)
    }

    private static func read(_ reader: inout some ByteSource) -> (table: VoiceTable, savedAt: Date)? {
        guard reader.bytes(magic.count) == magic, let seconds = reader.uint64(),
              let wordCount = reader.uint32().map(Int.init), wordCount % width == 0,
              let textCount = reader.uint32().map(Int.init), let words = reader.words(wordCount),
              let text = reader.bytes(textCount),
              let languages = reader.strings(), let genders = reader.strings(), let types = reader.strings(),
              let folders = reader.strings(), reader.isAtEnd
        else { return nil }
        let table = VoiceTable(text: text, words: words, languageNames: languages,
                               genders: genders.map(Gender.init(rawValue:)), types: types.map(VoiceType.init(rawValue:)),
                               urlFolders: folders)
        // A saved time that is NaN, infinite or past any real clock (±10^10 s, about 300 years) marks a damaged
        // file: the cache is ignored, and the catalogue is fetched again.
        let savedAt = Double(bitPattern: seconds)
        guard table.isConsistent, savedAt.isFinite, abs(savedAt) < 1e10 else { return nil }
        return (table, Date(timeIntervalSinceReferenceDate: savedAt))
    }

    /// Every voice's strings inside the text and every value id inside its list.
    private var isConsistent: Bool {
        for position in indices {
            let w = position * Self.width
            let end = UInt64(words[w + Word.start]) + UInt64(words[w + Word.id]) + UInt64(words[w + Word.name])
                + UInt64(words[w + Word.url])
            guard end <= UInt64(text.count), Int(words[w + Word.language]) < languageNames.count,
                  Int(words[w + Word.gender]) < genders.count, Int(words[w + Word.type]) < types.count,
                  Int(words[w + Word.urlFolder]) < urlFolders.count
            else { return false }
        }
        return true
    }
}

/// Gives each distinct value a small number, in the order first seen.
private struct Interner<Value: Hashable> {
    private var ids: [Value: UInt32] = [:]
    private(set) var values: [Value] = []

    mutating func id(_ value: Value) -> UInt32 {
        if let id = ids[value] { return id }
        let id = UInt32(values.count)
        ids[value] = id
        values.append(value)
        return id
    }
}

/// Where ``VoiceTable/read(_:)`` takes its bytes from, front to back; every read is nil once it would run
/// past the end, so a count from a damaged file never makes a large allocation.
private protocol ByteSource {
    var remaining: Int { get }
    /// The next `count` bytes into `buffer` (which has room for them).
    mutating func copy(_ count: Int, into buffer: UnsafeMutableRawBufferPointer)
}

extension ByteSource {
    var isAtEnd: Bool { remaining == 0 }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            copy(count, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// `count` little-endian 32-bit words.
    mutating func words(_ count: Int) -> [UInt32]? {
        guard count >= 0, count <= remaining / 4 else { return nil }
        var words = [UInt32](unsafeUninitializedCapacity: count) { buffer, initialized in
            copy(count * 4, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
        if UInt32(1).littleEndian != 1 { for i in words.indices { words[i] = UInt32(littleEndian: words[i]) } }
        return words
    }

    mutating func uint32() -> UInt32? { words(1)?.first }

    mutating func uint64() -> UInt64? {
        guard let pair = words(2) else { return nil }
        return UInt64(pair[0]) | UInt64(pair[1]) << 32
    }

    mutating func strings() -> [String]? {
        guard let count = uint32().map(Int.init), count <= remaining / 4 else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(count)
        for _ in 0..<count {
            guard let length = uint32().map(Int.init), let run = bytes(length) else { return nil }
            strings.append(String(decoding: run, as: UTF8.self))
        }
        return strings
    }
}

private struct ArraySource: ByteSource {
    let bytes: [UInt8]
    var offset = 0
    var remaining: Int { bytes.count - offset }

    mutating func copy(_ count: Int, into buffer: UnsafeMutableRawBufferPointer) {
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
        offset += count
    }
}

/// A file read with `read(2)`; a short read (the file changed under us) leaves zeros, which the table's
/// consistency check or the string decoding then meets like any other damage.
private struct FileSource: ByteSource {
    let descriptor: Int32
    var remaining: Int

    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            _ = close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        remaining = Int(status.st_size)
    }

    mutating func copy(_ count: Int, into buffer: UnsafeMutableRawBufferPointer) {
        var done = 0
        while done < count {
            let n = read(descriptor, buffer.baseAddress! + done, count - done)
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                buffer.baseAddress!.advanced(by: done).initializeMemory(as: UInt8.self, repeating: 0, count: count - done)
                break
            }
        }
        remaining -= count
    }

    func finish() { _ = close(descriptor) }
}
