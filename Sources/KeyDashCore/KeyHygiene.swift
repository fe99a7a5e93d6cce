import Foundation
import WhyLabsAPI

/// Where a key stands right now.
public enum KeyStatus: String, Sendable, Hashable, CaseIterable {
    case active, expiring, expired, revoked

    public static func of(_ key: UserApiKey, now: Date) -> KeyStatus {
        if key.isRevoked { return .revoked }
        if let exp = key.expirationTime?.date {
            if exp <= now { return .expired }
            if exp.timeIntervalSince(now) <= KeyHygiene.expiringWindow { return .expiring }
        }
        return .active
    }
}

/// What an admin should see about a key: its expiry status, and each rule
/// of the policy it breaks (one flag a rule). The dashboard's `f` filter,
/// its detail pane and `keydash check` all read these.
public struct KeyHygiene: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let expired = KeyHygiene(rawValue: 1 << 0)
    public static let expiringSoon = KeyHygiene(rawValue: 1 << 1)
    /// `expiry_required`.
    public static let neverExpires = KeyHygiene(rawValue: 1 << 2)
    /// `max_age_days`.
    public static let tooOld = KeyHygiene(rawValue: 1 << 3)
    /// `max_lifetime_days`.
    public static let lifetimeTooLong = KeyHygiene(rawValue: 1 << 4)
    /// `unused_days`.
    public static let unused = KeyHygiene(rawValue: 1 << 5)
    /// `never_used_after_days`.
    public static let neverUsed = KeyHygiene(rawValue: 1 << 6)
    /// `scopes_only_for`.
    public static let restrictedScope = KeyHygiene(rawValue: 1 << 7)
    /// `max_active_keys_per_user`.
    public static let tooManyKeys = KeyHygiene(rawValue: 1 << 8)
    /// `pending_rotation_days`.
    public static let staleRotation = KeyHygiene(rawValue: 1 << 9)

    public static let expiringWindow: TimeInterval = 7 * 86_400

    /// The flags that are a rule broken (not expiry status).
    public static let violations = KeyHygiene(rawValue: 0b11_1111_1100)

    public static func flag(for rule: PolicyRule) -> KeyHygiene {
        switch rule {
        case .expiryRequired: .neverExpires
        case .maxAge: .tooOld
        case .maxLifetime: .lifetimeTooLong
        case .unused: .unused
        case .neverUsed: .neverUsed
        case .restrictedScope: .restrictedScope
        case .maxActiveKeys: .tooManyKeys
        case .pendingRotation: .staleRotation
        }
    }

    /// The rules these flags say are broken, in the policy's order.
    public var rules: [PolicyRule] { PolicyRule.allCases.filter { contains(Self.flag(for: $0)) } }

    /// What the `f` key steps through: expiry status, then each rule in force, then off.
    public static func filterCycle(_ policy: Policy) -> [KeyHygiene?] {
        [.expiringSoon, .expired] + policy.rules.map { flag(for: $0) } + [nil]
    }

    /// A short name for the header ("never used", "max-age").
    public var name: String {
        switch self {
        case .expiringSoon: "expiring within 7 days"
        case .expired: "expired"
        case .neverExpires: "never expires"
        case .tooOld: "too old"
        case .lifetimeTooLong: "lifetime too long"
        case .unused: "unused"
        case .neverUsed: "never used"
        case .restrictedScope: "scope not allowed"
        case .tooManyKeys: "too many keys"
        case .staleRotation: "rotation pending too long"
        default: "hygiene"
        }
    }

    /// The flags of a plain key under `rules` (what the records compute in place).
    public static func of(_ key: UserApiKey, now: Date, rules: HygieneRules = .defaults, context: HygieneContext = .empty) -> KeyHygiene {
        evaluate(KeyFacts(key), scopes: { key.scopes ?? [] }, rules: rules, context: context, now: now.timeIntervalSince1970).flags
    }

    /// One line per flag, naming the rule broken, for the detail pane and `keydash get`.
    public func warnings(for key: UserApiKey, now: Date, policy: Policy = .hygieneDefaults, context: HygieneContext = .empty) -> [String] {
        var out: [String] = []
        if contains(.expired), let d = key.expirationTime?.date { out.append("expired \(RelativeTime.describe(d, now: now))") }
        if contains(.expiringSoon), let d = key.expirationTime?.date { out.append("expires \(RelativeTime.describe(d, now: now))") }
        for rule in rules {
            out.append("\(Self.explain(rule, key: key, now: now, policy: policy, context: context)) (\(policy.setting(rule)))")
        }
        return out
    }

    /// What about the key breaks the rule, in words.
    public static func explain(_ rule: PolicyRule, key: UserApiKey, now: Date, policy: Policy, context: HygieneContext) -> String {
        func days(_ from: Date?, _ to: Date?) -> Int? {
            guard let from, let to else { return nil }
            return Int(to.timeIntervalSince(from) / 86_400)
        }
        switch rule {
        case .expiryRequired: return "never expires"
        case .maxAge: return days(key.creationTime.date, now).map { "created \($0) days ago" } ?? "too old"
        case .maxLifetime:
            guard key.expirationTime != nil else { return "never expires" }
            return days(key.creationTime.date, key.expirationTime?.date).map { "lifetime of \($0) days" } ?? "lifetime too long"
        case .unused: return days(key.lastUsedTime?.date, now).map { "unused for \($0) days" } ?? "unused"
        case .neverUsed: return days(key.creationTime.date, now).map { "never used, created \($0) days ago" } ?? "never used"
        case .restrictedScope:
            let banned = (key.scopes ?? []).filter { policy.scopesOnlyFor[$0].map { !$0.contains(key.userId) } ?? false }
            return "holds \(banned.sorted().joined(separator: ", ")), not allowed for \(key.userId)"
        case .maxActiveKeys: return "\(key.userId) has \(context.activeKeys(of: key.userId)) active keys"
        case .pendingRotation:
            return days(context.rotationStarts[key.keyId], now).map { "rotation pending for \($0) days" } ?? "rotation pending too long"
        }
    }

    /// The flags of one key at `now` (seconds since 1970), and the first
    /// later instant they can change (`.infinity` when never): one rule for
    /// plain keys and the dashboard's records.
    static func evaluate(_ key: KeyFacts, scopes: () -> [String], rules: HygieneRules, context: HygieneContext,
                         now: Double) -> (flags: KeyHygiene, next: Double) {
        if key.isRevoked { return ([], .infinity) }
        var flags: KeyHygiene = []
        var next = Double.infinity
        /// A threshold crossed at `t`: flagged from `t` on.
        func threshold(_ t: Double, _ flag: KeyHygiene) {
            if now >= t { flags.insert(flag) } else { next = min(next, t) }
        }
        let policy = rules.policy
        let day = 86_400.0
        if let exp = key.expires {
            if now >= exp { flags.insert(.expired) } else {
                threshold(exp - expiringWindow, .expiringSoon)
                next = min(next, exp)
            }
        }
        if policy.expiryRequired && !key.hasExpiry { flags.insert(.neverExpires) }
        if let limit = policy.maxAgeDays, let created = key.created { threshold(created + Double(limit) * day, .tooOld) }
        if let limit = policy.maxLifetimeDays {
            if !key.hasExpiry {
                flags.insert(.lifetimeTooLong)
            } else if let exp = key.expires, let created = key.created, exp - created > Double(limit) * day {
                flags.insert(.lifetimeTooLong)
            }
        }
        if let limit = policy.unusedDays, let used = key.lastUsed { threshold(used + Double(limit) * day, .unused) }
        if let limit = policy.neverUsedAfterDays, !key.hasLastUsed {
            // An unreadable creation time counts as long ago.
            threshold((key.created ?? -Double.infinity) + Double(limit) * day, .neverUsed)
        }
        if !policy.scopesOnlyFor.isEmpty {
            for scope in scopes() {
                if let allowed = policy.scopesOnlyFor[scope], !allowed.contains(key.userId) {
                    flags.insert(.restrictedScope)
                    break
                }
            }
        }
        if let limit = policy.maxActiveKeysPerUser, !flags.contains(.expired), context.activeKeys(of: key.userId) > limit {
            flags.insert(.tooManyKeys)
        }
        if let limit = policy.pendingRotationDays, let started = context.rotationStarts[key.keyId] {
            threshold(started.timeIntervalSince1970 + Double(limit) * day, .staleRotation)
        }
        return (flags, next)
    }
}

/// The rules the flags are computed under: the policy and the pending
/// rotations (whose age is a rule of its own).
public struct HygieneRules: Sendable, Hashable {
    public var policy: Policy
    /// Old key id → when its rotation started.
    public var rotationStarts: [String: Date]

    public init(policy: Policy = .hygieneDefaults, rotationStarts: [String: Date] = [:]) {
        self.policy = policy
        self.rotationStarts = rotationStarts
    }

    public static let defaults = HygieneRules()
}

/// What a key's flags depend on beyond the key itself, worked out once for all keys.
public struct HygieneContext: Sendable, Hashable {
    /// Active (unrevoked, unexpired) keys per user; filled only when a rule needs it.
    public var activeKeysPerUser: [String: Int] = [:]
    public var rotationStarts: [String: Date] = [:]

    public static let empty = HygieneContext()

    public func activeKeys(of user: String) -> Int { activeKeysPerUser[user] ?? 0 }

    /// For plain keys (the command line, tests).
    public static func of(_ keys: some Sequence<UserApiKey>, rules: HygieneRules, now: Date) -> HygieneContext {
        var context = HygieneContext(rotationStarts: rules.rotationStarts)
        if rules.policy.maxActiveKeysPerUser != nil {
            for key in keys where KeyStatus.of(key, now: now) == .active || KeyStatus.of(key, now: now) == .expiring {
                context.activeKeysPerUser[key.userId, default: 0] += 1
            }
        }
        return context
    }
}

/// The parts of a key its flags depend on, read from a plain key or a record.
struct KeyFacts {
    var keyId: String
    var userId: String
    /// Seconds since 1970; nil when absent or unreadable.
    var created: Double?
    var hasExpiry: Bool
    var expires: Double?
    var hasLastUsed: Bool
    var lastUsed: Double?
    var isRevoked: Bool

    init(keyId: String, userId: String, created: Double?, hasExpiry: Bool, expires: Double?, hasLastUsed: Bool, lastUsed: Double?, isRevoked: Bool) {
        self.keyId = keyId
        self.userId = userId
        self.created = created
        self.hasExpiry = hasExpiry
        self.expires = expires
        self.hasLastUsed = hasLastUsed
        self.lastUsed = lastUsed
        self.isRevoked = isRevoked
    }

    init(_ key: UserApiKey) {
        self.init(keyId: key.keyId, userId: key.userId, created: key.creationTime.date?.timeIntervalSince1970,
                  hasExpiry: key.expirationTime != nil, expires: key.expirationTime?.date?.timeIntervalSince1970,
                  hasLastUsed: key.lastUsedTime != nil, lastUsed: key.lastUsedTime?.date?.timeIntervalSince1970,
                  isRevoked: key.isRevoked)
    }
}
