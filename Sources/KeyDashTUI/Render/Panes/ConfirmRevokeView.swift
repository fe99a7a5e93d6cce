import Foundation
import KeyDashCore
import WhyLabsAPI

enum ConfirmRevokeView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, confirmation c: RevokeConfirmation, screen: Rect) {
        let s = ctx.state
        let key = s.key(c.keyId)
        let rect = modalRect(screen, width: 72, height: 17)
        frame.box(rect, border: .dialog_danger, fill: .dialog, title: "REVOKE KEY \(ctx.clean(c.keyId))", titleRole: .dialog_danger)
        let inner = Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
        var fields: [(String, String, ThemeRole)] = [
            ("Alias", ctx.clean(key?.alias ?? "(none)"), .dialog),
            ("Key ID", ctx.clean(c.keyId), .dialog),
            ("User", ctx.clean(c.userId), .dialog),
            ("Scopes", ctx.clean((key?.scopes ?? []).sorted().joined(separator: ", ")).ifEmpty("(none)"), .dialog),
            ("Created", ctx.relative(key?.creationTime, missing: "-"), .dialog),
            ("Last used", ctx.relative(key?.lastUsedTime, missing: "never"), .dialog),
        ]
        if key?.keyId == s.ownKeyId { fields.append(("Note", "this is the key keydash is using", .status_warning)) }
        var y = drawFields(&frame, fields, in: inner, startY: inner.y + 1)
        y += 1
        let impact: String
        if let used = key?.lastUsedTime?.date {
            impact = "Everything using this key (last used \(RelativeTime.describe(used, now: ctx.now))) stops working at once."
        } else {
            impact = "Anything holding this key stops working at once. This cannot be undone."
        }
        y += frame.putWrapped(impact, x: inner.x, y: y, width: inner.width, maxLines: 2, role: .status_warning)
        y += 1
        let prompt = "Type the key id to confirm: "
        frame.put(prompt, x: inner.x, y: y, role: .dialog)
        let fieldX = inner.x + DisplayText.width(prompt)
        let typed = ctx.clean(c.typed)
        frame.putPadded(typed, x: fieldX, y: y, width: 12, role: .input)
        frame.cursor = (min(fieldX + DisplayText.width(typed), frame.width - 1), y)
        if !c.typed.isEmpty && !c.keyId.hasPrefix(c.typed) {
            frame.put("does not match", x: fieldX + 13, y: y, role: .status_warning, maxWidth: inner.maxX - fieldX - 13)
        }
        frame.put(ctx.glyph("Enter revokes · Esc cancels", "Enter revokes | Esc cancels"), x: inner.x, y: inner.maxY - 1, role: .hint)
    }

    static func drawBulk(_ frame: inout Frame, _ ctx: RenderContext, confirmation b: BulkRevokeConfirmation, screen: Rect) {
        let own = ctx.state.ownKeyId.map { id in b.keys.contains { $0.keyId == id } } ?? false
        let notes = (b.hidden.isEmpty ? 0 : 1) + (own ? 1 : 0)
        let rect = modalRect(screen, width: 72, height: min(20, 9 + notes + b.keys.count))
        frame.box(rect, border: .dialog_danger, fill: .dialog, title: "REVOKE \(b.keys.count) KEYS", titleRole: .dialog_danger)
        let inner = Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
        var y = inner.y + 1
        // Hidden marks first: they are the ones the admin can't see behind the modal.
        let ordered = b.keys.filter { b.hidden.contains($0.keyId) } + b.keys.filter { !b.hidden.contains($0.keyId) }
        let listRows = inner.height - 6 - notes
        for (i, ref) in ordered.enumerated() {
            guard i < listRows else {
                frame.put("… and \(b.keys.count - i) more", x: inner.x, y: y, role: .dialog)
                y += 1
                break
            }
            let alias = ctx.state.keys[ref.keyId]?.alias ?? "-"
            var tags: [String] = []
            if b.hidden.contains(ref.keyId) { tags.append("hidden") }
            if ref.keyId == ctx.state.ownKeyId { tags.append("keydash's key") }
            let tag = tags.isEmpty ? "" : "[" + tags.joined(separator: ", ") + "]  "
            frame.put("\(ctx.clean(ref.keyId))  \(tag)\(ctx.clean(alias))  \(ctx.clean(ref.userId))", x: inner.x, y: y,
                      role: tags.isEmpty ? .dialog : .status_warning, maxWidth: inner.width)
            y += 1
        }
        y += 1
        if !b.hidden.isEmpty {
            frame.put("\(b.hidden.count) of these \(b.hidden.count == 1 ? "is" : "are") hidden by the current filter.",
                      x: inner.x, y: y, role: .status_warning, maxWidth: inner.width)
            y += 1
        }
        if own {
            frame.put("One is keydash's own key: this session would stop.", x: inner.x, y: y, role: .status_warning, maxWidth: inner.width)
            y += 1
        }
        frame.put("Everything using these keys stops working at once.", x: inner.x, y: y, role: .status_warning, maxWidth: inner.width)
        y += 1
        let prompt = "Type \(b.expected) to confirm: "
        frame.put(prompt, x: inner.x, y: y, role: .dialog)
        let fieldX = inner.x + DisplayText.width(prompt)
        frame.putPadded(ctx.clean(b.typed), x: fieldX, y: y, width: 6, role: .input)
        frame.cursor = (fieldX + DisplayText.width(b.typed), y)
        frame.put(ctx.glyph("Enter revokes all · Esc cancels", "Enter revokes all | Esc cancels"), x: inner.x, y: inner.maxY - 1, role: .hint)
    }
}
