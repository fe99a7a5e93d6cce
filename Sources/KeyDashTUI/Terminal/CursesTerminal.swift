import CNCursesW
import Foundation
import KeyDashCore
import WhyLabsAPI

public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
}

/// The one place that touches curses. Copies frames into curses (which sends
/// the terminal only what changed), reads keys, and restores the terminal.
/// Used from a single thread.
final class CursesTerminal {
    let utf8: Bool
    let capability: ColorCapability
    private var styles: [ThemeRole: (attrs: attr_t, pair: Int16)] = [:]
    private var wideBuffer = [wchar_t](repeating: 0, count: 8)
    private(set) var ended = false

    init(noColor: Bool) throws {
        setlocale(LC_ALL, "")
        utf8 = kd_is_utf8_locale() != 0
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "the dashboard needs a terminal; use `keydash list` in scripts")
        }
        // The modes as found, for the crash handler (endwin restores them otherwise).
        CrashRestore.saveTerminalModes()
        // newterm, unlike initscr, reports an unknown TERM instead of exiting.
        guard kd_newterm_stdio() != nil else {
            let term = ProcessInfo.processInfo.environment["TERM"] ?? "(unset)"
            throw TerminalError(description: "cannot use this terminal (TERM=\(term)); try TERM=xterm-256color or TERM=vt100")
        }
        raw()
        noecho()
        nonl()
        keypad(kd_stdscr(), true)
        nodelay(kd_stdscr(), true)
        kd_set_escdelay(25)
        idlok(kd_stdscr(), true)  // let curses scroll lines instead of repainting them
        curs_set(0)
        mousemask(kd_mouse_mask(), nil)
        mouseinterval(0)
        var colors = 0
        if !noColor && has_colors() {
            start_color()
            use_default_colors()
            colors = Int(kd_colors())
        }
        capability = ColorCapability.from(colors: colors, noColor: noColor)
        hasAlternateScreen = Self.capability("smcup") != nil
        CrashRestore.install(clearScreen: !hasAlternateScreen)
    }

    /// Without an alternate screen (vt100) what was drawn stays in the
    /// terminal after exit, a new key's secret included: it is erased first.
    let hasAlternateScreen: Bool

    static func capability(_ name: String) -> String? {
        guard let value = tigetstr(name), Int(bitPattern: value) > 0 else { return nil }
        return String(cString: value)
    }

    var size: (rows: Int, columns: Int) { (Int(kd_lines()), Int(kd_cols())) }

    func apply(_ theme: Theme) {
        styles.removeAll()
        let pairLimit = capability == .monochrome ? 0 : Int(kd_color_pairs()) - 1
        for (i, role) in ThemeRole.allCases.enumerated() {
            let resolved = theme.resolve(role, for: capability)
            var attrs = kd_a_normal()
            for a in resolved.attrs {
                switch a {
                case .bold: attrs |= kd_a_bold()
                case .dim: attrs |= kd_a_dim()
                case .underline: attrs |= kd_a_underline()
                case .reverse: attrs |= kd_a_reverse()
                }
            }
            var pair: Int16 = 0
            if i + 1 <= pairLimit, resolved.fg != nil || resolved.bg != nil {
                pair = Int16(i + 1)
                init_pair(pair, Int16(resolved.fg ?? -1), Int16(resolved.bg ?? -1))
            }
            styles[role] = (attrs, pair)
        }
        // Everything is redrawn with the new colours on the next frame.
        clearok(kd_stdscr(), true)
    }

    /// Copies a frame into curses and updates the terminal.
    func draw(_ frame: Frame) {
        let (rows, columns) = size
        for y in 0..<min(rows, frame.height) {
            for x in 0..<min(columns, frame.width) {
                let cell = frame[x, y]
                if cell.text.isEmpty { continue }  // second half of a wide character
                let style = styles[cell.role] ?? (kd_a_normal(), 0)
                if !utf8 {
                    if let acs = BoxGlyphs.acsIndex(of: cell.text) {
                        _ = kd_put_acs(Int32(y), Int32(x), acs, style.attrs, style.pair)
                        continue
                    }
                }
                put(cell.text, y: y, x: x, style: style)
            }
        }
        if let cursor = frame.cursor {
            curs_set(1)
            move(Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
        }
        wnoutrefresh(kd_stdscr())
        doupdate()
    }

    private func put(_ text: String, y: Int, x: Int, style: (attrs: attr_t, pair: Int16)) {
        var count = 0
        for scalar in text.unicodeScalars {
            guard count < wideBuffer.count - 1 else { break }
            // Never send a byte the locale can't show: ASCII only without UTF-8.
            let value = !utf8 && !scalar.isASCII ? UInt32(UInt8(ascii: "?")) : scalar.value
            wideBuffer[count] = wchar_t(bitPattern: value)
            count += 1
        }
        wideBuffer[count] = 0
        _ = wideBuffer.withUnsafeBufferPointer { kd_put_cell(Int32(y), Int32(x), $0.baseAddress, style.attrs, style.pair) }
    }

    /// Every key waiting in curses' buffer, decoded, and whether anything at
    /// all was read (a key keydash has no use for still counts as input).
    func readKeys() -> (keys: [KeyPress], gotInput: Bool) {
        var keys: [KeyPress] = []
        var ch: wint_t = 0
        var reads = 0
        while reads < 256 {
            let result = wget_wch(kd_stdscr(), &ch)
            if result == kd_err() { break }
            reads += 1
            if result == kd_key_code_yes() {
                if let key = decodeFunctionKey(Int32(ch)) { keys.append(key) }
            } else if let key = decodeCharacter(UInt32(ch)) {
                keys.append(key)
            }
        }
        return (keys, reads > 0)
    }

    private func decodeFunctionKey(_ code: Int32) -> KeyPress? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_NPAGE: return .pageDown
        case KEY_PPAGE: return .pageUp
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case KEY_RESIZE: return .resize
        case KEY_MOUSE:
            var event = MEVENT()
            guard getmouse(&event) == kd_ok() else { return nil }
            if kd_mouse_is_wheel_up(event.bstate) != 0 { return .wheelUp }
            if kd_mouse_is_wheel_down(event.bstate) != 0 { return .wheelDown }
            if kd_mouse_is_click(event.bstate) != 0 { return .mouseClick(row: Int(event.y), column: Int(event.x)) }
            return nil
        default: return nil
        }
    }

    private func decodeCharacter(_ value: UInt32) -> KeyPress? {
        switch value {
        case 0x0D, 0x0A: return .enter
        case 0x1B: return .escape
        case 0x7F, 0x08: return .backspace
        case 0x09: return .tab
        case 0x01...0x1A: return .ctrl(Character(Unicode.Scalar(value + 0x60)!))
        default:
            guard let scalar = Unicode.Scalar(value), !DisplayText.isUnsafe(scalar) else { return nil }
            return .char(Character(scalar))
        }
    }

    func resize(rows: Int, columns: Int) {
        resizeterm(Int32(rows), Int32(columns))
    }

    /// Puts text on the system clipboard through the terminal (OSC 52).
    func copyToClipboard(_ text: String) {
        let sequence = "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
        kd_flush_stdout()
        _ = sequence.utf8CString.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count - 1) }
    }

    /// The bell, then a desktop notification as OSC 9 (iTerm2, kitty, WezTerm,
    /// Windows Terminal) and OSC 777 (VTE, urxvt); terminals without them
    /// ignore both. The text is sanitized and kept free of the sequences'
    /// own terminators.
    func notify(_ text: String) {
        let clean = String(DisplayText.sanitize(text, ascii: false).unicodeScalars.filter { $0.value >= 0x20 && $0 != ";" }.prefix(200))
        let sequence = "\u{07}\u{1B}]9;\(clean)\u{07}\u{1B}]777;notify;keydash;\(clean)\u{07}"
        kd_flush_stdout()
        _ = sequence.utf8CString.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count - 1) }
    }

    func end() {
        guard !ended else { return }
        ended = true
        if !hasAlternateScreen {
            erase()
            clearok(kd_stdscr(), true)
            wrefresh(kd_stdscr())
        }
        curs_set(1)
        endwin()
    }
}

/// On a crash (a trap, abort or bad access) the terminal is put back before
/// the process dies: the restore sequence is prepared in advance and written
/// with write(2), and the saved modes set with tcsetattr(3), both
/// async-signal-safe, the only things done in the handler.
enum CrashRestore {
    nonisolated(unsafe) static var bytes: UnsafeMutablePointer<UInt8>?
    nonisolated(unsafe) static var count = 0
    nonisolated(unsafe) static var modes = UnsafeMutablePointer<termios>.allocate(capacity: 1)
    nonisolated(unsafe) static var haveModes = false

    static func saveTerminalModes() {
        haveModes = tcgetattr(STDIN_FILENO, modes) == 0
    }

    static func install(clearScreen: Bool) {
        // Mouse reporting off, attributes reset, keypad transmit off, cursor
        // shown, then back to the normal screen (or, without one, a cleared
        // screen, so no secret is left behind).
        var sequence = "\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1006l\u{1B}[0m"
        sequence += CursesTerminal.capability("rmkx") ?? "\u{1B}[?1l\u{1B}>"
        sequence += "\u{1B}[?25h"
        if clearScreen {
            sequence += CursesTerminal.capability("clear") ?? "\u{1B}[H\u{1B}[2J"
        } else if let rmcup = CursesTerminal.capability("rmcup") {
            sequence += rmcup
        }
        sequence += "\r\n"
        let utf8 = Array(sequence.utf8)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: utf8.count)
        buffer.initialize(from: utf8, count: utf8.count)
        bytes = buffer
        count = utf8.count
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { sig in
                if let bytes = CrashRestore.bytes { _ = write(STDOUT_FILENO, bytes, CrashRestore.count) }
                if CrashRestore.haveModes { _ = tcsetattr(STDIN_FILENO, TCSANOW, CrashRestore.modes) }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }
}
