import Foundation
import Testing

/// The `keydash` binary that `swift build` made next to this test bundle.
enum Binary {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static var keydash: String {
        get throws {
            let candidates = [
                Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("keydash").path,
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("keydash").path,
                packageRoot.appendingPathComponent(".build/debug/keydash").path,
            ]
            guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw E2EError("keydash binary not found (run `swift build` first); looked in \(candidates)")
            }
            return path
        }
    }
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs keydash to completion with a bounded time, without a terminal.
func keydash(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil, timeout: TimeInterval = 30) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try Binary.keydash)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for name in ["WHYLABS_API_KEY", "WHYLABS_DEFAULT_ORG_ID", "WHYLABS_API_ENDPOINT", "HTTPS_PROXY", "HTTP_PROXY"] { env[name] = nil }
    env["XDG_CONFIG_HOME"] = TempDir.shared.path + "/config"
    env["XDG_STATE_HOME"] = TempDir.shared.path + "/state"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeout)
    // Read both pipes fully (in the background) so a chatty child can't block.
    let outData = ReadAll(out.fileHandleForReading), errData = ReadAll(err.fileHandleForReading)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
        process.terminate()
        throw E2EError("keydash \(arguments.joined(separator: " ")) did not finish in \(timeout)s")
    }
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: outData.text(), stderr: errData.text())
}

final class ReadAll: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            let all = handle.readDataToEndOfFile()
            lock.lock(); data = all; lock.unlock()
            done.signal()
        }
    }

    func text() -> String {
        _ = done.wait(timeout: .now() + 10)
        lock.lock(); defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

final class TempDir: @unchecked Sendable {
    static let shared = TempDir()
    let path: String
    init() {
        path = NSTemporaryDirectory() + "keydash-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    static func make() -> String {
        let p = shared.path + "/" + UUID().uuidString.prefix(8)
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}

/// `keydash serve` as a separate process on 127.0.0.1, any free port.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let dir: String
    let keyFile: String
    private(set) var endpoint = ""
    private let outLog: String

    init(dir: String = TempDir.make(), extra: [String] = [], db: String? = nil) throws {
        self.dir = dir
        keyFile = dir + "/admin.key"
        outLog = dir + "/serve-\(UUID().uuidString.prefix(6)).out"
        _ = FileManager.default.createFile(atPath: outLog, contents: nil)
        process.executableURL = URL(fileURLWithPath: try Binary.keydash)
        process.arguments = ["serve", "--port", "0", "--org", "org-e2e", "--admin-key-file", keyFile, "--db", db ?? ":memory:"] + extra
        process.standardOutput = FileHandle(forWritingAtPath: outLog)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: outLog, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on ") {
                let rest = text[range.upperBound...]
                endpoint = String(rest.prefix { !$0.isWhitespace })
                return
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        stop()
        throw E2EError("keydash serve did not start")
    }

    var connection: [String] { ["--endpoint", endpoint, "--api-key-file", keyFile] }

    /// What the server printed (with --log-requests, one line per request).
    var log: String { (try? String(contentsOfFile: outLog, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    deinit { stop() }
}

/// Every end-to-end suite, one test at a time: their waits block a thread,
/// and the concurrency pool (one thread a core) must keep one for the
/// in-process servers and clients of the other suites.
@Suite(.serialized) enum EndToEnd {}
