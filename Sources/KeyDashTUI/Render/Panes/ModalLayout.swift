import Foundation
import KeyDashCore
import WhyLabsAPI

/// A centred rectangle for a modal, never larger than the screen.
func modalRect(_ screen: Rect, width: Int, height: Int) -> Rect {
    let w = min(width, screen.width - 2)
    let h = min(height, screen.height - 2)
    return Rect(x: (screen.width - w) / 2, y: max(1, (screen.height - h) / 2), width: w, height: h)
}

/// Label/value lines inside a box.
func drawFields(_ frame: inout Frame, _ fields: [(String, String, ThemeRole)], in rect: Rect, startY: Int, labelWidth: Int = 12) -> Int {
    var y = startY
    for (label, value, role) in fields {
        guard y < rect.maxY else { break }
        frame.put(label, x: rect.x, y: y, role: .dialog_title, maxWidth: labelWidth)
        frame.put(value, x: rect.x + labelWidth + 1, y: y, role: role, maxWidth: rect.width - labelWidth - 1)
        y += 1
    }
    return y
}
