import Foundation
import WhyLabsAPI

/// What covers the list, if anything.
public enum Pane: Sendable, Hashable {
    case list
    case detail(keyId: String)
    case confirmRevoke(RevokeConfirmation)
    case bulkRevoke(BulkRevokeConfirmation)
    case create(CreateForm)
    case secret(OnceSecret)
    case help
    case activity
    /// Quit asked for while a create or revoke is in flight.
    case quitPending
    /// Choosing another profile of the config file.
    case profiles(ProfilePicker)
}

/// A profile of the config file as the picker and the header show it: never its key.
public struct ProfileSummary: Sendable, Hashable {
    public var name: String
    public var orgId: String
    public var endpointHost: String
    public var readOnly: Bool
    public init(name: String, orgId: String, endpointHost: String, readOnly: Bool) {
        self.name = name
        self.orgId = orgId
        self.endpointHost = endpointHost
        self.readOnly = readOnly
    }
}

/// The profile picker: the profiles, and the one under the cursor.
public struct ProfilePicker: Sendable, Hashable {
    public var cursor: Int
    public init(cursor: Int) { self.cursor = cursor }
}

/// A create or revoke sent and not yet answered.
public enum PendingWrite: Sendable, Hashable {
    case create(CreateKeyRequest)
    case revoke(KeyRef)

    public var summary: String {
        switch self {
        case .create(let r): "create a key for \(r.userId)" + (r.alias.map { " (\($0))" } ?? "")
        case .revoke(let ref): "revoke \(ref.keyId) (\(ref.userId))"
        }
    }
}

/// The confirm-revoke modal: confirmed only by typing the key id exactly and
/// pressing Enter.
public struct RevokeConfirmation: Sendable, Hashable {
    public var keyId: String
    public var userId: String
    public var typed: String = ""
    public init(keyId: String, userId: String) {
        self.keyId = keyId
        self.userId = userId
    }
    public var isConfirmable: Bool { typed == keyId }
}

/// Revoking the marked keys: confirmed by typing how many. Marks the current
/// filter hides are listed as hidden, so nothing is revoked unseen.
public struct BulkRevokeConfirmation: Sendable, Hashable {
    public var keys: [KeyRef]
    /// Key ids among `keys` that the list does not show right now.
    public var hidden: Set<String>
    public var typed: String = ""
    public init(keys: [KeyRef], hidden: Set<String> = []) {
        self.keys = keys
        self.hidden = hidden
    }
    public var expected: String { String(keys.count) }
    public var isConfirmable: Bool { typed == expected }
}

public struct KeyRef: Sendable, Hashable {
    public var keyId: String
    public var userId: String
    public init(keyId: String, userId: String) {
        self.keyId = keyId
        self.userId = userId
    }
}

/// The new-key form; with `rotation`, the replacement of a key (same user,
/// scopes and alias; the lifetime and what happens to the old key chosen).
public struct CreateForm: Sendable, Hashable {
    public enum Field: Int, CaseIterable, Sendable {
        case user, alias, scopes, expiry, after, submit
    }
    public static let standardExpiryChoices = ["30d", "90d", "1y", "never", "date"]
    /// What the expiry field offers; a rotation starts with "same" (the old key's lifetime).
    public var expiryChoices = Self.standardExpiryChoices

    public var user = ""
    public var alias = ""
    public var scopes: Set<String> = [":user"]
    public var scopeCursor = 0
    public var expiryIndex = 1
    public var expiryDate = ""
    public var focus: Field = .user
    public var submitting = false
    public var error: String?
    public var rotation: RotationPlan?

    public init(user: String = "") { self.user = user }

    /// The form replacing `key`: its user, scopes and alias; its lifetime from now.
    public init(rotating key: UserApiKey) {
        user = key.userId
        alias = key.alias ?? ""
        scopes = Set(key.scopes ?? [])
        rotation = RotationPlan(old: KeyRef(keyId: key.keyId, userId: key.userId), scopes: key.scopes ?? [],
                                lifetime: PendingRotation.lifetime(of: key))
        expiryChoices = ["same"] + Self.standardExpiryChoices
        expiryIndex = 0
        focus = .expiry
    }

    /// The fields Tab visits: a rotation changes only the expiry and what follows.
    public var fields: [Field] {
        rotation == nil ? [.user, .alias, .scopes, .expiry, .submit] : [.expiry, .after, .submit]
    }

    public var expiry: ExpirySpec? {
        switch expiryChoices[expiryIndex] {
        case "date": return ExpirySpec.parse(expiryDate)
        case "same":
            guard let lifetime = rotation?.lifetime else { return .never }
            return .after(seconds: lifetime, label: "same")
        case let choice: return ExpirySpec.parse(choice)
        }
    }

    /// What "same" means for this key, for the form.
    public var sameLifetimeNote: String? {
        guard let rotation else { return nil }
        guard let lifetime = rotation.lifetime else { return "same: never expires, as the old key" }
        return "same: \(Int((lifetime / 86_400).rounded())) days from now, the old key's lifetime"
    }

    /// The request this form describes, or why it can't be sent.
    public func request(now: Date) -> Result<CreateKeyRequest, FormError> {
        let user = self.user.trimmingCharacters(in: .whitespaces)
        if user.isEmpty { return .failure(FormError("a user is required")) }
        guard let expiry else { return .failure(FormError("the expiry date must look like 2027-01-31")) }
        let date = expiry.date(from: now)
        if let date, date <= now.addingTimeInterval(60) { return .failure(FormError("the expiry must be in the future")) }
        let alias = self.alias.trimmingCharacters(in: .whitespaces)
        // A replacement carries the old key's scopes exactly, known or not.
        let scopes = rotation?.scopes ?? KeyScope.all.filter { self.scopes.contains($0) }
        return .success(CreateKeyRequest(userId: user, alias: alias.isEmpty ? nil : alias, scopes: scopes, expiration: date))
    }
}

/// A rotation being set up: the key replaced and what to do with it.
public struct RotationPlan: Sendable, Hashable {
    public var old: KeyRef
    public var scopes: [String]
    /// The old key's lifetime in seconds; nil when it never expires.
    public var lifetime: TimeInterval?
    /// Revoke the old key right after (typed confirmation, as always) rather than when unused.
    public var revokeNow = false
}

public struct FormError: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// A new key's secret, held only while its pane is open.
public struct OnceSecret: Sendable, Hashable {
    public var keyId: String
    public var secret: String
    public var copied = false
    public init(keyId: String, secret: String) {
        self.keyId = keyId
        self.secret = secret
    }
}

/// A one-line text prompt at the bottom of the list (filter, user filter).
public struct Prompt: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case filter, user }
    public var kind: Kind
    public var text: String
    public var original: String
    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
        self.original = text
    }
}
