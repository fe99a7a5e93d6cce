import Foundation
import Testing
@testable import WhyLabsAPI

/// The byte writer against the output it replaces: Foundation's encoder
/// (pretty, sorted, slashes unescaped) with DEL, C1, bidi and invisible
/// characters then written as `\uXXXX`.
@Suite struct KeyJSONWriterTests {
    static func reference<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(value), as: UTF8.self)
        var out = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            guard scalar.value >= 0x20, DisplayText.isUnsafe(scalar) else { out.append(scalar); continue }
            for unit in String(scalar).utf16 {
                let hex = String(unit, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            }
        }
        return String(out) + "\n"
    }

    static func generatedKeys(seed: UInt64, count: Int) throws -> [UserApiKey] {
        var generator = DocumentGenerator(seed: seed)
        let json = generator.document(keys: count)
        return try JSONDecoder().decode(ListUserApiKeys.self, from: Data(json.utf8)).items
    }

    @Test func prettyOutputIsByteForByteWhatItReplaces() throws {
        for seed in UInt64(1)...60 {
            var keys = try Self.generatedKeys(seed: seed, count: Int(seed % 5))
            if seed % 7 == 0, !keys.isEmpty { keys[0].key = "secret.\u{7F}\u{9B}\u{202E}\u{E0041}/\"\\" }
            let ours = String(decoding: KeyJSONWriter.list(keys, style: .pretty), as: UTF8.self)
            #expect(ours == (try Self.reference(ListUserApiKeys(items: keys))), "seed \(seed)")
            // Written key by key as a list answer arrives: the same bytes.
            var streamed = KeyJSONWriter.PrettyList()
            streamed.expect(answerBytes: 100 * keys.count)
            for key in keys { streamed.add(key) }
            #expect(String(decoding: streamed.finish(), as: UTF8.self) == ours, "seed \(seed), written as read")
            if let first = keys.first {
                #expect(String(decoding: KeyJSONWriter.key(first, style: .pretty), as: UTF8.self) == (try Self.reference(first)))
                #expect(String(decoding: KeyJSONWriter.keyResponse(first, style: .pretty), as: UTF8.self)
                        == (try Self.reference(UserApiKeyResponse(key: first))))
            }
        }
        #expect(String(decoding: KeyJSONWriter.keyResponse(nil, style: .pretty), as: UTF8.self)
                == (try Self.reference(UserApiKeyResponse(key: nil))))
        // Every character JSON or the terminal treats specially, in one key.
        var special = ""
        for v in Array(0x00...0x20) + Array(0x7F...0xA0) + [0x22, 0x2F, 0x5C, 0x200B, 0x202E, 0x2066, 0xFEFF, 0xE0041, 0x1F600] {
            special.unicodeScalars.append(Unicode.Scalar(v)!)
        }
        let key = UserApiKey(keyId: "AAAAAAAAAA", orgId: special, userId: "u", creationTime: APITime(epochMilliseconds: 0),
                             scopes: [special], alias: special)
        #expect(String(decoding: KeyJSONWriter.list([key], style: .pretty), as: UTF8.self)
                == (try Self.reference(ListUserApiKeys(items: [key]))))
    }

    @Test func compactOutputReadsBackAsTheSameKeysWithBothDecoders() throws {
        for seed in UInt64(100)...160 {
            let keys = try Self.generatedKeys(seed: seed, count: Int(seed % 6))
            var bytes = KeyJSONWriter.list(keys, style: .compact)
            #expect(!bytes.contains(0x0A), "compact output is one line")
            let foundation = try JSONDecoder().decode(ListUserApiKeys.self, from: Data(bytes)).items
            let ours = try bytes.withUnsafeMutableBytes { try KeyJSONDecoder.list(UnsafeRawBufferPointer($0)) }
            #expect(foundation == keys)
            #expect(ours == keys)
        }
    }

    @Test func errorBodiesHaveTheServicesShape() throws {
        let body = APIErrorBody(message: "Key \"x\" not found\n", requestId: "r-1", type: "ResourceNotFound")
        let bytes = KeyJSONWriter.errorBody(body, style: .compact)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"message":"Key \"x\" not found\n","requestId":"r-1","type":"ResourceNotFound"}"#)
        #expect(try JSONDecoder().decode(APIErrorBody.self, from: Data(bytes)) == body)
    }
}

/// A time sent as epoch milliseconds is accepted only where the service's
/// text form can write it back: what keydash reads survives its own output.
@Suite struct EpochTimeRangeTests {
    func document(_ ms: Int64) -> [UInt8] {
        Array(#"{"items":[{"keyId":"K","orgId":"o","userId":"u","creationTime":\#(ms)}]}"#.utf8)
    }

    @Test func epochMillisecondsRoundTripOrAreRefused() throws {
        let edges: [Int64] = [APITime.writableMilliseconds.lowerBound, APITime.writableMilliseconds.upperBound, 0, -1, 1_800_000_000_000]
        for ms in edges {
            let keys = try document(ms).withUnsafeBytes { try KeyJSONDecoder.list($0) }
            let back = try KeyJSONWriter.list(keys, style: .compact).withUnsafeBytes { try KeyJSONDecoder.list($0) }
            #expect(back == keys, "\(ms)")
            #expect(keys.first?.creationTime.epochMilliseconds == ms)
        }
        for ms in [APITime.writableMilliseconds.lowerBound - 1, APITime.writableMilliseconds.upperBound + 1, Int64.max, Int64.min] {
            #expect(throws: JSONShapeError.self, "\(ms)") { try document(ms).withUnsafeBytes { try KeyJSONDecoder.list($0) } }
            #expect(throws: DecodingError.self, "\(ms)") { try JSONDecoder().decode(ListUserApiKeys.self, from: Data(document(ms))) }
        }
    }
}
