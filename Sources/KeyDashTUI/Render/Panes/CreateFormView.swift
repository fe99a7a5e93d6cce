import Foundation
import KeyDashCore
import WhyLabsAPI

enum CreateFormView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, form: CreateForm, screen: Rect) {
        let rect = modalRect(screen, width: 74, height: 19)
        let title = form.rotation.map { "Replace key \(ctx.clean($0.old.keyId))" } ?? "New API key"
        frame.box(rect, border: .border, fill: .dialog, title: title, titleRole: .dialog_title)
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
        if let rotation = form.rotation {
            // The replacement's user, alias and scopes are the old key's: shown, not edited.
            let fixed = [("User", form.user), ("Alias", form.alias.ifEmpty("(none)")),
                         ("Scopes", rotation.scopes.sorted().joined(separator: ", ").ifEmpty("(none)"))]
            for (name, value) in fixed {
                frame.put("  " + name, x: inner.x, y: y, role: .dialog, maxWidth: 12)
                frame.put(ctx.clean(value), x: inner.x + 13, y: y, role: .dialog, maxWidth: inner.maxX - inner.x - 13)
                y += 2
            }
        }
        if form.rotation == nil { label("User", .user); textField(form.user, .user); y += 2 }
        if form.rotation == nil { label("Alias", .alias); textField(form.alias, .alias); y += 2 }
        if form.rotation == nil { label("Scopes", .scopes) }
        var x = inner.x + 13
        for (i, scope) in KeyScope.all.enumerated() where form.rotation == nil {
            let box = form.scopes.contains(scope) ? "[x]" : "[ ]"
            let item = "\(box) \(scope)"
            let w = DisplayText.width(item) + 2
            if x + w > inner.maxX { x = inner.x + 13; y += 1 }
            let atCursor = form.focus == .scopes && form.scopeCursor == i
            frame.put(item, x: x, y: y, role: atCursor ? .row_selected : .dialog)
            x += w
        }
        if form.rotation == nil { y += 2 }
        label("Expires", .expiry)
        x = inner.x + 13
        for (i, choice) in form.expiryChoices.enumerated() {
            let chosen = form.expiryIndex == i
            let item = chosen ? "(\u{2022}) \(choice)" : "( ) \(choice)"
            let shown = ctx.ascii ? item.replacingOccurrences(of: "\u{2022}", with: "*") : item
            frame.put(shown, x: x, y: y, role: chosen && form.focus == .expiry ? .row_selected : .dialog)
            x += DisplayText.width(shown) + 2
        }
        if form.expiryChoices[form.expiryIndex] == "same", let note = form.sameLifetimeNote {
            y += 1
            frame.put(note, x: inner.x + 13, y: y, role: .hint, maxWidth: inner.maxX - inner.x - 13)
        }
        if form.expiryChoices[form.expiryIndex] == "date" {
            y += 1
            frame.put("YYYY-MM-DD", x: inner.x + 2, y: y, role: .hint)
            textField(form.expiryDate, .expiry)
        }
        if let rotation = form.rotation {
            y += 2
            label("Old key", .after)
            x = inner.x + 13
            for (now, text) in [(false, "revoke when unused"), (true, "revoke now")] {
                let chosen = rotation.revokeNow == now
                let item = (chosen ? ctx.glyph("(\u{2022}) ", "(*) ") : "( ) ") + text
                frame.put(item, x: x, y: y, role: chosen && form.focus == .after ? .row_selected : .dialog)
                x += DisplayText.width(item) + 2
            }
        }
        y += 2
        label("", .submit)
        let button = form.submitting ? ctx.glyph("creating…", "creating...") : (form.rotation == nil ? "[ Create key ]" : "[ Create replacement ]")
        frame.put(button, x: inner.x + 13, y: y, role: form.focus == .submit ? .row_selected : .dialog_title)
        if let error = form.error {
            frame.put(ctx.clean(error), x: inner.x, y: inner.maxY - 1, role: .status_error, maxWidth: inner.width)
        }
    }
}
