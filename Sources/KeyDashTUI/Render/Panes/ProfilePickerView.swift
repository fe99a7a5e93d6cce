import Foundation
import KeyDashCore
import WhyLabsAPI

/// The config file's profiles: name, org, endpoint host; the current one marked.
enum ProfilePickerView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, picker: ProfilePicker, screen: Rect) {
        let s = ctx.state
        let rect = modalRect(screen, width: 74, height: min(screen.height - 2, 6 + s.profiles.count))
        frame.box(rect, border: .border, fill: .dialog, title: "Profiles", titleRole: .dialog_title)
        let inner = Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
        let visible = max(1, inner.height - 3)
        let first = max(0, min(picker.cursor - visible + 1, s.profiles.count - visible))
        for (row, i) in (first..<min(s.profiles.count, first + visible)).enumerated() {
            let p = s.profiles[i]
            let selected = i == picker.cursor
            let role: ThemeRole = selected ? .row_selected : .dialog
            let y = inner.y + 1 + row
            frame.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role)
            frame.put(p.name == s.profile ? "*" : " ", x: inner.x, y: y, role: role)
            var x = inner.x + 2
            for (text, width) in [(p.name, 16), (p.orgId, 18), (p.endpointHost + (p.readOnly ? " (read-only)" : ""), inner.width - 38)] {
                frame.put(ctx.clean(text), x: x, y: y, role: role, maxWidth: width)
                x += width + 1
            }
        }
        frame.put(ctx.glyph("j/k choose · Enter switch · Esc stay", "j/k choose | Enter switch | Esc stay"),
                  x: inner.x, y: inner.maxY - 1, role: .hint, maxWidth: inner.width)
    }
}
