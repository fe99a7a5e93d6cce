import CNCursesW
import Foundation
import Testing
import WhyLabsAPI

/// keydash measures text with its own width table (the renderer must know
/// where every cell goes before curses sees it). Checked against the C
/// library's `wcwidth`, which is what curses and the terminal use, for every
/// code point the sanitizer lets through to curses.
@Suite struct WidthTableTests {
    @Test func everyCodePointCursesWouldPlaceHasTheCLibrarysWidth() {
        setlocale(LC_ALL, "C.UTF-8")
        var mismatches: [String] = []
        var checked = 0
        for value in UInt32(0x20)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value), !DisplayText.isUnsafe(scalar) else { continue }
            let libc = Int(kd_wcwidth(wchar_t(bitPattern: value)))
            guard libc >= 0 else { continue }  // not printable to libc: curses shows it as a placeholder
            checked += 1
            let ours = DisplayText.width(of: scalar)
            if ours != libc { mismatches.append("U+\(String(value, radix: 16, uppercase: true)) ours \(ours) libc \(libc)") }
        }
        #expect(checked > 100_000)
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, e.g. \(mismatches.prefix(40))")
    }
}
