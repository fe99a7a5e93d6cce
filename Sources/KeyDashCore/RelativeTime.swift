import Foundation
import WhyLabsAPI

/// Human times: "3d ago", "in 5h", and absolute UTC for detail views.
public enum RelativeTime {
    public static func describe(_ date: Date, now: Date) -> String {
        text(step(date.timeIntervalSince(now)))
    }

    /// Whether `describe` reads the same for a time `seconds` (since 1970)
    /// seen at `a` and at `b`, without making either text. The text is a
    /// step function of the distance that only moves one way on each side
    /// of the time, and the two sides share only "just now", so the same
    /// step at both ends means the same text all the way between.
    public static func sameText(for seconds: Double, at a: Double, and b: Double) -> Bool {
        step(seconds - a) == step(seconds - b)
    }

    /// Which text a distance `delta` (time minus now) reads as, as a
    /// number: its side (the sign), unit (from bit 40) and count. The one
    /// home of the cuts; `text` spells a step out.
    static func step(_ delta: Double) -> Int64 {
        let magnitude = abs(delta)
        if magnitude < 45 { return 0 }
        let value: Int64
        switch magnitude {
        // From 45 seconds it is a minute ("1m"), not "0m", until two.
        case ..<3600: value = 1 << 40 | max(1, Int64(magnitude / 60))
        case ..<86_400: value = 2 << 40 | Int64(magnitude / 3600)
        case ..<(86_400 * 365): value = 3 << 40 | Int64(magnitude / 86_400)
        default:
            // Tenths of a year below ten, as "%.1f" rounds them (ties to even).
            let years = magnitude / (86_400 * 365.25)
            value = years < 10 ? 4 << 40 | Int64((years * 10).rounded(.toNearestOrEven))
                : 5 << 40 | Int64(min(years, 1e9))
        }
        return delta < 0 ? -value : value
    }

    /// "just now", "3d ago", "in 1.5y": a step spelled out, without a
    /// formatter on the render path.
    static func text(_ step: Int64) -> String {
        if step == 0 { return "just now" }
        let value = abs(step), count = value & (1 << 40 - 1)
        let amount: String
        switch value >> 40 {
        case 1: amount = "\(count)m"
        case 2: amount = "\(count)h"
        case 3: amount = "\(count)d"
        case 4: amount = "\(count / 10).\(count % 10)y"
        default: amount = "\(count)y"
        }
        return step < 0 ? "\(amount) ago" : "in \(amount)"
    }

    /// `2026-11-29 07:42 UTC`
    public static func absolute(_ date: Date, seconds: Bool = false) -> String {
        let text = APITime.format(date)  // 2026-11-29T07:42:03.5
        let end = text.index(text.startIndex, offsetBy: seconds ? 19 : 16)
        return text[..<end].replacingOccurrences(of: "T", with: " ") + " UTC"
    }
}
