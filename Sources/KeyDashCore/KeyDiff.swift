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

    /// Between two lists in the dashboard's compact form: keys are compared
    /// field by field in place and materialized only when they differ.
    public static func between(_ old: KeyRecords, _ new: KeyRecords) -> KeyDiff {
        var changes: [Change] = []
        for slot in new.slotRange {
            guard let oldSlot = old.slot(of: new.keyId(at: slot)) else {
                changes.append(.appeared(new.key(at: slot)))
                continue
            }
            if old.same(at: oldSlot, as: new, at: slot) { continue }
            if let change = change(from: old.key(at: oldSlot), to: new.key(at: slot)) { changes.append(change) }
        }
        for slot in old.slotRange where new.slot(of: old.keyId(at: slot)) == nil {
            changes.append(.vanished(old.key(at: slot)))
        }
        return KeyDiff(sorting: changes)
    }

    init(changes: [Change]) { self.changes = changes }

    private init(sorting changes: [Change]) {
        self.changes = changes.sorted { ($0.rank, $0.key.keyId) < ($1.rank, $1.key.keyId) }
    }

    private static func change(from before: UserApiKey, to key: UserApiKey) -> Change? {
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
