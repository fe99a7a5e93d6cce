import Foundation
import WhyLabsAPI

/// One change worth telling someone about: what `keydash watch` prints and
/// what `--notify` announces. Made from `KeyDiff` (the same diff the
/// activity pane reads) plus the changes time makes on its own (a key
/// starting to expire within 7 days, a key expiring) and rotation states.
public struct KeyEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case appeared, changed, used, vanished, revoked, expiring, expired, rotation
    }
    public var kind: Kind
    public var keyId: String
    public var userId: String
    public var alias: String?
    /// Which fields changed, or the rotation's new state.
    public var detail: String?

    public init(kind: Kind, keyId: String, userId: String, alias: String?, detail: String? = nil) {
        self.kind = kind
        self.keyId = keyId
        self.userId = userId
        self.alias = alias
        self.detail = detail
    }

    init(_ kind: Kind, _ key: UserApiKey, _ detail: String? = nil) {
        self.init(kind: kind, keyId: key.keyId, userId: key.userId, alias: key.alias, detail: detail)
    }

    /// One line for a person: `changed AbCdEfGhIj (alice, "ci"): expiry, scopes`.
    public var text: String {
        var line = "\(kind.rawValue) \(keyId) (\(userId)"
        if let alias { line += ", \"\(alias)\"" }
        line += ")"
        if let detail { line += ": " + detail }
        return DisplayText.sanitize(line)
    }

    /// One JSON object on one line, for `--format jsonl`.
    public func jsonLine(at time: Date) -> [UInt8] {
        var w = KeyJSONWriter(style: .compact)
        w.object { w in
            if let alias { w.member("alias"); w.string(alias) }
            if let detail { w.member("detail"); w.string(detail) }
            w.member("event"); w.string(kind.rawValue)
            w.member("keyId"); w.string(keyId)
            w.member("time"); w.string(APITime.format(time) + "Z")
            w.member("userId"); w.string(userId)
        }
        return w.bytes + [0x0A]
    }
}

public enum KeyEvents {
    /// What changed between two lists fetched at `before` and `after`: the
    /// diff's appeared, changed, used and vanished (a revoked key shown
    /// with its revoke is `revoked`), then keys whose status moved on with
    /// time alone, by key id.
    public static func between(_ old: KeyRecords, at before: Date, _ new: KeyRecords, at after: Date) -> [KeyEvent] {
        var events: [KeyEvent] = []
        let diff = KeyDiff.between(old, new)
        var changedIds: Set<String> = []
        for change in diff.changes {
            switch change {
            case .appeared(let key): events.append(KeyEvent(.appeared, key))
            case .used(let key): events.append(KeyEvent(.used, key, "lastUsedTime"))
            case .vanished(let key): events.append(KeyEvent(.vanished, key))
            case .changed(let before, let key, let what):
                changedIds.insert(key.keyId)
                if !before.isRevoked && key.isRevoked { events.append(KeyEvent(.revoked, key)) } else {
                    events.append(KeyEvent(.changed, key, what))
                }
            }
        }
        for slot in new.slotRange where !new.isRevoked(at: slot) {
            let id = new.keyId(at: slot)
            guard let was = old.slot(of: id), !changedIds.contains(id) else { continue }
            let then = old.status(at: was, now: before), now = new.status(at: slot, now: after)
            guard then != now else { continue }
            if now == .expired { events.append(KeyEvent(.expired, new.key(at: slot))) }
            else if now == .expiring && then == .active { events.append(KeyEvent(.expiring, new.key(at: slot), "expires within 7 days")) }
        }
        return events
    }

    /// A rotation whose state is not the one last seen.
    public static func rotation(_ rotation: PendingRotation, _ state: RotationState) -> KeyEvent {
        KeyEvent(kind: .rotation, keyId: rotation.oldKeyId, userId: rotation.userId, alias: rotation.alias, detail: state.describe(rotation))
    }
}
