import Foundation
import KeyDashCore
import WhyLabsAPI

/// Org, endpoint, counts and refresh state.
enum HeaderView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, row: Int) {
        let s = ctx.state
        frame.fill(Rect(x: 0, y: row, width: frame.width, height: 1), .header)
        let dot = ctx.glyph(" · ", " | ")
        // The profile and the org, always: which org a revoke hits must never be a guess.
        let named = s.profile.map { "[\(ctx.clean($0))] " } ?? ""
        var left = " keydash  \(named)\(ctx.clean(s.orgId)) @ \(ctx.clean(s.endpointHost))"
        var counts = "\(s.counts.active) active\(dot)\(s.counts.expiringSoon) expiring\(dot)\(s.counts.expired) expired"
        if s.filter.showRevoked || s.counts.revoked > 0 { counts += "\(dot)\(s.counts.revoked) revoked" }
        if s.readOnly { counts += "\(dot)read-only" }
        let label = refreshLabel(s, ascii: ctx.ascii)
        let labelRole: ThemeRole = s.refresh.isStale ? .stale : .header
        let labelWidth = DisplayText.width(label) + 2
        // On a narrow terminal the counts matter more than the endpoint.
        if DisplayText.width(left) + DisplayText.width(counts) + labelWidth + 4 > frame.width {
            left = " keydash  \(named)\(ctx.clean(s.orgId))"
        }
        let used = frame.put(left, x: 0, y: row, role: .header, maxWidth: frame.width - labelWidth - 1)
        let room = frame.width - labelWidth - used - 4
        if room >= 12 {
            frame.put(counts, x: used + 3, y: row, role: .header, maxWidth: room)
        }
        frame.putPadded(" " + label + " ", x: frame.width - labelWidth, y: row, width: labelWidth, role: labelRole)
    }

    /// "updated 20s ago", "refreshing…", "offline 2m: connection refused, retry in 40s".
    /// Coarse on purpose: an idle screen changes at most every ten seconds.
    static func refreshLabel(_ s: DashboardState, ascii: Bool) -> String {
        let ellipsis = ascii ? "..." : "…"
        let r = s.refresh
        if !s.hasLoaded {
            if let error = r.lastError { return "offline: \(error)" + retry(s) }
            return "loading\(ellipsis)"
        }
        if let since = r.failingSince {
            return "offline \(duration(s.now.timeIntervalSince(since))): \(r.lastError ?? "error")" + retry(s)
        }
        if r.showsRefreshing(at: s.now) { return "refreshing\(ellipsis)" }
        let updated = r.lastSuccess.map { "updated \(ago(s.now.timeIntervalSince($0)))" } ?? ""
        if r.paused { return "paused" + (updated.isEmpty ? "" : ", " + updated) }
        if s.refreshPeriod == 0 { return updated + (updated.isEmpty ? "" : ", ") + "manual" }
        return updated
    }

    static func retry(_ s: DashboardState) -> String {
        if s.refresh.paused { return ", paused" }
        guard let next = s.refresh.nextRefresh else { return ", r retries" }
        let seconds = max(0, next.timeIntervalSince(s.now))
        let rounded = seconds <= 10 ? Int(seconds.rounded(.up)) : Int((seconds / 10).rounded(.up)) * 10
        return ", retry in \(duration(Double(rounded)))"
    }

    static func ago(_ elapsed: TimeInterval) -> String {
        if elapsed < 10 { return "just now" }
        if elapsed < 60 { return "\(Int(elapsed / 10) * 10)s ago" }
        return duration(elapsed) + " ago"
    }

    static func duration(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<60: "\(Int(seconds))s"
        case ..<3600: "\(Int(seconds / 60))m"
        case ..<86_400: "\(Int(seconds / 3600))h"
        default: "\(Int(seconds / 86_400))d"
        }
    }
}

/// The status line: the prompt while typing, else the latest message, else
/// what the list shows.
enum StatusLineView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, row: Int) {
        let s = ctx.state
        frame.fill(Rect(x: 0, y: row, width: frame.width, height: 1), .status_info)
        if let prompt = s.prompt {
            let label = prompt.kind == .filter ? " / " : " user: "
            let used = frame.put(label, x: 0, y: row, role: .status_info)
            let text = ctx.clean(prompt.text)
            frame.putPadded(text, x: used, y: row, width: frame.width - used - 1, role: .input)
            frame.cursor = (min(frame.width - 1, used + DisplayText.width(text)), row)
            return
        }
        if let message = s.message {
            let role: ThemeRole = switch message.severity {
            case .success: .status_ok
            case .error: .status_error
            case .warning: .status_warning
            case .info: .status_info
            }
            frame.putPadded(" " + ctx.clean(message.text), x: 0, y: row, width: frame.width, role: role)
            return
        }
        var parts: [String] = []
        if !s.bulkSelection.isEmpty {
            parts.append("\(s.bulkSelection.count) marked: d revokes them, Esc clears")
        }
        let total = s.keys.count
        parts.append(s.visible.count == total ? "\(total) keys" : "\(s.visible.count) of \(total) keys")
        if !s.filter.text.isEmpty { parts.append("filter \"\(ctx.clean(s.filter.text))\"") }
        if let user = s.filter.user { parts.append("user \(ctx.clean(user))") }
        if let hygiene = s.filter.hygiene { parts.append(hygiene.name) }
        if s.filter.showRevoked { parts.append("with revoked") }
        let arrow = s.sort.ascending ? ctx.glyph("↑", "^") : ctx.glyph("↓", "v")
        parts.append("by \(s.sort.column.title.lowercased()) \(arrow)")
        frame.put(" " + parts.joined(separator: ctx.glyph(" · ", " | ")), x: 0, y: row, role: .status_info)
    }
}

/// The key hints, from the same table the input handler uses.
enum HintsView {
    static func draw(_ frame: inout Frame, _ ctx: RenderContext, row: Int) {
        frame.fill(Rect(x: 0, y: row, width: frame.width, height: 1), .hint)
        let hints: [String]
        switch ctx.state.pane {
        case .list:
            hints = KeyTable.bindings.compactMap(\.hint).filter { !ctx.state.readOnly || !($0.hasPrefix("d ") || $0.hasPrefix("n ")) }
        case .detail: hints = ["j/k next/previous", "d revoke", "y copy id", "Esc back"]
        case .confirmRevoke: hints = ["type the key id", "Enter revoke", "Esc cancel"]
        case .bulkRevoke: hints = ["type the number of keys", "Enter revoke all", "Esc cancel"]
        case .create(let form) where form.rotation != nil: hints = ["Tab next field", "Left/Right choose", "Enter create the replacement", "Esc cancel"]
        case .create: hints = ["Tab next field", "Space tick scope", "Left/Right choose", "Enter create", "Esc cancel"]
        case .secret: hints = ["c copy (OSC 52)", "Enter/Esc close: the secret is then gone"]
        case .help, .activity: hints = ["Esc back"]
        case .quitPending: hints = ["w wait, then quit", "q quit now", "Esc stay"]
        case .profiles: hints = ["j/k choose", "Enter switch", "Esc stay"]
        }
        // How to get help and how to quit are never the hints that get cut.
        let essential = hints.filter { $0 == "? help" || $0 == "q quit" }
        let essentialWidth = essential.reduce(0) { $0 + DisplayText.width($1) + 2 }
        var shown: [String] = []
        var x = 1
        for hint in hints where !essential.contains(hint) {
            let w = DisplayText.width(hint)
            if x + w + 2 + essentialWidth > frame.width { break }
            shown.append(hint)
            x += w + 2
        }
        x = 1
        for hint in shown + essential {
            let w = DisplayText.width(hint)
            if x + w >= frame.width { break }
            frame.put(hint, x: x, y: row, role: .hint)
            x += w + 2
        }
    }
}
