import Foundation
import ScriptedServer
import Testing

/// The fault matrix end to end: the CLI and the dashboard against a server
/// that answers 500, an HTML 502, truncated JSON, 429, a reset mid-body, a
/// trickle, a stall and a body ten times the cap, then answers well again.
/// (RELIABILITY.md records the matrix.)
extension EndToEnd {
    @Suite(.serialized) struct FaultMatrixTests {
        static let key = "ABCDEFGHIJ." + String(repeating: "z", count: 53)
        static let expectedExit: [Fault: Int32] = [
            .error500: 6, .html502: 6, .truncatedJSON: 8, .rateLimited: 5, .resetMidBody: 7, .trickle: 7, .stall: 7, .oversized: 8,
        ]

        func connection(_ server: ScriptedServer) -> [String] {
            ["--endpoint", "http://127.0.0.1:\(server.port)", "--org", "org-fault", "--timeout", "2"]
        }

        @Test func theCommandLineFailsCleanlyOnEachFaultAndRecovers() async throws {
            let server = try await ScriptedServer(keys: 20)
            defer { server.stop() }
            // The waits block: they run on a thread of their own, so the server in
            // this process keeps the concurrency pool's few threads.
            try await onOwnThread { try self.commandLineMatrix(server) }
        }

        func commandLineMatrix(_ server: ScriptedServer) throws {
            for fault in Fault.allCases where fault != .none {
                server.fault = fault
                let started = Date()
                let result = try keydash(["list", "--format", "json"] + connection(server), environment: ["WHYLABS_API_KEY": Self.key])
                #expect(result.status == Self.expectedExit[fault], "\(fault.rawValue): exit \(result.status), \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(fault.rawValue): one line: \(result.stderr)")
                // Server text (the 500's request id and message carry ESC, BEL and a
            // bidi override) never reaches stderr raw.
            #expect(!hasRawControlOrBidi(result.stderr), "\(fault.rawValue): raw control or bidi character on stderr")
            if fault == .error500 { #expect(result.stderr.contains("(request req-500"), "the request id is still shown") }
                #expect(result.stdout.isEmpty)
                #expect(Date().timeIntervalSince(started) < 20, "\(fault.rawValue): bounded by the deadline and the retries")
                server.fault = .none
                let good = try keydash(["list", "--format", "json"] + connection(server), environment: ["WHYLABS_API_KEY": Self.key])
                #expect(good.status == 0 && good.stdout.contains("KEY0000019"), "recovers after \(fault.rawValue)")
            }
        }

        @Test func theDashboardKeepsTheLastGoodListThroughEachFaultAndRecoversOnItsOwn() async throws {
            let server = try await ScriptedServer(keys: 20)
            defer { server.stop() }
            try await onOwnThread { try self.dashboardMatrix(server) }
        }

        func dashboardMatrix(_ server: ScriptedServer) throws {
            let logFile = TempDir.make() + "/keydash.log"
        let tmux = try TmuxSession(["--refresh", "1", "--log-file", logFile] + connection(server), environment: ["WHYLABS_API_KEY": Self.key])
            defer { tmux.kill() }
            #expect(tmux.waitForList(timeout: 15) != nil)
            for fault in Fault.allCases where fault != .none {
                server.fault = fault
                let failing = tmux.waitFor(timeout: 20) { $0.contains("offline") }
                #expect(failing != nil, "\(fault.rawValue) is shown")
                #expect(failing?.contains("alias-1") == true, "\(fault.rawValue): the last good list is kept")
                server.fault = .none
                // No key pressed: the backoff retries by itself.
                let back = tmux.waitFor(timeout: 30) { !$0.contains("offline") && $0.contains("updated") }
                #expect(back != nil, "recovers on its own after \(fault.rawValue)")
            }
            #expect(tmux.programPid() != nil, "still running after every fault")
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
            #expect(tmux.exitStatus == 0)
            // The log quotes the server's errors, request ids included, sanitized.
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            #expect(log.contains("req-500"), "the 500 was logged")
            #expect(!hasRawControlOrBidi(log), "raw control or bidi character in the log file")
        }
    }
}

func hasRawControlOrBidi(_ text: String) -> Bool {
    text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) || $0.value == 0x202E }
}

/// Runs blocking work (process waits, tmux polling) on a thread of its own
/// instead of one of the concurrency pool's threads.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
    }
}
