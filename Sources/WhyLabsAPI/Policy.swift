import TOMLKit

/// The org's rules for its keys, from the config file's `[policy]` table.
/// A table states the whole policy: a rule it does not name is off. Without
/// a table the rules are the dashboard's long-standing hygiene flags
/// (`hygieneDefaults`).
public struct Policy: Sendable, Hashable {
    /// A key older than this many days (by creation time) breaks the policy.
    public var maxAgeDays: Int?
    /// Every key must have an expiry.
    public var expiryRequired = false
    /// Expiry minus creation may be at most this many days (never-expiring keys break it).
    public var maxLifetimeDays: Int?
    /// A key last used this many days ago or more.
    public var unusedDays: Int?
    /// A key never used this many days after its creation.
    public var neverUsedAfterDays: Int?
    /// Scope → the only users whose keys may hold it.
    public var scopesOnlyFor: [String: Set<String>] = [:]
    /// More active (unrevoked, unexpired) keys than this for one user.
    public var maxActiveKeysPerUser: Int?
    /// A pending rotation older than this many days.
    public var pendingRotationDays: Int?

    public init(maxAgeDays: Int? = nil, expiryRequired: Bool = false, maxLifetimeDays: Int? = nil, unusedDays: Int? = nil,
                neverUsedAfterDays: Int? = nil, scopesOnlyFor: [String: Set<String>] = [:], maxActiveKeysPerUser: Int? = nil,
                pendingRotationDays: Int? = nil) {
        self.maxAgeDays = maxAgeDays
        self.expiryRequired = expiryRequired
        self.maxLifetimeDays = maxLifetimeDays
        self.unusedDays = unusedDays
        self.neverUsedAfterDays = neverUsedAfterDays
        self.scopesOnlyFor = scopesOnlyFor
        self.maxActiveKeysPerUser = maxActiveKeysPerUser
        self.pendingRotationDays = pendingRotationDays
    }

    /// What keydash flags without a `[policy]` table: keys that never
    /// expire, unused for 90 days, or never used.
    public static let hygieneDefaults = Policy(expiryRequired: true, unusedDays: 90, neverUsedAfterDays: 0)

    /// The rules in force, in the order they are reported.
    public var rules: [PolicyRule] {
        PolicyRule.allCases.filter { rule in
            switch rule {
            case .maxAge: maxAgeDays != nil
            case .expiryRequired: expiryRequired
            case .maxLifetime: maxLifetimeDays != nil
            case .unused: unusedDays != nil
            case .neverUsed: neverUsedAfterDays != nil
            case .restrictedScope: !scopesOnlyFor.isEmpty
            case .maxActiveKeys: maxActiveKeysPerUser != nil
            case .pendingRotation: pendingRotationDays != nil
            }
        }
    }

    /// The rule as written in the config file, for messages ("max_age_days = 365").
    public func setting(_ rule: PolicyRule) -> String {
        switch rule {
        case .maxAge: "max_age_days = \(maxAgeDays ?? 0)"
        case .expiryRequired: "expiry_required = true"
        case .maxLifetime: "max_lifetime_days = \(maxLifetimeDays ?? 0)"
        case .unused: "unused_days = \(unusedDays ?? 0)"
        case .neverUsed: "never_used_after_days = \(neverUsedAfterDays ?? 0)"
        case .restrictedScope: "scopes_only_for"
        case .maxActiveKeys: "max_active_keys_per_user = \(maxActiveKeysPerUser ?? 0)"
        case .pendingRotation: "pending_rotation_days = \(pendingRotationDays ?? 0)"
        }
    }

    static let days = SettingRange<Int>("days", 0...36_500, unit: "days")
    static let keyCount = SettingRange<Int>("keys", 1...1_000_000, unit: "keys")

    /// Reads a `[policy]` table; every value is type- and range-checked.
    static func parse(_ table: TOMLTable, path: String) throws(ConfigError) -> Policy {
        func fail(_ reason: String) -> ConfigError { .invalid(path: path, line: nil, reason: "[policy] " + reason) }
        let known = Set(PolicyRule.allCases.map(\.setting))
        for key in table.keys where !known.contains(key) {
            throw fail("unknown rule '\(Excerpt.of(key))' (known: \(PolicyRule.allCases.map(\.setting).joined(separator: ", ")))")
        }
        func number(_ rule: PolicyRule, _ range: SettingRange<Int>) throws(ConfigError) -> Int? {
            guard let value = table[rule.setting] else { return nil }
            guard let n = value.int else { throw fail("'\(rule.setting)' must be a whole number") }
            if !range.range.contains(n) {
                throw fail("'\(rule.setting)' must be between \(range.range.lowerBound) and \(range.range.upperBound) \(range.unit) (got \(n))")
            }
            return n
        }
        var policy = Policy()
        policy.maxAgeDays = try number(.maxAge, days)
        policy.maxLifetimeDays = try number(.maxLifetime, days)
        policy.unusedDays = try number(.unused, days)
        policy.neverUsedAfterDays = try number(.neverUsed, days)
        policy.maxActiveKeysPerUser = try number(.maxActiveKeys, keyCount)
        policy.pendingRotationDays = try number(.pendingRotation, days)
        if let value = table[PolicyRule.expiryRequired.setting] {
            guard let flag = value.bool else { throw fail("'expiry_required' must be true or false") }
            policy.expiryRequired = flag
        }
        if let value = table[PolicyRule.restrictedScope.setting] {
            guard let scopes = value.table else {
                throw fail("'scopes_only_for' must be a table of scope = [users], e.g. { \":administrator\" = [\"alice\"] }")
            }
            for scope in scopes.keys {
                guard KeyScope.isValid(scope) else {
                    throw fail("scopes_only_for: unknown scope '\(Excerpt.of(scope))'; known: \(KeyScope.all.joined(separator: " "))")
                }
                guard let list = scopes[scope]?.array else { throw fail("scopes_only_for: '\(scope)' must be a list of user ids") }
                var users: Set<String> = []
                for item in list {
                    guard let user = item.string, !user.isEmpty else { throw fail("scopes_only_for: '\(scope)' must list user ids as strings") }
                    users.insert(user)
                }
                policy.scopesOnlyFor[scope] = users
            }
        }
        return policy
    }
}

/// One rule of a policy, named as in the config file.
public enum PolicyRule: String, Sendable, Hashable, CaseIterable {
    case maxAge = "max-age"
    case expiryRequired = "expiry-required"
    case maxLifetime = "max-lifetime"
    case unused
    case neverUsed = "never-used"
    case restrictedScope = "restricted-scope"
    case maxActiveKeys = "max-active-keys"
    case pendingRotation = "pending-rotation"

    /// Its name in `[policy]`.
    public var setting: String {
        switch self {
        case .maxAge: "max_age_days"
        case .expiryRequired: "expiry_required"
        case .maxLifetime: "max_lifetime_days"
        case .unused: "unused_days"
        case .neverUsed: "never_used_after_days"
        case .restrictedScope: "scopes_only_for"
        case .maxActiveKeys: "max_active_keys_per_user"
        case .pendingRotation: "pending_rotation_days"
        }
    }
}
