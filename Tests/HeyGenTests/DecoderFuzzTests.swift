import Foundation
import NIOCore
import Testing
import TwinDeckTestSupport
@testable import HeyGen

/// Property: whatever bytes arrive in a 200, the client's decoder either returns a value or throws a typed
/// `HeyGenError` — never another error, never a crash. The inputs are the contract's documented examples,
/// mutated at random (seeded, so a failure can be replayed): byte flips, cuts, deletions, inserted structure,
/// invalid UTF-8, type swaps, huge numbers, long strings and deep nesting.
@Suite("Decoders under fuzzing")
struct DecoderFuzzTests {
    static let examples = repositoryRoot.appendingPathComponent("Tests/HeyGenTests/ContractExamples", isDirectory: true)
    static let client = HeyGenClient(configuration: HeyGenConfiguration(baseURL: "http://127.0.0.1:9", apiKey: "sk_fuzz_KEY_1234"))

    /// Each documented response, with the type the client decodes it as.
    static let targets: [(name: String, decode: @Sendable (RawResponse) throws -> Void)] = [
        ("looks-list", { _ = try client.decode(Page<Look>.self, from: $0) }),
        ("look-detail", { _ = try client.decode(DataEnvelope<Look>.self, from: $0) }),
        ("voices-list", { _ = try client.decode(Page<Voice>.self, from: $0) }),
        ("video-create-response", { _ = try client.decode(DataEnvelope<CreateVideoResponse>.self, from: $0) }),
        ("video-get-completed", { _ = try client.decode(DataEnvelope<Video>.self, from: $0) }),
        ("video-get-failed", { _ = try client.decode(DataEnvelope<Video>.self, from: $0) }),
        ("video-get-processing", { _ = try client.decode(DataEnvelope<Video>.self, from: $0) }),
        ("webhook-endpoint-create-response", { _ = try client.decode(DataEnvelope<WebhookEndpoint>.self, from: $0) }),
        ("webhook-event-success", { _ = try client.decode(WebhookEvent.self, from: $0) }),
        ("webhook-event-fail", { _ = try client.decode(WebhookEvent.self, from: $0) }),
        ("error-invalid-parameter", { _ = try client.decode(DataEnvelope<Video>.self, from: $0) }),
    ]

    /// Decodes `bytes` as `decode` does; records anything but success or a `HeyGenError`.
    static func check(_ bytes: [UInt8], _ decode: (RawResponse) throws -> Void, _ what: @autoclosure () -> String) -> Bool {
        do {
            try decode(RawResponse(status: 200, body: ByteBuffer(bytes: bytes)))
            return true
        } catch let error as HeyGenError {
            #expect(!error.description.contains("sk_fuzz_KEY_1234"))
            if let snippet = error.snippet { #expect(!snippet.unicodeScalars.contains(where: Sanitizer.isUnsafe), "\(what())") }
            return false
        } catch {
            Issue.record("\(what()): untyped \(type(of: error)): \(error)")
            return false
        }
    }

    @Test("mutated documented payloads decode or fail with a typed error")
    func mutatedPayloads() throws {
        let perExample = soakSeconds == nil ? 250 : 1_000_000
        let deadline = Date().addingTimeInterval(soakSeconds ?? 3_600)
        var random = TestRandom(seed: 0xF022_2026)
        var tried = 0, decoded = 0
        for target in Self.targets {
            let original = Array(try Data(contentsOf: Self.examples.appendingPathComponent(target.name + ".json")))
            #expect(Self.check(original, target.decode, "\(target.name) as documented") || target.name.hasPrefix("error"))
            for round in 0..<perExample where Date() < deadline {
                let mutated = Mutator.mutate(original, rounds: 1 + round % 4, using: &random)
                tried += 1
                if Self.check(mutated, target.decode, "\(target.name) #\(round): \(String(decoding: mutated.prefix(300), as: UTF8.self))") {
                    decoded += 1
                }
            }
        }
        #expect(tried >= Self.targets.count * min(perExample, 100))
        #expect(decoded > 0 && decoded < tried, "the mutations both kept and broke payloads (\(decoded) of \(tried) decoded)")
        reportFigures("decoder-fuzz", ["payloads": tried, "decoded": decoded, "typed_errors": tried - decoded])
    }

    @Test("random bytes, deep nesting and huge numbers are typed errors")
    func randomAndPathological() {
        var random = TestRandom(seed: 7)
        let decode = Self.targets[0].decode
        for length in [0, 1, 2, 16, 1_000, 100_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(!Self.check(bytes, decode, "\(length) random bytes"))
        }
        let pathological: [String] = [
            String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
            #"{"data": "# + String(repeating: #"{"a":"#, count: 50_000) + "1" + String(repeating: "}", count: 50_000) + "}",
            #"{"data": [{"id": "x", "name": "n", "avatar_type": "digital_twin", "image_width": 1e999}]}"#,
            #"{"data": [{"id": "x", "name": "n", "avatar_type": "digital_twin", "image_width": 99999999999999999999999999}]}"#,
            #"{"data": [{"id": "x", "name": "n", "avatar_type": "digital_twin", "image_width": -1.5e308}]}"#,
            #"{"data": [], "has_more": "yes", "next_token": 12}"#,
            #"{"data": [{"id": "\ud800", "name": "lone surrogate"}]}"#,
            #"{"data": {"id": "x"}, "data": []}"#,
            #"{"data": [null, 1, "x", [], {}]}"#,
            "\u{FEFF}{\"data\": []}",
        ]
        for text in pathological {
            _ = Self.check(Array(text.utf8), decode, String(text.prefix(80)))
        }
        // Invalid UTF-8 inside a string: a typed error or a decoded value, never a crash.
        let invalid: [UInt8] = Array(#"{"data": [{"id": "lk_1", "name": "bad "#.utf8) + [0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80] + Array(#""}]}"#.utf8)
        _ = Self.check(invalid, decode, "invalid UTF-8")
    }
}

/// Seeded mutations of JSON bytes.
enum Mutator {
    static let structural: [UInt8] = Array(#"{}[],:"\0-e.9"#.utf8)

    static func mutate(_ input: [UInt8], rounds: Int, using random: inout TestRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<rounds {
            guard !bytes.isEmpty else { return bytes }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<9, using: &random) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)  // byte flip
            case 1: bytes = Array(bytes[..<at])  // truncation
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...40, using: &random)))  // deletion
            case 3: bytes.insert(structural.randomElement(using: &random)!, at: at)  // stray structure
            case 4: bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: at)  // invalid UTF-8
            default: bytes = swapValue(bytes, using: &random) ?? bytes  // type swaps, huge numbers, long strings, nesting
            }
        }
        return bytes
    }

    /// Replaces one value somewhere in the document with a value of another shape.
    static func swapValue(_ bytes: [UInt8], using random: inout TestRandom) -> [UInt8]? {
        guard var root = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return nil }
        let replacements: [Any] = [
            NSNull(), true, 0, -1, 1e308, Int64.max, "", String(repeating: "x", count: 10_000), "\u{1B}[2J\u{202E}",
            [Any](), [String: Any](), [[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]], ["unexpected": ["nested": 1]],
        ]
        var remaining = Int.random(in: 0..<64, using: &random)
        root = replace(root, remaining: &remaining, with: replacements.randomElement(using: &random)!)
        return (try? JSONSerialization.data(withJSONObject: root, options: [.fragmentsAllowed, .sortedKeys])).map(Array.init)
    }

    /// Walks the tree depth-first and replaces the node where `remaining` reaches zero (or the last one).
    static func replace(_ node: Any, remaining: inout Int, with value: Any) -> Any {
        if remaining == 0 { remaining = -1; return value }
        remaining -= 1
        if var object = node as? [String: Any] {
            for key in object.keys.sorted() where remaining >= 0 {
                object[key] = replace(object[key]!, remaining: &remaining, with: value)
            }
            return object
        }
        if var array = node as? [Any] {
            for index in array.indices where remaining >= 0 {
                array[index] = replace(array[index], remaining: &remaining, with: value)
            }
            return array
        }
        return node
    }
}
