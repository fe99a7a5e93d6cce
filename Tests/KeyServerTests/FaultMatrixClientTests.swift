import Foundation
import NIOCore
import ScriptedServer
import Testing
import WhyLabsAPI

/// The client against a server that misbehaves in every way on the fault
/// matrix: each fault is a typed error within the deadline, and the next
/// good answer is read as usual.
@Suite(.serialized) struct FaultMatrixClientTests {
    static let key = "ABCDEFGHIJ." + String(repeating: "z", count: 53)

    func client(_ port: Int, attempts: Int = 1, total: TimeAmount = .seconds(2)) -> WhyLabsClient {
        WhyLabsClient(configuration: .init(
            endpoint: URL(string: "http://127.0.0.1:\(port)")!, orgId: "org-fault", apiKey: Self.key,
            connectTimeout: .seconds(2), readTimeout: .seconds(30), totalTimeout: total,
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: 0.01, maxDelay: 0.02)))
    }

    @Test(arguments: Fault.allCases.filter { $0 != .none })
    func eachFaultIsATypedErrorAndTheNextAnswerIsRead(fault: Fault) async throws {
        try await check(fault)
    }

    func check(_ fault: Fault) async throws {
        let server = try await ScriptedServer(keys: 20)
        defer { server.stop() }
        try await using(client(server.port)) { client in
            server.fault = fault
            let started = Date()
            let error = await failure { try await client.listKeys(userId: nil) }
            let took = Date().timeIntervalSince(started)
            #expect(took < 6, "\(fault.rawValue) took \(took)s: the total deadline bounds it")
            switch (fault, error) {
            case (.error500, .server(500, _, let id?)?) where id.hasPrefix("req-500") && !id.unicodeScalars.contains(where: DisplayText.isUnsafe):
                break
            case (.html502, .server(502, _, _)?), (.truncatedJSON, .undecodable?),
                 (.rateLimited, .rateLimited?), (.trickle, .transport(.readTimeout, _)?), (.stall, .transport(.readTimeout, _)?),
                 (.oversized, .tooLarge?):
                break
            case (.resetMidBody, .transport(let kind, _)?) where kind == .connectionClosed || kind == .other:
                break
            default:
                Issue.record("\(fault.rawValue): got \(String(describing: error))")
            }
            #expect(error.map { !$0.description.contains("\n") } ?? false, "one line")
            #expect(error.map { !$0.description.unicodeScalars.contains(where: DisplayText.isUnsafe) } ?? false, "sanitized")
            server.fault = .none
            let recovered = try await client.listKeys(userId: nil)
            #expect(recovered.count == 20, "recovers after \(fault.rawValue)")
        }
    }

    @Test func safeRequestsAreRetriedAFixedNumberOfTimesButAnOversizedBodyIsNot() async throws {
        let server = try await ScriptedServer(keys: 3)
        defer { server.stop() }
        try await using(client(server.port, attempts: 3, total: .seconds(10))) { client in
            server.fault = .error500
            _ = await failure { try await client.listKeys(userId: nil) }
            #expect(server.count(.error500) == 3, "three attempts, no more")
            server.fault = .oversized
            guard case .tooLarge? = await failure({ try await client.listKeys(userId: nil) }) else {
                Issue.record("expected tooLarge"); return
            }
            #expect(server.count(.oversized) == 1, "the same request would bring the same answer: not retried")
        }
    }
}
