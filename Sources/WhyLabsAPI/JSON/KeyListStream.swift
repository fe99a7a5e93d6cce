/// Reads a list answer, `{"items": [...]}`, as it arrives, chunk by chunk:
/// each key object is decoded as soon as its last byte is in, so the whole
/// answer is never held (100,000 keys are about 22 MB of JSON).
///
/// A light pass over the bytes finds where each element of the first
/// top-level `items` array starts and ends (strings, escapes and nesting
/// tracked; nothing else interpreted). Each element is decoded strictly by
/// `KeyJSONDecoder`, and everything around the elements (the "skeleton",
/// with each element replaced by `{}`) is checked at the end by the same
/// scanner as a whole document. So the stream accepts exactly what
/// `KeyJSONDecoder.forEachListed` accepts, whatever the chunk boundaries.
public struct KeyListStream: Sendable {
    private enum Items: Sendable { case before, named, inside, after }

    private var depth = 0
    private var inString = false
    private var escaped = false
    /// At depth 1, whether the next string is a member name.
    private var expectingName = false
    private var collectingName = false
    private var name: [UInt8] = []
    private var items = Items.before
    /// The current element's bytes, when it began in an earlier chunk.
    private var element: [UInt8] = []
    private var inElement = false
    private var skeleton: [UInt8] = []
    private var consumed = 0

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    public init() {}

    /// Bytes read so far.
    public var count: Int { consumed }

    /// The next chunk; `each` is called for every key completed in it.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ each: (UserApiKey) -> Void) throws(JSONShapeError) {
        try feed(bytes, reading: KeyJSONDecoder.key, each)
    }

    /// `feed` with each key as read, before it takes any form.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ each: (ListedKey) -> Void) throws(JSONShapeError) {
        try feed(bytes, reading: KeyJSONDecoder.listed, each)
    }

    /// `reading` turns each whole element into the form `each` takes.
    @inline(__always)
    private mutating func feed<Key>(_ bytes: UnsafeRawBufferPointer,
                                    reading: (inout JSONScanner, Int) throws(JSONShapeError) -> Key,
                                    _ each: (Key) -> Void) throws(JSONShapeError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let n = bytes.count
        // Where the bytes not yet copied (to the skeleton or the element) begin.
        var pending = 0
        var i = 0
        while i < n {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                    if collectingName {
                        collectingName = false
                        if items == .before && isItems(name) { items = .named }
                    }
                    i += 1
                    continue
                }
                if collectingName && name.count <= 64 { name.append(b) }
                i += 1
                // The plain run of a string, eight bytes at a time while none
                // is a quote or a backslash (a name is read byte by byte).
                if !escaped && !collectingName {
                    while i + 8 <= n {
                        let word = UInt64(littleEndian: (base + i).loadUnaligned(as: UInt64.self))
                        let quote = word ^ (Self.ones &* 0x22), slash = word ^ (Self.ones &* 0x5C)
                        if ((quote &- Self.ones) & ~quote | (slash &- Self.ones) & ~slash) & Self.highs != 0 { break }
                        i += 8
                    }
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1 {
                    if expectingName {
                        collectingName = true
                        name.removeAll(keepingCapacity: true)
                    } else if items == .named {
                        items = .after
                    }
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if items == .inside && depth == 2 && b == UInt8(ascii: "{") && !inElement {
                    skeleton.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[pending..<i]))
                    pending = i
                    // Nearly every element lies whole in one chunk: read it
                    // straight from there, with no pass to find its end first.
                    // One cut by the chunk's end, or not a key, fails here and
                    // takes the byte-by-byte way below, which reports the error.
                    var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: bytes[i..<n]))
                    if let key = try? reading(&scanner, 2) {
                        each(key)
                        skeleton.append(UInt8(ascii: "{"))
                        skeleton.append(UInt8(ascii: "}"))
                        i += scanner.i
                        pending = i
                        continue
                    }
                    inElement = true
                } else if depth == 1 && items == .named {
                    items = b == UInt8(ascii: "[") ? .inside : .after
                }
                depth += 1
                if depth == 1 { expectingName = b == UInt8(ascii: "{") }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if inElement && depth == 2 {
                    if element.isEmpty {
                        try Self.read(UnsafeRawBufferPointer(rebasing: bytes[pending...i]), at: consumed + pending, reading, each)
                    } else {
                        element.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[pending...i]))
                        let at = consumed + i + 1 - element.count
                        let read = element.withUnsafeBytes { all in
                            Result { () throws(JSONShapeError) in try Self.read(all, at: at, reading, each) }
                        }
                        try read.get()
                        element.removeAll(keepingCapacity: true)
                    }
                    inElement = false
                    skeleton.append(UInt8(ascii: "{"))
                    skeleton.append(UInt8(ascii: "}"))
                    pending = i + 1
                } else if depth == 1 && items == .inside {
                    items = .after
                } else if depth < 0 {
                    throw JSONShapeError(offset: consumed + i, reason: "unbalanced '\(Character(Unicode.Scalar(b)))'")
                }
            case UInt8(ascii: ":"):
                if depth == 1 { expectingName = false }
            case UInt8(ascii: ","):
                if depth == 1 {
                    expectingName = true
                    if items == .named { items = .after }
                }
            case 0x20, 0x0A, 0x0D, 0x09:
                break
            default:
                // A number or literal as the value of the first "items".
                if depth == 1 && items == .named { items = .after }
            }
            i += 1
        }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[pending..<n])
        if inElement { element.append(contentsOf: rest) } else { skeleton.append(contentsOf: rest) }
        consumed += n
    }

    /// After the last chunk: the document around the keys must be a list.
    public func finish() throws(JSONShapeError) {
        guard !inElement, !inString else { throw JSONShapeError(offset: consumed, reason: "the answer ends inside a value") }
        let checked = skeleton.withUnsafeBytes { bytes in
            Result { () throws(JSONShapeError) in try KeyJSONDecoder.checkListSkeleton(bytes) }
        }
        try checked.get()
    }

    /// One element, whole: read, checked, and handed to `each` while its bytes last.
    private static func read<Key>(_ bytes: UnsafeRawBufferPointer, at offset: Int,
                                  _ reading: (inout JSONScanner, Int) throws(JSONShapeError) -> Key,
                                  _ each: (Key) -> Void) throws(JSONShapeError) {
        do throws(JSONShapeError) {
            var scanner = JSONScanner(bytes)
            let key = try reading(&scanner, 2)
            try scanner.expectEnd()
            each(key)
        } catch {
            throw JSONShapeError(offset: offset + error.offset, reason: error.reason)
        }
    }

    /// Whether a member name (its bytes between the quotes) is `items`,
    /// escapes included (`"ite\u006ds"` is the same name).
    private func isItems(_ raw: [UInt8]) -> Bool {
        guard raw.contains(UInt8(ascii: "\\")) else { return raw.elementsEqual("items".utf8) }
        guard raw.count <= 64 else { return false }
        let quoted = [UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]
        return quoted.withUnsafeBytes { bytes in
            var scanner = JSONScanner(bytes)
            return (try? scanner.string()) == "items"
        }
    }
}
