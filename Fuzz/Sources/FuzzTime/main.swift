import Foundation
import FuzzSupport
import WhyLabsAPI

/// The time parser on any text: never a crash, and whatever it accepts
/// formats back to a time it reads as the same instant (to the millisecond).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = FuzzDriver.text(data, size)
    guard let date = APITime.parse(text) else { return 0 }
    let formatted = APITime.format(date)
    guard let again = APITime.parse(formatted) else {
        fatalError("parsed \(text.debugDescription) as \(date) but not its own format \(formatted)")
    }
    let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
    if abs(again.timeIntervalSince1970 * 1000 - ms) > 1 {
        fatalError("\(text.debugDescription) → \(formatted) → \(again): not the same instant")
    }
    let value = APITime(text: text)
    if value.date != date { fatalError("APITime(\(text.debugDescription)).date disagrees with parse") }
    return 0
}

FuzzDriver.run { data, size in fuzzOne(data, size) }
