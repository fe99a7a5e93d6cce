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

    /// `keydash list --format json` writes each key straight from the
    /// answer's bytes; the output must be what decoding and then writing
    /// gives, whatever the answer's layout, escapes, times and order.
    @Test func aListWrittenStraightFromItsAnswerIsWhatDecodingAndWritingGives() throws {
        var documents: [[UInt8]] = []
        for seed in UInt64(200)...420 {
            var generator = DocumentGenerator(seed: seed)
            documents.append(Array(generator.document(keys: Int(seed % 7)).utf8))
        }
        // Raw DEL, C1, bidi and a tag character, a slash, and their escaped forms.
        documents.append(Array("""
            {"items":[{"keyId":"A\u{7F}\u{9B}","orgId":"\u{202E}o/","userId":"u\u{E0041}","creationTime":"x\u{7F}",            "alias":"\\u007f\\u009b\\/","scopes":["\u{85}",":user"],"lastUsedTime":"2024-01-01T00:00:00.000"}]}
            """.utf8))
        // What grows most when written out: many empty scopes (each gains a
        // line and an indent), raw DEL (each becomes six bytes), times sent
        // as the shortest number.
        let scopes = Array(repeating: "\"\"", count: 500).joined(separator: ",")
        let dels = String(repeating: "\u{7F}", count: 300)
        documents.append(Array("""
            {"items":[{"keyId":"\(dels)","orgId":"o","userId":"u","creationTime":0,"lastUsedTime":0,"expirationTime":0,\
            "scopes":[\(scopes),"\(dels)"],"alias":"\(dels)","key":"\(dels)","resourceId":"\(dels)"}]}
            """.utf8))
        for (n, json) in documents.enumerated() {
            let keys = try json.withUnsafeBytes { try KeyJSONDecoder.list($0) }
            let expected = String(decoding: KeyJSONWriter.list(keys, style: .pretty), as: UTF8.self)
            var whole = KeyJSONWriter.PrettyList()
            var decoded: [UserApiKey] = []
            try json.withUnsafeBytes { bytes in
                try KeyJSONDecoder.forEachListed(in: bytes) { (key: ListedKey) in
                    whole.add(key)
                    decoded.append(key.decoded())
                }
            }
            #expect(String(decoding: whole.finish(), as: UTF8.self) == expected, "document \(n), whole")
            #expect(decoded == keys, "document \(n), each key as read, then decoded")
            // Read as a stream in small chunks, each element from its own copy.
            var stream = KeyListStream()
            var streamed = KeyJSONWriter.PrettyList()
            for start in stride(from: 0, to: json.count, by: 7) {
                try json[start..<min(start + 7, json.count)].withUnsafeBytes { chunk in
                    try stream.feed(chunk) { (key: ListedKey) in streamed.add(key) }
                }
            }
            try stream.finish()
            #expect(String(decoding: streamed.finish(), as: UTF8.self) == expected, "document \(n), streamed")
        }
    }

    /// A long list is written in pieces of a fixed size: one after another
    /// they are the whole document, none of them is ever grown past its
    /// size by an ordinary key, and a key longer than a piece's spare room
    /// still comes out whole.
    @Test func aLongListIsWrittenInPiecesThatMakeTheWholeDocument() throws {
        var generator = DocumentGenerator(seed: 77)
        var keys = try JSONDecoder().decode(ListUserApiKeys.self, from: Data(generator.document(keys: 400).utf8)).items
        keys[123].alias = String(repeating: "\u{7F}", count: 3000)  // 18,000 bytes once escaped
        let json = KeyJSONWriter.list(keys, style: .compact)
        let expected = KeyJSONWriter.list(keys, style: .pretty)
        for pieceBytes in [8192, 20_000, 256 << 10] {
            var list = KeyJSONWriter.PrettyList(pieceBytes: pieceBytes)
            try json.withUnsafeBytes { bytes in
                try KeyJSONDecoder.forEachListed(in: bytes) { (key: ListedKey) in list.add(key) }
            }
            let pieces = list.finishPieces()
            let whole = Array(pieces.joined())
            #expect(whole.count == expected.count && whole == expected, "pieces of \(pieceBytes)")
            if pieceBytes < expected.count {
                #expect(pieces.count >= expected.count / pieceBytes, "pieces of \(pieceBytes): \(pieces.count)")
                // Only the piece the long key went into is past the size.
                #expect(pieces.filter { $0.count > pieceBytes }.count <= 1, "pieces of \(pieceBytes)")
            } else {
                #expect(pieces.count == 1)
            }
        }
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

    /// Arrays inside arrays, each holding a number and the next: the
    /// layout Foundation writes, however deep (past the 64 levels the
    /// writer tracks in a bit set too).
    @Test func deepNestingIsLaidOutAsFoundationLaysItOut() throws {
        indirect enum Nest: Encodable {
            case leaf, node(Nest)
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                try container.encode(1)
                if case .node(let inner) = self { try container.encode(inner) }
            }
        }
        for depth in [1, 2, 63, 64, 65, 70] {
            var nest = Nest.leaf
            for _ in 1..<depth { nest = .node(nest) }
            var writer = KeyJSONWriter(style: .pretty)
            for level in 0..<depth {
                if level > 0 { writer.element() }
                writer.open(UInt8(ascii: "["))
                writer.element()
                writer.integer(1)
            }
            for _ in 0..<depth { writer.close(UInt8(ascii: "]")) }
            writer.finish()
            #expect(String(decoding: writer.bytes, as: UTF8.self) == (try Self.reference(nest)), "depth \(depth)")
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
