import Foundation
import WhyLabsAPI

/// What differs between two lists of the same keys: pure, so the activity
/// pane (and anything else that reports change) reads one description of it.
public struct KeyDiff: Sendable, Hashable {
    public enum Change: Sendable, Hashable {
        /// In the new list only.
        case appeared(UserApiKey)
        /// Only its last-used time moved.
        case used(UserApiKey)
        /// Anything else changed; `what` names the fields ("alias, expiry").
        case changed(old: UserApiKey, new: UserApiKey, what: String)
        /// In the old list only.
        case vanished(UserApiKey)

        public var key: UserApiKey {
            switch self {
            case .appeared(let k), .used(let k), .vanished(let k): k
            case .changed(_, let new, _): new
            }
        }

        var rank: Int {
            switch self {
            case .appeared: 0
            case .changed: 1
            case .used: 2
            case .vanished: 3
            }
        }
    }

    /// Appeared, changed, used, vanished; by key id within each: the same
    /// lists always give the same order.
    public let changes: [Change]

    public var isEmpty: Bool { changes.isEmpty }

    public static func between(_ old: [String: UserApiKey], _ new: [String: UserApiKey]) -> KeyDiff {
        between(KeyRecords(old.values), KeyRecords(new.values))
    }

    /// Between two lists in the dashboard's compact form.
    public static func between(_ old: KeyRecords, _ new: KeyRecords) -> KeyDiff {
        let slots = Slots.between(old, new)
        return KeyDiff(changes: slots.changes(old, new, in: slots.all))
    }

    /// Which keys changed how, as slots, by key id within each kind: no key
    /// is materialized, so a refresh that changes 100,000 keys costs a pass
    /// over the records, and the dashboard reads only the changes it logs.
    struct Slots {
        enum Kind: Int { case appeared, changed, used, vanished }
        struct Entry {
            var kind: Kind
            var old: Int32  // -1 when appeared
            var new: Int32  // -1 when vanished
        }
        /// Appeared, changed, used, vanished; by key id within each.
        var entries: [Entry] = []
        var isEmpty: Bool { entries.isEmpty }
        var all: Range<Int> { entries.indices }

        /// Walks both lists in key-id order side by side (each kept in that
        /// order with its records): no lookup per key.
        static func between(_ old: KeyRecords, _ new: KeyRecords) -> Slots {
            var appeared: [Entry] = [], changed: [Entry] = [], used: [Entry] = [], vanished: [Entry] = []
            let before = old.byId, after = new.byId
            var i = 0, j = 0
            while i < before.count || j < after.count {
                let o = i < before.count ? before[i] : -1, n = j < after.count ? after[j] : -1
                if o < 0 || (n >= 0 && new.keyId(at: Int(n)) < old.keyId(at: Int(o))) {
                    appeared.append(Entry(kind: .appeared, old: -1, new: n))
                    j += 1
                } else if n < 0 || old.keyId(at: Int(o)) < new.keyId(at: Int(n)) {
                    vanished.append(Entry(kind: .vanished, old: o, new: -1))
                    i += 1
                } else {
                    switch old.difference(at: Int(o), from: new, at: Int(n)) {
                    case .none: break
                    case .lastUsedOnly: used.append(Entry(kind: .used, old: o, new: n))
                    case .more: changed.append(Entry(kind: .changed, old: o, new: n))
                    }
                    i += 1
                    j += 1
                }
            }
            return Slots(entries: appeared + changed + used + vanished)
        }

        /// The entries at `positions`, materialized.
        func changes(_ old: KeyRecords, _ new: KeyRecords, in positions: some Sequence<Int>) -> [Change] {
            positions.map { i in
                let e = entries[i]
                switch e.kind {
                case .appeared: return .appeared(new.key(at: Int(e.new)))
                case .vanished: return .vanished(old.key(at: Int(e.old)))
                case .used: return .used(new.key(at: Int(e.new)))
                case .changed:
                    let before = old.key(at: Int(e.old)), after = new.key(at: Int(e.new))
                    return .changed(old: before, new: after, what: describe(from: before, to: after))
                }
            }
        }
    }

    init(changes: [Change]) { self.changes = changes }

    private init(sorting changes: [Change]) {
        self.changes = changes.sorted { ($0.rank, $0.key.keyId) < ($1.rank, $1.key.keyId) }
    }

    static func change(from before: UserApiKey, to key: UserApiKey) -> Change? {
        if before == key || sameIgnoringScopeOrder(before, key) { return nil }
        var withoutUse = before
        withoutUse.lastUsedTime = key.lastUsedTime
        return withoutUse == key ? .used(key) : .changed(old: before, new: key, what: describe(from: before, to: key))
    }

    /// The server may list a key's scopes in another order: not a change.
    static func sameIgnoringScopeOrder(_ a: UserApiKey, _ b: UserApiKey) -> Bool {
        guard a.scopes.map(Set.init) == b.scopes.map(Set.init) else { return false }
        var a = a
        a.scopes = b.scopes
        return a == b
    }

    static func describe(from old: UserApiKey, to new: UserApiKey) -> String {
        var parts: [String] = []
        if old.isRevoked != new.isRevoked { parts.append(new.isRevoked ? "revoked" : "un-revoked") }
        if old.alias != new.alias { parts.append("alias") }
        if old.expirationTime != new.expirationTime { parts.append("expiry") }
        if old.scopes.map(Set.init) != new.scopes.map(Set.init) { parts.append("scopes") }
        if old.lastUsedTime != new.lastUsedTime { parts.append("used") }
        return parts.isEmpty ? "metadata" : parts.joined(separator: ", ")
    }
}
