import Foundation
import KeyDashCore
import WhyLabsAPI

enum CreateFormView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, form: CreateForm, screen: Rect) {
        let rect = modalRect(screen, width: 74, height: 19)
        frame.box(rect, border: .border, fill: .dialog, title: "New API key", titleRole: .dialog_title)
        let inner = Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
        var y = inner.y + 1
        func label(_ text: String, _ field: CreateForm.Field) {
            let focused = form.focus == field
            frame.put((focused ? ctx.glyph("▸ ", "> ") : "  ") + text, x: inner.x, y: y, role: focused ? .dialog_title : .dialog, maxWidth: 12)
        }
        func textField(_ text: String, _ field: CreateForm.Field) {
            let x = inner.x + 13
            frame.putPadded(ctx.clean(text), x: x, y: y, width: min(40, inner.maxX - x), role: .input)
            if form.focus == field { frame.cursor = (x + DisplayText.width(ctx.clean(text)), y) }
        }
        label("User", .user); textField(form.user, .user); y += 2
        label("Alias", .alias); textField(form.alias, .alias); y += 2
        label("Scopes", .scopes)
        var x = inner.x + 13
        for (i, scope) in KeyScope.all.enumerated() {
            let box = form.scopes.contains(scope) ? "[x]" : "[ ]"
            let item = "\(box) \(scope)"
            let w = DisplayText.width(item) + 2
            if x + w > inner.maxX { x = inner.x + 13; y += 1 }
            let atCursor = form.focus == .scopes && form.scopeCursor == i
            frame.put(item, x: x, y: y, role: atCursor ? .row_selected : .dialog)
            x += w
        }
        y += 2
        label("Expires", .expiry)
        x = inner.x + 13
        for (i, choice) in CreateForm.expiryChoices.enumerated() {
            let chosen = form.expiryIndex == i
            let item = chosen ? "(\u{2022}) \(choice)" : "( ) \(choice)"
            let shown = ctx.ascii ? item.replacingOccurrences(of: "\u{2022}", with: "*") : item
            frame.put(shown, x: x, y: y, role: chosen && form.focus == .expiry ? .row_selected : .dialog)
            x += DisplayText.width(shown) + 2
        }
        if CreateForm.expiryChoices[form.expiryIndex] == "date" {
            y += 1
            frame.put("YYYY-MM-DD", x: inner.x + 2, y: y, role: .hint)
            textField(form.expiryDate, .expiry)
        }
        y += 2
        label("", .submit)
        let button = form.submitting ? ctx.glyph("creating…", "creating...") : "[ Create key ]"
        frame.put(button, x: inner.x + 13, y: y, role: form.focus == .submit ? .row_selected : .dialog_title)
        if let error = form.error {
            frame.put(ctx.clean(error), x: inner.x, y: inner.maxY - 1, role: .status_error, maxWidth: inner.width)
        }
    }
}
