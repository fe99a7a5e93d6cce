import Foundation
import KeyDashCore
import WhyLabsAPI

/// Quit asked for while a create or revoke is in flight: what is pending,
/// and the choice between waiting for it and leaving with it unknown.
enum QuitPendingView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, screen: Rect) {
        let writes = ctx.state.pendingWrites
        let rect = modalRect(screen, width: 72, height: min(screen.height - 2, 9 + min(writes.count, 5)))
        frame.box(rect, border: .dialog_danger, fill: .dialog, title: "Waiting for the server", titleRole: .dialog_danger)
        let inner = Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
        var y = inner.y + 1
        frame.put("Sent and not yet answered:", x: inner.x, y: y, role: .dialog, maxWidth: inner.width)
        y += 1
        for (i, write) in writes.enumerated() where y < inner.maxY - 3 {
            if i == 4 && writes.count > 5 {
                frame.put("… and \(writes.count - 4) more", x: inner.x + 2, y: y, role: .dialog, maxWidth: inner.width - 2)
                y += 1
                break
            }
            frame.put(ctx.clean(write.summary), x: inner.x + 2, y: y, role: .dialog_title, maxWidth: inner.width - 2)
            y += 1
        }
        frame.putWrapped("Leaving now records the outcome as unknown in the audit log: the server may still act on it.",
                         x: inner.x, y: y + 1, width: inner.width, maxLines: 2, role: .status_warning)
        frame.put(ctx.glyph("w wait, then quit · q quit now · Esc stay", "w wait, then quit | q quit now | Esc stay"),
                  x: inner.x, y: inner.maxY - 1, role: .hint, maxWidth: inner.width)
    }
}
