import Foundation
import HeyGen

/// What the submit confirmation checks before anything is sent: how long the script will speak, whether the
/// look can be used, and how many videos are already rendering against the account's concurrency limit.
public struct Preflight: Equatable, Sendable {
    /// Videos one account renders at once on pay-as-you-go; beyond it HeyGen answers 429 (which tells the truth if it differs).
    public static let concurrencyLimit = 10

    public var spokenSeconds: Int
    /// Whether `spokenSeconds` is the length of the script's generated speech (`a` in Compose) rather than the
    /// 150-words-a-minute estimate.
    public var spokenMeasured = false
    /// A recording is sent instead of a script: `spokenSeconds` is its length when ``spokenMeasured``, else unknown.
    public var recording = false
    /// The look's status word (`completed`, `processing`, …), or nil when the look is not known here.
    public var lookStatus: String?
    /// Why the submit is blocked, if it is.
    public var blocker: String?
    /// Videos rendering: on the account when it has been counted, else of this board (rendering or being sent).
    public var rendering: Int
    /// Whether `rendering` counts the whole account (`GET /v3/videos`) rather than this history.
    public var renderingOnAccount = false
    /// The account's limit: the plan's `concurrent_jobs` when `/v3/users/me` reports it, else 10.
    public var limit: Int = Preflight.concurrencyLimit
    /// The balance as the account's billing type reports it (`1,000 credits`, `pro plan · 120 credits`, …), when known.
    public var balance: String?
    /// Why HeyGen may refuse the video for want of balance (an empty wallet, no credits left, a spending cap reached).
    public var balanceWarning: String?

    /// Seconds a script takes to speak: words at 150 a minute, plus explicit `<break time="…"/>` pauses.
    public static func spokenSeconds(_ script: String) -> Int {
        var pauses = 0.0
        var text = script
        while let open = text.range(of: "<break"), let close = text.range(of: ">", range: open.upperBound..<text.endIndex) {
            let tag = text[open.lowerBound..<close.upperBound]
            if let value = tag.range(of: #"time\s*=\s*"([0-9.]+)(ms|s)""#, options: .regularExpression) {
                let parts = tag[value].split(separator: "\"")
                if parts.count >= 2 {
                    let number = parts[1].prefix { $0.isNumber || $0 == "." }
                    let amount = Double(number) ?? 0
                    pauses += parts[1].hasSuffix("ms") ? amount / 1000 : amount
                }
            }
            text.replaceSubrange(open.lowerBound..<close.upperBound, with: " ")
        }
        let words = text.split { $0.isWhitespace }.count
        // A pause of 400 nines is infinite as a Double: saturate rather than trap.
        return Int(saturating: (Double(words) / 2.5 + pauses).rounded(.up))
    }
}

extension AppState {
    /// The pre-flight of the form as it stands.
    public var preflight: Preflight {
        let look = composeLook
        var blocker: String?
        if let look, !look.isUsable {
            let why = look.error?.message.map { ": \(Sanitizer.inert($0))" } ?? ""
            blocker = "The look “\(look.name)” is \(look.status?.rawValue ?? "not ready") and cannot be used for a video yet\(why)"
        }
        // A recording file's own length, or the script's heard speech, beats the words-a-minute guess.
        let heard = compose.draft.speechSource == .script ? heardSeconds : recordingSeconds
        let script = compose.draft.speechSource == .script ? compose.draft.script.text : ""
        var preflight = Preflight(spokenSeconds: heard ?? Preflight.spokenSeconds(script), lookStatus: look?.status?.rawValue,
                                  blocker: blocker, rendering: account.rendering ?? board.runningCount,
                                  renderingOnAccount: account.rendering != nil,
                                  limit: account.user?.concurrencyLimit ?? Preflight.concurrencyLimit)
        preflight.spokenMeasured = heard != nil
        preflight.balance = account.user?.billing.short
        preflight.balanceWarning = account.user?.billing.exhausted
        preflight.recording = compose.draft.speechSource != .script
        return preflight
    }
}
