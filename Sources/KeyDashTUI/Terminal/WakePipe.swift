import Foundation

/// Things that happen off the curses thread (finished requests, signals),
/// queued for it, with a byte on a pipe to wake its poll().
final class EventQueue: @unchecked Sendable {
    enum Event: Sendable {
        /// An action for the view of this profile ("" when there are none).
        case action(Action, view: String)
        case signal(Int32)
    }

    private let lock = NSLock()
    private var events: [Event] = []
    let readFD: Int32
    private let writeFD: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TerminalError(description: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        readFD = fds[0]
        writeFD = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
    }

    func post(_ event: Event) {
        lock.withLock { events.append(event) }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    func drain() -> [Event] {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readFD, &buffer, buffer.count) > 0 {}
        return lock.withLock {
            defer { events.removeAll() }
            return events
        }
    }

    deinit {
        close(readFD)
        close(writeFD)
    }
}

import KeyDashCore
