import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

/// The simulator serves the looks' pictures and the voices' previews itself, so `--demo` and the tests never
/// reach HeyGen's file hosts.
@Suite("Preview images and audio")
struct PreviewMediaTests {
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    @Test func everyLookPictureInTheListAndDetailIsServedAsPNG() async throws {
        try await withSimulator { sim, client in
            let looks = try await client.allLooks(avatarType: nil, ownership: nil)
            let withPictures = looks.filter { $0.previewImageURL != nil }
            #expect(withPictures.count >= 5, "\(looks.map(\.id))")
            for look in withPictures {
                #expect(look.previewImageURL == "\(sim.baseURL)/previews/looks/\(look.id).png")
                let reply = try await rawRequest(.GET, look.previewImageURL!, apiKey: nil)
                #expect(reply.status == 200, "\(look.id): \(reply.status)")
                #expect(reply.headers["Content-Type"].first == "image/png")
                #expect(Array(reply.body.prefix(8)) == Self.pngSignature, "\(look.id) is a PNG")
                #expect(reply.body.count > 200 && reply.body.count < 1 << 20)
                let detail = try await client.look(id: look.id)
                #expect(detail.previewImageURL == look.previewImageURL)
            }
            // A look without a picture does not get one invented.
            let without = looks.filter { $0.previewImageURL == nil }
            #expect(!without.isEmpty)
            for look in without { #expect(try await client.look(id: look.id).previewImageURL == nil) }
        }
    }

    @Test func voicePreviewsAreServedAsWAV() async throws {
        try await withSimulator { sim, client in
            let page = try await client.voices(VoiceQuery(), token: nil)
            let voices = page.data.filter { $0.previewAudioURL != nil }
            #expect(!voices.isEmpty)
            var bodies: Set<Data> = []
            for voice in voices.prefix(3) {
                #expect(voice.previewAudioURL == "\(sim.baseURL)/previews/voices/\(voice.voiceID).wav")
                let reply = try await rawRequest(.GET, voice.previewAudioURL!, apiKey: nil)
                #expect(reply.status == 200)
                #expect(reply.headers["Content-Type"].first == "audio/wav")
                #expect(reply.body.prefix(4) == Data("RIFF".utf8) && reply.body.dropFirst(8).prefix(4) == Data("WAVE".utf8))
                // The RIFF size field matches the body.
                let size = reply.body.dropFirst(4).prefix(4).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
                #expect(size == reply.body.count - 8)
                bodies.insert(reply.body)
                // Fetched like the app does, with no API key.
                #expect(try await client.fetchMedia(voice.previewAudioURL!) == reply.body)
            }
            #expect(bodies.count == min(3, voices.count), "each voice has its own chime")
        }
    }

    @Test func unknownIDsAreNotFoundAndNoKeyIsNeeded() async throws {
        try await withSimulator { sim, _ in
            for path in ["/previews/looks/lk_nope.png", "/previews/voices/v_nope.wav", "/previews/looks/..%2Flooks.json",
                         "/previews/looks/lk_twin_new.png"] {
                let reply = try await rawRequest(.GET, sim.baseURL + path, apiKey: nil)
                #expect(reply.status == 404, "\(path): \(reply.status)")
            }
            let office = try await rawRequest(.GET, sim.baseURL + "/previews/looks/lk_twin_office.png", apiKey: nil)
            #expect(office.status == 200, "the media routes need no API key")
            let wrongKey = try await rawRequest(.GET, sim.baseURL + "/previews/looks/lk_twin_office.png", apiKey: "wrong")
            #expect(wrongKey.status == 200)
        }
    }
}
