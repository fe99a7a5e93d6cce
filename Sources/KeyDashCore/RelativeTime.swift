import Foundation
import WhyLabsAPI

/// Human times: "3d ago", "in 5h", and absolute UTC for detail views.
public enum RelativeTime {
    public static func describe(_ date: Date, now: Date) -> String {
        let delta = date.timeIntervalSince(now)
        let magnitude = abs(delta)
        if magnitude < 45 { return "just now" }
        let text: String
        switch magnitude {
        case ..<3600: text = "\(Int(magnitude / 60))m"
        case ..<86_400: text = "\(Int(magnitude / 3600))h"
        case ..<(86_400 * 365): text = "\(Int(magnitude / 86_400))d"
        default:
            let years = magnitude / (86_400 * 365.25)
            // One decimal below ten years, as "%.1f" rounds it (ties to even),
            // without a formatter on the render path.
            let tenths = Int((years * 10).rounded(.toNearestOrEven))
            text = years < 10 ? "\(tenths / 10).\(tenths % 10)y" : "\(Int(years))y"
        }
        return delta < 0 ? "\(text) ago" : "in \(text)"
    }

    /// `2026-11-29 07:42 UTC`
    public static func absolute(_ date: Date, seconds: Bool = false) -> String {
        let text = APITime.format(date)  // 2026-11-29T07:42:03.5
        let end = text.index(text.startIndex, offsetBy: seconds ? 19 : 16)
        return text[..<end].replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// Relative, or the server's own text when it couldn't be parsed.
    public static func describe(_ time: APITime?, now: Date, missing: String = "-") -> String {
        guard let time else { return missing }
        guard let date = time.date else { return DisplayText.sanitize(time.text) }
        return describe(date, now: now)
    }
}
