import Foundation

/// Files keydash appends to (the audit log, `--log-file`): opened without
/// following a symlink, created with mode 0600, and tightened to 0600 when
/// they exist with a wider mode.
public enum PrivateFile {
    public struct Opened {
        public let fd: Int32
        /// The mode the file had when it was wider than 0600 and was tightened.
        public let tightenedFrom: UInt16?
    }

    public static func openForAppend(_ path: String) throws -> Opened {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw PrivateFileError(path: path, reason: reason)
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw PrivateFileError(path: path, reason: "not a regular file")
        }
        let mode = UInt16(info.st_mode & 0o777)
        guard mode & 0o077 != 0 else { return Opened(fd: fd, tightenedFrom: nil) }
        guard fchmod(fd, 0o600) == 0 else {
            close(fd)
            throw PrivateFileError(path: path, reason: "readable by others (mode \(String(mode, radix: 8))) and cannot be made 0600")
        }
        return Opened(fd: fd, tightenedFrom: mode)
    }
}

public struct PrivateFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot use \(path): \(reason)" }
}
