import Foundation
import Testing
@testable import WhyLabsAPI

@Suite struct ConnectionSettingsTests {
    static let key = "fh4dUNV3WQ." + String(repeating: "a", count: 53)

    func resolve(_ flags: ConnectionFlags = .init(), env: [String: String] = [:], file: ConfigFile? = nil,
                 keyFile: String? = nil) throws(ConfigError) -> ResolvedConnection {
        try ConnectionResolver.resolve(flags: flags, environment: env, configFile: file, readKeyFile: { path throws(ConfigError) in
            guard let keyFile else { throw .unreadable(path: path, reason: "no such file") }
            return keyFile
        })
    }

    @Test func flagBeatsEnvironmentBeatsConfigBeatsDefault() throws {
        let file = ConfigFile(path: "c.toml", endpoint: "https://config.example", org: "org-config", apiKey: Self.key)
        let env = ["WHYLABS_API_ENDPOINT": "https://env.example", "WHYLABS_DEFAULT_ORG_ID": "org-env", "WHYLABS_API_KEY": Self.key + "x"]
        let all = try resolve(ConnectionFlags(endpoint: "https://flag.example", org: "org-flag", apiKeyFile: "k"), env: env, file: file, keyFile: Self.key + "\n")
        #expect(all.endpoint.absoluteString == "https://flag.example")
        #expect(all.orgId == "org-flag")
        #expect(all.apiKey == Self.key)
        #expect(all.keySource == "k")

        let envWins = try resolve(env: env, file: file)
        #expect(envWins.endpoint.absoluteString == "https://env.example")
        #expect(envWins.orgId == "org-env")
        #expect(envWins.keySource == "WHYLABS_API_KEY")

        let configWins = try resolve(file: file)
        #expect(configWins.endpoint.absoluteString == "https://config.example")
        #expect(configWins.orgId == "org-config")
        #expect(configWins.keySource == "c.toml")

        let defaults = try resolve(env: ["WHYLABS_API_KEY": Self.key, "WHYLABS_DEFAULT_ORG_ID": "org-1"])
        #expect(defaults.endpoint.absoluteString == "https://api.whylabsapp.com")
    }

    @Test func keySuffixGivesTheOrgAndBeatsTheEnvironment() throws {
        let resolved = try resolve(env: ["WHYLABS_API_KEY": Self.key + ":org-suffix", "WHYLABS_DEFAULT_ORG_ID": "org-env"])
        #expect(resolved.orgId == "org-suffix")
        let flagged = try resolve(ConnectionFlags(org: "org-flag"), env: ["WHYLABS_API_KEY": Self.key + ":org-suffix"])
        #expect(flagged.orgId == "org-flag")
    }

    @Test func missingPiecesAreClearErrors() {
        #expect(throws: ConfigError.missingKey) { try resolve(env: ["WHYLABS_DEFAULT_ORG_ID": "o"]) }
        #expect(throws: ConfigError.missingOrg) { try resolve(env: ["WHYLABS_API_KEY": Self.key]) }
        #expect(throws: ConfigError.badKey(source: "k")) { try resolve(ConnectionFlags(org: "o", apiKeyFile: "k"), keyFile: "\n \n") }
    }

    @Test func plainHTTPOnlyToLoopbackUnlessAllowed() throws {
        let env = ["WHYLABS_API_KEY": Self.key, "WHYLABS_DEFAULT_ORG_ID": "o"]
        for ok in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"] {
            _ = try resolve(ConnectionFlags(endpoint: ok), env: env)
        }
        #expect(throws: ConfigError.insecureEndpoint("http://keys.example.com")) {
            try resolve(ConnectionFlags(endpoint: "http://keys.example.com"), env: env)
        }
        _ = try resolve(ConnectionFlags(endpoint: "http://keys.example.com", allowInsecureHTTP: true), env: env)
        #expect(throws: ConfigError.self) { try resolve(ConnectionFlags(endpoint: "ftp://x"), env: env) }
        #expect(throws: ConfigError.self) { try resolve(ConnectionFlags(endpoint: "not a url"), env: env) }
    }

    @Test func configFileParsesAndRefusesAReadableKey() throws {
        let text = """
            endpoint = "https://api.example"
            org = "org-9"
            api_key = "\(Self.key)"
            refresh = 15
            theme = "light"
            """
        let parsed = try ConfigFile.parse(text, path: "/c.toml", mode: 0o600)
        #expect(parsed.endpoint == "https://api.example")
        #expect(parsed.refresh == 15)
        #expect(parsed.theme == "light")
        #expect(throws: ConfigError.tooOpen(path: "/c.toml", mode: 0o644)) { try ConfigFile.parse(text, path: "/c.toml", mode: 0o644) }
        // Without a key, a readable file is fine.
        _ = try ConfigFile.parse("org = \"o\"", path: "/c.toml", mode: 0o644)
    }

    @Test func badConfigNamesTheFileAndLine() {
        do {
            _ = try ConfigFile.parse("org = \"o\"\nrefresh = = 3\n", path: "/c.toml", mode: 0o600)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/c.toml:2:"))
        }
        #expect(throws: ConfigError.self) { try ConfigFile.parse("colour = \"red\"", path: "/c.toml", mode: 0o600) }
        #expect(throws: ConfigError.self) { try ConfigFile.parse("refresh = \"soon\"", path: "/c.toml", mode: 0o600) }
    }

    @Test func numericSettingsOutOfRangeAreClearErrorsNotTraps() {
        for value in ["inf", "-inf", "nan", "1.8e10", "86401", "-1"] {
            do {
                _ = try ConfigFile.parse("refresh = \(value)\n", path: "/c.toml", mode: 0o600)
                Issue.record("refresh = \(value) was accepted")
            } catch {
                #expect(error.description == "/c.toml: refresh must be between 0 and 86400 seconds (got \(value == "1.8e10" ? "18000000000" : value))",
                        "\(error.description)")
            }
        }
        #expect((try? ConfigFile.parse("refresh = 86400\n", path: "/c.toml", mode: 0o600))?.refresh == 86_400)
        #expect(Settings.latency.error(for: Int.max) != nil)
        #expect(Settings.failRate.error(for: Double.nan) != nil)
        #expect(Settings.port.error(for: 65_536) != nil)
        #expect(Settings.refresh.error(for: 0) == nil)
    }

    @Test func keyFileMustBeARegularPrivateFileNotALink() throws {
        let dir = NSTemporaryDirectory() + "keydash-keyfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let real = dir + "/real.key"
        _ = FileManager.default.createFile(atPath: real, contents: Data(Self.key.utf8), attributes: [.posixPermissions: 0o600])
        #expect(try SecretFilePermissions.readKeyFile(real) == Self.key)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.key", withDestinationPath: real)
        #expect(throws: ConfigError.unreadable(path: dir + "/link.key", reason: "is a symbolic link; give the file itself")) {
            try SecretFilePermissions.readKeyFile(dir + "/link.key")
        }
        chmod(dir, 0o700)
        #expect(throws: ConfigError.unreadable(path: dir, reason: "not a regular file")) { try SecretFilePermissions.readKeyFile(dir) }
        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        #expect(throws: ConfigError.unreadable(path: dir + "/fifo", reason: "not a regular file")) { try SecretFilePermissions.readKeyFile(dir + "/fifo") }
        #expect(throws: ConfigError.unreadable(path: dir + "/none", reason: "no such file")) { try SecretFilePermissions.readKeyFile(dir + "/none") }
    }

    @Test func keyFileWithOpenPermissionsIsRefused() throws {
        let path = NSTemporaryDirectory() + "keydash-test-\(UUID().uuidString).key"
        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.key.utf8), attributes: [.posixPermissions: 0o644])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigError.tooOpen(path: path, mode: 0o644)) { try SecretFilePermissions.readKeyFile(path) }
        chmod(path, 0o600)
        #expect(try SecretFilePermissions.readKeyFile(path) == Self.key)
    }

    @Test func proxyFromEnvironmentExceptLoopbackAndNoProxy() {
        let url = URL(string: "https://api.whylabsapp.com")!
        #expect(ConnectionResolver.proxy(for: url, environment: ["HTTPS_PROXY": "http://proxy.corp:3128"]) == ProxySetting(host: "proxy.corp", port: 3128))
        #expect(ConnectionResolver.proxy(for: url, environment: ["https_proxy": "proxy.corp"]) == ProxySetting(host: "proxy.corp", port: 8080))
        #expect(ConnectionResolver.proxy(for: url, environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": ".whylabsapp.com"]) == nil)
        #expect(ConnectionResolver.proxy(for: URL(string: "http://127.0.0.1:8080")!, environment: ["HTTP_PROXY": "http://p:1"]) == nil)
        #expect(ConnectionResolver.proxy(for: url, environment: ["HTTP_PROXY": "http://p:1"]) == nil)
    }
}
