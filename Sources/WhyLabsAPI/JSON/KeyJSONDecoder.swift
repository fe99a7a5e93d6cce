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

    /// `forEachListed` with each key as read, before it takes any form.
    public static func forEachListed(in bytes: UnsafeRawBufferPointer, _ each: (ListedKey) -> Void) throws(JSONShapeError) {
        try walkList(bytes) { (s) throws(JSONShapeError) in each(try listed(&s, depth: 2)) }
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
        try listed(&s, depth: depth).decoded()
    }

    /// One key object read and checked, its text left where it is.
    static func listed(_ s: inout JSONScanner, depth: Int) throws(JSONShapeError) -> ListedKey {
        var seen: Seen = []
        var keyId: JSONScanner.RawString?, orgId: JSONScanner.RawString?, userId: JSONScanner.RawString?
        var creationTime: ListedKey.Time?
        var secret: JSONScanner.RawString?, expirationTime: ListedKey.Time?, lastUsedTime: ListedKey.Time?
        var scopesAt: Int?, resourceId: JSONScanner.RawString?, alias: JSONScanner.RawString?, revoked: Bool?
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
            case .keyId: keyId = try s.stringValue()
            case .orgId: orgId = try s.stringValue()
            case .alias: alias = try optionalString(&s)
            case .userId: userId = try s.stringValue()
            case .scopes:
                if try !s.null() {
                    scopesAt = s.i
                    try s.enter(UInt8(ascii: "["), depth: depth + 1)
                    var firstScope = true
                    while try s.nextElement(&firstScope) { _ = try s.stringValue() }
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
        return ListedKey(keyId: keyId, orgId: orgId, userId: userId, creationTime: creationTime, key: secret,
                         expirationTime: expirationTime, lastUsedTime: lastUsedTime, scopesAt: scopesAt,
                         resourceId: resourceId, alias: alias, revoked: revoked, bytes: s.bytes, length: s.i - start)
    }

    /// Which field a member name is, or none.
    @inline(__always) private static func field(_ name: JSONScanner.RawString) -> Seen {
        guard var escaped = name.escaped else { return field(name.bytes) }
        return escaped.withUTF8 { field(UnsafeRawBufferPointer($0)) }  // a name written with escapes
    }

    @inline(__always) private static func field(_ name: UnsafeRawBufferPointer) -> Seen {
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

    private static func optionalString(_ s: inout JSONScanner) throws(JSONShapeError) -> JSONScanner.RawString? {
        try s.null() ? nil : try s.stringValue()
    }

    /// A time: the service's text, or epoch milliseconds.
    private static func time(_ s: inout JSONScanner) throws(JSONShapeError) -> ListedKey.Time {
        guard s.peek() == UInt8(ascii: "\"") else {
            guard let next = s.peek(), next == UInt8(ascii: "-") || (next >= 48 && next <= 57) else {
                throw s.fail("time is neither a string nor a number")
            }
            let ms = try s.int64()
            guard APITime.writableMilliseconds.contains(ms) else { throw s.fail("time out of range (years 0000 to 9999)") }
            return .milliseconds(ms)
        }
        return .text(try s.rawString())
    }
}

/// One key of an answer as read and checked, its text still in the
/// answer's bytes: what a list's keys are before a caller gives them its
/// own form (or writes them straight out again). Valid only while those
/// bytes are, that is, during the call it is handed to.
public struct ListedKey {
    enum Time {
        case milliseconds(Int64)
        case text(JSONScanner.RawString)
    }

    var keyId, orgId, userId: JSONScanner.RawString
    var creationTime: Time
    var key: JSONScanner.RawString?
    var expirationTime, lastUsedTime: Time?
    /// Where the scopes array begins in `bytes`; read again when wanted.
    var scopesAt: Int?
    var resourceId, alias: JSONScanner.RawString?
    var revoked: Bool?
    let bytes: UnsafeRawBufferPointer
    /// The key object's length in the answer, which bounds its output.
    let length: Int

    /// The key in keydash's own form.
    public func decoded() -> UserApiKey {
        var scopes: [String]?
        if scopesAt != nil {
            var list: [String] = []
            forEachScope { list.append($0.text) }
            scopes = list
        }
        return UserApiKey(keyId: keyId.text, orgId: orgId.text, userId: userId.text, creationTime: Self.apiTime(creationTime),
                          key: key?.text, expirationTime: expirationTime.map(Self.apiTime),
                          lastUsedTime: lastUsedTime.map(Self.apiTime), scopes: scopes, resourceId: resourceId?.text,
                          alias: alias?.text, revoked: revoked)
    }

    /// Each scope, in order. The array was checked when the key was read,
    /// so reading it again cannot fail.
    func forEachScope(_ body: (JSONScanner.RawString) -> Void) {
        guard let scopesAt else { return }
        var s = JSONScanner(bytes)
        s.i = scopesAt
        do {
            try s.enter(UInt8(ascii: "["), depth: 0)
            var first = true
            while try s.nextElement(&first) { body(try s.stringValue()) }
        } catch {
            assertionFailure("a checked scopes array failed to read again: \(error)")
        }
    }

    /// Parsed in place; kept as text only when it is not in the service's own form.
    static func apiTime(_ time: Time) -> APITime {
        switch time {
        case .milliseconds(let ms): return APITime(epochMilliseconds: ms)
        case .text(let raw):
            if let escaped = raw.escaped { return APITime(text: escaped) }
            return APITime(storage: APITime.storage(parsing: raw.bytes) { String(decoding: raw.bytes, as: UTF8.self) })
        }
    }
}
