import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The four API-key operations, as anything that can perform them.
/// The dashboard depends on this, so tests and the demo can pass any
/// implementation that speaks to a real server.
public protocol APIKeyService: Sendable {
    func listKeys(userId: String?) async throws(APIError) -> [UserApiKey]
    func getKey(keyId: String) async throws(APIError) -> UserApiKey
    func createKey(_ request: CreateKeyRequest) async throws(APIError) -> KeyChange
    func revokeKey(userId: String, keyId: String) async throws(APIError) -> KeyChange
    /// The list handed over key by key as it is read.
    func forEachListedKey(userId: String?, _ each: (UserApiKey) -> Void) async throws(APIError)
    /// The same, unless the answer is byte for byte the one `previous` describes.
    func forEachListedKey(userId: String?, unlessSameAs previous: ListDigest?,
                          _ each: (UserApiKey) -> Void) async throws(APIError) -> ListAnswer
}

extension APIKeyService {
    public func forEachListedKey(userId: String?, _ each: (UserApiKey) -> Void) async throws(APIError) {
        for key in try await listKeys(userId: userId) { each(key) }
    }

    /// The list, read only when its bytes differ from the answer `previous`
    /// describes. A service that can't tell always reads it.
    public func forEachListedKey(userId: String?, unlessSameAs previous: ListDigest?,
                                 _ each: (UserApiKey) -> Void) async throws(APIError) -> ListAnswer {
        try await forEachListedKey(userId: userId, each)
        return .read(nil)
    }
}

/// A keyed hash of a list answer's bytes (SipHash with this process's
/// seed, so no server can aim for a collision), to tell an answer that
/// is byte for byte the last one without reading it again.
public struct ListDigest: Hashable, Sendable {
    let length: Int
    let hash: Int

    public init(_ bytes: UnsafeRawBufferPointer) {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        length = bytes.count
        hash = hasher.finalize()
    }
}

public enum ListAnswer: Sendable, Hashable {
    /// Byte for byte the answer the digest describes: nothing was read.
    case unchanged
    /// Read key by key; the digest of these bytes, when the service keeps one.
    case read(ListDigest?)
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

/// How safe requests are retried: capped exponential backoff with full jitter.
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
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: - Operations

    public func listKeys(userId: String?) async throws(APIError) -> [UserApiKey] {
        var query: [(String, String)] = []
        if let userId { query.append(("user_id", userId)) }
        let answer = try await send(.GET, path: [], query: query, retrySafe: true)
        return try decode(answer, KeyJSONDecoder.list)
    }

    /// The list, handed over key by key as it is read, so a caller can keep
    /// it in a compact form of its own without an array of keys in between.
    public func forEachListedKey(userId: String?, _ each: (UserApiKey) -> Void) async throws(APIError) {
        _ = try await forEachListedKey(userId: userId, unlessSameAs: nil, each)
    }

    public func forEachListedKey(userId: String?, unlessSameAs previous: ListDigest?,
                                 _ each: (UserApiKey) -> Void) async throws(APIError) -> ListAnswer {
        var query: [(String, String)] = []
        if let userId { query.append(("user_id", userId)) }
        let answer = try await send(.GET, path: [], query: query, retrySafe: true)
        let digest = answer.body.withUnsafeReadableBytes { ListDigest($0) }
        if let previous, previous == digest { return .unchanged }
        try decode(answer) { (bytes) throws(JSONShapeError) in try KeyJSONDecoder.forEachListed(in: bytes, each) }
        return .read(digest)
    }

    public func getKey(keyId: String) async throws(APIError) -> UserApiKey {
        let answer = try await send(.GET, path: [keyId], query: [], retrySafe: true)
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
        let answer = try await send(.POST, path: [], query: query, retrySafe: false)
        return KeyChange(key: try decode(answer, KeyJSONDecoder.key), requestId: answer.requestId)
    }

    public func revokeKey(userId: String, keyId: String) async throws(APIError) -> KeyChange {
        let answer = try await send(.DELETE, path: [], query: [("user_id", userId), ("key_id", keyId)], retrySafe: false)
        return KeyChange(key: try decode(answer, KeyJSONDecoder.key), requestId: answer.requestId)
    }

    // MARK: - Transport

    struct Answer {
        var status: Int
        var body: ByteBuffer
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

    private func send(_ method: HTTPMethod, path: [String], query: [(String, String)], retrySafe: Bool) async throws(APIError) -> Answer {
        var attempt = 1
        while true {
            do {
                return try await sendOnce(method, url: url(path: path, query: query))
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

    private func sendOnce(_ method: HTTPMethod, url: String) async throws(APIError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "X-API-Key", value: configuration.apiKey)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        let http = self.http, logger = self.logger, limit = configuration.maxBodyBytes, sending = request
        let total = configuration.totalTimeout
        let answer: Answer
        do {
            answer = try await Self.withDeadline(total) {
                let response = try await http.execute(sending, timeout: total, logger: logger)
                let body: ByteBuffer
                do {
                    body = try await response.body.collect(upTo: limit)
                } catch is NIOTooManyBytesError {
                    throw APIError.tooLarge(limit: limit)
                }
                return Answer(status: Int(response.status.code), body: body,
                              requestId: RequestId.clean(response.headers.first(name: "X-Request-Id")))
            }
        } catch let error as APIError {
            throw error
        } catch is DeadlineExceeded {
            throw .transport(.readTimeout, detail: "no complete answer within \(total.nanoseconds / 1_000_000_000)s")
        } catch {
            throw TransportErrorClassifier.classify(error)
        }
        try Self.check(answer)
        return answer
    }

    struct DeadlineExceeded: Error {}

    /// Runs `work`, cancelling it when `limit` has passed (AsyncHTTPClient's
    /// own deadline ends at the response head; the body could trickle forever).
    static func withDeadline<T: Sendable>(_ limit: TimeAmount, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0, limit.nanoseconds)))
                throw DeadlineExceeded()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Maps a non-2xx answer to the error a user interface can act on.
    static func check(_ answer: Answer) throws(APIError) {
        let status = answer.status
        if (200..<300).contains(status) { return }
        let bodyText = String(buffer: answer.body)
        let body = try? JSONDecoder().decode(APIErrorBody.self, from: Data(bodyText.utf8))
        let requestId = RequestId.clean(body?.requestId) ?? RequestId.clean(answer.requestId)
        let message = body?.message ?? bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        switch status {
        case 401: throw .unauthorized(requestId: requestId)
        case 403: throw .forbidden(requestId: requestId)
        case 404: throw .notFound(message: message.isEmpty ? "not found" : Excerpt.of(message), requestId: requestId)
        case 429: throw .rateLimited(message: message.isEmpty ? "Too many requests. Please try again later." : Excerpt.of(message))
        case 500..<600: throw .server(status: status, message: message.isEmpty ? "no details" : Excerpt.of(message), requestId: requestId)
        default: throw .rejected(status: status, message: message.isEmpty ? "HTTP \(status)" : Excerpt.of(message), type: body?.type, requestId: requestId)
        }
    }

    private func decode<T>(_ answer: Answer, _ read: (UnsafeRawBufferPointer) throws(JSONShapeError) -> T) throws(APIError) -> T {
        let result = answer.body.withUnsafeReadableBytes { bytes in
            Result { () throws(JSONShapeError) in try read(bytes) }
        }
        guard case .success(let value) = result else {
            throw .undecodable(excerpt: Excerpt.of(String(buffer: answer.body)))
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
