import Foundation
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
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CommandFailure("cannot open log file \(path): \(String(cString: strerror(errno)))", code: ExitStatus.config) }
        sink = Sink(handle: FileHandle(fileDescriptor: fd, closeOnDealloc: true))
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
