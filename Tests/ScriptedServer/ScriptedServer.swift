import Foundation
import Hummingbird
import NIOCore

/// What the scripted server does to the next answers.
public enum Fault: String, CaseIterable, Sendable {
    case none = "ok"
    case error500 = "500"
    case html502 = "HTML 502"
    case truncatedJSON = "truncated JSON"
    case rateLimited = "429 with Retry-After"
    case resetMidBody = "reset mid-body"
    case trickle = "trickle"
    case stall = "stall past the deadline"
    case oversized = "10x oversized body"
}

/// A WhyLabs-shaped server on 127.0.0.1 whose answers misbehave on demand:
/// the list and get routes answer with the current fault, or well. Every
/// stream it writes is bounded in time and size, and ends when the client
/// goes away.
public final class ScriptedServer: @unchecked Sendable {
    public let port: Int
    private let lock = NSLock()
    private var current: Fault = .none
    private var served: [Fault: Int] = [:]
    private let task: Task<Void, Error>
    /// The cap the oversized answer is ten times over.
    public static let bodyCap = 40 * 1024 * 1024

    public var fault: Fault {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    /// How many requests were answered with `fault`.
    public func count(_ fault: Fault) -> Int { lock.withLock { served[fault] ?? 0 } }

    public static func listBody(keys: Int) -> String {
        let items = (0..<keys).map { i in
            #"{"keyId":"KEY\#(String(format: "%07d", i))","orgId":"org-fault","userId":"user-\#(i % 7)","creationTime":"2026-01-01T00:00:00","scopes":[":user"],"alias":"alias-\#(i)"}"#
        }
        return #"{"items":["# + items.joined(separator: ",") + "]}"
    }

    public init(keys: Int = 20) async throws {
        let good = Self.listBody(keys: keys)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        let box = Unchecked<ScriptedServer?>(nil)
        let answer: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, _ in
            guard let server = box.value else { return Response(status: .serviceUnavailable) }
            let fault = server.fault
            server.lock.withLock { server.served[fault, default: 0] += 1 }
            return try await Self.respond(fault, good: good)
        }
        router.get("/v0/organizations/:org/api-key", use: answer)
        router.get("/v0/organizations/:org/api-key/:id", use: answer)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        self.port = port
        box.value = self
    }

    public func stop() { task.cancel() }

    deinit { task.cancel() }

    static func respond(_ fault: Fault, good: String) async throws -> Response {
        let json: HTTPFields = [.contentType: "application/json"]
        switch fault {
        case .none:
            return Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: good)))
        case .error500:
            // Hostile server text: an OSC 52 clipboard write and a bidi override in the request id and message.
            return Response(status: .internalServerError, headers: json + [.init("X-Request-Id")!: "req-500"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"message":"Internal error\u001b[2J\u202e","requestId":"req-500\u001b]52;c;ZXZpbA==\u0007\u202e","type":"Internal"}"#)))
        case .html502:
            return Response(status: .badGateway, headers: [.contentType: "text/html"],
                            body: .init(byteBuffer: ByteBuffer(string: "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>502 Bad Gateway</body>\n</html>\n")))
        case .truncatedJSON:
            return Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: String(good.prefix(good.count / 2)))))
        case .rateLimited:
            return Response(status: .tooManyRequests, headers: [.contentType: "text/plain", .retryAfter: "1"],
                            body: .init(byteBuffer: ByteBuffer(string: "Too many requests. Please try again later.")))
        case .resetMidBody:
            let half = ByteBuffer(string: String(good.prefix(good.count / 2)))
            return Response(status: .ok, headers: json, body: ResponseBody(contentLength: good.utf8.count) { writer in
                try await writer.write(half)
                throw CancellationError()  // the connection is closed with the body half sent
            })
        case .trickle:
            // A byte every half second, for at most two minutes.
            return Response(status: .ok, headers: json, body: ResponseBody(contentLength: good.utf8.count) { writer in
                for byte in good.utf8.prefix(240) {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(nanoseconds: 500_000_000)
                }
                throw CancellationError()
            })
        case .stall:
            return Response(status: .ok, headers: json, body: ResponseBody(contentLength: good.utf8.count) { writer in
                try await writer.write(ByteBuffer(string: "{"))
                try await Task.sleep(nanoseconds: 120_000_000_000)
                throw CancellationError()
            })
        case .oversized:
            // Ten times the cap, declared up front: JSON whitespace, then a
            // valid list, streamed a MiB at a time until the client hangs up.
            let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 1 << 20)
            let chunks = 10 * bodyCap >> 20
            return Response(status: .ok, headers: json, body: ResponseBody(contentLength: chunks << 20 + good.utf8.count) { writer in
                for _ in 0..<chunks {
                    try Task.checkCancellation()
                    try await writer.write(chunk)
                }
                try await writer.write(ByteBuffer(string: good))
                try await writer.finish(nil)
            })
        }
    }
}

final class Unchecked<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
