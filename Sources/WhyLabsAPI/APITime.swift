import Foundation

/// A time as the WhyLabs API writes it: UTC, ISO-8601 without a zone designator,
/// millisecond precision with trailing zeros trimmed (`2023-11-14T22:13:20.5`).
///
/// The original text is kept, so a value the parser can't read is shown as the
/// server sent it instead of failing the whole list, and re-encoding returns
/// exactly what arrived.
public struct APITime: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// An instant in the service's own form is kept as whole milliseconds
    /// (8 bytes, no text); anything else keeps the text exactly as it arrived.
    enum Storage: Hashable, Sendable {
        case instant(Int64)
        case text(String, Date?)
    }
    let storage: Storage

    public init(text: String) {
        var bytes = text
        storage = bytes.withUTF8 { APITime.storage(parsing: UnsafeRawBufferPointer($0)) { text } }
    }

    /// Reads a time straight from bytes; `text` is asked for only when the
    /// bytes are not the service's own form and must be kept.
    static func storage(parsing bytes: UnsafeRawBufferPointer, text: () -> String) -> Storage {
        guard let parsed = parseBytes(bytes) else { return .text(text(), nil) }
        if parsed.canonical, let ms = parsed.milliseconds { return .instant(ms) }
        return .text(text(), parsed.date)
    }

    public init(_ date: Date) {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        self.init(epochMilliseconds: ms)
    }

    /// The instants the service's text form can write (years 0000 to 9999):
    /// a time given as epoch milliseconds outside them is refused on input,
    /// so what keydash reads always survives its own output.
    public static let writableMilliseconds: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// Exact for whole milliseconds, and cheap: no parsing of its own output.
    public init(epochMilliseconds ms: Int64) {
        storage = .instant(ms)
    }

    init(storage: Storage) { self.storage = storage }

    /// The text as the service writes it (or as it arrived, when it was not
    /// in the service's form).
    public var text: String {
        switch storage {
        case .instant(let ms): APITime.format(epochMilliseconds: ms)
        case .text(let text, _): text
        }
    }

    public var date: Date? {
        switch storage {
        case .instant(let ms): Date(timeIntervalSince1970: Double(ms) / 1000)
        case .text(_, let date): date
        }
    }

    public var epochMilliseconds: Int64? {
        switch storage {
        case .instant(let ms): ms
        case .text(_, let date): date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        }
    }

    public var description: String { text }

    /// The milliseconds, when the time is kept as an instant in the service's
    /// form rather than as text (what a compact store can keep in 8 bytes).
    public var instantMilliseconds: Int64? {
        if case .instant(let ms) = storage { return ms }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self.init(text: text)
        } else if let ms = try? container.decode(Int64.self) {
            // Some generated clients send epoch milliseconds; accept them too.
            guard Self.writableMilliseconds.contains(ms) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "time out of range (years 0000 to 9999)")
            }
            self.init(epochMilliseconds: ms)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "time is neither a string nor a number")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public static func < (lhs: APITime, rhs: APITime) -> Bool {
        switch (lhs.date, rhs.date) {
        case let (l?, r?): return l < r
        case (nil, _?): return true
        case (_?, nil): return false
        case (nil, nil): return lhs.text < rhs.text
        }
    }

    // MARK: - Parsing

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff…]]` followed by nothing (UTC), `Z`, or
    /// `±HH[:MM]`. A space is accepted in place of `T`. Returns nil for anything else.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parseBytes(UnsafeRawBufferPointer($0))?.date }
    }

    struct Parsed {
        var date: Date
        /// Whole milliseconds, when the text has no finer fraction.
        var milliseconds: Int64?
        /// The text is exactly what `format` writes for `milliseconds`.
        var canonical: Bool
    }

    static func parseBytes(_ utf8: UnsafeRawBufferPointer) -> Parsed? {
        let count = utf8.count
        if count < 16 || count > 40 { return nil }
        var i = 0
        // Static helpers with `i` passed inout, not nested functions that
        // capture it: no dynamic exclusivity check on every digit.
        guard let year = readDigits(utf8, &i, 4), readByte(utf8, &i, UInt8(ascii: "-")),
              let month = readDigits(utf8, &i, 2), readByte(utf8, &i, UInt8(ascii: "-")),
              let day = readDigits(utf8, &i, 2) else { return nil }
        guard i < count, utf8[i] == UInt8(ascii: "T") || utf8[i] == UInt8(ascii: "t") || utf8[i] == UInt8(ascii: " ") else { return nil }
        var canonical = utf8[i] == UInt8(ascii: "T")
        i += 1
        guard let hour = readDigits(utf8, &i, 2), readByte(utf8, &i, UInt8(ascii: ":")), let minute = readDigits(utf8, &i, 2) else { return nil }
        var second = 0
        var fractionDigits = 0  // the first up to 18 digits, as an integer
        var fractionCount = 0
        var lastDigit: UInt8 = 0
        if readByte(utf8, &i, UInt8(ascii: ":")) {
            guard let s = readDigits(utf8, &i, 2) else { return nil }
            second = s
            let dot = i < count && utf8[i] == UInt8(ascii: ".")
            if readByte(utf8, &i, UInt8(ascii: ".")) || readByte(utf8, &i, UInt8(ascii: ",")) {
                canonical = canonical && dot
                while i < count, utf8[i] >= 48, utf8[i] <= 57 {
                    lastDigit = utf8[i]
                    if fractionCount < 18 { fractionDigits = fractionDigits * 10 + Int(utf8[i] - 48) }
                    i += 1
                    fractionCount += 1
                }
                if fractionCount == 0 { return nil }
                canonical = canonical && fractionCount <= 3 && lastDigit != UInt8(ascii: "0")
            }
        } else {
            canonical = false
        }
        var offsetSeconds = 0
        if i < count {
            canonical = false
            let c = utf8[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                guard let oh = readDigits(utf8, &i, 2) else { return nil }
                var om = 0
                if readByte(utf8, &i, UInt8(ascii: ":")) {
                    guard let m = readDigits(utf8, &i, 2) else { return nil }
                    om = m
                } else if i + 2 <= count, let m = readDigits(utf8, &i, 2) {
                    om = m
                }
                guard oh <= 23, om <= 59 else { return nil }
                offsetSeconds = (oh * 3600 + om * 60) * (c == UInt8(ascii: "+") ? 1 : -1)
            } else {
                return nil
            }
        }
        guard i == count else { return nil }
        // No leap second: the service never sends one, and no instant could
        // be written back the same way.
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59 else { return nil }
        guard day <= daysIn(month: month, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let whole = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        var scale = 1
        for _ in 0..<min(fractionCount, 18) { scale *= 10 }
        let fraction = Double(fractionDigits) / Double(scale)
        let seconds = Double(whole) + fraction
        // Only instants the zone-less form can write back (years 0000–9999).
        guard seconds >= Self.earliest, (seconds * 1000).rounded() <= Self.latestMs else { return nil }
        if fractionCount <= 3 {
            let ms = Int64(whole) * 1000 + Int64(fractionDigits * (1000 / scale))
            return Parsed(date: Date(timeIntervalSince1970: Double(ms) / 1000), milliseconds: ms, canonical: canonical)
        }
        return Parsed(date: Date(timeIntervalSince1970: seconds), milliseconds: nil, canonical: false)
    }

    @inline(__always) private static func readDigits(_ utf8: UnsafeRawBufferPointer, _ i: inout Int, _ n: Int) -> Int? {
        guard i + n <= utf8.count else { return nil }
        var value = 0
        for k in i..<(i + n) {
            let c = utf8[k]
            guard c >= 48 && c <= 57 else { return nil }
            value = value * 10 + Int(c - 48)
        }
        i += n
        return value
    }

    @inline(__always) private static func readByte(_ utf8: UnsafeRawBufferPointer, _ i: inout Int, _ byte: UInt8) -> Bool {
        guard i < utf8.count, utf8[i] == byte else { return false }
        i += 1
        return true
    }

    private static let earliest = Double(daysFromCivil(year: 0, month: 1, day: 1) * 86_400)
    private static let latestMs = Double(daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400) * 1000 - 1

    /// Formats a date the way the service does: zone-less UTC, milliseconds
    /// with trailing zeros trimmed, and no fraction at all for whole seconds.
    public static func format(_ date: Date) -> String {
        format(epochMilliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    public static func format(epochMilliseconds totalMs: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        write(epochMilliseconds: totalMs, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the service's form of an instant to a byte buffer, for the
    /// JSON and CSV writers: no intermediate string.
    public static func write(epochMilliseconds totalMs: Int64, into out: inout [UInt8]) {
        var secs = totalMs / 1000
        var ms = Int(totalMs % 1000)
        if ms < 0 { ms += 1000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        if y < 0 { out.append(UInt8(ascii: "-")) }
        put(abs(y), 4, &out); out.append(UInt8(ascii: "-")); put(m, 2, &out); out.append(UInt8(ascii: "-")); put(d, 2, &out)
        out.append(UInt8(ascii: "T"))
        put(Int(rem / 3600), 2, &out); out.append(UInt8(ascii: ":")); put(Int(rem % 3600 / 60), 2, &out)
        out.append(UInt8(ascii: ":")); put(Int(rem % 60), 2, &out)
        if ms != 0 {
            out.append(UInt8(ascii: "."))
            var frac = ms
            var width = 3
            while frac % 10 == 0 { frac /= 10; width -= 1 }
            put(frac, width, &out)
        }
    }

    /// `value` in at least `width` digits (a static helper with `out` inout,
    /// not a nested function capturing it).
    @inline(__always) private static func put(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        if v >= divisor * 10 {  // a year past 9999: every digit
            out.append(contentsOf: String(v).utf8)
            return
        }
        while divisor > 0 {
            out.append(UInt8(48 + v / divisor))
            v %= divisor
            divisor /= 10
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's civil-calendar algorithms: exact and allocation-free.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d)
    }
}
