import Foundation

/// A pseudo-terminal whose master side the test holds, so it can hang up the
/// program on the other side by closing it (as a dropped SSH connection does).
final class PseudoTerminal: @unchecked Sendable {
    private(set) var master: Int32
    let slavePath: String
    private let lock = NSLock()
    private var output = Data()
    private var reader: Thread?
    private var stopping = false
    private let readerDone = DispatchSemaphore(value: 0)

    init(width: Int, height: Int) throws {
        // posix_openpt and friends are not visible to Swift here: the Linux
        // ioctls they wrap (TIOCSPTLCK unlocks, TIOCGPTN names the slave).
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            throw E2EError("cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        slavePath = "/dev/pts/\(number)"
        var size = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    /// Starts `path` with the terminal as stdin, stdout and stderr, and keeps
    /// reading what it writes so it never blocks on a full buffer.
    func spawn(_ path: String, _ arguments: [String], environment: [String: String]) throws -> pid_t {
        let slave = open(slavePath, O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw E2EError("cannot open \(slavePath)") }
        defer { close(slave) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 { posix_spawn_file_actions_adddup2(&actions, slave, fd) }
        posix_spawn_file_actions_addclose(&actions, master)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = [path] + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var cEnv: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, &cArgs, &cEnv)
        guard rc == 0 else { throw E2EError("cannot start \(path): \(String(cString: strerror(rc)))") }
        let fd = master
        // Polls with a timeout: a read blocked on the master would keep it
        // open after close(2), and the hangup would never happen.
        reader = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !lock.withLock({ stopping }) {
                var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
                guard poll(&fds, 1, 50) > 0 else { continue }
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                lock.withLock { output.append(contentsOf: buffer[0..<n]) }
            }
            readerDone.signal()
        }
        reader?.start()
        return pid
    }

    func waitForOutput(containing text: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let seen = lock.withLock { String(decoding: output, as: UTF8.self) }
            if seen.contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    func closeMaster() {
        guard master >= 0 else { return }
        if reader != nil {
            lock.withLock { stopping = true }
            readerDone.wait()
            reader = nil
        }
        close(master)
        master = -1
    }

    deinit { closeMaster() }
}

/// CPU time of a child process, from /proc while it runs and from wait4 when it ends.
enum ProcessCPU {
    static func seconds(of pid: pid_t) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    struct Ended {
        var status: Int32
        var cpuSeconds: Double
    }

    /// Reaps the child within `timeout` seconds, or kills it and returns nil.
    static func waitForExit(_ pid: pid_t, timeout: TimeInterval) -> Ended? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var usage = rusage()
        while Date() < deadline {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid {
                let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
                return Ended(status: status, cpuSeconds: cpu)
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = wait4(pid, &status, 0, &usage)
        return nil
    }
}
