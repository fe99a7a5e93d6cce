import Foundation
import KeyDashCore
import WhyLabsAPI

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
        if let (rotation, state) = s.rotation(replacing: key.keyId) {
            fields.append(("Rotation", ctx.clean(state.describe(rotation)), .status_warning))
        }
        for rotation in s.rotations where rotation.newKeyId == key.keyId {
            fields.append(("Rotation", "replaces \(ctx.clean(rotation.oldKeyId))", .dialog))
        }
        if key.keyId == s.ownKeyId { fields.append(("Note", "this is the key keydash is using", .status_warning)) }
        var y = drawFields(&frame, fields, in: inner, startY: inner.y + 1)
        let warnings = s.warnings(for: key)
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
