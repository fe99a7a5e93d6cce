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

enum DetailView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, keyId: String, area: Rect) {
        let s = ctx.state
        guard let key = s.key(keyId) else {
            frame.box(area, border: .border, fill: .dialog, title: "Key \(ctx.clean(keyId))", titleRole: .dialog_title)
            frame.put("This key is no longer in the list.", x: area.x + 2, y: area.y + 2, role: .dialog)
            return
        }
        frame.box(area, border: .border, fill: .dialog, title: "Key \(ctx.clean(key.keyId))", titleRole: .dialog_title)
        let inner = Rect(x: area.x + 2, y: area.y + 1, width: area.width - 4, height: area.height - 2)
        let status: String = switch s.marks[key.keyId] {
        case .revoking: ctx.glyph("revoking…", "revoking...")
        case .revoked: "revoked"
        default: KeyStatus.of(key, now: ctx.now).rawValue
        }
        var fields: [(String, String, ThemeRole)] = [
            ("Alias", ctx.clean(key.alias ?? "(none)"), .dialog),
            ("Key ID", ctx.clean(key.keyId), .dialog),
            ("User", ctx.clean(key.userId), .dialog),
            ("Org", ctx.clean(key.orgId), .dialog),
            ("Scopes", ctx.clean((key.scopes ?? []).sorted().joined(separator: ", ")).ifEmpty("(none)"), .dialog),
        ]
        if let resource = key.resourceId { fields.append(("Resource", ctx.clean(resource), .dialog)) }
        let statusRole: ThemeRole = switch KeyStatus.of(key, now: ctx.now) {
        case .expired: .expired
        case .expiring: .expiring
        default: .dialog
        }
        fields += [
            ("Created", ctx.absolute(key.creationTime, missing: "-"), .dialog),
            ("Expires", ctx.absolute(key.expirationTime, missing: "never"), statusRole),
            ("Last used", ctx.absolute(key.lastUsedTime, missing: "never"), .dialog),
            ("Status", status, statusRole),
        ]
        if key.keyId == s.ownKeyId { fields.append(("Note", "this is the key keydash is using", .status_warning)) }
        var y = drawFields(&frame, fields, in: inner, startY: inner.y + 1)
        let warnings = KeyHygiene.of(key, now: ctx.now).warnings(for: key, now: ctx.now)
        if !warnings.isEmpty {
            y += 1
            for (i, warning) in warnings.enumerated() where y < inner.maxY {
                frame.put(i == 0 ? "Warnings" : "", x: inner.x, y: y, role: .dialog_title, maxWidth: 12)
                frame.put(ctx.glyph("⚠ ", "! ") + warning, x: inner.x + 13, y: y, role: .status_warning, maxWidth: inner.width - 13)
                y += 1
            }
        }
        if let cached = s.details[key.keyId] {
            let note = "details fetched \(RelativeTime.describe(cached.fetchedAt, now: ctx.now))"
            frame.put(note, x: inner.x, y: inner.maxY - 1, role: .hint)
        }
    }
}

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
            frame.put("One is the key keydash is using: this session stops working.", x: inner.x, y: y, role: .status_warning, maxWidth: inner.width)
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

enum SecretView {
    /// The secret is shown whole at every size the dashboard accepts: cut
    /// into lines as wide as the pane allows, each line starting at the same
    /// column with nothing inserted inside it (no ellipsis, no padding, no
    /// hyphen), so selecting it copies exactly the key.
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, secret: OnceSecret, screen: Rect) {
        let text = ctx.clean(secret.secret)
        let maxInner = screen.width - 2 - 4
        let oneLine = DisplayText.width(text)
        let innerWidth = min(maxInner, max(70, oneLine + 1))
        let lines = wrap(text, width: innerWidth)
        let notes = [
            ("This is the only time the key is shown. Store it now.", ThemeRole.status_warning),
            (secret.copied ? "Copied to the clipboard (OSC 52)." : "c copies it to the clipboard (OSC 52).", secret.copied ? .status_ok : .dialog),
            ("Enter or Esc closes; the secret is then gone.", .hint),
        ]
        // Borders, the secret, the notes; blank lines between when there is room.
        let tight = lines.count + notes.count + 2
        let spacious = tight + 5
        let height = min(screen.height - 2, spacious)
        let rect = modalRect(screen, width: innerWidth + 4, height: max(height, min(tight, screen.height)))
        frame.box(rect, border: .status_ok, fill: .dialog, title: "Key \(ctx.clean(secret.keyId)) created", titleRole: .status_ok)
        let inner = Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
        let spare = inner.height - lines.count - notes.count
        let gap = spare >= 4 ? 1 : 0
        var y = inner.y + gap
        // The secret comes first in priority: notes give way when space is short.
        let noteRows = max(0, min(notes.count, inner.height - lines.count))
        if noteRows >= 1 {
            frame.put(notes[0].0, x: inner.x, y: y, role: notes[0].1, maxWidth: inner.width)
            y += 1 + gap
        }
        for line in lines {
            frame.put(line, x: inner.x, y: y, role: .input, maxWidth: inner.width)
            y += 1
        }
        y += gap
        if noteRows >= 2 { frame.put(notes[1].0, x: inner.x, y: y, role: notes[1].1, maxWidth: inner.width) }
        if noteRows >= 3 { frame.put(notes[2].0, x: inner.x, y: inner.maxY - 1, role: notes[2].1, maxWidth: inner.width) }
    }

    /// Cuts text into pieces of at most `width` display columns, never
    /// splitting a character.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [text] }
        var lines: [String] = []
        var current = ""
        var used = 0
        for character in text {
            let w = DisplayText.width(String(character))
            if used + w > width, !current.isEmpty {
                lines.append(current)
                current = ""
                used = 0
            }
            current.append(character)
            used += w
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}

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
