/// The one sanitizer every server-supplied string passes through before it is
/// shown, and display-column arithmetic for what comes out of it.
///
/// Control characters (C0, C1, ESC, DEL), bidi controls and invisible
/// characters become visible placeholders, so no escape sequence from a
/// server can reach the terminal and no text can pretend to be something else.
public enum DisplayText {
    /// What replaces an unsafe character when glyphs are available.
    public static func placeholder(for scalar: Unicode.Scalar, ascii: Bool) -> String {
        let v = scalar.value
        if ascii {
            if v < 0x20 { return "^" + String(Unicode.Scalar(UInt8(v + 0x40))) }
            if v == 0x7F { return "^?" }
            return "<U+" + String(v, radix: 16, uppercase: true) + ">"
        }
        // C0 controls and DEL have Unicode "control pictures" (␀…␟, ␡).
        if v < 0x20 { return String(Unicode.Scalar(0x2400 + v)!) }
        if v == 0x7F { return "\u{2421}" }
        return "\u{FFFD}"
    }

    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return true }
        switch v {
        case 0x200B...0x200F,  // zero-width space/joiners, LRM, RLM
             0x202A...0x202E,  // bidi embeddings and overrides
             0x2060...0x2064,  // word joiner, invisible operators
             0x2066...0x2069,  // bidi isolates
             0x00AD,           // soft hyphen
             0x061C,           // Arabic letter mark
             0x115F, 0x1160, 0x3164, 0xFFA0,  // Hangul fillers (render as blank)
             0xFEFF,           // BOM / zero-width no-break space
             0xFFF9...0xFFFB,  // interlinear annotations
             0xE0000...0xE007F,  // tags
             0xD800...0xDFFF:
            return true
        default:
            break
        }
        switch scalar.properties.generalCategory {
        case .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return true
        default:
            return false
        }
    }

    /// The string with every unsafe character replaced by a visible placeholder.
    /// With `ascii`, the result is plain ASCII (for non-UTF-8 terminals).
    public static func sanitize(_ text: String, ascii: Bool = false) -> String {
        var needsWork = false
        for scalar in text.unicodeScalars where isUnsafe(scalar) || (ascii && !scalar.isASCII) {
            needsWork = true
            break
        }
        if !needsWork { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                out.append(contentsOf: placeholder(for: scalar, ascii: ascii).unicodeScalars)
            } else if ascii && !scalar.isASCII {
                if scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .enclosingMark { continue }
                out.append("?")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Columns a scalar takes on a terminal: 0 for combining marks, 2 for wide
    /// East Asian characters and emoji, 1 otherwise.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x300 { return v < 0x20 || (v >= 0x7F && v < 0xA0) ? 0 : 1 }
        let props = scalar.properties
        switch props.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        case .format: return 0
        default: break
        }
        if v >= 0x1160 && v <= 0x11FF { return 0 }  // Hangul medial vowels and final consonants
        if v == 0x200B { return 0 }
        if isWide(v) { return 2 }
        if props.isEmojiPresentation { return 2 }
        return 1
    }

    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Display columns of a (sanitized) string.
    public static func width(_ text: String) -> Int {
        var total = 0
        for scalar in text.unicodeScalars { total += width(of: scalar) }
        return total
    }

    /// The text cut to at most `columns` display columns, ending in "…" (or
    /// "~" for ASCII) when something was cut. Never splits a wide character or
    /// separates a combining mark from its base.
    public static func truncate(_ text: String, to columns: Int, ascii: Bool = false) -> String {
        guard columns > 0 else { return "" }
        if width(text) <= columns { return text }
        let ellipsis = ascii ? "~" : "…"
        let budget = columns - 1
        var used = 0
        var out = ""
        for character in text {
            let w = width(String(character))
            if used + w > budget { break }
            out.append(character)
            used += w
        }
        return out + ellipsis
    }

    /// Left-aligned text padded with spaces to exactly `columns`.
    public static func pad(_ text: String, to columns: Int, ascii: Bool = false) -> String {
        let cut = truncate(text, to: columns, ascii: ascii)
        let w = width(cut)
        return w >= columns ? cut : cut + String(repeating: " ", count: columns - w)
    }
}
