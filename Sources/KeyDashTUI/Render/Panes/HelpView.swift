import Foundation
import KeyDashCore
import WhyLabsAPI

enum HelpView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, area: Rect) {
        frame.box(area, border: .border, fill: .dialog, title: "Keys", titleRole: .dialog_title)
        let inner = Rect(x: area.x + 2, y: area.y + 1, width: area.width - 4, height: area.height - 2)
        let bindings = KeyTable.bindings
        let rowsAvailable = inner.height - 2
        let columns = bindings.count > rowsAvailable ? 2 : 1
        let perColumn = (bindings.count + columns - 1) / columns
        let columnWidth = inner.width / columns
        for (i, binding) in bindings.enumerated() {
            let col = i / perColumn, row = i % perColumn
            let y = inner.y + 1 + row
            guard y < inner.maxY - 1 else { continue }
            let x = inner.x + col * columnWidth
            let label = ctx.ascii ? binding.label.replacingOccurrences(of: "↓", with: "Down").replacingOccurrences(of: "↑", with: "Up") : binding.label
            frame.put(label, x: x, y: y, role: .dialog_title, maxWidth: 8)
            frame.put(binding.help, x: x + 9, y: y, role: .dialog, maxWidth: columnWidth - 10)
        }
        frame.put("Mouse: wheel scrolls, click selects. Esc closes this help.", x: inner.x, y: inner.maxY - 1, role: .hint)
    }
}
