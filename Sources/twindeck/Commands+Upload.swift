import ArgumentParser
import Foundation
import HeyGen
import TwinDeckCore

extension AssetPurpose: ExpressibleByArgument {}

extension TwinDeckCommand {
    /// `twindeck upload FILE`: a local file becomes an asset id (`audio_asset_id`, `background.asset_id`).
    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload a local file (mp3/wav audio, png/jpeg image; at most 32 MB) and print its asset id.",
            discussion: """
                The file is checked before anything is sent (size, and type by name and content). A dropped \
                connection is retried. The asset id is remembered per account and file content, so uploading the \
                same file again sends nothing and prints the same id ("already uploaded").
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var format: OutputOptions
        @Argument(help: ArgumentHelp("The file to upload.", valueName: "file")) var file: String
        @Option(name: .customLong("as"), help: ArgumentHelp("What the file is for: audio or image (default: told by the file).", valueName: "kind"))
        var purpose: AssetPurpose?

        func run() async throws {
            try await Session.with(global, quiet: format.json) { session in
                let url = URL(fileURLWithPath: (file as NSString).expandingTildeInPath)
                let checked = try AssetFile.check(url, for: purpose ?? Self.purpose(of: url))
                let uploader = session.uploader()
                // Progress comes from the upload's body, one chunk at a time, while this task waits for it.
                let line = ProgressLine()
                defer { line.finish() }
                let json = format.json
                let outcome = try await uploader.upload(checked) { p in
                    guard !json else { return }
                    line.update(Self.describe(p))
                }
                line.finish()
                if let note = outcome.note { Output.note("twindeck: warning: \(note)") }
                let asset = outcome.asset
                if format.json {
                    try Output.json(Uploaded(asset: asset, path: url.path, reused: outcome.reused))
                } else {
                    let name = Sanitizer.inert(url.lastPathComponent, limit: 200)
                    Output.note(outcome.reused
                        ? "\(name) is already uploaded (same content): nothing sent"
                        : "Uploaded \(name) (\(asset.sizeBytes) bytes, \(Sanitizer.inert(asset.mimeType, limit: 60)))")
                    Output.line(Sanitizer.inert(asset.assetID, limit: 200))
                }
            }
        }

        /// image for a .png/.jpg/.jpeg name, audio otherwise (so a text file is "not an audio file").
        static func purpose(of url: URL) -> AssetPurpose {
            AssetType.named(url.lastPathComponent)?.isImage == true ? .image : .audio
        }

        static func describe(_ p: UploadProgress) -> String {
            let percent = p.total > 0 ? Int(saturating: Double(p.sent) * 100 / Double(p.total)) : 0
            let retry = p.attempt > 1 ? " (try \(p.attempt))" : ""
            return "uploading \(percent)% · \(p.sent) of \(p.total) bytes\(retry)"
        }

        struct Uploaded: Encodable {
            var asset: UploadedAsset
            var path: String
            var reused: Bool

            enum CodingKeys: String, CodingKey { case assetID = "asset_id", url, mimeType = "mime_type", sizeBytes = "size_bytes", path, reused }

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(asset.assetID, forKey: .assetID)
                try c.encode(asset.url, forKey: .url)
                try c.encode(asset.mimeType, forKey: .mimeType)
                try c.encode(asset.sizeBytes, forKey: .sizeBytes)
                try c.encode(path, forKey: .path)
                try c.encode(reused, forKey: .reused)
            }
        }
    }
}
