import Foundation
import HeyGen
import HeyGenSimulator
import Testing
import TwinDeckTestSupport

/// The endpoints of the schema's `_extra` that TwinDeck uses for accounts, consent and webhooks, over loopback.
@Suite("Simulator: billing kinds, consent, event log, endpoint changes")
struct AccountExtrasEndpointTests {
    @Test(arguments: SimulatedBilling.allCases)
    func eachBillingKindIsReportedInItsOwnShape(_ kind: SimulatedBilling) async throws {
        try await withSimulator(configure: { $0.billing = kind }) { _, client in
            let user = try await client.me()
            #expect(user.billingType?.rawValue == kind.rawValue)
            switch (kind, user.billing) {
            case (.wallet, .wallet(let wallet)):
                #expect(wallet.currency == "usd" && wallet.remainingBalance == 250 && wallet.autoReload?.enabled == true)
                #expect(user.subscription == nil && user.usageBased == nil, "exactly one billing object")
            case (.subscription, .subscription(let sub)):
                #expect(sub.plan == "pro" && sub.premium?.remaining == 200 && sub.addOn?.remaining == 25)
                #expect(sub.premium?.resetsAt.flatMap(ISO8601.parse) != nil, "resets_at is a time")
                #expect(user.wallet == nil)
            case (.usageBased, .usageBased(let usage)):
                #expect(usage.includedCredits == 100 && usage.remainingCredits == 100 && usage.spendingCapUSD == 50)
                #expect(user.wallet == nil)
            default:
                Issue.record("\(kind) answered \(user.billing)")
            }
        }
    }

    @Test func aWalletInCreditsCountsDown() async throws {
        try await withSimulator(configure: { $0.credits = 3 }) { _, client in
            _ = try await client.createVideo(sampleRequest(), idempotencyKey: "w-1", look: nil)
            guard case .wallet(let wallet) = try await client.me().billing else { Issue.record("not a wallet"); return }
            #expect(wallet.inCredits && wallet.remainingBalance == 2)
        }
    }

    @Test func aConsentLinkForAGroupWaitingForConsent() async throws {
        try await withSimulator { sim, client in
            let looks = try await client.allLooks()
            let waiting = try #require(looks.first { $0.status == .pendingConsent })
            let link = try await client.consent(groupID: try #require(waiting.groupID))
            let url = try #require(link.url)
            #expect(url.hasPrefix(sim.baseURL + "/consent/\(waiting.groupID ?? "")"))
            #expect(link.group?.id == waiting.groupID && link.group?.status == .pendingConsent)
            // The link opens a page, without the API key (a person's browser opens it).
            let page = try await rawRequest(.GET, url, apiKey: nil)
            #expect(page.status == 200 && page.text.contains("consent"))

            // Bad input: an unknown group is a 404, a public one needs no consent, an empty id is refused before sending.
            #expect(await #expect(throws: HeyGenError.self) { try await client.consent(groupID: "ag_nobody") }?.kind == .notFound)
            #expect(await #expect(throws: HeyGenError.self) { try await client.consent(groupID: "ag_public") }?.kind == .validation)
            #expect(await #expect(throws: HeyGenError.self) { try await client.consent(groupID: " ") }?.kind == .invalidRequest)
            let markup = try await rawRequest(.POST, sim.baseURL + "/v3/avatars/ag_me/consent", body: #"{"consent_text": "<b>hi</b>"}"#)
            #expect(markup.status == 400 && markup.apiError?.param == "consent_text")
        }
    }

    @Test func theEventLogListsWhatWasSentToEndpointsAndFilters() async throws {
        try await withSimulator(configure: { $0.renderSeconds = 0.2; $0.webhookRetries = 0 }) { sim, client in
            #expect(try await client.webhookEvents().data.isEmpty, "no endpoint, no events")
            _ = try await client.createWebhookEndpoint(.init(url: "http://127.0.0.1:9/hook"))
            let ok = try await client.createVideo(sampleRequest(title: "ok"), idempotencyKey: "ev-1", look: nil).videoID
            var failing = sampleRequest(title: "fails")
            failing.script = "This fails [[fail]]."
            let bad = try await client.createVideo(failing, idempotencyKey: "ev-2", look: nil).videoID
            await sim.state.advance(seconds: 5)
            let all = try await client.webhookEvents(since: Date(timeIntervalSince1970: 0))
            #expect(Set(all.map(\.videoID)) == [ok, bad])
            #expect(all.allSatisfy { $0.eventID == "evt_\($0.videoID ?? "")" }, "the ids deliveries carry")
            let success = try #require(all.first { $0.videoID == ok })
            #expect(success.eventType == .videoSuccess && success.delivery?.eventData.downloadURL?.hasPrefix(sim.baseURL + "/media/") == true)
            #expect(try await client.webhookEvents(.init(eventType: .videoFail)).data.map(\.videoID) == [bad])
            #expect(try await client.webhookEvents(.init(entityID: ok)).data.map(\.videoID) == [ok])
            let page = try await client.webhookEvents(.init(limit: 1))
            #expect(page.data.count == 1 && page.hasMore)
            // Only what was made since: nothing is older than now.
            let later = Date(timeIntervalSince1970: await sim.state.now + 3_600)
            #expect(try await client.webhookEvents(since: later).isEmpty)
        }
    }

    @Test func aPlanWithoutWebhooksAnswersTheEventLog403() async throws {
        try await withSimulator(configure: { $0.planWithoutWebhooks = true }) { _, client in
            #expect(await #expect(throws: HeyGenError.self) { try await client.webhookEvents() }?.kind == .forbidden)
        }
    }

    @Test func anEndpointIsUpdatedAndItsSecretRotated() async throws {
        try await withSimulator { _, client in
            let endpoint = try await client.createWebhookEndpoint(.init(url: "https://hooks.test/a"))
            let updated = try await client.updateWebhookEndpoint(id: endpoint.id, .init(events: [.videoFail]))
            #expect(updated.events == [.videoFail] && updated.url == "https://hooks.test/a" && updated.secret == nil)
            let moved = try await client.updateWebhookEndpoint(id: endpoint.id, .init(url: "https://hooks.test/b"))
            #expect(moved.url == "https://hooks.test/b" && moved.events == [.videoFail], "events kept when not given")
            #expect(try await client.webhookEndpoints().first?.events == [.videoFail])
            let rotated = try await client.rotateWebhookSecret(id: endpoint.id)
            #expect(rotated.endpointID == endpoint.id && rotated.secret.hasPrefix("whsec_") && rotated.secret != endpoint.secret)
            #expect(await #expect(throws: HeyGenError.self) { try await client.rotateWebhookSecret(id: "ep_nobody") }?.kind == .notFound)
            #expect(await #expect(throws: HeyGenError.self) {
                try await client.updateWebhookEndpoint(id: "ep_nobody", .init(events: [.videoFail]))
            }?.kind == .notFound)
        }
    }
}
