import Foundation
import TOMLKit

/// What a piece of the screen is, so colour is chosen by role and never by
/// literal: a theme, 8 colours or monochrome changes one place.
public enum ThemeRole: String, CaseIterable, Sendable, Hashable {
    case header, header_warning, column_header
    case row, row_alt, row_selected, row_new, row_revoked, row_marked
    case expiring, expired
    case status_ok, status_error, status_warning, status_info
    case dialog, dialog_danger, dialog_title, input
    case border, hint, stale
}

public enum TextAttribute: String, CaseIterable, Sendable, Hashable {
    case bold, dim, underline, reverse
}

/// A colour as a theme names it: one of the 16 ANSI names, 0–255, or #RRGGBB.
public enum ThemeColor: Sendable, Hashable {
    case indexed(Int)
    case rgb(UInt8, UInt8, UInt8)

    static let names = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright_black", "bright_red", "bright_green", "bright_yellow", "bright_blue", "bright_magenta", "bright_cyan", "bright_white",
    ]

    public static func parse(_ text: String) -> ThemeColor? {
        let t = text.lowercased().replacingOccurrences(of: "-", with: "_")
        if let i = names.firstIndex(of: t) { return .indexed(i) }
        if t == "gray" || t == "grey" { return .indexed(8) }
        if let n = Int(t), (0...255).contains(n) { return .indexed(n) }
        if t.hasPrefix("#"), t.count == 7, let v = UInt32(t.dropFirst(), radix: 16) {
            return .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        }
        return nil
    }
}

public struct RoleStyle: Sendable, Hashable {
    public var fg: ThemeColor?
    public var bg: ThemeColor?
    public var attrs: Set<TextAttribute>
    /// Attributes to use without colour; defaults to `attrs`.
    public var mono: Set<TextAttribute>?

    public init(fg: ThemeColor? = nil, bg: ThemeColor? = nil, attrs: Set<TextAttribute> = [], mono: Set<TextAttribute>? = nil) {
        self.fg = fg
        self.bg = bg
        self.attrs = attrs
        self.mono = mono
    }
}

/// How many colours the terminal has (or is allowed to use).
public enum ColorCapability: Sendable, Hashable, CaseIterable {
    case monochrome, eight, sixteen, full256

    public static func from(colors: Int, noColor: Bool) -> ColorCapability {
        if noColor || colors < 8 { return .monochrome }
        if colors < 16 { return .eight }
        if colors < 256 { return .sixteen }
        return .full256
    }
}

/// A role's style after degrading to what the terminal has: colour indexes
/// valid for it (nil = the terminal's default) and attributes.
public struct ResolvedStyle: Sendable, Hashable {
    public var fg: Int?
    public var bg: Int?
    public var attrs: Set<TextAttribute>
}

public struct Theme: Sendable, Hashable {
    public var name: String
    public var styles: [ThemeRole: RoleStyle]

    public init(name: String, styles: [ThemeRole: RoleStyle]) {
        self.name = name
        self.styles = styles
    }

    public func style(_ role: ThemeRole) -> RoleStyle {
        styles[role] ?? Theme.builtin.styles[role] ?? RoleStyle()
    }

    public func resolve(_ role: ThemeRole, for capability: ColorCapability) -> ResolvedStyle {
        let style = self.style(role)
        switch capability {
        case .monochrome:
            return ResolvedStyle(fg: nil, bg: nil, attrs: style.mono ?? style.attrs)
        case .full256:
            return ResolvedStyle(fg: style.fg.map(Palette.to256), bg: style.bg.map(Palette.to256), attrs: style.attrs)
        case .sixteen:
            return ResolvedStyle(fg: style.fg.map(Palette.to16), bg: style.bg.map(Palette.to16), attrs: style.attrs)
        case .eight:
            var attrs = style.attrs
            let fg16 = style.fg.map(Palette.to16)
            // Bright foregrounds become bold on 8-colour terminals.
            if let fg16, fg16 >= 8 { attrs.insert(.bold) }
            let fg = fg16.map { $0 % 8 }
            let bg = style.bg.map(Palette.to16).map { $0 % 8 }
            // A foreground equal to the background would hide the text.
            if let f = fg, let b = bg, f == b {
                return ResolvedStyle(fg: b == 0 ? 7 : 0, bg: b, attrs: attrs)
            }
            return ResolvedStyle(fg: fg, bg: bg, attrs: attrs)
        }
    }

    /// Used for any role a theme leaves out, and when no theme file is found.
    public static let builtin = Theme(name: "builtin", styles: [
        .header: RoleStyle(fg: .indexed(15), bg: .indexed(4), attrs: [.bold], mono: [.reverse, .bold]),
        .header_warning: RoleStyle(fg: .indexed(0), bg: .indexed(3), attrs: [.bold], mono: [.reverse, .bold]),
        .column_header: RoleStyle(fg: .indexed(6), attrs: [.bold], mono: [.bold, .underline]),
        .row: RoleStyle(),
        .row_alt: RoleStyle(),
        .row_selected: RoleStyle(fg: .indexed(0), bg: .indexed(6), mono: [.reverse]),
        .row_new: RoleStyle(fg: .indexed(10), attrs: [.bold], mono: [.bold]),
        .row_revoked: RoleStyle(fg: .indexed(8), attrs: [.dim], mono: [.dim]),
        .row_marked: RoleStyle(fg: .indexed(13), attrs: [.bold], mono: [.bold, .underline]),
        .expiring: RoleStyle(fg: .indexed(11), attrs: [.bold], mono: [.bold]),
        .expired: RoleStyle(fg: .indexed(9), attrs: [.bold], mono: [.bold, .underline]),
        .status_ok: RoleStyle(fg: .indexed(10), mono: [.bold]),
        .status_error: RoleStyle(fg: .indexed(15), bg: .indexed(1), attrs: [.bold], mono: [.reverse, .bold]),
        .status_warning: RoleStyle(fg: .indexed(11), attrs: [.bold], mono: [.bold]),
        .status_info: RoleStyle(fg: .indexed(7)),
        .dialog: RoleStyle(fg: .indexed(15), bg: .indexed(0)),
        .dialog_danger: RoleStyle(fg: .indexed(15), bg: .indexed(1), attrs: [.bold], mono: [.reverse, .bold]),
        .dialog_title: RoleStyle(fg: .indexed(11), attrs: [.bold], mono: [.bold, .underline]),
        .input: RoleStyle(fg: .indexed(15), bg: .indexed(8), attrs: [.underline], mono: [.underline]),
        .border: RoleStyle(fg: .indexed(6)),
        .hint: RoleStyle(fg: .indexed(8), mono: [.dim]),
        .stale: RoleStyle(fg: .indexed(0), bg: .indexed(3), attrs: [.bold], mono: [.reverse]),
    ])
}

/// Colour arithmetic for degrading themes.
enum Palette {
    /// The xterm 16-colour palette.
    static let ansi: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    static func rgb(of index: Int) -> (Int, Int, Int) {
        if index < 16 { return ansi[index] }
        if index < 232 {
            let i = index - 16
            let levels = [0, 95, 135, 175, 215, 255]
            return (levels[i / 36], levels[i / 6 % 6], levels[i % 6])
        }
        let v = 8 + (index - 232) * 10
        return (v, v, v)
    }

    static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return dr * dr * 3 + dg * dg * 4 + db * db * 2
    }

    static func nearest(_ color: (Int, Int, Int), in range: Range<Int>) -> Int {
        range.min { distance(rgb(of: $0), color) < distance(rgb(of: $1), color) }!
    }

    static func to256(_ color: ThemeColor) -> Int {
        switch color {
        case .indexed(let i): return i
        case .rgb(let r, let g, let b): return nearest((Int(r), Int(g), Int(b)), in: 16..<256)
        }
    }

    static func to16(_ color: ThemeColor) -> Int {
        switch color {
        case .indexed(let i) where i < 16: return i
        case .indexed(let i): return nearest(rgb(of: i), in: 0..<16)
        case .rgb(let r, let g, let b): return nearest((Int(r), Int(g), Int(b)), in: 0..<16)
        }
    }
}
