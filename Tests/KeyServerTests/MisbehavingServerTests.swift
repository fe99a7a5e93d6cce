import Foundation
import Hummingbird
import NIOCore
import Testing
import WhyLabsAPI

/// A server that answers every request with `status` and `body`, to see how
/// the client copes with what the real service never sends.
func withStubServer(status: HTTPResponse.Status, body: String, contentType: String = "application/json",
                    _ run: @Sendable (Int) async throws -> Void) async throws {
    let router = Router()
    router.get("/v0/organizations/:org/api-key") { _, _ in
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    router.get("/v0/organizations/:org/api-key/:id") { _, _ in
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await run(port)
        group.cancelAll()
    }
}

@Suite struct MisbehavingServerTests {
    static let key = "ABCDEFGHIJ." + String(repeating: "z", count: 53)

    @Test func malformedJSONIsUndecodableWithAnExcerpt() async throws {
        try await withStubServer(status: .ok, body: "{\"items\": [ {\"keyId\": \u{1B}[31m") { port in
            try await using(makeClient(port: port, key: Self.key)) { client in
                let error = await failure { try await client.listKeys(userId: nil) }
                guard case .undecodable(let excerpt)? = error else { Issue.record("got \(String(describing: error))"); return }
                #expect(excerpt.hasPrefix("{\"items\": ["))
                #expect(!excerpt.contains("\u{1B}"))
            }
        }
    }

    @Test func wrongShapeIsUndecodable() async throws {
        try await withStubServer(status: .ok, body: "[1, 2, 3]") { port in
            try await using(makeClient(port: port, key: Self.key)) { client in
                guard case .undecodable? = await failure({ try await client.getKey(keyId: "X") }) else {
                    Issue.record("expected undecodable"); return
                }
            }
        }
    }

    @Test func htmlErrorPagesBecomeServerErrorsOnOneLine() async throws {
        try await withStubServer(status: .badGateway, body: "<html>\n<body>502 Bad Gateway</body>\n</html>", contentType: "text/html") { port in
            try await using(makeClient(port: port, key: Self.key)) { client in
                let error = await failure { try await client.listKeys(userId: nil) }
                guard case .server(502, let message, _)? = error else { Issue.record("got \(String(describing: error))"); return }
                #expect(!message.contains("\n"))
            }
        }
    }

    @Test func hostileFieldsArriveIntactForTheSanitizerToHandle() async throws {
        let body = #"{"items":[{"keyId":"AAAAAAAAAA","orgId":"o","userId":"u\u001b]52;c;ZXZpbA==\u0007","creationTime":"2024-01-01T00:00:00","alias":"\u202Egnp","futureField":1}]}"#
        try await withStubServer(status: .ok, body: body) { port in
            try await using(makeClient(port: port, key: Self.key)) { client in
                let keys = try await client.listKeys(userId: nil)
                #expect(keys.count == 1)
                #expect(keys[0].userId.contains("\u{1B}"))
                #expect(keys[0].alias == "\u{202E}gnp")
            }
        }
    }
}
