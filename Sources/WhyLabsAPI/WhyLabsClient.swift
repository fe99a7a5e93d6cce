import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The four API-key operations, as anything that can perform them.
/// The dashboard depends on this, so tests and the demo can pass any
/// implementation that speaks to a real server.
public protocol APIKeyService: Sendable {
    func listKeys(userId: String?) async throws(APIError) -> [UserApiKey]
    func getKey(keyId: String) async throws(APIError) -> UserApiKey
    func createKey(_ request: CreateKeyRequest) async throws(APIError) -> KeyChange
    func revokeKey(userId: String, keyId: String) async throws(APIError) -> KeyChange
    /// The list read into `A` as it arrives, unless the answer is byte for
    /// byte the one `previous` describes.
    func readList<A: KeyListAccumulator>(userId: String?, unlessSameAs previous: ListDigest?,
                                         into: A.Type) async throws(APIError) -> ListRead<A>
    /// Where a task awaiting this service's answers is best run: the
    /// thread that reads them. nil: anywhere.
    var taskExecutor: (any TaskExecutor)? { get }
}

extension APIKeyService {
    public var taskExecutor: (any TaskExecutor)? { nil }
}

/// What tells a list answer that is byte for byte the last one, without
/// reading it again: the answer's bytes themselves while it was held (a
/// comparison costs a fraction of hashing them), or a keyed hash (SipHash
/// with this process's seed, so no server can aim for a collision) of one
/// too long to hold, which was read as it arrived.
public struct ListDigest: Hashable, Sendable {
    let length: Int
    private let content: Content

    private enum Content: Sendable {
        case bytes([UInt8])
        case hash(Int)
    }

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.init(bytes: Array(bytes))
    }

    init(bytes: [UInt8]) {
        length = bytes.count
        content = .bytes(bytes)
    }

    init(length: Int, hash: Int) {
        self.length = length
        content = .hash(hash)
    }

    static func keyedHash(_ bytes: [UInt8]) -> Int {
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }

    public static func == (a: ListDigest, b: ListDigest) -> Bool {
        guard a.length == b.length else { return false }
        switch (a.content, b.content) {
        case (.bytes(let x), .bytes(let y)):
            return x.withUnsafeBytes { x in y.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
        case (.hash(let x), .hash(let y)):
            return x == y
        case (.bytes(let bytes), .hash(let hash)), (.hash(let hash), .bytes(let bytes)):
            return keyedHash(bytes) == hash
        }
    }

    /// Equal digests are of answers of one length.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(length)
    }
}

public struct CreateKeyRequest: Sendable, Hashable {
    public var userId: String
    public var alias: String?
    public var scopes: [String]
    public var expiration: Date?

    public init(userId: String, alias: String? = nil, scopes: [String] = [], expiration: Date? = nil) {
        self.userId = userId
        self.alias = alias
        self.scopes = scopes
        self.expiration = expiration
    }
}

/// The answer to a write: the key as the server returned it, and the id the
/// server gave the request (for the audit log and for support).
public struct KeyChange: Sendable, Hashable {
    public var key: UserApiKey
    public var requestId: String?
    public init(key: UserApiKey, requestId: String?) {
        self.key = key
        self.requestId = requestId
    }
}

/// How safe requests are retried: capped exponential backoff with equal
/// jitter (each delay between half and all of its ceiling).
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(maxAttempts: Int = 3, baseDelay: Double = 0.25, maxDelay: Double = 2) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay before attempt `attempt + 1` (attempt counts from 1).
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0...1)) -> Double {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return ceiling * (0.5 + 0.5 * random)
    }
}

/// An HTTP client for the WhyLabs API-key operations. One instance per
/// process: it owns a connection pool that is reused across requests and must
/// be shut down with `shutdown()`.
public final class WhyLabsClient: APIKeyService {
    public struct Configuration: Sendable {
        public var endpoint: URL
        public var orgId: String
        public var apiKey: String
        public var connectTimeout: TimeAmount
        /// The longest silence while reading an answer.
        public var readTimeout: TimeAmount
        /// The whole of one attempt: connect, the response head and the whole
        /// body. A server that trickles a byte now and then still ends here.
        public var totalTimeout: TimeAmount
        /// The largest body read. 100,000 keys take about 20 MB of JSON; more
        /// than this is refused rather than held in memory.
        public var maxBodyBytes: Int
        public var retry: RetryPolicy
        public var proxy: ProxySetting?
        public var userAgent: String

        public init(
            endpoint: URL, orgId: String, apiKey: String,
            connectTimeout: TimeAmount = .seconds(5), readTimeout: TimeAmount = .seconds(30),
            totalTimeout: TimeAmount = .seconds(45), maxBodyBytes: Int = 40 * 1024 * 1024,
            retry: RetryPolicy = RetryPolicy(), proxy: ProxySetting? = nil,
            userAgent: String = "keydash/\(KeydashVersion.current)"
        ) {
            self.endpoint = endpoint
            self.orgId = orgId
            self.apiKey = apiKey
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.totalTimeout = totalTimeout
            self.maxBodyBytes = maxBodyBytes
            self.retry = retry
            self.proxy = proxy
            self.userAgent = userAgent
        }
    }

    public let configuration: Configuration
    private let http: HTTPClient
    /// Every request's answer is read on this loop, and its connection is
    /// made there: a monitor's refresh reuses the connection without waking
    /// a second thread. (Requiring the loop for the channel too made the
    /// pool open a second, unused connection on the first request.)
    private let eventLoop: any EventLoop
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger = Logger(label: "keydash.client")) {
        self.configuration = configuration
        self.logger = logger
        var httpConfig = HTTPClient.Configuration()
        httpConfig.timeout = .init(connect: configuration.connectTimeout, read: configuration.readTimeout)
        // Retries are ours to decide (revoke must not be resent blindly), so the
        // pool reports a failed connection at once instead of retrying it.
        httpConfig.connectionPool.retryConnectionEstablishment = false
        httpConfig.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 8
        httpConfig.redirectConfiguration = .disallow
        if let proxy = configuration.proxy {
            httpConfig.proxy = .server(host: proxy.host, port: proxy.port)
        }
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        self.eventLoop = http.eventLoopGroup.next()
        self.taskExecutor = EventLoopTaskExecutor(eventLoop)
    }

    /// The loop every answer is read on, as an executor for the tasks that await them.
    public let taskExecutor: (any TaskExecutor)?

    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: - Operations

    public func listKeys(userId: String?) async throws(APIError) -> [UserApiKey] {
        try await readList(userId: userId, into: [UserApiKey].self)
    }

    /// The list read once into `A`: nothing will be compared with it, so
    /// no digest is kept, and its keys are read as the bytes arrive (none
    /// held, the reading done while the rest is still on its way).
    public func readList<A: KeyListAccumulator>(userId: String?, into: A.Type) async throws(APIError) -> A {
        var query: [(String, String)] = []
        if let userId { query.append(("user_id", userId)) }
        let body = ListBody<A>(previous: nil, streamAbove: 0, keepsDigest: false)
        guard case .read(let keys, _) = try await send(.GET, path: [], query: query, retrySafe: true, body: body).output else {
            preconditionFailure("a list read with no digest to match came back unchanged")
        }
        return keys
    }

    /// The list decoded into `A` as its bytes arrive (a long one is never
    /// held whole), unless they are byte for byte the answer `previous` describes.
    public func readList<A: KeyListAccumulator>(userId: String?, unlessSameAs previous: ListDigest?,
                                                into: A.Type) async throws(APIError) -> ListRead<A> {
        var query: [(String, String)] = []
        if let userId { query.append(("user_id", userId)) }
        return try await send(.GET, path: [], query: query, retrySafe: true, body: ListBody<A>(previous: previous)).output
    }

    public func getKey(keyId: String) async throws(APIError) -> UserApiKey {
        let answer = try await send(.GET, path: [keyId], query: [], retrySafe: true, body: WholeBody())
        guard let key = try decode(answer, KeyJSONDecoder.keyResponse) else {
            throw .notFound(message: "Resource ApiKey with ID \(keyId) not found.", requestId: answer.requestId)
        }
        return key
    }

    public func createKey(_ request: CreateKeyRequest) async throws(APIError) -> KeyChange {
        var query: [(String, String)] = [("user_id", request.userId)]
        if let expiration = request.expiration {
            query.append(("expiration_time", String(Int64((expiration.timeIntervalSince1970 * 1000).rounded()))))
        }
        for scope in request.scopes { query.append(("scopes", scope)) }
        if let alias = request.alias { query.append(("alias", alias)) }
        // Never retried: a second create would make a second key.
        let answer = try await send(.POST, path: [], query: query, retrySafe: false, body: WholeBody())
        return KeyChange(key: try decode(answer, KeyJSONDecoder.key), requestId: answer.requestId)
    }

    public func revokeKey(userId: String, keyId: String) async throws(APIError) -> KeyChange {
        let answer = try await send(.DELETE, path: [], query: [("user_id", userId), ("key_id", keyId)], retrySafe: false, body: WholeBody())
        return KeyChange(key: try decode(answer, KeyJSONDecoder.key), requestId: answer.requestId)
    }

    // MARK: - Transport

    /// A successful answer: what its body became, and the server's request id.
    struct Answer<Output: Sendable> {
        var output: Output
        var requestId: String?
    }

    func url(path: [String], query: [(String, String)]) -> String {
        var base = configuration.endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + "/v0/organizations/" + URLEncoding.pathSegment(configuration.orgId) + "/api-key"
        for segment in path { url += "/" + URLEncoding.pathSegment(segment) }
        if !query.isEmpty {
            url += "?" + query.map { URLEncoding.queryComponent($0.0) + "=" + URLEncoding.queryComponent($0.1) }.joined(separator: "&")
        }
        return url
    }

    private func send<Body: AnswerBody>(_ method: HTTPMethod, path: [String], query: [(String, String)], retrySafe: Bool,
                                        body: Body) async throws(APIError) -> Answer<Body.Output> {
        var attempt = 1
        while true {
            do {
                return try await sendOnce(method, url: url(path: path, query: query), body: body)
            } catch {
                let mayRetry: Bool
                if retrySafe {
                    mayRetry = error.isTransient
                } else if case .transport(let failure, _) = error {
                    mayRetry = failure.requestNeverSent
                } else {
                    mayRetry = false
                }
                guard mayRetry, attempt < configuration.retry.maxAttempts, !Task.isCancelled else { throw error }
                let delay = configuration.retry.delay(afterAttempt: attempt)
                logger.debug("retrying request", metadata: ["method": "\(method.rawValue)", "attempt": "\(attempt + 1)", "after": "\(error)"])
                try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                attempt += 1
            }
        }
    }

    /// One attempt. The answer is read on the connection's event loop as it
    /// arrives (`AnswerReader`), and the deadline covers all of it: connect,
    /// head and the whole body, so a server that trickles a byte now and then
    /// still ends there.
    private func sendOnce<Body: AnswerBody>(_ method: HTTPMethod, url: String, body: Body) async throws(APIError) -> Answer<Body.Output> {
        let total = configuration.totalTimeout
        let reply: Reply<Body.Output>
        do {
            let request = try self.request(method, url: url)
            let task = http.execute(request: request, delegate: AnswerReader(body, limit: configuration.maxBodyBytes),
                                    eventLoop: .delegate(on: eventLoop), deadline: .now() + total, logger: logger)
            reply = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch let error as APIError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw .transport(.readTimeout, detail: "no complete answer within \(total.nanoseconds / 1_000_000_000)s")
        } catch {
            throw TransportErrorClassifier.classify(error)
        }
        guard let output = reply.output else {
            throw Self.failure(status: reply.status, body: reply.errorText, requestId: reply.requestId)
        }
        return Answer(output: output, requestId: reply.requestId)
    }

    /// The last request built: a monitor asks for the same list every few
    /// seconds, and parsing its URL again each time is most of building it.
    private let lastRequest = Mutex<(method: HTTPMethod, url: String, request: HTTPClient.Request)?>(nil)

    private func request(_ method: HTTPMethod, url: String) throws -> HTTPClient.Request {
        if let last = lastRequest.withLock({ $0 }), last.method == method, last.url == url { return last.request }
        var request = try HTTPClient.Request(url: url, method: method)
        request.headers.add(name: "X-API-Key", value: configuration.apiKey)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        lastRequest.withLock { $0 = (method, url, request) }
        return request
    }

    /// Maps a non-2xx answer to the error a user interface can act on.
    static func failure(status: Int, body: ByteBuffer, requestId headerId: String?) -> APIError {
        let bodyText = String(buffer: body)
        let parsed = try? JSONDecoder().decode(APIErrorBody.self, from: Data(bodyText.utf8))
        let requestId = RequestId.clean(parsed?.requestId) ?? RequestId.clean(headerId)
        let message = parsed?.message ?? bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        switch status {
        case 401: return .unauthorized(requestId: requestId)
        case 403: return .forbidden(requestId: requestId)
        case 404: return .notFound(message: message.isEmpty ? "not found" : Excerpt.of(message), requestId: requestId)
        case 429: return .rateLimited(message: message.isEmpty ? "Too many requests. Please try again later." : Excerpt.of(message))
        case 500..<600: return .server(status: status, message: message.isEmpty ? "no details" : Excerpt.of(message), requestId: requestId)
        default: return .rejected(status: status, message: message.isEmpty ? "HTTP \(status)" : Excerpt.of(message), type: parsed?.type, requestId: requestId)
        }
    }

    private func decode<T>(_ answer: Answer<ByteBuffer>, _ read: (UnsafeRawBufferPointer) throws(JSONShapeError) -> T) throws(APIError) -> T {
        let result = answer.output.withUnsafeReadableBytes { bytes in
            Result { () throws(JSONShapeError) in try read(bytes) }
        }
        guard case .success(let value) = result else {
            throw .undecodable(excerpt: Excerpt.of(String(buffer: answer.output)))
        }
        return value
    }
}

/// A short, single-line, printable excerpt of server text for error messages:
/// line breaks and tabs fold to spaces, everything else unsafe (C0, C1, DEL,
/// bidi and invisible characters) goes through the one sanitizer.
public enum Excerpt {
    public static func of(_ text: String, limit: Int = 80) -> String {
        var folded = String.UnicodeScalarView()
        var count = 0
        var cut = false
        for scalar in text.unicodeScalars {
            if count >= limit { cut = true; break }
            switch scalar.value {
            case 0x0A, 0x0D, 0x09: folded.append(" ")
            default: folded.append(scalar)
            }
            count += 1
        }
        let out = DisplayText.sanitize(String(folded)) + (cut ? "…" : "")
        return out.isEmpty ? "(empty)" : out
    }
}

/// Request ids come from the server (JSON body or `X-Request-Id`): they are
/// shown and logged, so they are cut short and sanitized where they arrive.
public enum RequestId {
    public static func clean(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        return Excerpt.of(trimmed, limit: 64)
    }
}

enum URLEncoding {
    private static let unreserved: Set<UInt8> = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func queryComponent(_ text: String) -> String { encode(text) }
    static func pathSegment(_ text: String) -> String { encode(text) }

    private static func encode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

public enum KeydashVersion {
    public static let current = "0.1.0"
}
