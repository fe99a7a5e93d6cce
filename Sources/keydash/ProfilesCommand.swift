import ArgumentParser
import Foundation
import KeyDashCore
import WhyLabsAPI

struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "The config file's profiles: endpoint, org and where each key comes from (never the key).",
        discussion: """
            A profile is a [profiles.NAME] table of the config file with endpoint, \
            org, api_key_file (or api_key, the file then mode 600), refresh, theme \
            and read_only; the top-level values are the defaults it overrides. \
            --profile NAME or KEYDASH_PROFILE picks one for any command. With \
            --check, each profile's key is tried against its own endpoint.
            """)

    @Option(help: "The profile marked as chosen (else env KEYDASH_PROFILE).")
    var profile: String?

    @Flag(help: "Ask each profile's endpoint whether its key authenticates.")
    var check = false

    @Option(help: "Give up on a check after this many seconds (default 10).")
    var timeout: Double = 10

    func validate() throws {
        if let error = Settings.requestTimeout.error(for: timeout) { throw ValidationError("--" + error.message) }
    }

    func run() async throws {
        try await reportingFailures {
            let environment = ProcessInfo.processInfo.environment
            let path = ConfigFile.defaultPath(environment: environment)
            let file: ConfigFile
            do {
                guard let loaded = try ConfigFile.load(path: path) else {
                    throw CommandFailure("no config file at \(path); profiles are [profiles.NAME] tables in it", code: ExitStatus.config)
                }
                file = loaded
            } catch let error as ConfigError {
                throw CommandFailure(error.description, code: ExitStatus.config)
            }
            guard !file.profiles.isEmpty else {
                Output.out("(no profiles in \(path))\n")
                return
            }
            let chosen = profile ?? environment["KEYDASH_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
            if let chosen, file.profiles[chosen] == nil {
                throw CommandFailure("no profile '\(Excerpt.of(chosen))' (known: \(file.profileNames.joined(separator: ", ")))", code: ExitStatus.config)
            }
            // Each profile from the config file alone, as the dashboard opens them.
            let isolated = ConnectionResolver.profileEnvironment(environment)
            var rows = [["", "PROFILE", "ENDPOINT", "ORG", "KEY FROM", "MODE"] + (check ? ["CHECK"] : [])]
            var firstFailure: Int32?
            for name in file.profileNames {
                let settings = try file.selecting(profile: name)
                let endpoint = settings.endpoint ?? ConnectionResolver.defaultEndpoint
                let keySource = settings.apiKeyFile.map { "file " + $0 } ?? (settings.apiKey != nil ? "api_key in the config file" : "none (prompt)")
                let url = URL(string: endpoint)
                let hostPort = url.flatMap { u in u.host.map { $0 + (u.port.map { ":\($0)" } ?? "") } } ?? endpoint
                var row = [name == chosen ? "*" : "", name, hostPort, settings.org ?? "(from its key)", keySource,
                           settings.readOnly == true ? "read-only" : "read-write"]
                if check {
                    let (result, code) = await Self.check(settings, environment: isolated, timeout: timeout)
                    row.append(result)
                    if let code, firstFailure == nil { firstFailure = code }
                }
                rows.append(row.map { DisplayText.sanitize($0) })
            }
            Output.out(KeyReport.layout(rows))
            if let firstFailure { throw ExitCode(firstFailure) }
        }
    }

    /// Whether the profile's key authenticates at its own endpoint: it asks
    /// for the key's own record, which any valid key may read.
    static func check(_ settings: ConfigFile, environment: [String: String], timeout: Double) async -> (String, Int32?) {
        let resolved: ResolvedConnection
        do throws(ConfigError) {
            resolved = try ConnectionResolver.resolve(flags: ConnectionFlags(), environment: environment, configFile: settings)
        } catch {
            return ("config: \(error.description)", ExitStatus.config)
        }
        guard let keyId = APIKeyFormat.keyId(of: APIKeyFormat.split(resolved.apiKey).key) else {
            return ("the key is not in the id.secret form", ExitStatus.config)
        }
        let client = WhyLabsClient(configuration: resolved.clientConfiguration(retry: RetryPolicy(maxAttempts: 1), timeout: timeout))
        do throws(APIError) {
            _ = try await client.getKey(keyId: keyId)
            await client.shutdown()
            return ("ok", nil)
        } catch {
            await client.shutdown()
            return (error.description, error.exitCode)
        }
    }
}
