import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckCore
import TwinDeckTestSupport

/// The submit pre-flight's "rendering on the account": counted from the account's newest videos over real HTTP.
@Suite("Videos rendering on the account")
struct AccountRenderingTests {
    @Test func unfinishedVideosAreCountedFinishedOnesAreNot() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 600 }) { sim, client in
            #expect(try await client.renderingOnAccount() == 0)
            for n in 1...3 {
                _ = try await client.createVideo(sampleRequest(title: "Rendering \(n)"), idempotencyKey: IdempotencyKey.make())
            }
            #expect(try await client.renderingOnAccount() == 3)
            // Once they have all rendered, none is counted.
            await sim.state.advance(seconds: 1_200)
            #expect(try await client.renderingOnAccount() == 0)
        }
    }
}
