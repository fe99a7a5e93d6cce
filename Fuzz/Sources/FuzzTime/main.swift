import Foundation
import FuzzSupport
import WhyLabsAPI

/// The time parser on any text: never a crash, and whatever it accepts
/// formats back to a time it reads as the same instant (to the nearest
/// millisecond, give or take what a `Date` can hold: a Double of seconds
/// resolves about 30 µs in year 9790, so a fraction within that of a half
/// millisecond may round either way).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = FuzzDriver.text(data, size)
    guard let date = APITime.parse(text) else { return 0 }
    let formatted = APITime.format(date)
    guard let again = APITime.parse(formatted) else {
        fatalError("parsed \(text.debugDescription) as \(date) but not its own format \(formatted)")
    }
    // The format keeps the nearest millisecond.
    let resolution = 4 * max(abs(date.timeIntervalSinceReferenceDate), abs(date.timeIntervalSince1970)).ulp
    if abs(again.timeIntervalSince1970 - date.timeIntervalSince1970) > 0.000_501 + resolution {
        fatalError("\(text.debugDescription) → \(formatted) → \(again): not the same instant")
    }
    let value = APITime(text: text)
    if value.date != date { fatalError("APITime(\(text.debugDescription)).date disagrees with parse") }
    return 0
}

FuzzDriver.run { data, size in fuzzOne(data, size) }
