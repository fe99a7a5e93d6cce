import ArgumentParser
import Foundation
import WhyLabsAPI

/// The options every command that talks to the API accepts.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "API base URL (env WHYLABS_API_ENDPOINT; default https://api.whylabsapp.com).")
    var endpoint: String?

    @Option(help: "Organization id (env WHYLABS_DEFAULT_ORG_ID; else the key's :org-… suffix).")
    var org: String?

    @Option(help: "A file holding the API key (else env WHYLABS_API_KEY, the config file, or a prompt).")
    var apiKeyFile: String?

    @Flag(help: "Allow plain http:// to a host that is not loopback.")
    var allowInsecureHTTP = false

    @Option(help: "Give up on a request after this many seconds, answer included (default 45).")
    var timeout: Double = 45

    @Option(help: "A profile from the config file ([profiles.NAME]); else env KEYDASH_PROFILE.")
    var profile: String?

    /// `--profile`, else `KEYDASH_PROFILE`.
    func profileName(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        profile ?? environment["KEYDASH_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        if let error = Settings.requestTimeout.error(for: timeout) { throw ValidationError("--" + error.message) }
    }

    var flags: ConnectionFlags {
        ConnectionFlags(endpoint: endpoint, org: org, apiKeyFile: apiKeyFile, allowInsecureHTTP: allowInsecureHTTP)
    }

    /// The config file as the chosen profile sees it, or nil when there is
    /// none; a broken one, or a profile it lacks, is a one-line error.
    func configFile(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigFile? {
        do {
            let file = try ConfigFile.load(path: ConfigFile.defaultPath(environment: environment))
            let name = profileName(environment: environment)
            guard let file else {
                if let name { throw ConfigError.invalid(path: ConfigFile.defaultPath(environment: environment), line: nil, reason: "no profile '\(Excerpt.of(name))': there is no config file") }
                return nil
            }
            return try file.selecting(profile: name)
        } catch let error as ConfigError {
            throw CommandFailure(error.description, code: ExitStatus.config)
        }
    }

    /// Applies precedence and reads the key, or fails with a one-line message.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ResolvedConnection {
        let configFile = try self.configFile(environment: environment)
        do {
            return try ConnectionResolver.resolve(
                flags: flags, environment: environment, configFile: configFile,
                promptForKey: { TerminalPrompt.readSecret(prompt: "WhyLabs API key: ") })
        } catch {
            throw CommandFailure(error.description, code: ExitStatus.config)
        }
    }
}
