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
        if v >= 0x20 && v < 0x7F { return false }
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return true }
        // What the C library can't print, curses can't place.
        if tableWidth(v) < 0 { return true }
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

    /// Columns a scalar takes on a terminal: 0 for combining marks and
    /// zero-width characters, 2 for wide East Asian characters and emoji, 1
    /// otherwise; the C library's `wcwidth`, from a table generated from it
    /// (scripts/gen-width-table.sh), so keydash places cells where curses does.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0xA0 { return v < 0x20 || v >= 0x7F ? 0 : 1 }
        return max(0, tableWidth(v))
    }

    /// The table's width for a code point from U+00A0 (1 when not listed).
    static func tableWidth(_ v: UInt32) -> Int {
        let starts = WidthTable.starts
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] <= v { low = mid + 1 } else { high = mid }
        }
        let i = low - 1
        guard i >= 0, v <= WidthTable.ends[i] else { return 1 }
        return Int(WidthTable.widths[i])
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
