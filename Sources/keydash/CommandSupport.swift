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
        FileHandle.standardOutput.write(Data(text.utf8))
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
