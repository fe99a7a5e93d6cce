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

/// Warnings an admin should see about a key.
public struct KeyHygiene: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let neverExpires = KeyHygiene(rawValue: 1 << 0)
    public static let expiringSoon = KeyHygiene(rawValue: 1 << 1)
    public static let expired = KeyHygiene(rawValue: 1 << 2)
    public static let unused90Days = KeyHygiene(rawValue: 1 << 3)
    public static let neverUsed = KeyHygiene(rawValue: 1 << 4)

    public static let expiringWindow: TimeInterval = 7 * 86_400
    public static let staleWindow: TimeInterval = 90 * 86_400

    public static func of(_ key: UserApiKey, now: Date) -> KeyHygiene {
        var flags: KeyHygiene = []
        if key.isRevoked { return flags }
        if let exp = key.expirationTime {
            if let date = exp.date {
                if date <= now { flags.insert(.expired) } else if date.timeIntervalSince(now) <= expiringWindow { flags.insert(.expiringSoon) }
            }
        } else {
            flags.insert(.neverExpires)
        }
        if let used = key.lastUsedTime {
            if let date = used.date, now.timeIntervalSince(date) >= staleWindow { flags.insert(.unused90Days) }
        } else {
            flags.insert(.neverUsed)
        }
        return flags
    }

    /// One line per warning, for the detail pane and `keydash get`.
    public func warnings(for key: UserApiKey, now: Date) -> [String] {
        var out: [String] = []
        if contains(.expired), let d = key.expirationTime?.date { out.append("expired \(RelativeTime.describe(d, now: now))") }
        if contains(.expiringSoon), let d = key.expirationTime?.date { out.append("expires \(RelativeTime.describe(d, now: now))") }
        if contains(.neverExpires) { out.append("never expires") }
        if contains(.neverUsed) { out.append("never used") }
        if contains(.unused90Days), let d = key.lastUsedTime?.date {
            out.append("unused for \(Int(now.timeIntervalSince(d) / 86_400)) days")
        }
        return out
    }
}
