import Foundation
import HeyGen
import HTTPTypes
import Hummingbird
import NIOCore
import TwinDeckResources

/// Look pictures and voice previews, served by the simulator itself so `--demo` and the tests never reach
/// HeyGen's file hosts: the looks' `preview_image_url` and the voices' `preview_audio_url` point here.
struct PreviewController {
    let state: SimulatorState

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/previews/looks/{file}") { _, context in
            let file = try context.parameters.require("file")
            let id = String(file.dropLast(file.hasSuffix(".png") ? 4 : 0))
            guard state.looks.contains(where: { $0.look.id == id }),
                let png = try? TwinDeckResources.data(named: "previews/\(id).png")
            else { return MediaController.plain(.notFound, "NoSuchKey") }
            return Response(status: .ok, headers: [.contentType: "image/png", .contentLength: "\(png.count)"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
        }
        router.get("/previews/voices/{file}") { _, context in
            let file = try context.parameters.require("file")
            let id = String(file.dropLast(file.hasSuffix(".wav") ? 4 : 0))
            guard state.voices.contains(where: { $0.voiceID == id }) else { return MediaController.plain(.notFound, "NoSuchKey") }
            let wav = Self.tone(seed: stableHash(Data(id.utf8)))
            return Response(status: .ok, headers: [.contentType: "audio/wav", .contentLength: "\(wav.count)"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: wav)))
        }
    }

    /// Where the simulator serves a look's picture and a voice's preview.
    static func rewrite(_ look: Look, base: String) -> Look {
        var look = look
        if look.previewImageURL != nil { look.previewImageURL = "\(base)/previews/looks/\(look.id).png" }
        return look
    }

    static func rewrite(_ voice: Voice, base: String) -> Voice {
        var voice = voice
        if voice.previewAudioURL != nil { voice.previewAudioURL = "\(base)/previews/voices/\(voice.voiceID).wav" }
        return voice
    }

    /// A real, playable WAV: one second of a two-note chime whose pitch depends on the voice.
    static func tone(seed: UInt64) -> Data {
        let rate = 8_000, samples = rate
        let base = 220.0 + Double(seed % 220)
        var pcm = Data(capacity: samples)
        for n in 0..<samples {
            let t = Double(n) / Double(rate)
            let frequency = n < samples / 2 ? base : base * 1.5
            let envelope = min(1, t * 20) * max(0, 1 - t)
            pcm.append(UInt8(clamping: Int(128 + 90 * envelope * sin(2 * .pi * frequency * t))))
        }
        func le32(_ v: Int) -> Data { withUnsafeBytes(of: UInt32(v).littleEndian) { Data($0) } }
        func le16(_ v: Int) -> Data { withUnsafeBytes(of: UInt16(v).littleEndian) { Data($0) } }
        var wav = Data("RIFF".utf8) + le32(36 + pcm.count) + Data("WAVEfmt ".utf8)
        wav += le32(16) + le16(1) + le16(1) + le32(rate) + le32(rate) + le16(1) + le16(8)
        wav += Data("data".utf8) + le32(pcm.count) + pcm
        return wav
    }
}
