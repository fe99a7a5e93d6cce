import Foundation
import FuzzSupport
import KeyDashCore
import WhyLabsAPI

/// keydash's byte-level decoder on any bytes, against Foundation's: never a
/// crash; whatever it accepts, Foundation accepts as the same keys; and what
/// it reads survives keydash's own JSON output (pretty and compact, the
/// escaping of DEL, C1 and bidi included) as the same keys, written the
/// same way straight from the answer's bytes.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    let bytes = Data(FuzzDriver.bytes(data, size))
    let whole = try? KeyJSONDecoder.list(raw)
    // Read as it arrives, in chunks cut by the input's own length: the same
    // keys, or an error, as the whole-document decoder.
    for cut in [1, 3 + size % 61, max(1, size / 2)] {
        var stream = KeyListStream()
        var streamed: [UserApiKey]? = []
        var offset = 0
        while offset < size, streamed != nil {
            let end = min(size, offset + cut)
            do throws(JSONShapeError) {
                try stream.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) { streamed!.append($0) }
            } catch {
                streamed = nil
            }
            offset = end
        }
        if streamed != nil, (try? stream.finish()) == nil { streamed = nil }
        if streamed != whole { fatalError("read a list differently as a stream (chunks of \(cut))") }
    }
    if let ours = whole {
        guard let reference = try? JSONDecoder().decode(ListUserApiKeys.self, from: bytes) else {
            fatalError("accepted a list Foundation rejects")
        }
        if reference.items != ours { fatalError("read a list differently from Foundation") }
        // `keydash list --format json` writes each key straight from the
        // answer's bytes: the same output as decoding, then writing.
        var direct = KeyJSONWriter.PrettyList()
        try? KeyJSONDecoder.forEachListed(in: raw) { (key: ListedKey) in direct.add(key) }
        if direct.finish() != KeyJSONWriter.list(ours, style: .pretty) {
            fatalError("wrote a list straight from its bytes differently from its keys")
        }
        for style in [KeyJSONWriter.Style.pretty, .compact] {
            let written = KeyJSONWriter.list(ours, style: style)
            if String(decoding: written, as: UTF8.self).unicodeScalars.contains(where: { $0.value >= 0x20 && DisplayText.isUnsafe($0) }) {
                fatalError("unsafe character written raw in JSON output")
            }
            let back = written.withUnsafeBytes { try? KeyJSONDecoder.list($0) }
            if back != ours { fatalError("keys changed through keydash's JSON output") }
        }
        _ = KeyReport.csv(ours)
        _ = KeyReport.table(ours, now: Date(timeIntervalSince1970: 1_800_000_000))
    }
    if case .success(let ours) = Result(catching: { () throws(JSONShapeError) in try KeyJSONDecoder.keyResponse(raw) }) {
        guard let reference = try? JSONDecoder().decode(UserApiKeyResponse.self, from: bytes) else {
            fatalError("accepted a key response Foundation rejects")
        }
        if reference.key != ours { fatalError("read a key response differently from Foundation") }
        if let key = ours { _ = KeyReport.detail(key, now: Date(timeIntervalSince1970: 1_800_000_000)) }
    }
    return 0
}

FuzzDriver.run { data, size in fuzzOne(data, size) }
