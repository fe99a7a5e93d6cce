import Foundation
import FuzzSupport
import KeyDashCore
import WhyLabsAPI

/// The API's JSON shapes on any bytes: never a crash; whatever decodes
/// survives keydash's own JSON output (the escaping of DEL, C1 and bidi
/// included) and reads back as the same keys.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Data(FuzzDriver.bytes(data, size))
    if let list = try? JSONDecoder().decode(ListUserApiKeys.self, from: bytes) {
        let written = KeyReport.json(list)
        if written.unicodeScalars.contains(where: { $0.value >= 0x20 && DisplayText.isUnsafe($0) }) {
            fatalError("unsafe character written raw in JSON output")
        }
        guard let back = try? JSONDecoder().decode(ListUserApiKeys.self, from: Data(written.utf8)) else {
            fatalError("keydash's JSON output does not read back: \(written.prefix(200))")
        }
        if back.items.map(\.keyId) != list.items.map(\.keyId) || back.items.map(\.alias) != list.items.map(\.alias)
            || back.items.map(\.userId) != list.items.map(\.userId) {
            fatalError("keys changed through keydash's JSON output")
        }
        _ = KeyReport.csv(list.items)
        _ = KeyReport.table(list.items, now: Date(timeIntervalSince1970: 1_800_000_000))
    }
    if let response = try? JSONDecoder().decode(UserApiKeyResponse.self, from: bytes), let key = response.key {
        _ = KeyReport.detail(key, now: Date(timeIntervalSince1970: 1_800_000_000))
    }
    return 0
}

FuzzDriver.run { data, size in fuzzOne(data, size) }
