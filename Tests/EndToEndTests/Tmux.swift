import Foundation
import Testing

/// A real terminal for end-to-end tests: a detached tmux session on its own
/// socket, driven with send-keys and read with capture-pane.
final class TmuxSession: @unchecked Sendable {
    let socket: String
    let name = "kd"
    let exitFile: String
    /// `stty -a` of the pane's terminal, read by `sh` right after keydash exits.
    let sttyFile: String

    /// Runs `arguments` (keydash's) in a `width`×`height` terminal. When the
    /// program ends, its exit status is written to `exitFile` and the pane
    /// stays open so the restored screen can be read.
    init(_ arguments: [String], width: Int = 120, height: Int = 40, environment: [String: String] = [:]) throws {
        socket = "keydash-e2e-\(getpid())-\(UUID().uuidString.prefix(6))"
        let dir = TempDir.make()
        exitFile = dir + "/exit"
        sttyFile = dir + "/stty"
        var env = [
            "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "XDG_CONFIG_HOME": TempDir.shared.path + "/config", "XDG_STATE_HOME": TempDir.shared.path + "/state",
        ]
        for (k, v) in environment { env[k] = v }
        let exports = env.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        // Under sh, not an interactive bash: bash would repair the tty modes
        // after the job and hide a broken restore.
        // The shell survives a Ctrl-C meant for keydash (a trap, not an ignore:
        // keydash still gets SIGINT with its default action).
        let script = "trap : INT; env -u NO_COLOR \(exports) \(Self.quote(try Binary.keydash)) \(arguments.map(Self.quote).joined(separator: " "));"
            + " echo $? > \(Self.quote(exitFile)); stty -a > \(Self.quote(sttyFile)) 2>&1; echo KEYDASH-EXITED; sleep 600"
        let command = "exec /bin/sh -c " + Self.quote(script)
        // The server forked here must not inherit a pipe we wait on.
        try tmux(["-u", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", command], capture: false)
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs tmux with posix_spawn and waitpid: the server tmux forks must
    /// not hold a pipe we read, and nothing here depends on a run loop.
    @discardableResult
    func tmux(_ args: [String], capture: Bool = true) throws -> String {
        let outPath = capture ? NSTemporaryDirectory() + "kd-tmux-\(UUID().uuidString)" : "/dev/null"
        defer { if capture { try? FileManager.default.removeItem(atPath: outPath) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ["tmux", "-L", socket] + args
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        // The test process blocks signals on its threads; a tmux server that
        // inherited that mask could never hang up its panes on kill-server.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, &attributes, &cArgs, environ)
        guard rc == 0 else { throw E2EError("cannot run tmux: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return capture ? ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "") : ""
    }

    func capture() -> String { (try? tmux(["capture-pane", "-p", "-t", name])) ?? "" }

    /// Keys as tmux names them ("Enter", "Escape", "Down") or literal text.
    func send(_ keys: String...) { _ = try? tmux(["send-keys", "-t", name] + keys, capture: false) }
    func type(_ text: String) { _ = try? tmux(["send-keys", "-t", name, "-l", text], capture: false) }

    func resize(width: Int, height: Int) { _ = try? tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"], capture: false) }

    /// Polls the screen until `predicate` holds, for at most `timeout` seconds.
    @discardableResult
    func waitFor(timeout: TimeInterval = 10, _ predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let screen = capture()
            if predicate(screen) { return screen }
            usleep(100_000)
        } while Date() < deadline
        return nil
    }

    func waitFor(_ text: String, timeout: TimeInterval = 10) -> String? {
        waitFor(timeout: timeout) { $0.contains(text) }
    }

    /// Waits until the whole list screen is painted: curses draws top to
    /// bottom, so the status line (near the bottom) comes after the rows.
    func waitForList(timeout: TimeInterval = 10) -> String? {
        waitFor(timeout: timeout) { $0.contains("updated") && $0.contains(" keys ") }
    }

    /// The terminal's modes after keydash exited, as `stty -a` printed them.
    var sttyAfterExit: String { (try? String(contentsOfFile: sttyFile, encoding: .utf8)) ?? "" }

    /// The words of `stty -a` after exit: "echo" on, "-echo" off.
    var sttyFlags: Set<String> {
        Set(sttyAfterExit.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
    }

    /// Whether the terminal is left as a shell expects it: line editing,
    /// echo and signals on, output processing on, the cursor-keys and keypad
    /// in normal mode, the normal screen shown.
    func expectRestored(_ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let flags = sttyFlags
        for flag in ["echo", "icanon", "isig", "icrnl", "opost", "onlcr"] {
            #expect(flags.contains(flag), "\(context): \(flag) is off after exit: \(sttyAfterExit)", sourceLocation: sourceLocation)
        }
        let modes = (try? tmux(["display-message", "-p", "-t", name, "#{keypad_cursor_flag} #{keypad_flag} #{alternate_on} #{mouse_any_flag}"])) ?? ""
        #expect(modes.trimmingCharacters(in: .whitespacesAndNewlines) == "0 0 0 0",
                "\(context): keypad/cursor-key mode, alternate screen or mouse reporting left on (\(modes))", sourceLocation: sourceLocation)
    }

    var exitStatus: Int32? {
        (try? String(contentsOfFile: exitFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The pid of the program running in the pane (the shell's child).
    func programPid() -> Int32? {
        guard let shell = Int32((try? tmux(["display-message", "-p", "-t", name, "#{pane_pid}"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else { return nil }
        let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").compactMap { Int32($0) }.first
    }

    func kill() { _ = try? tmux(["kill-server"], capture: false) }

    deinit { kill() }
}
