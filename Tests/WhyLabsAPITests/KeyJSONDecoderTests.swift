import Foundation
import Testing
@testable import WhyLabsAPI

/// The byte-level decoder against Foundation's `JSONDecoder`, the reference
/// for what the API's shapes mean: the same keys from every valid document,
/// and an error wherever Foundation has one.
@Suite struct KeyJSONDecoderTests {
    static let fixtures: [String] = [
        #"{"items":[]}"#,
        #"{"items":[{"keyId":"AAAAAAAAAA","orgId":"org-1","userId":"user-1","creationTime":"2023-11-14T22:13:20.5"}]}"#,
        // The service's own example answer, field order and all.
        #"""
        {"items": [{"keyId": "HMJ7VP2ILF", "orgId": "org-0", "userId": "user-1",
          "creationTime": "2024-01-23T19:24:07.148", "expirationTime": "2025-01-22T19:24:06.9",
          "lastUsedTime": null, "scopes": [":administrator"], "alias": "ci deploy", "revoked": false}]}
        """#,
        // Unknown members of every kind, before and after, nested.
        #"{"next":{"a":[1,2.5e-3,{"b":null}],"c":true},"items":[{"extra":[[]],"keyId":"x","orgId":"o","userId":"u","creationTime":"t","z":{}}],"more":"x"}"#,
        // Escapes in names and values, surrogate pairs, \u0000, slashes.
        #"{"it\u0065ms":[{"keyId":"a\"b\\c\/d","orgId":"\u00e9\ud83d\ude00","userId":"\u0000\t\n","creationTime":"2020-01-01T00:00:00","alias":"\u202e"}]}"#,
        // Times as epoch milliseconds, in Foundation's whole-number forms.
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":1700000000000,"expirationTime":1.7e12,"lastUsedTime":-5}]}"#,
        // Zoned, fractional and unparseable times are kept as text.
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":"2023-11-14T22:13:20.500","expirationTime":"2023-11-14T22:13:20Z","lastUsedTime":"last tuesday"}]}"#,
        // Nulls for every optional member, a duplicate (the first wins), a BOM.
        "\u{FEFF}" + #"{"items":[{"keyId":"a","keyId":"b","orgId":"o","userId":"u","creationTime":"2020-01-01T00:00:00","key":null,"alias":null,"scopes":null,"resourceId":null,"revoked":null}]}"#,
        " \r\n\t{ \"items\" : [ { \"keyId\" : \"a\" , \"orgId\" : \"o\" , \"userId\" : \"u\" , \"creationTime\" : \"2020-01-01T00:00:00.001\" , \"scopes\" : [ \":user\" , \":write_data\" ] , \"revoked\" : true } ] } \n",
    ]

    static let malformed: [String] = [
        "", "null", "[]", "{}", #"{"items":null}"#, #"{"items":[null]}"#, #"{"items":[{}]}"#,
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u"}]}"#,
        #"{"items":[{"keyId":5,"orgId":"o","userId":"u","creationTime":"t"}]}"#,
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":true}]}"#,
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":1.5}]}"#,
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":"t","revoked":"no"}]}"#,
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":"t","scopes":[null]}]}"#,
        #"{"items":[{"keyId":"\ud800","orgId":"o","userId":"u","creationTime":"t"}]}"#,
        #"{"items":[]} trailing"#, #"{"items":[]"#, #"{"items":[],}"# + "x", "<html>502 Bad Gateway</html>",
        "{\"items\":[{\"keyId\":\"a\tb\",\"orgId\":\"o\",\"userId\":\"u\",\"creationTime\":\"t\"}]}",
        #"{"items":[],"x":tru}"#,
        "{\"items\":[],\"x\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}",
    ]

    func decodeWithOurs(_ text: String) -> [UserApiKey]? {
        var copy = Array(text.utf8)
        return copy.withUnsafeMutableBytes { try? KeyJSONDecoder.list(UnsafeRawBufferPointer($0)) }
    }

    func decodeWithFoundation(_ text: String) -> [UserApiKey]? {
        try? JSONDecoder().decode(ListUserApiKeys.self, from: Data(text.utf8)).items
    }

    @Test(arguments: fixtures)
    func readsEveryFixtureAsFoundationDoes(json: String) throws {
        let expected = try #require(decodeWithFoundation(json))
        let ours = try #require(decodeWithOurs(json))
        #expect(ours == expected)
        #expect(ours.map(\.creationTime.text) == expected.map(\.creationTime.text))
    }

    @Test(arguments: malformed)
    func rejectsWhatFoundationRejects(json: String) {
        #expect(decodeWithFoundation(json) == nil, "the reference accepts it")
        #expect(decodeWithOurs(json) == nil)
    }

    /// Foundation skips unknown members leniently; text that is not JSON at
    /// all is refused here wherever it sits.
    @Test(arguments: [#"{"items":[],"x":01}"#, #"{"items":[],"x":1.}"#, #"{"items":[],"x":-}"#, #"{"items":[],}"#])
    func refusesWhatIsNotJSONEvenInAnUnknownMember(json: String) {
        #expect(decodeWithOurs(json) == nil)
    }

    @Test func keepsTheFirstOfTwoMembersWithOneName() throws {
        let keys = try #require(decodeWithOurs(Self.fixtures[7]))
        #expect(keys.first?.keyId == "a")
    }

    @Test func keepsTimesInTheServicesFormAsMillisecondsAndOthersAsText() throws {
        let keys = try #require(decodeWithOurs(Self.fixtures[6]))
        let key = try #require(keys.first)
        // Not the service's form (trailing zero): the text survives exactly.
        #expect(key.creationTime.text == "2023-11-14T22:13:20.500")
        #expect(key.creationTime.epochMilliseconds == 1_700_000_000_500)
        #expect(key.expirationTime?.text == "2023-11-14T22:13:20Z")
        #expect(key.lastUsedTime?.text == "last tuesday" && key.lastUsedTime?.date == nil)
        let canonical = try #require(decodeWithOurs(Self.fixtures[1])?.first)
        guard case .instant(1_700_000_000_500) = canonical.creationTime.storage else {
            Issue.record("the service's own form should be kept as milliseconds, not text")
            return
        }
    }

    @Test func readsTheKeyResponseAndTheEmptyObject() throws {
        func ours(_ text: String) throws -> UserApiKey? {
            var bytes = Array(text.utf8)
            return try bytes.withUnsafeMutableBytes { try KeyJSONDecoder.keyResponse(UnsafeRawBufferPointer($0)) }
        }
        #expect(try ours("{}") == nil)
        #expect(try ours(#"{"key":null}"#) == nil)
        let text = #"{"key":{"keyId":"a","orgId":"o","userId":"u","creationTime":"2020-01-01T00:00:00","key":"secret"}}"#
        let expected = try JSONDecoder().decode(UserApiKeyResponse.self, from: Data(text.utf8)).key
        #expect(try ours(text) == expected)
        #expect(throws: JSONShapeError.self) { try ours(#"{"key":{}}"#) }
    }

    /// Documents generated from a seed: random member order, whitespace,
    /// escapes, unknown members, nulls and time forms.
    @Test func readsGeneratedDocumentsAsFoundationDoes() throws {
        var generator = DocumentGenerator(seed: 0xD0C5)
        for round in 0..<300 {
            let json = generator.document(keys: Int(generator.next() % 6))
            let expected = try #require(decodeWithFoundation(json), "round \(round): the reference rejects \(json)")
            let ours = try #require(decodeWithOurs(json), "round \(round): rejected \(json)")
            #expect(ours == expected, "round \(round): \(json)")
        }
    }

    /// Strings are read eight bytes at a time: a byte outside printable
    /// ASCII must be seen wherever it sits in those eight, next to a quote
    /// or an escape or not, so invalid UTF-8 is refused as Foundation
    /// refuses it and DEL is escaped on the way out.
    @Test func aByteOutsidePrintableASCIIIsSeenWhereverItSits() throws {
        let odd: [[UInt8]] = [[0x7F], [0xC3, 0xA9], [0x80], [0xC3], [0xFF], [0xE2, 0x80, 0xAE]]
        for bytes in odd {
            for before in 0..<17 {
                for after in [0, 1, 3, 8] {
                    for tail: [UInt8] in [[], [UInt8(ascii: "\\"), UInt8(ascii: "n")]] {
                        let value = Array(repeating: UInt8(ascii: "a"), count: before) + bytes
                            + Array(repeating: UInt8(ascii: "b"), count: after) + tail
                        let json = Array(#"{"items":[{"orgId":"o","userId":"u","creationTime":"t","keyId":""#.utf8)
                            + value + Array(#""}]}"#.utf8)
                        let foundation = try? JSONDecoder().decode(ListUserApiKeys.self, from: Data(json)).items
                        let ours = json.withUnsafeBytes { try? KeyJSONDecoder.list($0) }
                        #expect(ours == foundation, "\(bytes) after \(before), then \(after) and \(tail)")
                        guard let keys = ours else { continue }
                        var written = KeyJSONWriter.PrettyList()
                        try json.withUnsafeBytes { raw in
                            try KeyJSONDecoder.forEachListed(in: raw) { (key: ListedKey) in written.add(key) }
                        }
                        #expect(written.finish() == KeyJSONWriter.list(keys, style: .pretty), "\(bytes) after \(before), written")
                    }
                }
            }
        }
    }

    @Test func aTruncatedDocumentFailsAtEveryCut() {
        let json = Self.fixtures[2]
        for cut in 0..<json.utf8.count - 1 {
            let prefix = String(decoding: Array(json.utf8)[0..<cut], as: UTF8.self)
            #expect(decodeWithOurs(prefix) == nil, "accepted a document cut at \(cut)")
        }
    }
}

/// Valid documents of the list's shape, varied in everything JSON allows.
struct DocumentGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func pick<T>(_ options: [T]) -> T { options[Int(next() % UInt64(options.count))] }

    mutating func space() -> String { pick(["", "", " ", "\n  ", "\t", "\r\n"]) }

    mutating func string() -> String {
        let pieces = ["a", "Z", "9", "-", " ", "é", "日本", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u0041",
                      "\\u00e9", "\\ud83d\\ude00", "\\u202e", "\\u0007", "\u{202E}", ":administrator", "_"]
        var out = ""
        for _ in 0..<Int(next() % 12) { out += pick(pieces) }
        return "\"" + out + "\""
    }

    mutating func time() -> String {
        switch next() % 6 {
        case 0: return "\"" + APITime.format(epochMilliseconds: Int64(next() % 4_000_000_000_000)) + "\""
        case 1: return "\"2023-11-14T22:13:20.\(pick(["5", "50", "500", "1234", "007"]))\""
        case 2: return "\"2024-02-29 12:00:00\(pick(["Z", "+02:00", "-0500", ""]))\""
        case 3: return String(Int64(next() % 4_000_000_000_000) - 1_000_000_000)
        case 4: return pick(["1.7e12", "1700000000000.0", "-0", "2E3"])
        default: return string()
        }
    }

    mutating func unknownValue(depth: Int = 0) -> String {
        switch next() % (depth > 2 ? 5 : 7) {
        case 0: return "null"
        case 1: return pick(["true", "false"])
        case 2: return pick(["0", "-1.5e+10", "3.25", "1E-7", "12345678901234567890"])
        case 3, 4: return string()
        case 5: return "[" + (0..<Int(next() % 3)).map { _ in space() + unknownValue(depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return "{" + (0..<Int(next() % 3)).map { _ in string() + space() + ":" + unknownValue(depth: depth + 1) }.joined(separator: ",") + "}"
        }
    }

    mutating func key() -> String {
        var members = [
            "\"keyId\"": string(), "\"orgId\"": string(), "\"userId\"": string(), "\"creationTime\"": time(),
        ]
        if next() % 2 == 0 { members["\"expirationTime\""] = next() % 4 == 0 ? "null" : time() }
        if next() % 2 == 0 { members["\"lastUsedTime\""] = next() % 4 == 0 ? "null" : time() }
        if next() % 2 == 0 { members["\"alias\""] = next() % 4 == 0 ? "null" : string() }
        if next() % 3 == 0 { members["\"resourceId\""] = next() % 4 == 0 ? "null" : string() }
        if next() % 2 == 0 { members["\"revoked\""] = pick(["true", "false", "null"]) }
        if next() % 2 == 0 {
            members["\"scopes\""] = next() % 5 == 0 ? "null"
                : "[" + (0..<Int(next() % 4)).map { _ in space() + string() + space() }.joined(separator: ",") + "]"
        }
        if next() % 3 == 0 { members["\"unknown\(next() % 3)\""] = unknownValue() }
        if next() % 5 == 0 { members["\"k\\u0065yId\""] = string() }  // an escaped name, a duplicate of keyId
        var order = Array(members.keys)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(next() % UInt64(i + 1))) }
        // The escaped duplicate comes after the real one, so the first still wins the same way.
        if let dup = order.firstIndex(of: "\"k\\u0065yId\""), let real = order.firstIndex(of: "\"keyId\""), dup < real {
            order.swapAt(dup, real)
        }
        return "{" + order.map { space() + $0 + space() + ":" + space() + members[$0]! + space() }.joined(separator: ",") + "}"
    }

    mutating func document(keys: Int) -> String {
        let items = "[" + (0..<keys).map { _ in space() + key() + space() }.joined(separator: ",") + "]"
        var members = ["\"items\"" + space() + ":" + space() + items]
        if next() % 3 == 0 { members.insert(string() + ":" + unknownValue(), at: Int(next() % 2)) }
        return space() + "{" + members.joined(separator: ",") + "}" + space()
    }
}
