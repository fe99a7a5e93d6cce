import Foundation

/// A time as the WhyLabs API writes it: UTC, ISO-8601 without a zone designator,
/// millisecond precision with trailing zeros trimmed (`2023-11-14T22:13:20.5`).
///
/// The original text is kept, so a value the parser can't read is shown as the
/// server sent it instead of failing the whole list, and re-encoding returns
/// exactly what arrived.
public struct APITime: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let text: String
    public let date: Date?

    public init(text: String) {
        self.text = text
        self.date = APITime.parse(text)
    }

    public init(_ date: Date) {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        self.init(epochMilliseconds: ms)
    }

    /// Exact for whole milliseconds, and cheap: no parsing of its own output.
    public init(epochMilliseconds ms: Int64) {
        self.text = APITime.format(epochMilliseconds: ms)
        self.date = Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    public var epochMilliseconds: Int64? {
        date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self.init(text: text)
        } else if let ms = try? container.decode(Int64.self) {
            // Some generated clients send epoch milliseconds; accept them too.
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
        var utf8 = Array(text.utf8)
        if utf8.count < 16 || utf8.count > 40 { return nil }
        var i = 0
        func digits(_ n: Int) -> Int? {
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
        func expect(_ byte: UInt8) -> Bool {
            guard i < utf8.count, utf8[i] == byte else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")),
              let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2) else { return nil }
        guard i < utf8.count, utf8[i] == UInt8(ascii: "T") || utf8[i] == UInt8(ascii: "t") || utf8[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2) else { return nil }
        var second = 0
        var fraction = 0.0
        if expect(UInt8(ascii: ":")) {
            guard let s = digits(2) else { return nil }
            second = s
            if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                var scale = 0.1
                var count = 0
                while i < utf8.count, utf8[i] >= 48, utf8[i] <= 57 {
                    fraction += Double(utf8[i] - 48) * scale
                    scale /= 10
                    i += 1
                    count += 1
                }
                if count == 0 { return nil }
            }
        }
        var offsetSeconds = 0
        if i < utf8.count {
            let c = utf8[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                guard let oh = digits(2) else { return nil }
                var om = 0
                if expect(UInt8(ascii: ":")) {
                    guard let m = digits(2) else { return nil }
                    om = m
                } else if i + 2 <= utf8.count, let m = digits(2) {
                    om = m
                }
                guard oh <= 23, om <= 59 else { return nil }
                offsetSeconds = (oh * 3600 + om * 60) * (c == UInt8(ascii: "+") ? 1 : -1)
            } else {
                return nil
            }
        }
        guard i == utf8.count else { return nil }
        utf8.removeAll()
        // No leap second: the service never sends one, and no instant could
        // be written back the same way.
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59 else { return nil }
        guard day <= daysIn(month: month, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) + fraction
        // Only instants the zone-less form can write back (years 0000–9999).
        guard seconds >= Self.earliest, (seconds * 1000).rounded() <= Self.latestMs else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    private static let earliest = Double(daysFromCivil(year: 0, month: 1, day: 1) * 86_400)
    private static let latestMs = Double(daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400) * 1000 - 1

    /// Formats a date the way the service does: zone-less UTC, milliseconds
    /// with trailing zeros trimmed, and no fraction at all for whole seconds.
    public static func format(_ date: Date) -> String {
        format(epochMilliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    public static func format(epochMilliseconds totalMs: Int64) -> String {
        var secs = totalMs / 1000
        var ms = Int(totalMs % 1000)
        if ms < 0 { ms += 1000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        let hh = Int(rem / 3600), mm = Int(rem % 3600 / 60), ss = Int(rem % 60)
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(hh, 2) + ":" + pad(mm, 2) + ":" + pad(ss, 2)
        if ms != 0 {
            var frac = pad(ms, 3)
            while frac.hasSuffix("0") { frac.removeLast() }
            out += "." + frac
        }
        return out
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
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
