import KeyDashCore
import WhyLabsAPI

/// One screen cell: a grapheme (empty for the second half of a wide
/// character) and the role that styles it.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var role: ThemeRole
    public init(_ text: String = " ", _ role: ThemeRole = .row) {
        self.text = text
        self.role = role
    }
}

public struct Rect: Sendable, Hashable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }
}

/// A grid of styled cells: what the renderer draws and the curses adapter
/// copies to the screen. Pure data, so whole screens can be asserted as text.
public struct Frame: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should sit (for text entry), if visible.
    public var cursor: (x: Int, y: Int)? {
        get { cursorX.map { ($0, cursorY) } }
        set { cursorX = newValue?.x; cursorY = newValue?.y ?? 0 }
    }
    private var cursorX: Int?
    private var cursorY = 0
    /// Draw borders and glyphs in ASCII (non-UTF-8 terminals).
    public let ascii: Bool

    public init(width: Int, height: Int, ascii: Bool = false) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.ascii = ascii
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    public mutating func fill(_ rect: Rect, _ role: ThemeRole) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = Cell(" ", role) }
        }
    }

    /// Writes already-sanitized text at (x, y), clipped to `maxWidth` columns
    /// (cut with "…" when it doesn't fit). Returns the columns used.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: ThemeRole, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(maxWidth ?? (width - x), width - x)
        guard limit > 0 else { return 0 }
        if x >= 0, let used = putPrintableASCII(text, x: x, y: y, role: role, limit: limit) { return used }
        return putCharacters(text, x: x, y: y, role: role, limit: limit)
    }

    /// One cell per byte, for text that is all printable ASCII (most of what
    /// a screen holds): what `putCharacters` does, without breaking the text
    /// into graphemes. Nil for any other text.
    private mutating func putPrintableASCII(_ text: String, x: Int, y: Int, role: ThemeRole, limit: Int) -> Int? {
        let placed = text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            for byte in bytes where byte < 0x20 || byte >= 0x7F { return nil }
            let cut = bytes.count > limit
            let shown = cut ? limit - 1 : bytes.count
            var column = x
            for byte in bytes.prefix(shown) {
                self[column, y] = Cell(Self.asciiText[Int(byte)], role)
                column += 1
            }
            if cut {
                self[column, y] = Cell(ascii ? "~" : "…", role)
                column += 1
            }
            return column - x
        }
        return placed ?? nil
    }

    private static let asciiText: [String] = (0..<128).map { String(Unicode.Scalar(UInt8($0))) }

    /// The general case: grapheme by grapheme, wide characters over two
    /// cells, combining marks with the character before them.
    mutating func putCharacters(_ text: String, x: Int, y: Int, role: ThemeRole, limit: Int) -> Int {
        let fitted = DisplayText.truncate(ascii ? DisplayText.sanitize(text, ascii: true) : text, to: limit, ascii: ascii)
        var column = x
        for character in fitted {
            let w = DisplayText.width(String(character))
            if w == 0 {
                // A lone combining mark: attach to the previous cell.
                if column > x { self[column - 1, y].text.append(character) }
                continue
            }
            if column + w > x + limit { break }
            if column >= 0 {
                self[column, y] = Cell(String(character), role)
                if w == 2, column + 1 < width { self[column + 1, y] = Cell("", role) }
            }
            column += w
        }
        return column - x
    }

    /// Text wrapped at spaces into lines of at most `width` columns; returns
    /// the number of lines used (at most `maxLines`, the last one cut with "…").
    @discardableResult
    public mutating func putWrapped(_ text: String, x: Int, y: Int, width w: Int, maxLines: Int, role: ThemeRole) -> Int {
        guard w > 0, maxLines > 0 else { return 0 }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if DisplayText.width(candidate) <= w || current.isEmpty {
                current = candidate
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        if lines.count > maxLines {
            lines = Array(lines.prefix(maxLines))
            lines[maxLines - 1] = DisplayText.truncate(lines[maxLines - 1] + " " + String(repeating: "x", count: w), to: w, ascii: ascii)
                .replacingOccurrences(of: "x", with: "")
        }
        for (i, line) in lines.enumerated() { put(line, x: x, y: y + i, role: role, maxWidth: w) }
        return lines.count
    }

    /// Text padded to exactly `width` columns.
    public mutating func putPadded(_ text: String, x: Int, y: Int, width w: Int, role: ThemeRole, alignRight: Bool = false) {
        guard w > 0 else { return }
        fill(Rect(x: x, y: y, width: w, height: 1), role)
        if alignRight {
            let cut = DisplayText.truncate(text, to: w, ascii: ascii)
            put(cut, x: x + w - DisplayText.width(cut), y: y, role: role, maxWidth: w)
        } else {
            put(text, x: x, y: y, role: role, maxWidth: w)
        }
    }

    /// A box border; the inside is filled with `fillRole`.
    public mutating func box(_ rect: Rect, border: ThemeRole, fill fillRole: ThemeRole, title: String? = nil, titleRole: ThemeRole? = nil) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        fill(rect, fillRole)
        // Box glyphs go in as Unicode even for ASCII frames: the curses adapter
        // draws them with curses' line-drawing characters there.
        let g = BoxGlyphs.unicode
        func set(_ x: Int, _ y: Int, _ glyph: String) {
            if x >= 0, x < width, y >= 0, y < height { self[x, y] = Cell(glyph, border) }
        }
        for x in rect.x + 1..<rect.maxX - 1 {
            set(x, rect.y, g.horizontal)
            set(x, rect.maxY - 1, g.horizontal)
        }
        for y in rect.y + 1..<rect.maxY - 1 {
            set(rect.x, y, g.vertical)
            set(rect.maxX - 1, y, g.vertical)
        }
        set(rect.x, rect.y, g.topLeft)
        set(rect.maxX - 1, rect.y, g.topRight)
        set(rect.x, rect.maxY - 1, g.bottomLeft)
        set(rect.maxX - 1, rect.maxY - 1, g.bottomRight)
        if let title, rect.width > 6 {
            put(" \(title) ", x: rect.x + 2, y: rect.y, role: titleRole ?? border, maxWidth: rect.width - 4)
        }
    }

    /// The screen as lines of text, trailing spaces trimmed: the form renderer
    /// tests assert, in the manner of ratatui's TestBackend.
    public var lines: [String] {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width { line += self[x, y].text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    public var text: String { lines.joined(separator: "\n") }

    /// The role of the cell under the first occurrence of `needle`.
    public func role(of needle: String) -> ThemeRole? {
        for (y, line) in lines.enumerated() {
            guard let range = line.range(of: needle) else { continue }
            let column = DisplayText.width(String(line[..<range.lowerBound]))
            var x = 0, col = 0
            while x < width && col < column { col += max(1, DisplayText.width(self[x, y].text)); x += 1 }
            while x < width && self[x, y].text.isEmpty { x += 1 }
            return x < width ? self[x, y].role : nil
        }
        return nil
    }
}

/// Box-drawing characters. The curses adapter turns the Unicode ones into
/// curses' own line-drawing characters when the locale isn't UTF-8.
public struct BoxGlyphs: Sendable {
    public let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public static let unicode = BoxGlyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘")

    /// The curses ACS index (see `kd_put_acs`) for a Unicode box glyph.
    public static func acsIndex(of glyph: String) -> Int32? {
        switch glyph {
        case "─": 0
        case "│": 1
        case "┌": 2
        case "┐": 3
        case "└": 4
        case "┘": 5
        default: nil
        }
    }
}
