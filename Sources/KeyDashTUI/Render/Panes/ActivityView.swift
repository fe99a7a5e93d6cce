import Foundation
import KeyDashCore
import WhyLabsAPI

enum ActivityView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, area: Rect) {
        let entries = ctx.state.activity
        frame.box(area, border: .border, fill: .dialog, title: "Activity (\(entries.count))", titleRole: .dialog_title)
        let inner = Rect(x: area.x + 2, y: area.y + 1, width: area.width - 4, height: area.height - 2)
        if entries.isEmpty {
            frame.put("Nothing has changed since keydash started.", x: inner.x, y: inner.y + 1, role: .hint)
            return
        }
        // Newest first.
        for (row, entry) in entries.reversed().prefix(inner.height - 1).enumerated() {
            let y = inner.y + 1 + row
            let role: ThemeRole = switch entry.kind {
            case .appeared, .created: .row_new
            case .vanished, .revoked: .row_revoked
            case .revokeFailed: .status_error
            case .changed: .expiring
            case .used: .dialog
            case .rotation: .status_warning
            }
            let time = String(RelativeTime.absolute(entry.at, seconds: true).dropLast(4))
            var x = inner.x
            for (text, width) in [(time, 19), (entry.kind.rawValue, 13), (ctx.clean(entry.keyId), 10), (ctx.clean(entry.alias ?? "-"), 16), (ctx.clean(entry.userId), 14)] {
                guard x < inner.maxX else { break }
                frame.put(text, x: x, y: y, role: role, maxWidth: min(width, inner.maxX - x))
                x += width + 1
            }
            if let detail = entry.detail, x < inner.maxX {
                frame.put(ctx.clean(detail), x: x, y: y, role: role, maxWidth: inner.maxX - x)
            }
        }
    }
}
