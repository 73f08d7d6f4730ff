import Foundation

/// `billing_type` of `GET /v3/users/me`: which of `wallet`, `subscription` or `usage_based` is filled in.
public struct BillingType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// A prepaid balance in USD (or credits, for Enterprise).
    public static let wallet: Self = "wallet"
    /// Per-pool credit balances (premium, add-on) that reset.
    public static let subscription: Self = "subscription"
    /// Metered: included credits, then spending up to an optional cap.
    public static let usageBased: Self = "usage_based"
    public static let known: [Self] = [.wallet, .subscription, .usageBased]
}

/// The account's balance as `GET /v3/users/me` reports it, read from whichever billing object its `billing_type` names.
/// Every number is optional (the schema makes most of them nullable), and a billing type this build does not know is
/// kept as ``unknown(_:)`` rather than guessed at.
public enum Billing: Hashable, Sendable {
    public struct Wallet: Hashable, Sendable {
        /// `usd` or `credits` (an unknown word is kept).
        public var currency: String
        public var remainingBalance: Double?
        public var autoReload: AutoReload?
        public struct AutoReload: Hashable, Sendable {
            public var enabled: Bool
            public var amountUSD: Double?
            public var thresholdUSD: Double?
        }
        public var inCredits: Bool { currency == "credits" }
    }

    public struct Subscription: Hashable, Sendable {
        /// `free`, `starter`, `creator`, `pro`, `team`, `enterprise`, `business_plus`, or a newer word.
        public var plan: String?
        public var premium: Pool?
        public var addOn: Pool?
        /// One pool of credits and when it refills (an ISO 8601 string as sent).
        public struct Pool: Hashable, Sendable {
            public var remaining: Int?
            public var resetsAt: String?
        }
        /// Premium and add-on credits together, when either is reported.
        public var totalRemaining: Int? {
            let parts = [premium?.remaining, addOn?.remaining].compactMap { $0 }
            return parts.isEmpty ? nil : parts.reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }
        }
    }

    public struct UsageBased: Hashable, Sendable {
        public var includedCredits: Double?
        public var remainingCredits: Double?
        public var spendingCapUSD: Double?
        public var spendingCurrentUSD: Double?
        /// Spending has reached the cap: HeyGen refuses new videos until it is raised.
        public var atCap: Bool {
            guard let cap = spendingCapUSD, let spent = spendingCurrentUSD else { return false }
            return cap > 0 && spent >= cap && (remainingCredits ?? 0) <= 0
        }
    }

    case wallet(Wallet)
    case subscription(Subscription)
    case usageBased(UsageBased)
    /// A `billing_type` this build does not know (the word as sent).
    case unknown(String)
    /// No billing information at all.
    case none

    /// A short line for the header: `1,000 credits`, `$42.50 (auto-reload)`, `pro plan · 120 credits`,
    /// `usage-based · 60 credits left`; nil when there is nothing to say.
    public var short: String? {
        switch self {
        case .wallet(let w):
            guard let balance = w.remainingBalance else { return "wallet" }
            let amount = Self.amount(balance, currency: w.currency)
            return w.autoReload?.enabled == true ? "\(amount) (auto-reload)" : amount
        case .subscription(let s):
            let plan = s.plan.map { "\(Self.word($0)) plan" } ?? "subscription"
            return s.totalRemaining.map { "\(plan) · \(PlainFormat.grouped($0)) credits" } ?? plan
        case .usageBased(let u):
            if u.atCap { return "usage-based · spending cap reached" }
            if let left = u.remainingCredits { return "usage-based · \(PlainFormat.grouped(Int(saturating: left))) credits left" }
            if let spent = u.spendingCurrentUSD { return "usage-based · \(Self.dollars(spent)) spent" }
            return "usage-based"
        case .unknown(let word):
            return "billing “\(Self.word(word))” (not known to this version)"
        case .none:
            return nil
        }
    }

    /// The lines `twindeck account` prints: label and value, those without a value left out.
    public var details: [(String, String)] {
        var rows: [(String, String?)] = []
        switch self {
        case .wallet(let w):
            rows.append(("Billing", "wallet (prepaid, \(w.inCredits ? "credits" : w.currency == "usd" ? "USD" : Self.word(w.currency)))"))
            rows.append(("Balance", w.remainingBalance.map { Self.amount($0, currency: w.currency) } ?? "not reported"))
            if let reload = w.autoReload {
                var text = reload.enabled ? "on" : "off"
                if reload.enabled, let amount = reload.amountUSD {
                    text += ": adds \(Self.dollars(amount))" + (reload.thresholdUSD.map { " below \(Self.dollars($0))" } ?? "")
                }
                rows.append(("Auto-reload", text))
            }
        case .subscription(let s):
            rows.append(("Billing", "subscription" + (s.plan.map { " (\(Self.word($0)) plan)" } ?? "")))
            for (name, pool) in [("Premium credits", s.premium), ("Add-on credits", s.addOn)] {
                guard let pool else { continue }
                let left = pool.remaining.map(PlainFormat.grouped) ?? "not reported"
                rows.append((name, left + (pool.resetsAt.map { ", resets \(Self.word($0))" } ?? "")))
            }
        case .usageBased(let u):
            rows.append(("Billing", "usage-based (metered)"))
            if let left = u.remainingCredits {
                let of = u.includedCredits.map { " of \(PlainFormat.grouped(Int(saturating: $0))) included" } ?? ""
                rows.append(("Credits", "\(PlainFormat.grouped(Int(saturating: left))) left\(of)"))
            }
            if let spent = u.spendingCurrentUSD {
                rows.append(("Spending", Self.dollars(spent) + (u.spendingCapUSD.map { " of a \(Self.dollars($0)) cap" } ?? " (no cap)")))
            }
            if u.atCap { rows.append(("Note", "the spending cap is reached: new videos are refused until it is raised")) }
        case .unknown(let word):
            rows.append(("Billing", "“\(Self.word(word))”: a billing type this version does not know; see the HeyGen dashboard"))
        case .none:
            break
        }
        return rows.compactMap { label, value in value.map { (label, $0) } }
    }

    /// Why a new video may be refused for want of balance, when the numbers say so (HeyGen's 402 has the last word).
    public var exhausted: String? {
        switch self {
        case .wallet(let w):
            guard let balance = w.remainingBalance, balance <= 0, w.autoReload?.enabled != true else { return nil }
            return "the wallet is empty (\(Self.amount(balance, currency: w.currency)))"
        case .subscription(let s):
            guard let total = s.totalRemaining, total <= 0 else { return nil }
            let reset = s.premium?.resetsAt.map { "; premium credits reset \(Self.word($0))" } ?? ""
            return "no subscription credits left\(reset)"
        case .usageBased(let u):
            return u.atCap ? "the usage-based spending cap (\(Self.dollars(u.spendingCapUSD ?? 0))) is reached" : nil
        case .unknown, .none:
            return nil
        }
    }

    /// `$42.50` or `1,000 credits` (or `12 <unit>` for a currency this build does not know).
    static func amount(_ value: Double, currency: String) -> String {
        switch currency {
        case "usd": dollars(value)
        case "credits": "\(PlainFormat.grouped(Int(saturating: value.rounded(.down)))) credits"
        default: "\(PlainFormat.grouped(Int(saturating: value.rounded(.down)))) \(word(currency))"
        }
    }

    /// `$1,234.50`, from a number that may be NaN or huge (never a trap).
    static func dollars(_ value: Double) -> String {
        guard value.isFinite else { return "$?" }
        let cents = Int(saturating: (abs(value) * 100).rounded())
        let text = "$" + PlainFormat.grouped(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + String(cents % 100)
        return value < 0 ? "-" + text : text
    }

    /// A word from the server, made inert and kept short.
    static func word(_ text: String) -> String { Sanitizer.inert(text, limit: 40) }
}

extension User {
    /// The balance in the shape its `billing_type` names. Without a `billing_type`, a `wallet` alone is read as one
    /// (older answers).
    public var billing: Billing {
        switch billingType {
        case .wallet?, nil:
            guard let object = wallet?.objectValue else { return billingType == nil ? .none : .wallet(.init(currency: "usd")) }
            let reload = object["auto_reload"]?.objectValue.map { r in
                Billing.Wallet.AutoReload(enabled: r["enabled"]?.boolValue ?? false, amountUSD: r["amount_usd"]?.finiteNumber,
                                          thresholdUSD: r["threshold_usd"]?.finiteNumber)
            }
            // Older answers said `remaining_credits`: credits, whatever the currency field says.
            if let legacy = object["remaining_credits"]?.finiteNumber, object["remaining_balance"] == nil {
                return .wallet(.init(currency: "credits", remainingBalance: legacy, autoReload: reload))
            }
            let currency = object["currency"]?.stringValue ?? (billingType == nil ? "credits" : "usd")
            return .wallet(.init(currency: currency, remainingBalance: object["remaining_balance"]?.finiteNumber, autoReload: reload))
        case .subscription?:
            let object = subscription?.objectValue ?? [:]
            let credits = object["credits"]?.objectValue ?? [:]
            func pool(_ key: String) -> Billing.Subscription.Pool? {
                credits[key]?.objectValue.map { p in
                    .init(remaining: p["remaining"]?.finiteNumber.map { Int(saturating: $0) }, resetsAt: p["resets_at"]?.stringValue)
                }
            }
            return .subscription(.init(plan: object["plan"]?.stringValue, premium: pool("premium_credits"), addOn: pool("add_on_credits")))
        case .usageBased?:
            let object = usageBased?.objectValue ?? [:]
            return .usageBased(.init(
                includedCredits: object["included_credits"]?.finiteNumber, remainingCredits: object["remaining_credits"]?.finiteNumber,
                spendingCapUSD: object["spending_cap_usd"]?.finiteNumber, spendingCurrentUSD: object["spending_current_usd"]?.finiteNumber))
        case let other?:
            return .unknown(other.rawValue)
        }
    }
}

extension JSONValue {
    /// The boolean, when this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number when it is one and finite (a NaN or infinity from outside is no balance).
    var finiteNumber: Double? { numberValue.flatMap { $0.isFinite ? $0 : nil } }
}
