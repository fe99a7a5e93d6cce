import ArgumentParser
import Foundation
import WhyLabsAPI

/// A failure the user sees as one line on stderr, with its exit code.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    let code: Int32
    init(_ description: String, code: Int32) {
        self.description = description
        self.code = code
    }
}

enum Output {
    static func out(_ text: String) {
        out(bytes: Array(text.utf8))
    }

    /// Everything in as few writes as the pipe takes.
    static func out(bytes: [UInt8]) {
        _ = writeAll(bytes)
    }

    /// Pieces one after another, as one output; stops at the first write
    /// that fails (a closed pipe), like `out(bytes:)`.
    static func out(pieces: [[UInt8]]) {
        for piece in pieces {
            guard writeAll(piece) else { return }
        }
    }

    /// False when a write failed.
    private static func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
            }
            return true
        }
    }

    /// One line on stderr. Whatever it quotes (server messages, request ids,
    /// paths) passes the sanitizer here as well, the last gate to the terminal.
    static func err(_ line: String) {
        FileHandle.standardError.write(Data(("keydash: " + DisplayText.sanitize(line) + "\n").utf8))
    }
}

/// Runs a command body with a client, shuts the client down, and turns every
/// failure into one line on stderr and the documented exit code.
func withClient(_ connection: ConnectionOptions, retry: RetryPolicy = RetryPolicy(), _ body: (WhyLabsClient) async throws -> Void) async throws {
    try await reportingFailures {
        let resolved = try connection.resolve()
        let client = WhyLabsClient(configuration: resolved.clientConfiguration(retry: retry, timeout: connection.timeout))
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}

func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CommandFailure {
        Output.err(error.description)
        throw ExitCode(error.code)
    } catch let error as APIError {
        Output.err(error.description)
        throw ExitCode(error.exitCode)
    } catch let error as ConfigError {
        Output.err(error.description)
        throw ExitCode(ExitStatus.config)
    }
}
