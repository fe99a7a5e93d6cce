import Foundation

/// Questions asked on the controlling terminal, never on a pipe.
enum TerminalPrompt {
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }

    /// Reads a line without echo (for the API key), or nil when there is no
    /// terminal. Echo comes back on every way out: Enter, end of input, and
    /// Ctrl-C or another signal that ends the process mid-prompt.
    static func readSecret(prompt: String) -> String? {
        guard isInteractive else { return nil }
        FileHandle.standardError.write(Data(prompt.utf8))
        guard tcgetattr(STDIN_FILENO, EchoRestore.saved) == 0 else { return nil }
        EchoRestore.armed = true
        let previous = [SIGINT, SIGTERM, SIGHUP, SIGQUIT].map { sig in (sig, signal(sig, EchoRestore.handler)) }
        var silent = EchoRestore.saved.pointee
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, EchoRestore.saved)
            EchoRestore.armed = false
            for (sig, handler) in previous { signal(sig, handler) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return Swift.readLine(strippingNewline: true)
    }

    static func readLine(prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        return Swift.readLine(strippingNewline: true)
    }
}

/// The terminal modes from before a no-echo prompt, put back by a signal
/// handler (tcsetattr and write are async-signal-safe) before the signal
/// takes its default course.
private enum EchoRestore {
    nonisolated(unsafe) static let saved = UnsafeMutablePointer<termios>.allocate(capacity: 1)
    nonisolated(unsafe) static var armed = false

    static let handler: @convention(c) (Int32) -> Void = { sig in
        if EchoRestore.armed {
            _ = tcsetattr(STDIN_FILENO, TCSANOW, EchoRestore.saved)
            var newline: UInt8 = 0x0A
            _ = write(STDERR_FILENO, &newline, 1)
        }
        signal(sig, SIG_DFL)
        raise(sig)
    }
}
