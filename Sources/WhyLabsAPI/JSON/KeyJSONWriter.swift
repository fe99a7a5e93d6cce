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
        w.openList()
        for key in keys {
            w.element()
            w.key(key)
        }
        w.closeList()
        w.finish()
        return w.bytes
    }

    /// `{"items":[`: each key then follows its `element()`, and
    /// `closeList()` ends the document's list and object.
    public mutating func openList() {
        open(UInt8(ascii: "{"))
        member("items")
        open(UInt8(ascii: "["))
    }

    /// `]}`, after `openList()` and the keys.
    public mutating func closeList() {
        close(UInt8(ascii: "]"))
        close(UInt8(ascii: "}"))
    }

    /// `list(keys, style: .pretty)` written as the keys arrive: a list
    /// answer becomes output with no array of keys in between.
    ///
    /// The output is kept in pieces of a fixed size, each made once and
    /// filled: however long the list (and a chunked answer gives no length
    /// to reserve for), no byte is copied to a larger buffer, and each page
    /// of memory is touched once.
    public struct PrettyList: KeyListAccumulator {
        private var writer: KeyJSONWriter
        private var pieces: [[UInt8]] = []
        private let pieceBytes: Int
        /// Room a piece keeps for the next key; a key longer than that
        /// grows the piece it is written into.
        private static let slack = 4096

        public init() { self.init(pieceBytes: 256 << 10) }

        init(pieceBytes: Int) {
            self.pieceBytes = max(pieceBytes, 2 * Self.slack)
            writer = KeyJSONWriter(style: .pretty, capacity: self.pieceBytes)
            writer.openList()
        }

        public mutating func add(_ key: UserApiKey) {
            writer.element()
            writer.key(key)
            handOverIfFull()
        }

        public static var readsListedKeys: Bool { true }

        /// Straight from the answer's bytes to output: the same bytes as
        /// decoding the key and writing it, with no `UserApiKey` between.
        public mutating func add(_ key: ListedKey) {
            writer.element()
            writer.key(key)
            handOverIfFull()
        }

        private mutating func handOverIfFull() {
            if writer.bytes.capacity - writer.bytes.count < Self.slack {
                pieces.append(writer.takeBytes(capacity: pieceBytes))
            }
        }

        /// The whole document, in order, in pieces to write one after another.
        public consuming func finishPieces() -> [[UInt8]] {
            writer.closeList()
            writer.finish()
            pieces.append(writer.takeBytes(capacity: 0))
            return pieces
        }

        /// The whole document as one array.
        public consuming func finish() -> [UInt8] {
            let pieces = finishPieces()
            var whole: [UInt8] = []
            whole.reserveCapacity(pieces.reduce(0) { $0 + $1.count })
            for piece in pieces { whole.append(contentsOf: piece) }
            return whole
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

    /// Hands over what has been written so far and starts an empty buffer
    /// of `capacity`, keeping the document's open objects and arrays: the
    /// next bytes continue the same document. For an answer sent in pieces.
    public mutating func takeBytes(capacity: Int) -> [UInt8] {
        var taken: [UInt8] = []
        taken.reserveCapacity(capacity)
        swap(&taken, &bytes)
        return taken
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

    /// A key as read, written as `key(key.decoded())` would write it, in
    /// one piece: the room it can need is made once, then every byte is
    /// written through a pointer.
    mutating func key(_ key: ListedKey) {
        // Strings grow at most sixfold when escaped; each member and scope
        // adds a separator, a line and its indent; a time sent as a number
        // becomes up to 26 bytes.
        let line = 2 + 2 * (depth + 2)
        let bound = key.length * (6 + line) + 16 * (24 + line) + 128
        let pretty = style == .pretty, depth = depth
        withRoom(bound) { $0.key(key, depth: depth, pretty: pretty) }
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

    /// A line break and `level` levels of two spaces, as a slice of one
    /// constant (so indenting is one copy), up to 32 levels; nil deeper.
    static func line(_ level: Int) -> UnsafeRawBufferPointer? {
        let line: StaticString = "\n                                                                "
        guard 1 + 2 * level <= line.utf8CodeUnitCount else { return nil }
        return UnsafeRawBufferPointer(start: line.utf8Start, count: 1 + 2 * level)
    }

    private mutating func indent(_ depth: Int) {
        if let line = Self.line(depth) {
            bytes.append(contentsOf: line)
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

    public mutating func string(_ text: String) {
        var copy = text
        let plain = copy.withUTF8 { utf8 -> Bool in
            // Fast path: printable ASCII with nothing to escape.
            for byte in utf8 where byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        if !plain { withRoom(6 * text.utf8.count + 2) { $0.string(text) } }
    }

    // MARK: Room

    /// Where a key or an escaped string is written before it is appended
    /// in one copy; kept between them.
    private var scratch: [UInt8] = []

    /// Runs `write` with room for `bound` bytes and appends what it wrote.
    private mutating func withRoom(_ bound: Int, _ write: (inout Cursor) -> Void) {
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: Swift.max(bound, 4096)) }
        let written = scratch.withUnsafeMutableBufferPointer { room -> Int in
            var cursor = Cursor(room.baseAddress!, end: room.baseAddress! + bound)
            write(&cursor)
            return cursor.p - room.baseAddress!
        }
        scratch.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<written])) }
    }
}

/// Output written through a pointer into room made beforehand: no
/// capacity or copy-on-write check per piece. The room's bound is worked
/// out by the caller; debug builds check it.
struct Cursor {
    var p: UnsafeMutablePointer<UInt8>
    let end: UnsafeMutablePointer<UInt8>

    init(_ start: UnsafeMutablePointer<UInt8>, end: UnsafeMutablePointer<UInt8>) {
        p = start
        self.end = end
    }

    @inline(__always) mutating func put(_ byte: UInt8) {
        assert(p < end, "a writer's room was too small")
        p.pointee = byte
        p += 1
    }

    @inline(__always) mutating func put(_ raw: UnsafeRawBufferPointer) {
        assert(p + raw.count <= end, "a writer's room was too small")
        if let base = raw.baseAddress { p.update(from: base.assumingMemoryBound(to: UInt8.self), count: raw.count) }
        p += raw.count
    }

    @inline(__always) mutating func put(_ word: StaticString) {
        put(UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    /// A line break and `level` levels of two spaces.
    mutating func line(_ level: Int) {
        if let line = KeyJSONWriter.line(level) {
            put(line)
        } else {
            put(0x0A)
            for _ in 0..<(2 * level) { put(0x20) }
        }
    }

    // MARK: A key

    /// `{...}` for a key whose object opens at nesting `depth`, laid out as
    /// `KeyJSONWriter.key(_: UserApiKey)` lays it out.
    mutating func key(_ key: ListedKey, depth: Int, pretty: Bool) {
        let level = depth + 1
        var first = true
        put(UInt8(ascii: "{"))
        if let alias = key.alias { member("alias", &first, level, pretty); string(alias) }
        member("creationTime", &first, level, pretty); time(key.creationTime)
        if let expiration = key.expirationTime { member("expirationTime", &first, level, pretty); time(expiration) }
        if let secret = key.key { member("key", &first, level, pretty); string(secret) }
        member("keyId", &first, level, pretty); string(key.keyId)
        if let lastUsed = key.lastUsedTime { member("lastUsedTime", &first, level, pretty); time(lastUsed) }
        member("orgId", &first, level, pretty); string(key.orgId)
        if let resource = key.resourceId { member("resourceId", &first, level, pretty); string(resource) }
        if let revoked = key.revoked { member("revoked", &first, level, pretty); put(revoked ? "true" : "false") }
        if key.scopesAt != nil {
            member("scopes", &first, level, pretty)
            put(UInt8(ascii: "["))
            var none = true
            key.forEachScope { scope in
                if !none { put(UInt8(ascii: ",")) }
                none = false
                if pretty { line(level + 1) }
                string(scope)
            }
            if pretty {
                if none { put(0x0A) }  // Foundation writes an empty line inside
                line(level)
            }
            put(UInt8(ascii: "]"))
        }
        member("userId", &first, level, pretty); string(key.userId)
        if pretty { line(depth) }
        put(UInt8(ascii: "}"))
    }

    private mutating func member(_ name: StaticString, _ first: inout Bool, _ level: Int, _ pretty: Bool) {
        if !first { put(UInt8(ascii: ",")) }
        first = false
        if pretty { line(level) }
        put(UInt8(ascii: "\""))
        put(name)
        if pretty { put("\" : ") } else { put("\":") }
    }

    /// A time as read. Whatever text the service sent is written back as
    /// that text: in its own form it is what `APITime.write` would write,
    /// and in any other form it is kept as text. Milliseconds become text.
    private mutating func time(_ time: ListedKey.Time) {
        switch time {
        case .milliseconds(let ms):
            var text: [UInt8] = []
            APITime.write(epochMilliseconds: ms, into: &text)
            put(UInt8(ascii: "\""))
            text.withUnsafeBytes { put($0) }
            put(UInt8(ascii: "\""))
        case .text(let raw):
            string(raw)
        }
    }

    // MARK: Strings

    /// A string as read: its bytes copied when they need no escape.
    mutating func string(_ raw: JSONScanner.RawString) {
        if raw.printableASCII {
            put(UInt8(ascii: "\""))
            put(raw.bytes)
            put(UInt8(ascii: "\""))
        } else {
            string(raw.text)
        }
    }

    /// Escapes `"`, `\` and C0 as JSON requires, and also DEL, C1, bidi and
    /// invisible characters as `\uXXXX`. At most six bytes out per byte in.
    mutating func string(_ text: String) {
        put(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: put(UInt8(ascii: "\\")); put(UInt8(ascii: "\""))
            case 0x5C: put(UInt8(ascii: "\\")); put(UInt8(ascii: "\\"))
            case 0x08: put(UInt8(ascii: "\\")); put(UInt8(ascii: "b"))
            case 0x0C: put(UInt8(ascii: "\\")); put(UInt8(ascii: "f"))
            case 0x0A: put(UInt8(ascii: "\\")); put(UInt8(ascii: "n"))
            case 0x0D: put(UInt8(ascii: "\\")); put(UInt8(ascii: "r"))
            case 0x09: put(UInt8(ascii: "\\")); put(UInt8(ascii: "t"))
            case 0..<0x20: unicodeEscape(UInt16(v))
            case 0x20..<0x7F: put(UInt8(v))
            default:
                if DisplayText.isUnsafe(scalar) {
                    for unit in String(scalar).utf16 { unicodeEscape(unit) }
                } else {
                    for unit in String(scalar).utf8 { put(unit) }
                }
            }
        }
        put(UInt8(ascii: "\""))
    }

    private static let hex: StaticString = "0123456789abcdef"

    private mutating func unicodeEscape(_ unit: UInt16) {
        put(UInt8(ascii: "\\"))
        put(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) { put(Self.hex.utf8Start[Int(unit >> UInt16(shift)) & 0xF]) }
    }
}
