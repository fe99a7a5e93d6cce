import AsyncHTTPClient
import Foundation
import KeyServer
import NIOCore
import NIOHTTP1
import WhyLabsAPI

/// Runs `keydash serve`'s application on 127.0.0.1, port 0, for one test.
func withKeyServer(
    _ configure: (inout KeyServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (KeyServer, Int) async throws -> Void
) async throws {
    var config = KeyServerConfiguration(host: "127.0.0.1", port: 0, databasePath: ":memory:", orgId: "org-test")
    configure(&config)
    let server = try await KeyServer.prepare(config)
    try await server.withRunning { port in try await body(server, port) }
}

func makeClient(port: Int, key: String, org: String = "org-test", retry: RetryPolicy = .none,
                readTimeout: TimeAmount = .seconds(10)) -> WhyLabsClient {
    WhyLabsClient(configuration: .init(
        endpoint: URL(string: "http://127.0.0.1:\(port)")!, orgId: org, apiKey: key,
        connectTimeout: .seconds(2), readTimeout: readTimeout, retry: retry))
}

/// Uses a client for the length of `body` and always shuts it down.
func using<T>(_ client: WhyLabsClient, _ body: (WhyLabsClient) async throws -> T) async throws -> T {
    do {
        let value = try await body(client)
        await client.shutdown()
        return value
    } catch {
        await client.shutdown()
        throw error
    }
}

struct RawAnswer {
    var status: Int
    var body: String
    var headers: [(String, String)]
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// A request the typed client would never send (missing header, bad query).
func raw(_ method: HTTPMethod, port: Int, path: String, key: String?) async throws -> RawAnswer {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = method
    if let key { request.headers.add(name: "X-API-Key", value: key) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 1 << 24)
    return RawAnswer(status: Int(response.status.code), body: String(buffer: body), headers: response.headers.map { ($0.name, $0.value) })
}

/// The error an API call failed with, or nil when it succeeded.
func failure<T>(_ body: () async throws -> T) async -> APIError? {
    do {
        _ = try await body()
        return nil
    } catch let error as APIError {
        return error
    } catch {
        return .transport(.other, detail: "unexpected \(error)")
    }
}
