import Foundation
import WhyLabsAPI

/// A rotation started and not finished: the replacement exists and the old
/// key still works. Kept under `$XDG_STATE_HOME/keydash/` so it survives
/// restarts; it never holds a secret (there is no field for one).
public struct PendingRotation: Sendable, Hashable, Codable {
    public var org: String
    public var oldKeyId: String
    public var newKeyId: String
    public var userId: String
    public var alias: String?
    /// When the replacement was created.
    public var rotatedAt: Date
    /// The new key's last use as first seen after the rotation: from then
    /// on, a use of the old key means something still holds it.
    public var newFirstUsedAt: Date?

    public init(org: String, oldKeyId: String, newKeyId: String, userId: String, alias: String?, rotatedAt: Date,
                newFirstUsedAt: Date? = nil) {
        self.org = org
        self.oldKeyId = oldKeyId
        self.newKeyId = newKeyId
        self.userId = userId
        self.alias = alias
        // Whole milliseconds, as the service keeps times.
        self.rotatedAt = Date(timeIntervalSince1970: (rotatedAt.timeIntervalSince1970 * 1000).rounded() / 1000)
        self.newFirstUsedAt = newFirstUsedAt
    }

    /// Where the rotation stands, from the two keys as last listed (nil:
    /// not in the list). `noting` is the record with the new key's first
    /// use filled in when this is the first time it is seen.
    public func state(old: UserApiKey?, new: UserApiKey?) -> (state: RotationState, noting: PendingRotation) {
        var record = self
        guard let old else { return (.oldGone, record) }
        if old.isRevoked { return (.done, record) }
        guard let new else { return (.replacementGone, record) }
        if new.isRevoked { return (.replacementRevoked, record) }
        if record.newFirstUsedAt == nil, let used = new.lastUsedTime?.date, used >= rotatedAt {
            record.newFirstUsedAt = used
        }
        guard let firstUse = record.newFirstUsedAt else { return (.waiting, record) }
        if let oldUse = old.lastUsedTime?.date, oldUse > firstUse { return (.stillInUse, record) }
        return (.readyToRevoke, record)
    }

    /// The lifetime `old` was created with, in seconds; nil when it never
    /// expires, 90 days when its creation time can't be read.
    public static func lifetime(of old: UserApiKey) -> TimeInterval? {
        guard let expires = old.expirationTime?.date else { return nil }
        guard let created = old.creationTime.date, expires > created else { return 90 * 86_400 }
        return expires.timeIntervalSince(created)
    }

    /// The replacement's expiry: the old key's lifetime counted from `now`; nil (never) when it never expired.
    public static func replacementExpiry(of old: UserApiKey, now: Date) -> Date? {
        lifetime(of: old).map { now.addingTimeInterval($0) }
    }
}

/// Where a pending rotation stands.
public enum RotationState: String, Sendable, Hashable, CaseIterable {
    /// The new key has not been used yet: "replaced by NEWID".
    case waiting = "replaced"
    /// The new key is in use and the old one has not been used since.
    case readyToRevoke = "ready to revoke"
    /// The old key was used after the new one started being used.
    case stillInUse = "still in use"
    /// The old key is revoked: the rotation is complete.
    case done
    case replacementRevoked = "replacement revoked"
    case replacementGone = "replacement gone"
    case oldGone = "old key gone"

    /// Short enough for the list's status column.
    public var short: String {
        switch self {
        case .waiting: "replaced"
        case .readyToRevoke: "ready"
        case .stillInUse: "in use"
        case .done: "done"
        case .replacementRevoked, .replacementGone: "no repl."
        case .oldGone: "gone"
        }
    }

    /// The sentence for the detail pane and `keydash rotations`.
    public func describe(_ rotation: PendingRotation) -> String {
        switch self {
        case .waiting: "replaced by \(rotation.newKeyId); the new key is not used yet"
        case .readyToRevoke: "replaced by \(rotation.newKeyId); ready to revoke"
        case .stillInUse: "replaced by \(rotation.newKeyId); still in use"
        case .done: "rotation to \(rotation.newKeyId) complete (revoked)"
        case .replacementRevoked: "its replacement \(rotation.newKeyId) was revoked"
        case .replacementGone: "its replacement \(rotation.newKeyId) is no longer listed"
        case .oldGone: "no longer listed (replaced by \(rotation.newKeyId))"
        }
    }
}
