import Foundation
import FuzzSupport
import WhyLabsAPI

/// The sanitizer and the width table on any text: nothing unsafe survives,
/// sanitizing twice changes nothing, ASCII mode gives ASCII, widths agree
/// with the C library's wcwidth, and truncation never overflows its columns.
private typealias WcWidth = @convention(c) (Int32) -> Int32
private let wcwidth: WcWidth = {
    setlocale(LC_ALL, "C.UTF-8")
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "wcwidth") else { fatalError("no wcwidth") }
    return unsafeBitCast(symbol, to: WcWidth.self)
}()

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = FuzzDriver.text(data, size)
    let clean = DisplayText.sanitize(text)
    for scalar in clean.unicodeScalars where DisplayText.isUnsafe(scalar) {
        fatalError("U+\(String(scalar.value, radix: 16)) survived sanitizing")
    }
    if DisplayText.sanitize(clean) != clean { fatalError("sanitizing is not idempotent") }
    let ascii = DisplayText.sanitize(text, ascii: true)
    if !ascii.unicodeScalars.allSatisfy({ $0.isASCII && !DisplayText.isUnsafe($0) }) { fatalError("ascii mode let through \(ascii.debugDescription)") }
    var libc = 0
    for scalar in clean.unicodeScalars {
        let w = Int(wcwidth(Int32(bitPattern: scalar.value)))
        if w < 0 { fatalError("U+\(String(scalar.value, radix: 16)) is unprintable to libc but passed the sanitizer") }
        if w != DisplayText.width(of: scalar) { fatalError("U+\(String(scalar.value, radix: 16)): ours \(DisplayText.width(of: scalar)), libc \(w)") }
        libc += w
    }
    if libc != DisplayText.width(clean) { fatalError("string width disagrees") }
    let columns = size % 40
    let cut = DisplayText.truncate(clean, to: columns)
    if DisplayText.width(cut) > columns { fatalError("truncate(\(columns)) gave \(DisplayText.width(cut)) columns") }
    let padded = DisplayText.pad(clean, to: columns)
    if DisplayText.width(padded) != columns { fatalError("pad(\(columns)) gave \(DisplayText.width(padded)) columns") }
    return 0
}

FuzzDriver.run { data, size in fuzzOne(data, size) }
