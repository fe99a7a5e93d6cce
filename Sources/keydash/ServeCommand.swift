import ArgumentParser
import Foundation
import Hummingbird
import KeyServer
import WhyLabsAPI

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a local WhyLabs-compatible API-key server (SQLite-backed).",
        discussion: """
            Prints the address it listens on and where the admin key is. Use \
            --port 0 for any free port. The admin key file is created with mode \
            600 when it does not exist.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 = any free port).")
    var port = 8080

    @Option(help: "SQLite database file, or :memory:.")
    var db = ":memory:"

    @Option(help: "The organization id the server hosts.")
    var org = "org-demo"

    @Option(help: "File with the admin key (created if missing; default $XDG_STATE_HOME/keydash/serve-ORG.key).")
    var adminKeyFile: String?

    @Option(help: "Seed this many realistic sample keys.")
    var seedDemo = 0

    @Option(help: "Delay every answer by this many milliseconds.")
    var latency = 0

    @Option(help: "Answer this fraction of requests (0..1) with a 500.")
    var failRate = 0.0

    @Option(help: "Allow this many requests per minute per organization, then 429.")
    var rateLimit: Int?

    @Option(help: "Refuse to create keys beyond this many active keys (\"Key limit reached\").")
    var keyLimit: Int?

    @Flag(help: "Print one line per request: method, path, status, request id, and the id of the calling key (never the key).")
    var logRequests = false

    func validate() throws {
        if let error = configuration(adminKeyFile: nil).validationError { throw ValidationError("--" + error.message) }
    }

    private func configuration(adminKeyFile: String?) -> KeyServerConfiguration {
        var config = KeyServerConfiguration(
            host: host, port: port, databasePath: db, orgId: org, adminKeyFile: adminKeyFile,
            seedDemo: seedDemo, latencyMs: latency, failRate: failRate,
            rateLimitPerMinute: rateLimit, keyLimit: keyLimit)
        config.logRequests = logRequests
        return config
    }

    func run() async throws {
        try await reportingFailures {
            if !ConnectionResolver.isLoopback(host: host) {
                Output.err("warning: --host \(host) serves plain http beyond this machine: keys cross the network unencrypted")
            }
            let keyFile = try adminKeyFile ?? StatePaths.defaultAdminKeyFile(org: org)
            let config = configuration(adminKeyFile: keyFile)
            let server: KeyServer
            do {
                server = try await KeyServer.prepare(config)
            } catch let error as KeyServerError {
                throw CommandFailure(error.description, code: ExitStatus.config)
            }
            let count = try await server.storedKeyCount()
            let app = server.application(onServerRunning: { port in
                Output.out("keydash serve: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port) (org \(org), \(count) keys)\nadmin key file: \(keyFile)\n")
            })
            do {
                try await app.runService()
            } catch {
                throw CommandFailure("server stopped: \(error)", code: ExitStatus.unreachable)
            }
        }
    }
}

enum StatePaths {
    /// `$XDG_STATE_HOME/keydash` (default `~/.local/state/keydash`), made with mode 0700.
    static func directory() throws -> String {
        let dir = XDGDirectories.state()
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandFailure("cannot create \(dir): \(error.localizedDescription)", code: ExitStatus.config)
        }
        return dir
    }

    static func defaultAdminKeyFile(org: String) throws -> String {
        try directory() + "/serve-\(org).key"
    }
}
