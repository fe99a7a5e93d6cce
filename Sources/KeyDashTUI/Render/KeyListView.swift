import Foundation
import KeyDashCore
import WhyLabsAPI

/// The list of keys: column titles and one row per visible key. Only the rows
/// on screen are drawn, so cost does not grow with the number of keys.
enum KeyListView {
    struct ColumnSpec {
        let column: KeyColumn
        let min: Int
        let max: Int
    }

    /// In the order columns are kept when the terminal narrows.
    static let priority: [ColumnSpec] = [
        ColumnSpec(column: .keyId, min: 10, max: 10),
        ColumnSpec(column: .alias, min: 10, max: 28),
        ColumnSpec(column: .status, min: 9, max: 9),
        ColumnSpec(column: .expires, min: 9, max: 9),
        ColumnSpec(column: .user, min: 8, max: 18),
        ColumnSpec(column: .lastUsed, min: 9, max: 9),
        ColumnSpec(column: .created, min: 9, max: 9),
        ColumnSpec(column: .scopes, min: 12, max: 48),
    ]

    static let gutter = 2

    /// Which columns fit in `width`, and how wide each is, in screen order.
    static func layout(width: Int) -> [(column: KeyColumn, width: Int)] {
        let available = width - gutter
        var chosen: [ColumnSpec] = []
        var used = 0
        for spec in priority where used + spec.min + 1 <= available {
            chosen.append(spec)
            used += spec.min + 1
        }
        var widths = Dictionary(uniqueKeysWithValues: chosen.map { ($0.column, $0.min) })
        var spare = available - used
        // Grow alias and user to a comfortable width first, then scopes, then the rest.
        for (column, target) in [(KeyColumn.alias, 14), (.user, 12), (.alias, 20), (.scopes, 48), (.alias, 28), (.user, 18)] {
            guard let current = widths[column], spare > 0, current < target else { continue }
            let grow = min(spare, target - current)
            widths[column] = current + grow
            spare -= grow
        }
        return KeyColumn.allCases.compactMap { c in widths[c].map { (c, $0) } }
    }

    static func draw(_ frame: inout Frame, _ ctx: RenderContext, area: Rect) {
        let s = ctx.state
        let columns = layout(width: area.width)
        // Column titles, with the sort column marked.
        frame.fill(Rect(x: area.x, y: area.y, width: area.width, height: 1), .column_header)
        var x = area.x + gutter
        for (column, width) in columns {
            var title = column.title
            if column == s.sort.column { title += s.sort.ascending ? ctx.glyph("↑", "^") : ctx.glyph("↓", "v") }
            frame.put(title, x: x, y: area.y, role: .column_header, maxWidth: width)
            x += width + 1
        }
        let rows = area.height - 1
        if s.visible.isEmpty {
            let text = !s.hasLoaded ? (s.refresh.lastError == nil ? "loading keys…" : "no data yet: \(s.refresh.lastError!)")
                : (s.keys.isEmpty ? "no keys" : "no keys match (Esc clears the filter)")
            frame.put(ctx.ascii ? DisplayText.sanitize(text, ascii: true) : text, x: area.x + gutter, y: area.y + 2, role: .hint)
            return
        }
        for i in 0..<rows {
            let index = s.scroll + i
            guard index < s.visible.count else { break }
            let key = s.visible.key(at: index)
            drawRow(&frame, ctx, key: key, selected: index == s.selectedIndex, y: area.y + 1 + i, x: area.x, width: area.width, columns: columns)
        }
    }

    static func drawRow(_ frame: inout Frame, _ ctx: RenderContext, key: UserApiKey, selected: Bool, y: Int, x: Int, width: Int,
                        columns: [(column: KeyColumn, width: Int)]) {
        let s = ctx.state
        let mark = s.marks[key.keyId]
        let status = KeyStatus.of(key, now: ctx.now)
        let marked = s.bulkSelection.contains(key.keyId)
        let base: ThemeRole
        if selected { base = .row_selected }
        else if marked { base = .row_marked }
        else if mark == .revoked || key.isRevoked { base = .row_revoked }
        else if mark == .new { base = .row_new }
        else { base = .row }
        frame.fill(Rect(x: x, y: y, width: width, height: 1), base)
        frame.put(marked ? "*" : " ", x: x, y: y, role: base)
        frame.put(mark == .new ? "+" : " ", x: x + 1, y: y, role: base)
        var cx = x + gutter
        for (column, w) in columns {
            var role = base
            let text: String
            switch column {
            case .alias: text = ctx.clean(key.alias ?? "-")
            case .keyId: text = ctx.clean(key.keyId)
            case .user: text = ctx.clean(key.userId)
            case .scopes: text = ctx.clean((key.scopes ?? []).sorted().joined(separator: ",")).ifEmpty("-")
            case .created: text = ctx.relative(key.creationTime, missing: "-")
            case .expires:
                text = ctx.relative(key.expirationTime, missing: "never")
                if !selected && base == .row || base == .row_new {
                    if status == .expired { role = .expired } else if status == .expiring { role = .expiring }
                }
            case .lastUsed: text = ctx.relative(key.lastUsedTime, missing: "never")
            case .status:
                let rotation = s.rotation(replacing: key.keyId)
                switch mark {
                case .revoking: text = ctx.glyph("revoking…", "revoking.")
                case .revoked: text = "revoked"
                default: text = rotation?.state.short ?? status.rawValue
                }
                if !selected && base == .row {
                    if rotation != nil && mark == nil { role = .status_warning }
                    else if status == .expired { role = .expired } else if status == .expiring { role = .expiring }
                }
            }
            frame.put(text, x: cx, y: y, role: role, maxWidth: w)
            cx += w + 1
        }
    }
}
