import Foundation
import KeyDashCore
import Logging
import WhyLabsAPI

/// Appends log lines to a file (mode 0600) for `--log-file`. What is logged
/// never includes a key: the client logs methods, attempts and errors only.
struct FileLogHandler: LogHandler {
    private final class Sink: @unchecked Sendable {
        let lock = NSLock()
        let handle: FileHandle
        init(handle: FileHandle) { self.handle = handle }
        func write(_ line: String) {
            lock.withLock { handle.write(Data(line.utf8)) }
        }
    }

    private let sink: Sink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    init(path: String) throws {
        let opened: PrivateFile.Opened
        do {
            opened = try PrivateFile.openForAppend(path)
        } catch {
            throw CommandFailure("cannot open log file \(path): \((error as? PrivateFileError)?.reason ?? "\(error)")", code: ExitStatus.config)
        }
        if let mode = opened.tightenedFrom {
            Output.err("log file \(path) was readable by others (mode \(String(mode, radix: 8))); it is now 0600")
        }
        sink = Sink(handle: FileHandle(fileDescriptor: opened.fd, closeOnDealloc: true))
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        // Messages and metadata can quote the server (errors, request ids): one
        // sanitized line each, so nothing in the file can drive a terminal that
        // later shows it.
        let meta = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Excerpt.of("\($0.value)", limit: 512))" }.joined(separator: " ")
        sink.write("\(ISO8601DateFormatter().string(from: Date())) \(event.level) \(Excerpt.of("\(event.message)", limit: 1024))\(meta)\n")
    }
}
