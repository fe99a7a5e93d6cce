import Foundation

/// Where a document stopped being JSON of the expected shape.
public struct JSONShapeError: Error, Sendable, Hashable {
    public var offset: Int
    public var reason: String
}

/// A forward-only reader of JSON text in memory: strings, numbers and
/// literals read in place, values that are not wanted skipped without
/// building anything. Strict RFC 8259 (plus a leading UTF-8 byte-order mark,
/// which Foundation accepts too); nesting is limited to 500 levels (Foundation allows 512).
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var i = 0

    static let maxDepth = 500

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
    }

    func fail(_ reason: String) -> JSONShapeError { JSONShapeError(offset: i, reason: reason) }

    @inline(__always) mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, not consumed; nil at the end.
    @inline(__always) mutating func peek() -> UInt8? {
        skipWhitespace()
        return i < bytes.count ? bytes[i] : nil
    }

    @inline(__always) mutating func expect(_ byte: UInt8) throws(JSONShapeError) {
        guard peek() == byte else { throw expected(byte) }
        i += 1
    }

    /// Out of line: the error's text is built only on the way out.
    @inline(never) func expected(_ byte: UInt8) -> JSONShapeError {
        fail("expected '\(Character(Unicode.Scalar(byte)))'")
    }

    /// After the whole value: nothing but whitespace may follow.
    mutating func expectEnd() throws(JSONShapeError) {
        if peek() != nil { throw fail("unexpected text after the document") }
    }

    // MARK: Objects and arrays

    /// Calls `body` with each member's name (raw bytes, unescaped only when
    /// they held an escape) and the scanner positioned at its value, which
    /// `body` must read or skip.
    mutating func object(depth: Int, _ body: (inout JSONScanner, UnsafeRawBufferPointer) throws(JSONShapeError) -> Void) throws(JSONShapeError) {
        guard depth < Self.maxDepth else { throw fail("nested too deeply") }
        try expect(UInt8(ascii: "{"))
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let name = try rawString()
            try expect(UInt8(ascii: ":"))
            if let escaped = name.escaped {
                var copy = escaped
                var thrown: JSONShapeError?
                copy.withUTF8 { buffer in
                    do throws(JSONShapeError) { try body(&self, UnsafeRawBufferPointer(buffer)) } catch { thrown = error }
                }
                if let thrown { throw thrown }
            } else {
                try body(&self, name.bytes)
            }
            switch peek() {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    /// Calls `body` with the scanner positioned at each element.
    mutating func array(depth: Int, _ body: (inout JSONScanner) throws(JSONShapeError) -> Void) throws(JSONShapeError) {
        guard depth < Self.maxDepth else { throw fail("nested too deeply") }
        try expect(UInt8(ascii: "["))
        if peek() == UInt8(ascii: "]") { i += 1; return }
        while true {
            try body(&self)
            switch peek() {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    // Loops without closures, for the hot paths: no captured state, so no
    // dynamic exclusivity checks per member.

    /// Consumes `{` (or `[`); the first `nextMember`/`nextElement` follows.
    mutating func enter(_ bracket: UInt8, depth: Int) throws(JSONShapeError) {
        guard depth < Self.maxDepth else { throw fail("nested too deeply") }
        try expect(bracket)
    }

    /// The next member's name with the scanner at its value, or nil after
    /// the closing `}`. `first` starts true.
    @inline(__always)
    mutating func nextMember(_ first: inout Bool) throws(JSONShapeError) -> RawString? {
        let next = peek()
        if first {
            first = false
            if next == UInt8(ascii: "}") { i += 1; return nil }
        } else {
            switch next {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return nil
            default: throw fail("expected ',' or '}'")
            }
        }
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
        let name = try rawString()
        try expect(UInt8(ascii: ":"))
        return name
    }

    /// Whether another element follows (the scanner at it), or false after
    /// the closing `]`. `first` starts true.
    @inline(__always)
    mutating func nextElement(_ first: inout Bool) throws(JSONShapeError) -> Bool {
        let next = peek()
        if first {
            first = false
            if next == UInt8(ascii: "]") { i += 1; return false }
            return true
        }
        switch next {
        case UInt8(ascii: ","): i += 1; return true
        case UInt8(ascii: "]"): i += 1; return false
        default: throw fail("expected ',' or ']'")
        }
    }

    /// Skips one value of any kind, checking that it is well formed.
    mutating func skipValue(depth: Int) throws(JSONShapeError) {
        switch peek() {
        case UInt8(ascii: "{"):
            try object(depth: depth + 1) { (scanner, _) throws(JSONShapeError) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            try array(depth: depth + 1) { (scanner) throws(JSONShapeError) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try rawString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try number()
        }
    }

    // MARK: Literals

    mutating func literal(_ word: StaticString) throws(JSONShapeError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count,
              memcmp(bytes.baseAddress! + i, word.utf8Start, count) == 0 else { throw fail("expected \(word)") }
        i += count
    }

    /// `null` consumed, or false with nothing consumed.
    @inline(__always)
    mutating func null() throws(JSONShapeError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    mutating func bool() throws(JSONShapeError) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: throw fail("expected true or false")
        }
    }

    // MARK: Numbers

    /// A number's text, checked against the JSON grammar.
    mutating func number() throws(JSONShapeError) -> UnsafeRawBufferPointer {
        skipWhitespace()
        let start = i
        func digit() -> Bool { i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digit() else { throw fail("expected a value") }
        if bytes[i] == 48 { i += 1 } else { while digit() { i += 1 } }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digit() else { throw fail("expected a digit after '.'") }
            while digit() { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digit() else { throw fail("expected a digit in the exponent") }
            while digit() { i += 1 }
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<i])
    }

    /// A number that must be a whole Int64: plain digits, or a fraction or
    /// exponent whose value is exactly whole (as Foundation reads `1.0`, `1e3`).
    mutating func int64() throws(JSONShapeError) -> Int64 {
        let text = try number()
        var value: Int64 = 0
        var negative = false
        var plain = true
        for (k, byte) in text.enumerated() {
            if k == 0 && byte == UInt8(ascii: "-") { negative = true; continue }
            guard byte >= 48 && byte <= 57 else { plain = false; break }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = negative ? times.subtractingReportingOverflow(Int64(byte - 48)) : times.addingReportingOverflow(Int64(byte - 48))
            guard !o1 && !o2 else { throw fail("number out of range") }
            value = sum
        }
        if plain { return value }
        guard let double = Double(String(decoding: text, as: UTF8.self)), double.rounded() == double,
              double >= -9.223372036854775e18, double < 9.223372036854775e18 else {
            throw fail("expected a whole number")
        }
        return Int64(double)
    }

    // MARK: Strings

    struct RawString {
        /// The bytes between the quotes, when they held no escape.
        var bytes: UnsafeRawBufferPointer
        /// The unescaped text, when they did.
        var escaped: String?
        /// No escape, and every byte printable ASCII: nothing a writer
        /// must escape.
        var printableASCII: Bool

        /// Whether the string is `word` (a member name, say).
        @inline(__always) func equals(_ word: StaticString) -> Bool {
            guard var text = escaped else { return bytes.equals(word) }
            return text.withUTF8 { UnsafeRawBufferPointer($0).equals(word) }
        }

        var count: Int { escaped?.utf8.count ?? bytes.count }

        /// As a Swift string.
        var text: String { escaped ?? String(decoding: bytes, as: UTF8.self) }
    }

    /// A string read in place: its bytes when it holds no escape (checked to
    /// be UTF-8), otherwise the unescaped text. Every caller has peeked at
    /// the opening quote, so whitespace is behind it.
    @inline(__always)
    mutating func rawString() throws(JSONShapeError) -> RawString {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw expected(UInt8(ascii: "\"")) }
        i += 1
        let start = i
        // Whether every byte is printable ASCII (0x20 to 0x7E): only then
        // may a writer copy the bytes as they are.
        var printable = true
        // Eight bytes at a time while none is a quote, a backslash or a
        // control character (the classic "has a zero/less-than byte" tests,
        // exact about whether one is there); the byte loop finds which.
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= bytes.count {
                let word = UInt64(littleEndian: (base + i).loadUnaligned(as: UInt64.self))
                let quote = word ^ (ones &* 0x22), slash = word ^ (ones &* 0x5C)
                let stops = (((quote &- ones) & ~quote) | ((slash &- ones) & ~slash) | ((word &- ones &* 0x20) & ~word)) & highs
                // A byte of 0x7F or more: adding one sets its high bit (a
                // carry out of 0xFF only follows a byte already counted).
                let wide = (word | (word &+ ones)) & highs
                if stops != 0 {
                    // The lowest flagged byte is exactly the first stop (a
                    // borrow only runs upward): step to it, counting the
                    // bytes before it.
                    let at = stops.trailingZeroBitCount >> 3
                    if wide & ((1 << (UInt64(at) << 3)) &- 1) != 0 { printable = false }
                    i += at
                    break
                }
                if wide != 0 { printable = false }
                i += 8
            }
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
                i += 1
                if !printable, String(validating: raw, as: UTF8.self) == nil { throw fail("invalid UTF-8 in a string") }
                return RawString(bytes: raw, escaped: nil, printableASCII: printable)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in a string") }
            if c >= 0x7F { printable = false }
            i += 1
        }
        guard i < bytes.count else { throw fail("unterminated string") }
        return try escapedString(from: start)
    }

    /// The rest of a string that holds an escape (at `i`), unescaped: out
    /// of line, so the common string stays small enough to inline.
    @inline(never) private mutating func escapedString(from start: Int) throws(JSONShapeError) -> RawString {
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                guard let text = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
                return RawString(bytes: UnsafeRawBufferPointer(start: nil, count: 0), escaped: text, printableASCII: false)
            case UInt8(ascii: "\\"):
                i += 1
                guard i < bytes.count else { throw fail("unterminated string") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate")
                    }
                    out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default: throw fail("invalid escape")
                }
            default:
                if c < 0x20 { throw fail("control character in a string") }
                out.append(c)
                i += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(JSONShapeError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let digit: UInt32
            switch c {
            case 48...57: digit = UInt32(c - 48)
            case 65...70: digit = UInt32(c - 55)
            case 97...102: digit = UInt32(c - 87)
            default: throw fail("bad hex digit in \\u escape")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    /// A string value as a Swift string.
    mutating func string() throws(JSONShapeError) -> String {
        try stringValue().text
    }

    /// A string value, read in place.
    @inline(__always)
    mutating func stringValue() throws(JSONShapeError) -> RawString {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        return try rawString()
    }
}

extension UnsafeRawBufferPointer {
    /// Byte-wise equality with a literal, for matching member names.
    @inline(__always) func equals(_ word: StaticString) -> Bool {
        count == word.utf8CodeUnitCount && (count == 0 || memcmp(baseAddress!, word.utf8Start, count) == 0)
    }
}
