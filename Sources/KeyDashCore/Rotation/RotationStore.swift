import Foundation
import WhyLabsAPI

/// Pending rotations in `$XDG_STATE_HOME/keydash/rotations.json` (mode
/// 0600, no secrets). Every change is a read-modify-write under an
/// exclusive lock, written to a temporary file and renamed over the old
/// one, so the dashboard and the command line can share it and a crash
/// never leaves half a file.
public struct RotationStore: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        XDGDirectories.state(environment: environment) + "/rotations.json"
    }

    struct File: Codable {
        var rotations: [PendingRotation]
    }

    /// Every pending rotation (of every org); none when there is no file.
    public func load() throws(RotationStoreError) -> [PendingRotation] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RotationStoreError(path: path, reason: "cannot read it")
        }
        do {
            return try Self.decoder.decode(File.self, from: data).rotations
        } catch {
            throw RotationStoreError(path: path, reason: "not a rotations file keydash wrote (\(Excerpt.of(String(describing: error))))")
        }
    }

    /// Changes the stored rotations under the lock and returns them as written.
    @discardableResult
    public func modify(_ change: (inout [PendingRotation]) -> Void) throws(RotationStoreError) -> [PendingRotation] {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw RotationStoreError(path: path, reason: "cannot create \(directory)")
        }
        let lock = open(path + ".lock", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0 else { throw RotationStoreError(path: path, reason: "cannot open its lock: \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw RotationStoreError(path: path, reason: "cannot lock it") }
        }
        var rotations = try load()
        change(&rotations)
        try store(rotations)
        return rotations
    }

    public func add(_ rotation: PendingRotation) throws(RotationStoreError) {
        try modify { all in
            all.removeAll { $0.org == rotation.org && $0.oldKeyId == rotation.oldKeyId }
            all.append(rotation)
        }
    }

    public func remove(org: String, oldKeyId: String) throws(RotationStoreError) {
        try modify { $0.removeAll { $0.org == org && $0.oldKeyId == oldKeyId } }
    }

    /// Replaces the record of the same org and old key, if it is still there.
    public func update(_ rotation: PendingRotation) throws(RotationStoreError) {
        try modify { all in
            if let i = all.firstIndex(where: { $0.org == rotation.org && $0.oldKeyId == rotation.oldKeyId }) { all[i] = rotation }
        }
    }

    private func store(_ rotations: [PendingRotation]) throws(RotationStoreError) {
        let data: Data
        do {
            data = try Self.encoder.encode(File(rotations: rotations))
        } catch {
            throw RotationStoreError(path: path, reason: "cannot encode it")
        }
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw RotationStoreError(path: path, reason: "cannot write: \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw RotationStoreError(path: path, reason: "cannot write it")
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .millisecondsSince1970
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()
}

public struct RotationStoreError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "rotations file \(path): \(reason)" }
}
