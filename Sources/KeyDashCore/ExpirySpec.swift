import Foundation
import WhyLabsAPI

/// An expiry as a person writes it: `30d`, `12h`, `1y`, `2027-01-31`, `never`.
public enum ExpirySpec: Sendable, Hashable, CustomStringConvertible {
    case never
    case after(seconds: TimeInterval, label: String)
    case on(Date, label: String)

    public static func parse(_ text: String) -> ExpirySpec? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "never" || t == "none" { return .never }
        if let unit = t.last, "hdwy".contains(unit), let n = Int(t.dropLast()), n > 0, n <= 100_000 {
            let per: TimeInterval = switch unit {
            case "h": 3600
            case "d": 86_400
            case "w": 7 * 86_400
            default: 365 * 86_400
            }
            return .after(seconds: Double(n) * per, label: t)
        }
        // A date means the end of that day is not what people expect from
        // "expires 2027-01-31"; the start of it (UTC) is, as the API stores it.
        if t.count == 10, let date = APITime.parse(t + "T00:00:00") { return .on(date, label: t) }
        if let date = APITime.parse(text) { return .on(date, label: text) }
        return nil
    }

    public func date(from now: Date) -> Date? {
        switch self {
        case .never: return nil
        case .after(let seconds, _): return now.addingTimeInterval(seconds)
        case .on(let date, _): return date
        }
    }

    public var description: String {
        switch self {
        case .never: return "never"
        case .after(_, let label), .on(_, let label): return label
        }
    }
}
