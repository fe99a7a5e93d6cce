import Foundation
import WhyLabsAPI

/// Every create and revoke performed, one JSON line each, in
/// `$XDG_STATE_HOME/keydash/audit.jsonl` (mode 0600). Never holds a secret:
/// `AuditEntry` has no field for one.
public struct AuditLog: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        XDGDirectories.state(environment: environment) + "/audit.jsonl"
    }

    /// The demo's own log, so trying keydash never mixes into the real record.
    public static func demoPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (defaultPath(environment: environment) as NSString).deletingLastPathComponent + "/audit-demo.jsonl"
    }

    /// Appends one line. Returns a note when the file was readable by others
    /// and has been tightened to 0600.
    @discardableResult
    public func append(_ entry: AuditEntry) throws -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(entry)
        line.append(0x0A)
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let opened: PrivateFile.Opened
        do {
            opened = try PrivateFile.openForAppend(path)
        } catch let error as PrivateFileError {
            throw AuditLogError(path: path, reason: error.reason)
        }
        defer { close(opened.fd) }
        let written = line.withUnsafeBytes { write(opened.fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw AuditLogError(path: path, reason: "short write") }
        return opened.tightenedFrom.map { "audit log \(path) was readable by others (mode \(String($0, radix: 8))); it is now 0600" }
    }
}

public struct AuditLogError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write audit log \(path): \(reason)" }
}
