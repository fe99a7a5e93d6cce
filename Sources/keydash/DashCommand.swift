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
        HeapTrim.prepare()
        try await reportingFailures {
            let environment = ProcessInfo.processInfo.environment
            let configFile = try connection.configFile(environment: environment)
            let logger = try makeLogger()
            let period = refresh ?? configFile?.refresh ?? 30
            let policy = configFile?.effectivePolicy ?? .hygieneDefaults
            let themeName = theme ?? configFile?.theme
            let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
            if demo {
                try await runDemo(period: period, themeName: themeName, noColor: noColor, policy: policy, logger: logger)
            } else {
                let resolved = try connection.resolve()
                let rotations = try loadRotations()  // every org's: each view keeps its own
                let clients = ClientRegistry()
                let client = clients.add(WhyLabsClient(configuration: resolved.clientConfiguration(timeout: connection.timeout), logger: logger))
                let ownKeyId = APIKeyFormat.keyId(of: APIKeyFormat.split(resolved.apiKey).key)
                var state = DashboardState(orgId: resolved.orgId, endpointHost: resolved.host,
                                           readOnly: readOnly || configFile?.readOnly == true,
                                           refreshPeriod: period, userFilter: user, ownKeyId: ownKeyId, policy: policy,
                                           rotations: rotations, now: Date())
                state.profile = configFile?.profile
                state.notifyChanges = notify
                let profiles = try configFile.map { try dashboardProfiles($0, starting: state, rotations: rotations, clients: clients, logger: logger) } ?? []
                do {
                    try await runDashboard(state: state, service: client, themeName: themeName, noColor: noColor, profiles: profiles)
                } catch {
                    await clients.shutdown()
                    throw error
                }
                await clients.shutdown()
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

    /// The config file's profiles for the picker. Each is opened (its key read,
    /// its client made) the first time it is shown, from the config file
    /// alone: the flags and environment that chose the starting connection
    /// never send its key, endpoint or org to another profile. `--read-only`,
    /// `--refresh` and `--notify` hold for every profile.
    private func dashboardProfiles(_ config: ConfigFile, starting: DashboardState, rotations: [PendingRotation],
                                   clients: ClientRegistry, logger: Logger) throws -> [DashboardProfile] {
        guard !config.profiles.isEmpty else { return [] }
        let isolated = ConnectionResolver.profileEnvironment(ProcessInfo.processInfo.environment)
        var list: [DashboardProfile] = []
        if starting.profile == nil {
            // The view started from the top level stays reachable.
            list.append(DashboardProfile(summary: ProfileSummary(name: "", orgId: starting.orgId, endpointHost: starting.endpointHost, readOnly: starting.readOnly),
                                         themeName: nil, open: { throw CommandFailure("already open", code: ExitStatus.usage) }))
        }
        for name in config.profileNames {
            let chosen = try config.selecting(profile: name)
            let url = URL(string: chosen.endpoint ?? ConnectionResolver.defaultEndpoint)
            let host = url.flatMap { u in u.host.map { $0 + (u.port.map { ":\($0)" } ?? "") } } ?? (chosen.endpoint ?? "")
            let summary = ProfileSummary(name: name, orgId: chosen.org ?? "org from its key", endpointHost: host,
                                         readOnly: readOnly || chosen.readOnly == true)
            let (timeout, insecure, flagRefresh, user, notify, policy) = (connection.timeout, connection.allowInsecureHTTP, refresh, self.user, self.notify, starting.policy)
            let themeName = theme == nil ? chosen.theme : nil
            list.append(DashboardProfile(summary: summary, themeName: themeName, open: {
                let resolved: ResolvedConnection
                do throws(ConfigError) {
                    resolved = try ConnectionResolver.resolve(flags: ConnectionFlags(allowInsecureHTTP: insecure), environment: isolated, configFile: chosen)
                } catch {
                    throw CommandFailure(error.description, code: ExitStatus.config)
                }
                let client = clients.add(WhyLabsClient(configuration: resolved.clientConfiguration(timeout: timeout), logger: logger))
                var state = DashboardState(orgId: resolved.orgId, endpointHost: resolved.host, readOnly: summary.readOnly,
                                           refreshPeriod: flagRefresh ?? chosen.refresh ?? 30, userFilter: user,
                                           ownKeyId: APIKeyFormat.keyId(of: APIKeyFormat.split(resolved.apiKey).key),
                                           policy: policy, rotations: rotations, now: Date())
                state.notifyChanges = notify
                return (state, client)
            }))
        }
        return list
    }

    private func runDashboard(state: DashboardState, service: any APIKeyService, themeName: String?, noColor: Bool,
                              profiles: [DashboardProfile] = []) async throws {
        let auditPath = demo ? AuditLog.demoPath() : AuditLog.defaultPath()
        let app = DashboardApp(state: state, service: service, catalog: .standard(),
                               options: .init(themeName: themeName, noColor: noColor), auditLog: AuditLog(path: auditPath),
                               rotationStore: rotationStore, profiles: profiles)
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

/// Every client the dashboard made (one per profile opened), shut down together at the end.
final class ClientRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var clients: [WhyLabsClient] = []

    func add(_ client: WhyLabsClient) -> WhyLabsClient {
        lock.withLock { clients.append(client) }
        return client
    }

    func shutdown() async {
        for client in lock.withLock({ clients }) { await client.shutdown() }
    }
}
