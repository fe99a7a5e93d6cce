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

    struct Seen: OptionSet {
        let rawValue: UInt16
        static let keyId = Seen(rawValue: 1 << 0), orgId = Seen(rawValue: 1 << 1), userId = Seen(rawValue: 1 << 2)
        static let creationTime = Seen(rawValue: 1 << 3), key = Seen(rawValue: 1 << 4)
        static let expirationTime = Seen(rawValue: 1 << 5), lastUsedTime = Seen(rawValue: 1 << 6)
        static let scopes = Seen(rawValue: 1 << 7), resourceId = Seen(rawValue: 1 << 8)
        static let alias = Seen(rawValue: 1 << 9), revoked = Seen(rawValue: 1 << 10)
        static let required: Seen = [.keyId, .orgId, .userId, .creationTime]
    }

    static func key(_ s: inout JSONScanner, depth: Int) throws(JSONShapeError) -> UserApiKey {
        var key = KeyFields()
        try members(&s, depth: depth, into: &key)
        return key.value
    }

    /// One key object read and checked, its text left where it is.
    static func listed(_ s: inout JSONScanner, depth: Int) throws(JSONShapeError) -> ListedKey {
        var key = ListedFields()
        let start = try members(&s, depth: depth, into: &key)
        return ListedKey(fields: key, bytes: s.bytes, start: start, length: s.i - start)
    }

    /// A key object's members, each handed to `sink` once: the one loop
    /// that holds the rules (the first member of a name wins, nulls, what
    /// each field may be, which are required), whatever form the key takes.
    /// Returns where the object began.
    @discardableResult @inline(__always)
    private static func members<Sink: KeyMemberSink>(_ s: inout JSONScanner, depth: Int, into sink: inout Sink) throws(JSONShapeError) -> Int {
        var seen: Seen = []
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
            case .keyId: sink.keyId(try s.stringValue())
            case .orgId: sink.orgId(try s.stringValue())
            case .userId: sink.userId(try s.stringValue())
            case .key: if try !s.null() { sink.key(try s.stringValue()) }
            case .alias: if try !s.null() { sink.alias(try s.stringValue()) }
            case .resourceId: if try !s.null() { sink.resourceId(try s.stringValue()) }
            case .scopes:
                if try !s.null() {
                    sink.scopes(at: s.i)
                    try s.enter(UInt8(ascii: "["), depth: depth + 1)
                    var firstScope = true
                    while try s.nextElement(&firstScope) { sink.scope(try s.stringValue()) }
                }
            case .revoked: if try !s.null() { sink.revoked(try s.bool()) }
            case .creationTime: sink.creationTime(try time(&s))
            case .lastUsedTime: if try !s.null() { sink.lastUsedTime(try time(&s)) }
            default: if try !s.null() { sink.expirationTime(try time(&s)) }
            }
        }
        guard seen.isSuperset(of: .required) else {
            throw JSONShapeError(offset: start, reason: "a key lacks keyId, orgId, userId or creationTime")
        }
        return start
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

    /// As `members` handed them over: the required ones all there.
    let fields: ListedFields
    let bytes: UnsafeRawBufferPointer
    /// Where the key object begins in `bytes`, and its length, which
    /// bounds its output.
    let start: Int
    let length: Int

    /// Never used: `members` saw each required field.
    private static var none: JSONScanner.RawString {
        JSONScanner.RawString(bytes: UnsafeRawBufferPointer(start: nil, count: 0), escaped: nil, printableASCII: true)
    }
    var keyId: JSONScanner.RawString { fields.keyId ?? Self.none }
    var orgId: JSONScanner.RawString { fields.orgId ?? Self.none }
    var userId: JSONScanner.RawString { fields.userId ?? Self.none }
    var creationTime: Time { fields.creationTime ?? .text(Self.none) }
    var key: JSONScanner.RawString? { fields.key }
    var alias: JSONScanner.RawString? { fields.alias }
    var resourceId: JSONScanner.RawString? { fields.resourceId }
    var expirationTime: Time? { fields.expirationTime }
    var lastUsedTime: Time? { fields.lastUsedTime }
    var revoked: Bool? { fields.revoked }
    /// Where the scopes array begins in `bytes`; read again when wanted.
    var scopesAt: Int? { fields.scopesAt }

    /// The key in keydash's own form: its object read again, by the same
    /// rules, into a `UserApiKey`. It was checked when read, so this cannot fail.
    public func decoded() -> UserApiKey {
        var s = JSONScanner(bytes)
        s.i = start
        do {
            return try KeyJSONDecoder.key(&s, depth: 0)
        } catch {
            preconditionFailure("a checked key failed to read again: \(error)")
        }
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

/// What `KeyJSONDecoder.members` hands over, member by member: each
/// field at most once, never a null.
protocol KeyMemberSink {
    mutating func keyId(_ raw: JSONScanner.RawString)
    mutating func orgId(_ raw: JSONScanner.RawString)
    mutating func userId(_ raw: JSONScanner.RawString)
    mutating func key(_ raw: JSONScanner.RawString)
    mutating func alias(_ raw: JSONScanner.RawString)
    mutating func resourceId(_ raw: JSONScanner.RawString)
    mutating func creationTime(_ time: ListedKey.Time)
    mutating func expirationTime(_ time: ListedKey.Time)
    mutating func lastUsedTime(_ time: ListedKey.Time)
    mutating func revoked(_ value: Bool)
    /// A scopes array begins at `offset`; its scopes follow.
    mutating func scopes(at offset: Int)
    mutating func scope(_ raw: JSONScanner.RawString)
}

/// A key's members kept as read, for `ListedKey`.
struct ListedFields: KeyMemberSink {
    var keyId, orgId, userId, key, alias, resourceId: JSONScanner.RawString?
    var creationTime, expirationTime, lastUsedTime: ListedKey.Time?
    var scopesAt: Int?
    var revoked: Bool?

    mutating func keyId(_ raw: JSONScanner.RawString) { keyId = raw }
    mutating func orgId(_ raw: JSONScanner.RawString) { orgId = raw }
    mutating func userId(_ raw: JSONScanner.RawString) { userId = raw }
    mutating func key(_ raw: JSONScanner.RawString) { key = raw }
    mutating func alias(_ raw: JSONScanner.RawString) { alias = raw }
    mutating func resourceId(_ raw: JSONScanner.RawString) { resourceId = raw }
    mutating func creationTime(_ time: ListedKey.Time) { creationTime = time }
    mutating func expirationTime(_ time: ListedKey.Time) { expirationTime = time }
    mutating func lastUsedTime(_ time: ListedKey.Time) { lastUsedTime = time }
    mutating func revoked(_ value: Bool) { revoked = value }
    mutating func scopes(at offset: Int) { scopesAt = offset }
    mutating func scope(_ raw: JSONScanner.RawString) {}  // read again from `scopesAt` when wanted
}

/// A key's members as Swift values, for `UserApiKey`: strings made as they
/// are read, so nothing is read twice.
struct KeyFields: KeyMemberSink {
    /// Complete once `members` has seen every required field.
    private(set) var value = UserApiKey(keyId: "", orgId: "", userId: "", creationTime: APITime(epochMilliseconds: 0))

    mutating func keyId(_ raw: JSONScanner.RawString) { value.keyId = raw.text }
    mutating func orgId(_ raw: JSONScanner.RawString) { value.orgId = raw.text }
    mutating func userId(_ raw: JSONScanner.RawString) { value.userId = raw.text }
    mutating func key(_ raw: JSONScanner.RawString) { value.key = raw.text }
    mutating func alias(_ raw: JSONScanner.RawString) { value.alias = raw.text }
    mutating func resourceId(_ raw: JSONScanner.RawString) { value.resourceId = raw.text }
    mutating func creationTime(_ time: ListedKey.Time) { value.creationTime = ListedKey.apiTime(time) }
    mutating func expirationTime(_ time: ListedKey.Time) { value.expirationTime = ListedKey.apiTime(time) }
    mutating func lastUsedTime(_ time: ListedKey.Time) { value.lastUsedTime = ListedKey.apiTime(time) }
    mutating func revoked(_ value: Bool) { self.value.revoked = value }
    mutating func scopes(at offset: Int) { value.scopes = [] }
    mutating func scope(_ raw: JSONScanner.RawString) { value.scopes?.append(raw.text) }
}
