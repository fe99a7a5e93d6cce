import Foundation
import Testing
@testable import WhyLabsAPI

/// The streamed list reader against the whole-document decoder: the same
/// keys from every document the decoder accepts and an error wherever it
/// has one, however the answer is cut into chunks.
@Suite struct KeyListStreamTests {
    /// Chunk sizes: one byte at a time, small odd sizes, and seeded random cuts.
    static func chunkings(_ count: Int, seed: UInt64) -> [[Int]] {
        var generator = DocumentGenerator(seed: seed)
        var random: [Int] = []
        var total = 0
        while total < count {
            let size = 1 + Int(generator.next() % 97)
            random.append(size)
            total += size
        }
        return [[1], [7], [64], [count + 1], random]
    }

    /// The keys read by feeding `bytes` in pieces of the given sizes (cycled), or nil on an error.
    static func streamed(_ bytes: [UInt8], sizes: [Int]) -> [UserApiKey]? {
        var stream = KeyListStream()
        var keys: [UserApiKey] = []
        var offset = 0
        var turn = 0
        do {
            while offset < bytes.count {
                let size = max(1, sizes[turn % sizes.count])
                let end = min(bytes.count, offset + size)
                let chunk = Array(bytes[offset..<end])
                try chunk.withUnsafeBytes { raw in try stream.feed(raw) { keys.append($0) } }
                offset = end
                turn += 1
            }
            try stream.finish()
        } catch {
            return nil
        }
        return keys
    }

    static func whole(_ bytes: [UInt8]) -> [UserApiKey]? {
        bytes.withUnsafeBytes { try? KeyJSONDecoder.list($0) }
    }

    func expectSame(_ json: String, _ context: String) {
        let bytes = Array(json.utf8)
        let expected = Self.whole(bytes)
        for sizes in Self.chunkings(bytes.count, seed: UInt64(bytes.count)) {
            let got = Self.streamed(bytes, sizes: sizes)
            #expect(got == expected, "\(context), chunks \(sizes.prefix(4)): \(json.prefix(160))")
            if got != expected { return }
        }
    }

    @Test(arguments: KeyJSONDecoderTests.fixtures)
    func readsEveryFixtureAsTheDecoderDoes(json: String) throws {
        #expect(Self.whole(Array(json.utf8)) != nil)
        expectSame(json, "fixture")
    }

    @Test(arguments: KeyJSONDecoderTests.malformed + [
        #"{"items":[1]}"#, #"{"items":[[]]}"#, #"{"items":["x"]}"#, #"{"items":{}}"#, #"{"items":"[{}]"}"#,
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":"t"}}]}"#,
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":"t"},]}"#,
        #"{"items":[{"keyId":"a","orgId":"o","userId":"u","creationTime":"t"}{"keyId":"b"}]}"#,
        #"{"items":[]]}"#, #"]"#, #"{"items":5,"items":[]}"#,
    ])
    func rejectsWhatTheDecoderRejects(json: String) {
        #expect(Self.whole(Array(json.utf8)) == nil, "the decoder accepts it")
        expectSame(json, "malformed")
    }

    /// Only the first `items` is read, escaped or not, and keys outside it are not.
    @Test func readsOnlyTheFirstItemsMember() throws {
        let key = #"{"keyId":"a","orgId":"o","userId":"u","creationTime":"2020-01-01T00:00:00"}"#
        let other = #"{"keyId":"b","orgId":"o","userId":"u","creationTime":"2020-01-01T00:00:00"}"#
        for json in [
            #"{"x":{"items":[\#(other)]},"items":[\#(key)],"items":[\#(other)]}"#,
            #"{"x":"items","it\u0065ms":[\#(key)],"y":[\#(other)]}"#,
            #"{"x":[\#(other)],"items":[\#(key)]}"#,
            #"{"items":[\#(key)],"items":[{"bad":1}]}"#,
        ] {
            let bytes = Array(json.utf8)
            #expect(Self.streamed(bytes, sizes: [3])?.map(\.keyId) == ["a"], "\(json)")
            expectSame(json, "first items")
        }
    }

    @Test func readsGeneratedDocumentsAsTheDecoderDoes() {
        var generator = DocumentGenerator(seed: 0x57AE)
        for round in 0..<200 {
            expectSame(generator.document(keys: Int(generator.next() % 8)), "round \(round)")
        }
    }

    @Test func aTruncatedDocumentFailsAtEveryCut() {
        let bytes = Array(KeyJSONDecoderTests.fixtures[2].utf8)
        for cut in 0..<bytes.count - 1 {
            #expect(Self.streamed(Array(bytes[0..<cut]), sizes: [5]) == nil, "accepted a document cut at \(cut)")
        }
    }

    /// A list answer held while small and streamed past the threshold gives
    /// the same keys and digest either way; an answer equal to the digest
    /// is reported unchanged.
    @Test func aListBodyReadsTheSameHeldOrStreamed() throws {
        var generator = DocumentGenerator(seed: 0xB0D1)
        let json = Array(generator.document(keys: 40).utf8)
        let expected = try #require(Self.whole(json))
        func read(streamAbove: Int, previous: ListDigest?, chunk: Int) throws -> ListRead<[UserApiKey]> {
            try Self.read(json, streamAbove: streamAbove, previous: previous, chunk: chunk)
        }
        let whole = json.withUnsafeBytes { ListDigest($0) }
        for (streamAbove, chunk) in [(1 << 20, 13), (100, 13), (0, 1), (50, 333)] {
            guard case .read(let keys, let digest) = try read(streamAbove: streamAbove, previous: nil, chunk: chunk) else {
                Issue.record("read without a digest must read")
                continue
            }
            #expect(keys == expected, "stream above \(streamAbove)")
            #expect(digest == whole, "the digest does not depend on chunks")
            guard case .unchanged = try read(streamAbove: streamAbove, previous: whole, chunk: chunk) else {
                Issue.record("the same bytes must be unchanged (stream above \(streamAbove))")
                continue
            }
        }
        let broken = Array(json[0..<json.count / 2])
        #expect(throws: APIError.self) {
            var body = ListBody<[UserApiKey]>(previous: nil, streamAbove: 64)
            try broken.withUnsafeBytes { try body.feed($0) }
            _ = try body.finish()
        }
    }

    static func read(_ json: [UInt8], streamAbove: Int, previous: ListDigest?, chunk: Int) throws -> ListRead<[UserApiKey]> {
        var body = ListBody<[UserApiKey]>(previous: previous, streamAbove: streamAbove)
        body.start(contentLength: json.count)
        var offset = 0
        while offset < json.count {
            let piece = Array(json[offset..<min(json.count, offset + chunk)])
            try piece.withUnsafeBytes { try body.feed($0) }
            offset += chunk
        }
        return try body.finish()
    }

    /// An answer one letter different, its length the same, is read again,
    /// whether the digest it meets is the bytes held last time or a hash.
    @Test func anAnswerOfTheSameLengthThatDiffersIsReadAgain() throws {
        func document(_ alias: String) -> [UInt8] {
            let keys = (0..<40).map { i in
                #"{"keyId":"k\#(i)","orgId":"o","userId":"u","creationTime":"2024-01-01T00:00:00.000","alias":"\#(i == 20 ? alias : "same")"}"#
            }
            return Array(("{\"items\":[" + keys.joined(separator: ",") + "]}").utf8)
        }
        let first = document("alpha"), second = document("alphb")
        #expect(first.count == second.count)
        for (streamAbove, chunk) in [(1 << 20, 13), (100, 13), (0, 1), (50, 333)] {
            guard case .read(_, let digest) = try Self.read(first, streamAbove: streamAbove, previous: nil, chunk: chunk) else {
                Issue.record("read without a digest must read")
                continue
            }
            for previous in [digest, first.withUnsafeBytes { ListDigest($0) }] {
                guard case .read(let keys, let next) = try Self.read(second, streamAbove: streamAbove, previous: previous, chunk: chunk) else {
                    Issue.record("a changed answer must be read (stream above \(streamAbove))")
                    continue
                }
                #expect(keys[20].alias == "alphb")
                #expect(next != previous)
                guard case .unchanged = try Self.read(second, streamAbove: streamAbove, previous: next, chunk: chunk) else {
                    Issue.record("the same bytes again must be unchanged (stream above \(streamAbove))")
                    continue
                }
            }
        }
    }
}
