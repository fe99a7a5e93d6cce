import Foundation

/// Reads the API's key shapes straight from a response's bytes: no
/// `JSONDecoder`, no intermediate dictionaries, times parsed in place. It
/// accepts what Foundation's decoder accepts for these shapes (field order,
/// whitespace, escapes, unknown members, nulls, epoch-millisecond times;
/// the first of two members with one name wins) and is stricter only about
/// text that is not JSON at all.
public enum KeyJSONDecoder {
    /// `{"items": [...]}`, calling `each` per key in order, so a caller can
    /// keep keys in its own form without an array of them in between.
    public static func forEachListed(in bytes: UnsafeRawBufferPointer, _ each: (UserApiKey) -> Void) throws(JSONShapeError) {
        try walkList(bytes) { (s) throws(JSONShapeError) in each(try key(&s, depth: 2)) }
    }

    /// A list whose every element is `{}`: what `KeyListStream` leaves of a
    /// list once its keys are decoded, checked by the same walk as the whole.
    static func checkListSkeleton(_ bytes: UnsafeRawBufferPointer) throws(JSONShapeError) {
        try walkList(bytes) { (s) throws(JSONShapeError) in
            try s.enter(UInt8(ascii: "{"), depth: 2)
            var none = true
            guard try s.nextMember(&none) == nil else { throw s.fail("expected a key object") }
        }
    }

    /// The list's outline: one object whose first `items` member is an
    /// array, every other member well formed and skipped; `element` reads
    /// each element of that array. Inlined into both callers, so the hot
    /// loop stays free of a closure call per key.
    @inline(__always)
    private static func walkList(_ bytes: UnsafeRawBufferPointer,
                                 _ element: (inout JSONScanner) throws(JSONShapeError) -> Void) throws(JSONShapeError) {
        var s = JSONScanner(bytes)
        var sawItems = false
        try s.enter(UInt8(ascii: "{"), depth: 0)
        var first = true
        while let name = try s.nextMember(&first) {
            if name.equals("items") && !sawItems {
                sawItems = true
                try s.enter(UInt8(ascii: "["), depth: 1)
                var firstItem = true
                while try s.nextElement(&firstItem) { try element(&s) }
            } else {
                try s.skipValue(depth: 1)
            }
        }
        guard sawItems else { throw JSONShapeError(offset: 0, reason: "no \"items\" member") }
        try s.expectEnd()
    }

    public static func list(_ bytes: UnsafeRawBufferPointer) throws(JSONShapeError) -> [UserApiKey] {
        var keys: [UserApiKey] = []
        keys.reserveCapacity(bytes.count / 200)  // about what the service sends per key
        try forEachListed(in: bytes) { keys.append($0) }
        return keys
    }

    /// `{"key": {...}}`, or nil for the `{}` the service sends for an unknown id.
    public static func keyResponse(_ bytes: UnsafeRawBufferPointer) throws(JSONShapeError) -> UserApiKey? {
        var scanner = JSONScanner(bytes)
        var found: UserApiKey?
        var sawKey = false
        try scanner.object(depth: 0) { (s, name) throws(JSONShapeError) in
            if name.equals("key") && !sawKey {
                sawKey = true
                if try !s.null() { found = try key(&s, depth: 1) }
            } else {
                try s.skipValue(depth: 1)
            }
        }
        try scanner.expectEnd()
        return found
    }

    /// A bare key object (the answer to create and revoke).
    public static func key(_ bytes: UnsafeRawBufferPointer) throws(JSONShapeError) -> UserApiKey {
        var scanner = JSONScanner(bytes)
        let value = try key(&scanner, depth: 0)
        try scanner.expectEnd()
        return value
    }

    // MARK: - One key

    private struct Seen: OptionSet {
        let rawValue: UInt16
        static let keyId = Seen(rawValue: 1 << 0), orgId = Seen(rawValue: 1 << 1), userId = Seen(rawValue: 1 << 2)
        static let creationTime = Seen(rawValue: 1 << 3), key = Seen(rawValue: 1 << 4)
        static let expirationTime = Seen(rawValue: 1 << 5), lastUsedTime = Seen(rawValue: 1 << 6)
        static let scopes = Seen(rawValue: 1 << 7), resourceId = Seen(rawValue: 1 << 8)
        static let alias = Seen(rawValue: 1 << 9), revoked = Seen(rawValue: 1 << 10)
    }

    static func key(_ s: inout JSONScanner, depth: Int) throws(JSONShapeError) -> UserApiKey {
        var seen: Seen = []
        var keyId: String?, orgId: String?, userId: String?, creationTime: APITime?
        var secret: String?, expirationTime: APITime?, lastUsedTime: APITime?
        var scopes: [String]?, resourceId: String?, alias: String?, revoked: Bool?
        guard s.peek() == UInt8(ascii: "{") else { throw s.fail("expected a key object") }
        let start = s.i
        try s.enter(UInt8(ascii: "{"), depth: depth)
        var firstMember = true
        while let name = try s.nextMember(&firstMember) {
            // The first member of a name wins, as with Foundation's decoder.
            let field = Self.field(name)
            guard !field.isEmpty, !seen.contains(field) else {
                try s.skipValue(depth: depth)
                continue
            }
            seen.insert(field)
            switch field {
            case .key: secret = try optionalString(&s)
            case .keyId: keyId = try s.string()
            case .orgId: orgId = try s.string()
            case .alias: alias = try optionalString(&s)
            case .userId: userId = try s.string()
            case .scopes:
                if try !s.null() {
                    var list: [String] = []
                    try s.enter(UInt8(ascii: "["), depth: depth + 1)
                    var firstScope = true
                    while try s.nextElement(&firstScope) { list.append(try s.string()) }
                    scopes = list
                }
            case .revoked:
                if try !s.null() { revoked = try s.bool() }
            case .resourceId: resourceId = try optionalString(&s)
            case .creationTime: creationTime = try time(&s)
            case .lastUsedTime:
                if try !s.null() { lastUsedTime = try time(&s) }
            default:
                if try !s.null() { expirationTime = try time(&s) }
            }
        }
        guard let keyId, let orgId, let userId, let creationTime else {
            throw JSONShapeError(offset: start, reason: "a key lacks keyId, orgId, userId or creationTime")
        }
        return UserApiKey(keyId: keyId, orgId: orgId, userId: userId, creationTime: creationTime, key: secret,
                          expirationTime: expirationTime, lastUsedTime: lastUsedTime, scopes: scopes,
                          resourceId: resourceId, alias: alias, revoked: revoked)
    }

    /// Which field a member name is, or none.
    @inline(__always) private static func field(_ name: JSONScanner.RawString) -> Seen {
        switch name.count {
        case 3 where name.equals("key"): .key
        case 5 where name.equals("keyId"): .keyId
        case 5 where name.equals("orgId"): .orgId
        case 5 where name.equals("alias"): .alias
        case 6 where name.equals("userId"): .userId
        case 6 where name.equals("scopes"): .scopes
        case 7 where name.equals("revoked"): .revoked
        case 10 where name.equals("resourceId"): .resourceId
        case 12 where name.equals("creationTime"): .creationTime
        case 12 where name.equals("lastUsedTime"): .lastUsedTime
        case 14 where name.equals("expirationTime"): .expirationTime
        default: []
        }
    }

    private static func optionalString(_ s: inout JSONScanner) throws(JSONShapeError) -> String? {
        try s.null() ? nil : try s.string()
    }

    /// A time: the service's text (parsed in place, kept as text only when it
    /// is not in the service's own form) or epoch milliseconds.
    private static func time(_ s: inout JSONScanner) throws(JSONShapeError) -> APITime {
        guard s.peek() == UInt8(ascii: "\"") else {
            guard let next = s.peek(), next == UInt8(ascii: "-") || (next >= 48 && next <= 57) else {
                throw s.fail("time is neither a string nor a number")
            }
            let ms = try s.int64()
            guard APITime.writableMilliseconds.contains(ms) else { throw s.fail("time out of range (years 0000 to 9999)") }
            return APITime(epochMilliseconds: ms)
        }
        let raw = try s.rawString()
        if let escaped = raw.escaped { return APITime(text: escaped) }
        return APITime(storage: APITime.storage(parsing: raw.bytes) { String(decoding: raw.bytes, as: UTF8.self) })
    }
}
