import ArgumentParser
import Foundation
import KeyDashCore
import KeyDashTUI
import KeyServer
import Logging
import WhyLabsAPI

struct DashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dash",
        abstract: "The interactive dashboard (the default command).",
        discussion: "Press ? inside for the keys. --demo needs no account: it runs a local key server with sample data.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Start filtered to one user.")
    var user: String?

    @Option(help: "Auto-refresh period in seconds; 0 = manual only (default 30, or refresh in the config file).")
    var refresh: Double?

    @Option(help: "A theme name (default, light, solarized-dark, high-contrast, mono) or a theme file.")
    var theme: String?

    @Flag(help: "No create, no revoke (for monitors on shared screens).")
    var readOnly = false

    @Flag(help: "Run on an embedded local key server with sample data; needs no account.")
    var demo = false

    @Option(help: "Write diagnostics here (never contains a key).")
    var logFile: String?

    @Flag(help: "Ring the bell and send a desktop notification (OSC 9 and 777) when keys change; at most one a second.")
    var notify = false

    func validate() throws {
        if let refresh, let error = Settings.refresh.error(for: refresh) { throw ValidationError("--" + error.message) }
        if demo && (connection.endpoint != nil || connection.apiKeyFile != nil) {
            throw ValidationError("--demo runs its own server: leave out --endpoint and --api-key-file")
        }
    }

    func run() async throws {
        try await reportingFailures {
            let environment = ProcessInfo.processInfo.environment
            let configFile: ConfigFile?
            do {
                configFile = try ConfigFile.load(path: ConfigFile.defaultPath(environment: environment))
            } catch {
                throw CommandFailure("\(error)", code: ExitStatus.config)
            }
            let logger = try makeLogger()
            let period = refresh ?? configFile?.refresh ?? 30
            let policy = configFile?.effectivePolicy ?? .hygieneDefaults
            let themeName = theme ?? configFile?.theme
            let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
            if demo {
                try await runDemo(period: period, themeName: themeName, noColor: noColor, policy: policy, logger: logger)
            } else {
                let resolved = try connection.resolve()
                let client = WhyLabsClient(configuration: resolved.clientConfiguration(timeout: connection.timeout), logger: logger)
                let ownKeyId = APIKeyFormat.keyId(of: APIKeyFormat.split(resolved.apiKey).key)
                var state = DashboardState(orgId: resolved.orgId, endpointHost: resolved.host, readOnly: readOnly,
                                           refreshPeriod: period, userFilter: user, ownKeyId: ownKeyId, policy: policy,
                                           rotations: try loadRotations(), now: Date())
                state.notifyChanges = notify
                do {
                    try await runDashboard(state: state, service: client, themeName: themeName, noColor: noColor)
                } catch {
                    await client.shutdown()
                    throw error
                }
                await client.shutdown()
            }
        }
    }

    /// The demo keeps its rotations apart, as its audit log: its keys live only as long as it runs.
    private var rotationStore: RotationStore {
        let path = RotationStore.defaultPath()
        return RotationStore(path: demo ? (path as NSString).deletingLastPathComponent + "/rotations-demo.json" : path)
    }

    private func loadRotations() throws -> [PendingRotation] {
        do {
            return try rotationStore.load()
        } catch {
            throw CommandFailure(error.description, code: ExitStatus.config)
        }
    }

    private func runDemo(period: Double, themeName: String?, noColor: Bool, policy: Policy, logger: Logger) async throws {
        var serverLogger = logger
        serverLogger.logLevel = .warning
        let server = try await KeyServer.prepare(KeyServerConfiguration(
            host: "127.0.0.1", port: 0, databasePath: ":memory:", orgId: "org-demo", seedDemo: 200), logger: serverLogger)
        try await server.withRunning { port in
            let client = WhyLabsClient(configuration: .init(
                endpoint: URL(string: "http://127.0.0.1:\(port)")!, orgId: "org-demo", apiKey: server.adminKey), logger: logger)
            // Gentle activity, so the monitor has something to show.
            let activity = Task {
                var tick = 0
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 12_000_000_000)
                    tick += 1
                    try? await server.simulateActivity(step: tick)
                }
            }
            // Each demo server is new: rotations kept from an earlier demo name keys gone with it.
            _ = try? rotationStore.modify { $0.removeAll() }
            var state = DashboardState(orgId: "org-demo", endpointHost: "127.0.0.1:\(port) (demo)", readOnly: readOnly,
                                       refreshPeriod: period == 30 ? 15 : period, userFilter: user,
                                       ownKeyId: APIKeyFormat.keyId(of: APIKeyFormat.split(server.adminKey).key), policy: policy, now: Date())
            state.notifyChanges = notify
            do {
                try await runDashboard(state: state, service: client, themeName: themeName, noColor: noColor)
            } catch {
                activity.cancel()
                await client.shutdown()
                throw error
            }
            activity.cancel()
            await client.shutdown()
        }
    }

    private func runDashboard(state: DashboardState, service: any APIKeyService, themeName: String?, noColor: Bool) async throws {
        let auditPath = demo ? AuditLog.demoPath() : AuditLog.defaultPath()
        let app = DashboardApp(state: state, service: service, catalog: .standard(),
                               options: .init(themeName: themeName, noColor: noColor), auditLog: AuditLog(path: auditPath),
                               rotationStore: rotationStore)
        do {
            try app.prepareTheme()
        } catch let error as ThemeError {
            throw CommandFailure(error.description, code: ExitStatus.config)
        }
        // curses lives on a thread of its own: its loop blocks in poll().
        let failure: String? = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                do {
                    try app.run()
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: "\(error)")
                }
            }
        }
        if let failure { throw CommandFailure(failure, code: ExitStatus.usage) }
    }

    private func makeLogger() throws -> Logger {
        guard let logFile else {
            var logger = Logger(label: "keydash", factory: { _ in SwiftLogNoOpLogHandler() })
            logger.logLevel = .critical
            return logger
        }
        let handler = try FileLogHandler(path: logFile)
        var logger = Logger(label: "keydash", factory: { _ in handler })
        logger.logLevel = .debug
        return logger
    }
}
