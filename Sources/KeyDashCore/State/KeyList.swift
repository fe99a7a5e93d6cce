import Foundation
import WhyLabsAPI

/// The list columns, in the order the screen shows them.
public enum KeyColumn: String, CaseIterable, Sendable, Hashable {
    case alias, keyId, user, scopes, created, expires, lastUsed, status

    public var title: String {
        switch self {
        case .alias: "ALIAS"
        case .keyId: "KEY ID"
        case .user: "USER"
        case .scopes: "SCOPES"
        case .created: "CREATED"
        case .expires: "EXPIRES"
        case .lastUsed: "LAST USED"
        case .status: "STATUS"
        }
    }
}

public struct SortOrder: Sendable, Hashable {
    public var column: KeyColumn
    public var ascending: Bool
    public init(column: KeyColumn = .created, ascending: Bool = false) {
        self.column = column
        self.ascending = ascending
    }
}

/// What narrows the list: free text, one user, one hygiene condition, and
/// whether revoked keys are shown.
public struct KeyFilter: Sendable, Hashable {
    public var text = ""
    public var user: String?
    public var hygiene: KeyHygiene?
    public var showRevoked = false
    public init() {}
}

/// The meaning of the filter and the sort, stated directly on keys. The
/// dashboard derives its rows from precomputed orders instead (`KeyIndex`);
/// this is the specification they are tested against, and the way to sort a
/// handful of keys.
public enum KeyList {
    /// `pinned` keys are shown even when revoked (a key just revoked here
    /// stays on screen, marked, until the next refresh).
    public static func visible(_ keys: KeyRecords, filter: KeyFilter, sort: SortOrder, now: Date,
                               pinned: Set<String> = [], rules: HygieneRules = .defaults) -> [String] {
        let needle = filter.text.lowercased()
        let all = keys.keys
        let context = HygieneContext.of(all, rules: rules, now: now)
        var rows: [UserApiKey] = []
        rows.reserveCapacity(keys.count)
        for key in all where passes(key, filter, needle: needle, now: now, pinned: pinned.contains(key.keyId), rules: rules, context: context) {
            rows.append(key)
        }
        rows.sort(by: comparator(sort, now: now))
        return rows.map(\.keyId)
    }

    /// Whether the filter lets a key through; `needle` is the filter text
    /// lowercased, `pinned` keeps a just-revoked key on screen.
    static func passes(_ key: UserApiKey, _ filter: KeyFilter, needle: String, now: Date, pinned: Bool,
                       rules: HygieneRules, context: HygieneContext) -> Bool {
        if key.isRevoked && !filter.showRevoked && !pinned { return false }
        if let user = filter.user, key.userId != user { return false }
        if let hygiene = filter.hygiene, KeyHygiene.of(key, now: now, rules: rules, context: context).isDisjoint(with: hygiene) { return false }
        return needle.isEmpty || matches(key, needle)
    }

    /// The filter matches alias, key id, user and scopes, case-insensitively.
    public static func matches(_ key: UserApiKey, _ needle: String) -> Bool {
        if key.keyId.lowercased().contains(needle) { return true }
        if key.userId.lowercased().contains(needle) { return true }
        if let alias = key.alias, alias.lowercased().contains(needle) { return true }
        if let scopes = key.scopes, scopes.contains(where: { $0.lowercased().contains(needle) }) { return true }
        return false
    }

    static func comparator(_ sort: SortOrder, now: Date) -> (UserApiKey, UserApiKey) -> Bool {
        func ordered<T: Comparable>(_ a: T, _ b: T, _ l: UserApiKey, _ r: UserApiKey) -> Bool {
            if a != b { return sort.ascending ? a < b : a > b }
            return l.keyId < r.keyId  // stable, whatever the direction
        }
        switch sort.column {
        case .alias: return { ordered(($0.alias ?? "").lowercased(), ($1.alias ?? "").lowercased(), $0, $1) }
        case .keyId: return { ordered($0.keyId, $1.keyId, $0, $1) }
        case .user: return { ordered($0.userId, $1.userId, $0, $1) }
        case .scopes: return { ordered(($0.scopes ?? []).sorted().joined(separator: ","), ($1.scopes ?? []).sorted().joined(separator: ","), $0, $1) }
        case .created: return { ordered($0.creationTime.date ?? .distantPast, $1.creationTime.date ?? .distantPast, $0, $1) }
        case .expires: return { ordered($0.expirationTime?.date ?? .distantFuture, $1.expirationTime?.date ?? .distantFuture, $0, $1) }
        case .lastUsed: return { ordered($0.lastUsedTime?.date ?? .distantPast, $1.lastUsedTime?.date ?? .distantPast, $0, $1) }
        case .status:
            return { ordered(statusRank(KeyStatus.of($0, now: now)), statusRank(KeyStatus.of($1, now: now)), $0, $1) }
        }
    }

    static func statusRank(_ status: KeyStatus) -> Int {
        switch status {
        case .expired: 0
        case .expiring: 1
        case .active: 2
        case .revoked: 3
        }
    }
}

/// Header counts.
public struct KeyCounts: Sendable, Hashable {
    public var active = 0
    public var expiringSoon = 0
    public var expired = 0
    public var revoked = 0
    /// The first moment a key's status moves on (active → expiring →
    /// expired) and these counts go stale; nil when none ever will.
    public var validUntil: Date?
    public init() {}

    public static func of(_ keys: KeyRecords, now: Date) -> KeyCounts {
        var counts = KeyCounts()
        var next = Date.distantFuture
        for slot in keys.slotRange {
            if !keys.isRevoked(at: slot), let seconds = keys.expiresSeconds(at: slot) {
                let exp = Date(timeIntervalSince1970: seconds)
                if exp > now {
                    let expiring = exp.addingTimeInterval(-KeyHygiene.expiringWindow)
                    next = min(next, expiring > now ? expiring : exp)
                }
            }
            switch keys.status(at: slot, now: now) {
            case .active: counts.active += 1
            case .expiring: counts.active += 1; counts.expiringSoon += 1
            case .expired: counts.expired += 1
            case .revoked: counts.revoked += 1
            }
        }
        counts.validUntil = next == .distantFuture ? nil : next
        return counts
    }

    /// What a notification says when keys moved on to expiring or expired.
    func newlyExpiring(since before: KeyCounts) -> [String] {
        var said: [String] = []
        if expiringSoon > before.expiringSoon { said.append("\(expiringSoon - before.expiringSoon) more expiring within 7 days") }
        if expired > before.expired { said.append("\(expired - before.expired) more expired") }
        return said
    }

    /// One key added to (or, with `-1`, taken from) the counts: a create or
    /// revoke answer updates them without a pass over every key.
    mutating func count(_ key: UserApiKey, now: Date, _ sign: Int = 1) {
        switch KeyStatus.of(key, now: now) {
        case .active: active += sign
        case .expiring: active += sign; expiringSoon += sign
        case .expired: expired += sign
        case .revoked: revoked += sign
        }
        guard sign > 0, !key.isRevoked, let exp = key.expirationTime?.date, exp > now else { return }
        let expiring = exp.addingTimeInterval(-KeyHygiene.expiringWindow)
        let next = expiring > now ? expiring : exp
        validUntil = min(validUntil ?? next, next)
    }
}
