import Foundation
import Hummingbird

extension KeyServer {
    /// Runs the server in this process for as long as `body` runs, and gives
    /// `body` the port it bound. Used by `keydash --demo` and by tests
    /// (with port 0, so any free port). Installs no signal handlers: the
    /// caller owns the process's signals.
    public func withRunning<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = application(onServerRunning: { port in
            continuation.yield(port)
            continuation.finish()
        })
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                continuation.finish()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                // The server stopped before it was running: surface its error.
                while let result = try await group.next() { if let result { return result } }
                throw KeyServerError("the key server did not start")
            }
            do {
                let value = try await body(port)
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
