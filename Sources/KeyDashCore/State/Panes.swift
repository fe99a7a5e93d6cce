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

/// The new-key form.
public struct CreateForm: Sendable, Hashable {
    public enum Field: Int, CaseIterable, Sendable {
        case user, alias, scopes, expiry, submit
    }
    public static let expiryChoices = ["30d", "90d", "1y", "never", "date"]

    public var user = ""
    public var alias = ""
    public var scopes: Set<String> = [":user"]
    public var scopeCursor = 0
    public var expiryIndex = 1
    public var expiryDate = ""
    public var focus: Field = .user
    public var submitting = false
    public var error: String?

    public init(user: String = "") { self.user = user }

    public var expiry: ExpirySpec? {
        let choice = Self.expiryChoices[expiryIndex]
        return choice == "date" ? ExpirySpec.parse(expiryDate) : ExpirySpec.parse(choice)
    }

    /// The request this form describes, or why it can't be sent.
    public func request(now: Date) -> Result<CreateKeyRequest, FormError> {
        let user = self.user.trimmingCharacters(in: .whitespaces)
        if user.isEmpty { return .failure(FormError("a user is required")) }
        guard let expiry else { return .failure(FormError("the expiry date must look like 2027-01-31")) }
        let date = expiry.date(from: now)
        if let date, date <= now.addingTimeInterval(60) { return .failure(FormError("the expiry must be in the future")) }
        let alias = self.alias.trimmingCharacters(in: .whitespaces)
        return .success(CreateKeyRequest(userId: user, alias: alias.isEmpty ? nil : alias,
                                         scopes: KeyScope.all.filter { scopes.contains($0) }, expiration: date))
    }
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
