import Foundation
import HeyGen
import Terminal
import Testing
@testable import TwinDeckCore
@testable import TwinDeckUI

/// The Looks pane says how to fix a look that cannot be used (consent link, training error, training since when), and
/// the header and pre-flight show the balance of each billing kind. Pure update and view.
@Suite("Looks that cannot be used; balances by billing kind")
struct LooksConsentAndBillingTests {
    static let waiting = Look(id: "lk_consent", name: "Podcast Set", groupID: "ag_me", supportedAPIEngines: [], status: .pendingConsent)
    static let groupless = Look(id: "lk_orphan", name: "No Group", supportedAPIEngines: [], status: .pendingConsent)
    static let link = "https://app.heygen.test/consent/ag_me?token=42"

    func onLook(_ id: String, width: Int = 120) -> AppState {
        var state = loadedState(width: width, height: 36)
        _ = update(&state, .looksLoaded(.success(sampleLooks + [Self.waiting, Self.groupless])))
        let row = state.looks.visible.firstIndex { state.looks.all[$0].id == id } ?? 0
        state.moveSelection(toIndex: row)
        return state
    }

    @Test func cFetchesTheConsentLinkShownAsAHyperlinkThatYCopies() throws {
        var state = onLook("lk_consent")
        #expect(screen(state).joined(separator: "\n").contains("press c for the consent link"), "the detail says how")
        let effects = press(&state, .character("c"))
        #expect(effects == [.loadConsent(lookID: "lk_consent", groupID: "ag_me")])
        #expect(state.mode == .consent(lookID: "lk_consent"))
        #expect(screen(state).joined(separator: "\n").contains("Asking HeyGen for the consent link"))
        _ = update(&state, .consentLoaded(lookID: "lk_consent", .success(ConsentLink(url: Self.link))))
        let buffer = AppView(state: state).render()
        let text = buffer.lines.joined(separator: "\n")
        #expect(text.contains("Consent link") && text.contains("y copy link"), "\(text)")
        // The overlay's (drawn last, over the detail's, which is clipped to its column).
        let overlayLink = try #require(buffer.hyperlinks.last { $0.url == Self.link })
        let spelled = String((overlayLink.x..<overlayLink.x + overlayLink.width).map { buffer[$0, overlayLink.y].character })
        #expect(spelled == Self.link)
        #expect(press(&state, .character("y")) == [.copy(Self.link, what: "consent link")])
        #expect(footerHints(state).contains { $0.0 == "y" && $0.1 == "copy link" }, "the footer comes from the key table")

        press(&state, .escape)
        #expect(state.mode == .normal)
        // The link stays in the look's detail, as a link too; `c` shows it again without a new request.
        let detail = AppView(state: state).render()
        #expect(detail.hyperlinks.contains { $0.url == Self.link })
        #expect(press(&state, .character("c")).isEmpty && state.mode == .consent(lookID: "lk_consent"))
    }

    @Test func aLookWithoutAGroupOrAFailedCallSaysWhatToDoAndAsksAgain() {
        var state = onLook("lk_orphan")
        #expect(press(&state, .character("c")).isEmpty, "no group: nothing to ask HeyGen")
        var text = screen(state).joined(separator: "\n")
        #expect(text.contains("without an avatar group") && text.contains("HeyGen web app"), "\(text)")
        press(&state, .escape)

        state = onLook("lk_consent")
        press(&state, .character("c"))
        _ = update(&state, .consentLoaded(lookID: "lk_consent", .failure(HeyGenError(kind: .notFound, httpStatus: 404, message: "Avatar group ag_me was not found"))))
        text = screen(state).joined(separator: "\n")
        #expect(text.contains("Could not get the consent link") && text.contains("not on this account"), "\(text)")
        #expect(AppView(state: state).render().hyperlinks.isEmpty)
        press(&state, .escape)
        #expect(press(&state, .character("c")) == [.loadConsent(lookID: "lk_consent", groupID: "ag_me")], "a failure is asked again")

        // A look that needs no consent is told so, without a request.
        state = onLook("lk_office")
        #expect(press(&state, .character("c")).isEmpty && state.mode == .normal)
        #expect(state.toast?.text.contains("not waiting for consent") == true)
    }

    @Test func aFailedLookShowsItsErrorAndAProcessingOneSinceWhen() {
        var state = onLook("lk_broken")
        var text = screen(state).joined(separator: "\n")
        #expect(text.contains("Face not visible") && text.contains("training_failed"), "\(text)")

        state = onLook("lk_new")
        #expect(state.looks.processingSince["lk_new"] == fixedNow)
        _ = update(&state, .ticked(fixedNow.addingTimeInterval(600)))
        _ = update(&state, .looksLoaded(.success(sampleLooks)))  // a refresh keeps the first sighting
        text = screen(state).joined(separator: "\n")
        #expect(text.contains("Since        \(timeOfDay(fixedNow)), 10 min ago"), "\(text)")
        var done = sampleLooks
        done[3].status = .completed
        _ = update(&state, .looksLoaded(.success(done)))
        #expect(state.looks.processingSince["lk_new"] == nil, "forgotten once trained")
    }

    static let kinds: [(String, User, String)] = [
        ("wallet in credits", User(username: "u", wallet: .object(["currency": .string("credits"), "remaining_balance": .number(1234)]),
                                   billingType: .wallet), "1,234 credits"),
        ("wallet in USD", User(username: "u", wallet: .object(["currency": .string("usd"), "remaining_balance": .number(42.5),
                                                              "auto_reload": .object(["enabled": .bool(true)])]), billingType: .wallet),
         "$42.50 (auto-reload)"),
        ("subscription", User(username: "u", billingType: .subscription, subscription: .object([
            "plan": .string("pro"), "credits": .object(["premium_credits": .object(["remaining": .number(120)]),
                                                        "add_on_credits": .object(["remaining": .number(5)])]),
        ])), "pro plan · 125 credits"),
        ("usage-based", User(username: "u", billingType: .usageBased, usageBased: .object(["remaining_credits": .number(60)])),
         "usage-based · 60 credits left"),
        ("unknown", User(username: "u", billingType: "prepaid_v2"), "billing “prepaid_v2” (not known to this version)"),
    ]

    @Test(arguments: 0..<5)
    func theHeaderAndThePreflightShowTheBalanceOfEachKind(_ index: Int) {
        let (name, user, expected) = Self.kinds[index]
        var state = loadedState(width: 140, height: 36)
        _ = update(&state, .accountLoaded(.success(user)))
        #expect(screen(state)[0].contains(expected), "\(name): \(screen(state)[0])")
        #expect(state.preflight.balance == expected, "\(name)")
    }

    @Test func anExhaustedBalanceIsAWarningInThePreflight() {
        var state = loadedState(width: 120, height: 36)
        _ = update(&state, .accountLoaded(.success(User(username: "u", billingType: .usageBased, usageBased: .object([
            "remaining_credits": .number(0), "spending_cap_usd": .number(50), "spending_current_usd": .number(50),
        ])))))
        #expect(state.preflight.balance == "usage-based · spending cap reached")
        #expect(state.preflight.balanceWarning?.contains("$50.00") == true)
        #expect(state.preflight.blocker == nil, "HeyGen's 402 has the last word")
    }

    func footerHints(_ state: AppState) -> [(String, String)] { KeyMap.footer(for: state.scopes) }
}
