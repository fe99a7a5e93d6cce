import Foundation

/// Writes the API's key shapes straight into bytes, for `keydash serve`'s
/// answers and the command line's `--format json`. Members are in sorted
/// order and absent ones left out; `pretty` is laid out exactly as
/// Foundation's `JSONEncoder` with `.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes` lays it out, so scripts see no change.
///
/// Strings escape `"`, `\` and C0 as JSON requires, and also DEL, C1, bidi
/// and invisible characters as `\uXXXX`: the data stays exact for a parser,
/// and nothing raw reaches a terminal that shows it.
public struct KeyJSONWriter: Sendable {
    public enum Style: Sendable { case compact, pretty }

    public private(set) var bytes: [UInt8] = []
    let style: Style

    public init(style: Style, capacity: Int = 256) {
        self.style = style
        bytes.reserveCapacity(capacity)
    }

    // MARK: Documents

    /// `{"items":[...]}`.
    public static func list<C: Collection>(_ keys: C, style: Style) -> [UInt8] where C.Element == UserApiKey {
        var w = KeyJSONWriter(style: style, capacity: 64 + keys.count * (style == .pretty ? 420 : 300))
        w.open(UInt8(ascii: "{"))
        w.member("items")
        w.open(UInt8(ascii: "["))
        for key in keys {
            w.element()
            w.key(key)
        }
        w.close(UInt8(ascii: "]"))
        w.close(UInt8(ascii: "}"))
        w.finish()
        return w.bytes
    }

    /// `list(keys, style: .pretty)` written as the keys arrive: a list
    /// answer becomes output with no array of keys in between.
    public struct PrettyList: KeyListAccumulator {
        private var writer: KeyJSONWriter

        public init() {
            writer = KeyJSONWriter(style: .pretty, capacity: 4096)
            writer.open(UInt8(ascii: "{"))
            writer.member("items")
            writer.open(UInt8(ascii: "["))
        }

        public mutating func expect(answerBytes: Int) {
            // Pretty output runs about 1.6 times the compact answer.
            writer.bytes.reserveCapacity(min(answerBytes, 64 << 20) * 7 / 4)
        }

        public mutating func add(_ key: UserApiKey) {
            writer.element()
            writer.key(key)
        }

        /// Straight from the answer's bytes to output: the same bytes as
        /// decoding the key and writing it, with no `UserApiKey` between.
        public mutating func add(_ key: ListedKey) {
            writer.element()
            writer.key(key)
        }

        /// The whole document.
        public consuming func finish() -> [UInt8] {
            writer.close(UInt8(ascii: "]"))
            writer.close(UInt8(ascii: "}"))
            writer.finish()
            return writer.bytes
        }
    }

    /// `{"key":{...}}`, or `{}` for none.
    public static func keyResponse(_ key: UserApiKey?, style: Style) -> [UInt8] {
        var w = KeyJSONWriter(style: style)
        w.open(UInt8(ascii: "{"))
        if let key {
            w.member("key")
            w.key(key)
        }
        w.close(UInt8(ascii: "}"))
        w.finish()
        return w.bytes
    }

    public static func key(_ key: UserApiKey, style: Style) -> [UInt8] {
        var w = KeyJSONWriter(style: style)
        w.key(key)
        w.finish()
        return w.bytes
    }

    public static func errorBody(_ body: APIErrorBody, style: Style) -> [UInt8] {
        var w = KeyJSONWriter(style: style)
        w.open(UInt8(ascii: "{"))
        if let message = body.message { w.member("message"); w.string(message) }
        if let requestId = body.requestId { w.member("requestId"); w.string(requestId) }
        if let type = body.type { w.member("type"); w.string(type) }
        w.close(UInt8(ascii: "}"))
        w.finish()
        return w.bytes
    }

    /// A pretty document ends with a line break.
    public mutating func finish() {
        if style == .pretty { bytes.append(0x0A) }
    }

    // MARK: One key

    public mutating func key(_ key: UserApiKey) {
        open(UInt8(ascii: "{"))
        if let alias = key.alias { member("alias"); string(alias) }
        member("creationTime"); time(key.creationTime)
        if let expiration = key.expirationTime { member("expirationTime"); time(expiration) }
        if let secret = key.key { member("key"); string(secret) }
        member("keyId"); string(key.keyId)
        if let lastUsed = key.lastUsedTime { member("lastUsedTime"); time(lastUsed) }
        member("orgId"); string(key.orgId)
        if let resource = key.resourceId { member("resourceId"); string(resource) }
        if let revoked = key.revoked { member("revoked"); literal(revoked ? "true" : "false") }
        if let scopes = key.scopes {
            member("scopes")
            open(UInt8(ascii: "["))
            for scope in scopes {
                element()
                string(scope)
            }
            close(UInt8(ascii: "]"))
        }
        member("userId"); string(key.userId)
        close(UInt8(ascii: "}"))
    }

    /// A key as read, written as `key(key.decoded())` would write it.
    mutating func key(_ key: ListedKey) {
        open(UInt8(ascii: "{"))
        if let alias = key.alias { member("alias"); string(alias) }
        member("creationTime"); time(key.creationTime)
        if let expiration = key.expirationTime { member("expirationTime"); time(expiration) }
        if let secret = key.key { member("key"); string(secret) }
        member("keyId"); string(key.keyId)
        if let lastUsed = key.lastUsedTime { member("lastUsedTime"); time(lastUsed) }
        member("orgId"); string(key.orgId)
        if let resource = key.resourceId { member("resourceId"); string(resource) }
        if let revoked = key.revoked { member("revoked"); literal(revoked ? "true" : "false") }
        if key.scopesAt != nil {
            member("scopes")
            open(UInt8(ascii: "["))
            key.forEachScope { scope in
                element()
                string(scope)
            }
            close(UInt8(ascii: "]"))
        }
        member("userId"); string(key.userId)
        close(UInt8(ascii: "}"))
    }

    /// A time as read. Whatever text the service sent is written back as
    /// that text: in its own form it is what `APITime.write` would write,
    /// and in any other form it is kept as text. Milliseconds become text.
    mutating func time(_ time: ListedKey.Time) {
        switch time {
        case .milliseconds(let ms):
            bytes.append(UInt8(ascii: "\""))
            APITime.write(epochMilliseconds: ms, into: &bytes)
            bytes.append(UInt8(ascii: "\""))
        case .text(let raw):
            string(raw)
        }
    }

    mutating func time(_ time: APITime) {
        switch time.storage {
        case .instant(let ms):
            bytes.append(UInt8(ascii: "\""))
            APITime.write(epochMilliseconds: ms, into: &bytes)
            bytes.append(UInt8(ascii: "\""))
        case .text(let text, _):
            string(text)
        }
    }

    // MARK: Structure

    /// How many objects and arrays are open.
    private var depth = 0
    /// Bit `d`: the container open at depth `d` (of the first 64) has
    /// something in it. A bit set, not an array: no copy-on-write check
    /// on every member.
    private var filled: UInt64 = 0
    /// The same, for containers deeper than 64.
    private var deeperFilled: [Bool] = []

    /// A line break and up to 32 levels of two spaces; a constant, so
    /// indenting is one copy from it.
    private static var lineAndSpaces: StaticString {
        "\n                                                                "
    }

    private mutating func indent(_ depth: Int) {
        let line = Self.lineAndSpaces
        if 1 + 2 * depth <= line.utf8CodeUnitCount {
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: line.utf8Start, count: 1 + 2 * depth))
        } else {
            bytes.append(0x0A)
            bytes.append(contentsOf: repeatElement(0x20, count: 2 * depth))
        }
    }

    public mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        if depth < 64 { filled &= ~(1 << UInt64(depth)) } else { deeperFilled.append(false) }
        depth += 1
    }

    public mutating func close(_ bracket: UInt8) {
        depth -= 1
        let wasEmpty = depth < 64 ? filled & (1 << UInt64(depth)) == 0 : !deeperFilled.removeLast()
        if style == .pretty {
            if wasEmpty { bytes.append(0x0A) }  // Foundation writes an empty line inside
            indent(depth)
        }
        bytes.append(bracket)
    }

    /// Before each array element.
    public mutating func element() {
        let inner = depth - 1
        if inner < 64 {
            if filled & (1 << UInt64(inner)) != 0 { bytes.append(UInt8(ascii: ",")) }
            filled |= 1 << UInt64(inner)
        } else {
            if deeperFilled[inner - 64] { bytes.append(UInt8(ascii: ",")) }
            deeperFilled[inner - 64] = true
        }
        if style == .pretty { indent(depth) }
    }

    /// Before each member's value: its name.
    public mutating func member(_ name: StaticString) {
        element()
        bytes.append(UInt8(ascii: "\""))
        literal(name)
        if style == .pretty { literal("\" : ") } else { literal("\":") }
    }

    public mutating func literal(_ word: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    /// `{…}` with the members `body` writes.
    public mutating func object(_ body: (inout KeyJSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    /// `[…]` with one element per item, each written by `body`.
    public mutating func array<S: Sequence>(_ items: S, _ body: (inout KeyJSONWriter, S.Element) -> Void) {
        open(UInt8(ascii: "["))
        for item in items {
            element()
            body(&self, item)
        }
        close(UInt8(ascii: "]"))
    }

    /// `true` or `false`.
    public mutating func bool(_ value: Bool) {
        if value { literal("true") } else { literal("false") }
    }

    /// A whole number, as JSON writes it.
    public mutating func integer(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    // MARK: Strings

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var copy = text
        let plain = copy.withUTF8 { utf8 -> Bool in
            // Fast path: printable ASCII with nothing to escape.
            for byte in utf8 where byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !plain { escapeScalars(text) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A string as read: its bytes copied when they need no escape.
    mutating func string(_ raw: JSONScanner.RawString) {
        if let text = raw.escaped { return string(text) }
        for byte in raw.bytes where byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            return string(String(decoding: raw.bytes, as: UTF8.self))
        }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: raw.bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escapeScalars(_ text: String) {
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\""))
            case 0x5C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20: unicodeEscape(UInt16(v))
            case 0x20..<0x7F: bytes.append(UInt8(v))
            default:
                if DisplayText.isUnsafe(scalar) {
                    for unit in String(scalar).utf16 { unicodeEscape(unit) }
                } else {
                    bytes.append(contentsOf: String(scalar).utf8)
                }
            }
        }
    }

    private mutating func unicodeEscape(_ unit: UInt16) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) { bytes.append(Self.hex[Int(unit >> UInt16(shift)) & 0xF]) }
    }
}
