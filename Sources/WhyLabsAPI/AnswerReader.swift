import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Where a list's keys go as they are read: the caller's own form (an
/// array, the dashboard's compact records, output being written), built on
/// the thread reading the answer and handed over whole when it is done.
public protocol KeyListAccumulator: Sendable {
    init()
    mutating func add(_ key: UserApiKey)
    /// A key as read, valid only during the call, for a form that needs no
    /// `UserApiKey` in between; used when `readsListedKeys` says so.
    mutating func add(_ key: ListedKey)
    /// Whether keys come in through `add(_: ListedKey)`; false by default.
    static var readsListedKeys: Bool { get }
    /// The answer's length, when the server sent it, before any key.
    mutating func expect(answerBytes: Int)
    /// After the last key of a well-formed answer.
    mutating func finishList()
}

extension KeyListAccumulator {
    public mutating func add(_ key: ListedKey) { add(key.decoded()) }
    public static var readsListedKeys: Bool { false }
    public mutating func expect(answerBytes: Int) {}
    public mutating func finishList() {}
}

extension Array: KeyListAccumulator where Element == UserApiKey {
    public mutating func add(_ key: UserApiKey) { append(key) }
}

/// A list answer read into `A`, or found to be the answer a digest describes.
public enum ListRead<A: KeyListAccumulator>: Sendable {
    /// Byte for byte the answer the digest describes.
    case unchanged
    /// The keys, and the digest of these bytes.
    case read(A, ListDigest)
}

/// What a successful answer's body becomes, fed as it arrives on the
/// connection's event loop.
protocol AnswerBody: Sendable {
    associatedtype Output: Sendable
    mutating func start(contentLength: Int?)
    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(APIError)
    mutating func finish() throws(APIError) -> Output
}

/// The whole body, for the small answers (one key, a write's result).
struct WholeBody: AnswerBody {
    var bytes = ByteBuffer()

    mutating func start(contentLength: Int?) {
        if let contentLength, contentLength > 0 { bytes.reserveCapacity(min(contentLength, 1 << 20)) }
    }

    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws(APIError) { bytes.writeBytes(chunk) }

    mutating func finish() throws(APIError) -> ByteBuffer { bytes }
}

/// A list answer: held while it is small, so an answer equal to the last
/// one (the digest: the held bytes, kept) is never decoded; past
/// `streamAbove` bytes its keys are decoded as they arrive and the bytes
/// let go (the digest a keyed hash), so a list of 100,000 keys is never
/// held whole. A streamed answer found equal to the last one is dropped
/// after decoding.
///
/// A list read once (`keepsDigest` false) hashes nothing, and is best
/// streamed from its first byte (`streamAbove` 0).
struct ListBody<A: KeyListAccumulator>: AnswerBody {
    let previous: ListDigest?
    let streamAbove: Int
    let keepsDigest: Bool
    private var hasher = Hasher()
    private var length = 0
    private var held: [UInt8] = []
    private var streaming = false
    private var stream = KeyListStream()
    private var keys = A()
    /// The answer's first bytes, for an error's excerpt.
    private var head: [UInt8] = []

    init(previous: ListDigest?, streamAbove: Int = 4 << 20, keepsDigest: Bool = true) {
        self.previous = previous
        self.streamAbove = streamAbove
        self.keepsDigest = keepsDigest
    }

    mutating func start(contentLength: Int?) {
        if let contentLength, contentLength > 0 {
            held.reserveCapacity(min(contentLength, streamAbove))
            keys.expect(answerBytes: contentLength)
        }
    }

    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws(APIError) {
        length += chunk.count
        if head.count < 200 { head.append(contentsOf: chunk.prefix(200 - head.count)) }
        if streaming {
            if keepsDigest { hasher.combine(bytes: chunk) }
            try read(chunk)
        } else if held.count + chunk.count <= streamAbove {
            // Held, the bytes are their own digest: nothing to hash.
            held.append(contentsOf: chunk)
        } else {
            streaming = true
            let earlier = held
            held = []
            if keepsDigest {
                earlier.withUnsafeBytes { hasher.combine(bytes: $0) }
                hasher.combine(bytes: chunk)
            }
            try read(earlier)
            try read(chunk)
        }
    }

    mutating func finish() throws(APIError) -> ListRead<A> {
        let digest = !keepsDigest ? ListDigest(length: length, hash: 0)
            : streaming ? ListDigest(length: length, hash: hasher.finalize()) : ListDigest(bytes: held)
        if let previous, previous == digest { return .unchanged }
        if !streaming {
            // All here: one pass of the whole-document decoder.
            let all = held
            held = []
            let failed = all.withUnsafeBytes { bytes in
                if A.readsListedKeys {
                    return (try? KeyJSONDecoder.forEachListed(in: bytes) { (key: ListedKey) in keys.add(key) }) == nil
                }
                return (try? KeyJSONDecoder.forEachListed(in: bytes) { (key: UserApiKey) in keys.add(key) }) == nil
            }
            if failed { throw undecodable }
            keys.finishList()
            return .read(keys, digest)
        }
        do {
            try stream.finish()
        } catch {
            throw undecodable
        }
        keys.finishList()
        return .read(keys, digest)
    }

    private mutating func read(_ bytes: UnsafeRawBufferPointer) throws(APIError) {
        do {
            if A.readsListedKeys {
                try stream.feed(bytes) { (key: ListedKey) in keys.add(key) }
            } else {
                try stream.feed(bytes) { (key: UserApiKey) in keys.add(key) }
            }
        } catch {
            throw undecodable
        }
    }

    private mutating func read(_ bytes: [UInt8]) throws(APIError) {
        let failure: APIError? = bytes.withUnsafeBytes { raw in
            do throws(APIError) {
                try read(raw)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    private var undecodable: APIError {
        .undecodable(excerpt: Excerpt.of(String(decoding: head, as: UTF8.self)))
    }
}

/// One attempt's answer: its status, the body read (for a 2xx answer) or
/// the start of the error text, and the server's request id.
struct Reply<Output: Sendable>: Sendable {
    var status: Int
    var output: Output?
    var errorText: ByteBuffer
    var requestId: String?
}

/// Reads an answer on the connection's event loop as it arrives: the body
/// capped at `limit` bytes, a 2xx body fed to `Body`, an error's text kept
/// (its first 64 KiB) for the message.
final class AnswerReader<Body: AnswerBody>: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Reply<Body.Output>

    // Touched only on the request's event loop, one callback at a time
    // (AsyncHTTPClient's contract for a delegate).
    private var body: Body
    private var status = 0
    private var requestId: String?
    private var errorText = ByteBuffer()
    private var received = 0
    private let limit: Int

    init(_ body: Body, limit: Int) {
        self.body = body
        self.limit = limit
    }

    private var succeeded: Bool { (200..<300).contains(status) }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        requestId = RequestId.clean(head.headers.first(name: "X-Request-Id"))
        if succeeded { body.start(contentLength: head.headers.first(name: "Content-Length").flatMap { Int($0) }) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        received += buffer.readableBytes
        guard received <= limit else { return task.eventLoop.makeFailedFuture(APIError.tooLarge(limit: limit)) }
        if succeeded {
            do {
                try buffer.withUnsafeReadableBytes { bytes in try body.feed(bytes) }
            } catch {
                return task.eventLoop.makeFailedFuture(error)
            }
        } else if errorText.readableBytes < 64 * 1024 {
            errorText.writeImmutableBuffer(buffer)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        Reply(status: status, output: succeeded ? try body.finish() : nil, errorText: errorText, requestId: requestId)
    }
}
