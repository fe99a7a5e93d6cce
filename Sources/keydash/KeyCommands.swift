import ArgumentParser
import Foundation
import KeyDashCore
import WhyLabsAPI

extension KeyReport.Format: ExpressibleByArgument {}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the organization's API keys (metadata only, never secrets).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Only this user's keys (the server then includes their revoked keys).")
    var user: String?

    @Flag(help: "Include revoked keys (fetched per user; the org-wide list leaves them out).")
    var includeRevoked = false

    @Option(help: "table, json or csv.")
    var format: KeyReport.Format = .table

    func run() async throws {
        try await withClient(connection) { client in
            if user == nil && !includeRevoked && format == .json {
                // Written as the answer is read: no array of keys in between.
                let list = try await client.readList(userId: nil, into: KeyJSONWriter.PrettyList.self)
                Output.out(pieces: list.finishPieces())
                return
            }
            var keys: [UserApiKey]
            if let user {
                keys = try await client.listKeys(userId: user)
                if !includeRevoked { keys.removeAll { $0.isRevoked } }
            } else if includeRevoked {
                keys = try await RevokedKeyCollector.allKeys(using: client)
            } else {
                keys = try await client.listKeys(userId: nil)
            }
            switch format {
            case .table: Output.out(KeyReport.table(keys, now: Date()))
            case .json: Output.out(bytes: KeyReport.json(list: keys))
            case .csv: Output.out(bytes: KeyReport.csvBytes(keys))
            }
        }
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one API key's metadata.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The key id (10 characters, the part before the dot).")
    var keyId: String

    @Option(help: "table or json.")
    var format: KeyReport.Format = .table

    func validate() throws {
        if format == .csv { throw ValidationError("--format must be table or json for get") }
        if keyId.isEmpty { throw ValidationError("KEY_ID must not be empty") }
    }

    func run() async throws {
        try await withClient(connection) { client in
            let policy = try connection.configFile()?.effectivePolicy ?? .hygieneDefaults
            let key = try await client.getKey(keyId: keyId)
            switch format {
            case .json: Output.out(bytes: KeyReport.json(response: key))
            default: Output.out(KeyReport.detail(key, now: Date(), policy: policy))
            }
        }
    }
}

struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API key for a user and print its secret once.",
        discussion: "Scopes: \(KeyScope.all.joined(separator: ", ")).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The user the key belongs to.")
    var user: String

    @Option(help: "A human-friendly name for the key.")
    var alias: String?

    @Option(name: .customLong("scope"), help: "A scope such as :user or :write_data (repeatable).")
    var scopes: [String] = []

    @Option(help: "90d, 12h, 1y, a date (2027-01-31) or never.")
    var expires: String = "never"

    @Option(help: "table or json.")
    var format: KeyReport.Format = .table

    func validate() throws {
        if format == .csv { throw ValidationError("--format must be table or json for create") }
        if ExpirySpec.parse(expires) == nil {
            throw ValidationError("--expires must look like 90d, 12h, 1y, 2027-01-31 or never (got '\(Excerpt.of(expires))')")
        }
        for scope in scopes where !KeyScope.isValid(scope) {
            throw ValidationError("unknown scope '\(Excerpt.of(scope))'; known: \(KeyScope.all.joined(separator: " "))")
        }
        if user.isEmpty { throw ValidationError("--user must not be empty") }
    }

    func run() async throws {
        let expiration = ExpirySpec.parse(expires)!.date(from: Date())
        try await withClient(connection) { client in
            let change = try await client.createKey(CreateKeyRequest(userId: user, alias: alias, scopes: scopes, expiration: expiration))
            switch format {
            case .json: Output.out(bytes: KeyReport.json(key: change.key))
            default:
                Output.out(KeyReport.detail(change.key.withoutSecret, now: Date()))
                if let secret = change.key.key {
                    Output.out("\nSecret (shown once, store it now):\n\(DisplayText.sanitize(secret))\n")
                }
            }
        }
    }
}

struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a user's API key. Asks for the key id on a terminal unless --yes.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The user the key belongs to.")
    var user: String

    @Argument(help: "The key id to revoke.")
    var keyId: String

    @Flag(help: "Do not ask; required when not on a terminal.")
    var yes = false

    @Option(help: "table or json.")
    var format: KeyReport.Format = .table

    func validate() throws {
        if format == .csv { throw ValidationError("--format must be table or json for revoke") }
    }

    func run() async throws {
        if !yes && !TerminalPrompt.isInteractive {
            try await reportingFailures {
                throw CommandFailure("not on a terminal: pass --yes to revoke without asking", code: ExitStatus.usage)
            }
        }
        // No retries for the revoke itself beyond what provably never reached the server.
        try await withClient(connection) { client in
            if !yes {
                let key = try await client.getKey(keyId: keyId)
                Output.out(KeyReport.detail(key, now: Date()))
                Output.out("\nRevoking stops every program using this key at once.\n")
                let answer = TerminalPrompt.readLine(prompt: "Type the key id (\(DisplayText.sanitize(keyId))) to revoke it: ")
                guard answer?.trimmingCharacters(in: .whitespaces) == keyId else {
                    throw CommandFailure("not revoked", code: ExitStatus.declined)
                }
            }
            let change = try await client.revokeKey(userId: user, keyId: keyId)
            switch format {
            case .json: Output.out(bytes: KeyReport.json(key: change.key))
            default: Output.out("revoked \(DisplayText.sanitize(change.key.keyId)) (\(DisplayText.sanitize(change.key.alias ?? "no alias")), user \(DisplayText.sanitize(change.key.userId)))\n")
            }
        }
    }
}
