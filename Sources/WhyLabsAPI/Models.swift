import Foundation

/// One API key's metadata, with the API's own JSON names. `key` (the secret)
/// is present only in the answer to create; it is never stored or listed.
public struct UserApiKey: Codable, Hashable, Sendable {
    public var keyId: String
    public var orgId: String
    public var userId: String
    public var creationTime: APITime
    public var key: String?
    public var expirationTime: APITime?
    public var lastUsedTime: APITime?
    public var scopes: [String]?
    public var resourceId: String?
    public var alias: String?
    public var revoked: Bool?

    public init(
        keyId: String, orgId: String, userId: String, creationTime: APITime,
        key: String? = nil, expirationTime: APITime? = nil, lastUsedTime: APITime? = nil,
        scopes: [String]? = nil, resourceId: String? = nil, alias: String? = nil, revoked: Bool? = nil
    ) {
        self.keyId = keyId
        self.orgId = orgId
        self.userId = userId
        self.creationTime = creationTime
        self.key = key
        self.expirationTime = expirationTime
        self.lastUsedTime = lastUsedTime
        self.scopes = scopes
        self.resourceId = resourceId
        self.alias = alias
        self.revoked = revoked
    }

    public var isRevoked: Bool { revoked ?? false }

    /// The same metadata with the secret removed, for anything that keeps keys.
    public var withoutSecret: UserApiKey {
        var copy = self
        copy.key = nil
        return copy
    }
}

extension UserApiKey: CustomStringConvertible {
    /// Never includes the secret, so a key can't leak through logging or `print`.
    public var description: String {
        "UserApiKey(keyId: \(keyId), orgId: \(orgId), userId: \(userId), alias: \(alias ?? "-"), revoked: \(isRevoked)\(key == nil ? "" : ", key: <redacted>"))"
    }
}

/// The answer to get: `{"key": {...}}`, or `{}` when the id is unknown.
public struct UserApiKeyResponse: Codable, Hashable, Sendable {
    public var key: UserApiKey?
    public init(key: UserApiKey?) { self.key = key }
}

/// The answer to list: `{"items": [...]}`.
public struct ListUserApiKeys: Codable, Hashable, Sendable {
    public var items: [UserApiKey]
    public init(items: [UserApiKey]) { self.items = items }
}

/// The error body the service sends with 4xx and 5xx answers.
public struct APIErrorBody: Codable, Hashable, Sendable {
    public var message: String?
    public var requestId: String?
    public var type: String?
    public init(message: String?, requestId: String?, type: String?) {
        self.message = message
        self.requestId = requestId
        self.type = type
    }
}

/// The scopes the service accepts on create.
public enum KeyScope {
    public static let all: [String] = [
        ":administrator", ":account_administrator", ":user", ":authenticated",
        ":secure_container", ":write_data", ":write_notification",
        ":read_notification", ":write_resource", ":read_resource",
    ]
    public static func isValid(_ scope: String) -> Bool { all.contains(scope) }
}

/// Facts about the key format: `<10-char id>.<53 chars>` (64 in all),
/// optionally followed by `:<orgId>`.
public enum APIKeyFormat {
    public static let idLength = 10
    public static let keyLength = 64

    /// Splits `id.secret:org-x` into the 64-character key and the org suffix.
    public static func split(_ raw: String) -> (key: String, orgId: String?) {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let colon = trimmed.firstIndex(of: ":") else { return (trimmed, nil) }
        let org = String(trimmed[trimmed.index(after: colon)...])
        return (String(trimmed[..<colon]), org.isEmpty ? nil : org)
    }

    /// The key id is the part before the first dot.
    public static func keyId(of key: String) -> String? {
        guard let dot = key.firstIndex(of: ".") else { return nil }
        let id = key[..<dot]
        return id.count == idLength ? String(id) : nil
    }

    public static func isWellFormed(_ key: String) -> Bool {
        guard key.utf8.count == keyLength, let id = keyId(of: key) else { return false }
        return id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            && key.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
    }
}
