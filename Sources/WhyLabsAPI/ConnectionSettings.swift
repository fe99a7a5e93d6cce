import Foundation
import NIOCore
import TOMLKit

/// Where to find the API and which key to use, as the user gave it.
public struct ConnectionFlags: Sendable, Hashable {
    public var endpoint: String?
    public var org: String?
    public var apiKeyFile: String?
    public var allowInsecureHTTP: Bool

    public init(endpoint: String? = nil, org: String? = nil, apiKeyFile: String? = nil, allowInsecureHTTP: Bool = false) {
        self.endpoint = endpoint
        self.org = org
        self.apiKeyFile = apiKeyFile
        self.allowInsecureHTTP = allowInsecureHTTP
    }
}

/// `$XDG_CONFIG_HOME/keydash/config.toml`, with the chosen profile's
/// settings (if any) laid over the top-level ones. Its settings read as its
/// own members: `file.endpoint`, `file.apiKeyFile`, `file.readOnly`.
@dynamicMemberLookup
public struct ConfigFile: Sendable, Hashable {
    public var path: String
    /// The top level's settings, or the chosen profile's over them.
    public var settings = ConfigSettings()
    /// The `[policy]` table, when there is one.
    public var policy: Policy?
    /// `[profiles.NAME]` tables, by name.
    public var profiles: [String: ConfigSettings] = [:]
    /// The profile whose settings these are, when one was chosen.
    public private(set) var profile: String?

    /// The rules `keydash check` and the dashboard's flags apply.
    public var effectivePolicy: Policy { policy ?? .hygieneDefaults }

    public init(path: String, endpoint: String? = nil, org: String? = nil, apiKey: String? = nil, refresh: Double? = nil, theme: String? = nil) {
        self.path = path
        settings = ConfigSettings(endpoint: endpoint, org: org, apiKey: apiKey, refresh: refresh, theme: theme)
    }

    public subscript<T>(dynamicMember setting: WritableKeyPath<ConfigSettings, T>) -> T {
        get { settings[keyPath: setting] }
        set { settings[keyPath: setting] = newValue }
    }

    /// Profile names, sorted.
    public var profileNames: [String] { profiles.keys.sorted() }

    /// The file as the profile `name` sees it: its settings over the top
    /// level's. Nil keeps the top level.
    public func selecting(profile name: String?) throws(ConfigError) -> ConfigFile {
        guard let name else { return self }
        guard let table = profiles[name] else {
            let known = profileNames.isEmpty ? "the config file defines none" : "known: " + profileNames.joined(separator: ", ")
            throw .invalid(path: path, line: nil, reason: "no profile '\(Excerpt.of(name))' (\(known))")
        }
        var chosen = self
        chosen.settings = table.over(settings)
        chosen.profile = name
        return chosen
    }

    public static func defaultPath(environment: [String: String]) -> String {
        XDGDirectories.config(environment: environment) + "/config.toml"
    }

    /// Reads the file, or returns nil when it does not exist.
    public static func load(path: String) throws(ConfigError) -> ConfigFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: "cannot read it")
        }
        return try parse(text, path: path, mode: SecretFilePermissions.mode(of: path))
    }

    /// Parses config text. `mode` is the file's permission bits, used to refuse
    /// a key that others can read.
    public static func parse(_ text: String, path: String, mode: UInt16?) throws(ConfigError) -> ConfigFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .invalid(path: path, line: error.source.begin.line, reason: error.description)
        } catch {
            throw .invalid(path: path, line: nil, reason: "not valid TOML")
        }
        var file = ConfigFile(path: path)
        file.settings = try ConfigSettings.parse(table, path: path, within: nil, alsoKnown: ["policy", "profiles"])
        if let value = table["policy"] {
            guard let policy = value.table else { throw .invalid(path: path, line: nil, reason: "'policy' must be a table: [policy]") }
            file.policy = try Policy.parse(policy, path: path)
        }
        if let value = table["profiles"] {
            guard let profiles = value.table else {
                throw .invalid(path: path, line: nil, reason: "'profiles' must hold tables: [profiles.NAME]")
            }
            for name in profiles.keys {
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                    throw .invalid(path: path, line: nil, reason: "profile name '\(Excerpt.of(name))': use letters, digits, '-', '_' and '.'")
                }
                guard let profile = profiles[name]?.table else {
                    throw .invalid(path: path, line: nil, reason: "'profiles.\(name)' must be a table: [profiles.\(name)]")
                }
                file.profiles[name] = try ConfigSettings.parse(profile, path: path, within: "profiles.\(name)", alsoKnown: [])
            }
        }
        let holdsKey = file.apiKey != nil || file.profiles.values.contains { $0.apiKey != nil }
        if holdsKey, let mode, mode & 0o077 != 0 {
            throw .tooOpen(path: path, mode: mode)
        }
        return file
    }
}

/// The settings one table of the config file may hold: the top level, or a
/// `[profiles.NAME]` table, whose values override the top level's.
public struct ConfigSettings: Sendable, Hashable {
    public var endpoint: String?
    public var org: String?
    public var apiKey: String?
    public var apiKeyFile: String?
    public var refresh: Double?
    public var theme: String?
    public var readOnly: Bool?

    public init(endpoint: String? = nil, org: String? = nil, apiKey: String? = nil, apiKeyFile: String? = nil,
                refresh: Double? = nil, theme: String? = nil, readOnly: Bool? = nil) {
        self.endpoint = endpoint
        self.org = org
        self.apiKey = apiKey
        self.apiKeyFile = apiKeyFile
        self.refresh = refresh
        self.theme = theme
        self.readOnly = readOnly
    }

    /// These settings over `base`: each value set here wins. A key given
    /// here (as a file or inline) replaces the base's key in either form.
    func over(_ base: ConfigSettings) -> ConfigSettings {
        let ownKey = apiKey != nil || apiKeyFile != nil
        return ConfigSettings(
            endpoint: endpoint ?? base.endpoint, org: org ?? base.org,
            apiKey: ownKey ? apiKey : base.apiKey, apiKeyFile: ownKey ? apiKeyFile : base.apiKeyFile,
            refresh: refresh ?? base.refresh, theme: theme ?? base.theme, readOnly: readOnly ?? base.readOnly)
    }

    static let names = ["endpoint", "org", "api_key", "api_key_file", "refresh", "theme", "read_only"]

    static func parse(_ table: TOMLTable, path: String, within: String?, alsoKnown: Set<String>) throws(ConfigError) -> ConfigSettings {
        let prefix = within.map { "[\($0)] " } ?? ""
        func fail(_ reason: String) -> ConfigError { .invalid(path: path, line: nil, reason: prefix + reason) }
        let known = Set(names).union(alsoKnown)
        for key in table.keys where !known.contains(key) {
            let listed = names + alsoKnown.sorted().map { "[\($0)]" }
            throw fail("unknown setting '\(Excerpt.of(key))' (known: \(listed.joined(separator: ", ")))")
        }
        func string(_ key: String) throws(ConfigError) -> String? {
            guard let value = table[key] else { return nil }
            guard let s = value.string else { throw fail("'\(key)' must be a string") }
            return s
        }
        var settings = ConfigSettings()
        settings.endpoint = try string("endpoint")
        settings.org = try string("org")
        settings.apiKey = try string("api_key")
        settings.apiKeyFile = try string("api_key_file")
        settings.theme = try string("theme")
        if settings.apiKey != nil && settings.apiKeyFile != nil { throw fail("give api_key or api_key_file, not both") }
        if let value = table["refresh"] {
            if let i = value.int { settings.refresh = Double(i) } else if let d = value.double { settings.refresh = d } else {
                throw fail("'refresh' must be a number of seconds")
            }
            if let r = settings.refresh, let error = Settings.refresh.error(for: r) { throw fail(error.message) }
        }
        if let value = table["read_only"] {
            guard let flag = value.bool else { throw fail("'read_only' must be true or false") }
            settings.readOnly = flag
        }
        return settings
    }
}

public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, line: Int?, reason: String)
    case tooOpen(path: String, mode: UInt16)
    case badEndpoint(String, reason: String)
    case insecureEndpoint(String)
    case missingOrg
    case missingKey
    case badKey(source: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): \(reason)"
        case .invalid(let path, let line, let reason):
            return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        case .tooOpen(let path, let mode):
            return "\(path) holds an API key but is readable by others (mode \(String(mode, radix: 8))); run: chmod 600 \(path)"
        case .badEndpoint(let value, let reason): return "invalid endpoint '\(Excerpt.of(value))': \(reason)"
        case .insecureEndpoint(let value):
            return "refusing plain http to a non-loopback host (\(Excerpt.of(value))); use https or pass --allow-insecure-http"
        case .missingOrg:
            return "no organization: pass --org, set WHYLABS_DEFAULT_ORG_ID, or use a key ending in :org-…"
        case .missingKey:
            return "no API key: use --api-key-file, WHYLABS_API_KEY, or api_key in the config file"
        case .badKey(let source): return "the API key from \(source) is empty or not one line"
        }
    }
}

/// The connection a command will use, after precedence has been applied.
public struct ResolvedConnection: Sendable, CustomStringConvertible {
    public var endpoint: URL
    public var orgId: String
    public var apiKey: String
    public var keySource: String
    public var proxy: ProxySetting?

    public var host: String { endpoint.host ?? endpoint.absoluteString }

    /// Never includes the key.
    public var description: String { "\(endpoint.absoluteString) org=\(orgId) key from \(keySource)" }

    /// `timeout` bounds each attempt as a whole; connecting and each silence
    /// while reading are bounded by the smaller of it and their own limits.
    public func clientConfiguration(retry: RetryPolicy = RetryPolicy(), timeout: Double = 45) -> WhyLabsClient.Configuration {
        let total = TimeAmount.milliseconds(Int64(timeout * 1000))
        return WhyLabsClient.Configuration(
            endpoint: endpoint, orgId: orgId, apiKey: apiKey,
            connectTimeout: min(.seconds(5), total), readTimeout: min(.seconds(30), total), totalTimeout: total,
            retry: retry, proxy: proxy)
    }
}

public struct ProxySetting: Sendable, Hashable {
    public var host: String
    public var port: Int
}

public enum ConnectionResolver {
    public static let defaultEndpoint = "https://api.whylabsapp.com"

    /// flag > environment > config file > default. The org comes from
    /// `--org`, else the key's `:org-…` suffix, else `WHYLABS_DEFAULT_ORG_ID`,
    /// else the config file (the suffix wins over the environment, as in whylogs).
    /// The key comes from `--api-key-file`, else `WHYLABS_API_KEY`, else the
    /// config file, else `promptForKey`.
    public static func resolve(
        flags: ConnectionFlags,
        environment: [String: String],
        configFile: ConfigFile?,
        readKeyFile: (String) throws(ConfigError) -> String = SecretFilePermissions.readKeyFile,
        promptForKey: () -> String? = { nil }
    ) throws(ConfigError) -> ResolvedConnection {
        let endpointText = flags.endpoint ?? nonEmpty(environment["WHYLABS_API_ENDPOINT"]) ?? configFile?.endpoint ?? defaultEndpoint
        let endpoint = try validateEndpoint(endpointText, allowInsecureHTTP: flags.allowInsecureHTTP)

        let rawKey: String
        let source: String
        if let file = flags.apiKeyFile {
            rawKey = try readKeyFile(file)
            source = file
        } else if let key = nonEmpty(environment["WHYLABS_API_KEY"]) {
            rawKey = key
            source = "WHYLABS_API_KEY"
        } else if let file = configFile?.apiKeyFile {
            let path = expandingHome(file, environment: environment)
            rawKey = try readKeyFile(path)
            source = path
        } else if let key = configFile?.apiKey {
            rawKey = key
            source = configFile.map { $0.path + ($0.profile.map { " [profiles.\($0)]" } ?? "") } ?? "the config file"
        } else if let key = promptForKey() {
            rawKey = key
            source = "the prompt"
        } else {
            throw .missingKey
        }
        let key = rawKey.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty, !key.contains(where: { $0.isNewline || $0 == " " }) else { throw .badKey(source: source) }

        let suffixOrg = APIKeyFormat.split(key).orgId
        guard let org = nonEmpty(flags.org) ?? suffixOrg ?? nonEmpty(environment["WHYLABS_DEFAULT_ORG_ID"]) ?? nonEmpty(configFile?.org) else {
            throw .missingOrg
        }
        return ResolvedConnection(
            endpoint: endpoint, orgId: org, apiKey: key, keySource: source,
            proxy: proxy(for: endpoint, environment: environment)
        )
    }

    /// The environment a profile other than the chosen one is resolved in:
    /// without the variables that name a key, an endpoint or an org, so
    /// what chose the starting connection never reaches another profile.
    public static func profileEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.filter { !["WHYLABS_API_KEY", "WHYLABS_API_ENDPOINT", "WHYLABS_DEFAULT_ORG_ID"].contains($0.key) }
    }

    /// `~/…` in a path from the config file is under `$HOME`.
    public static func expandingHome(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    public static func validateEndpoint(_ text: String, allowInsecureHTTP: Bool) throws(ConfigError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw .badEndpoint(text, reason: "expected a URL such as https://api.whylabsapp.com")
        }
        guard scheme == "https" || scheme == "http" else {
            throw .badEndpoint(text, reason: "the scheme must be https or http")
        }
        if url.query != nil || url.fragment != nil {
            throw .badEndpoint(text, reason: "no query or fragment allowed")
        }
        if scheme == "http", !allowInsecureHTTP, !isLoopback(host: host) {
            throw .insecureEndpoint(text)
        }
        return url
    }

    public static func isLoopback(host: String) -> Bool {
        var h = Substring(host.lowercased())
        while h.first == "[" || h.first == "]" { h.removeFirst() }
        while h.last == "[" || h.last == "]" { h.removeLast() }
        if h == "localhost" || h.hasSuffix(".localhost") || h == "::1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `HTTPS_PROXY`/`HTTP_PROXY` (either case) for the endpoint's scheme,
    /// skipped for loopback and for hosts listed in `NO_PROXY`.
    public static func proxy(for endpoint: URL, environment: [String: String]) -> ProxySetting? {
        guard let host = endpoint.host?.lowercased(), !isLoopback(host: host) else { return nil }
        let names = endpoint.scheme?.lowercased() == "https" ? ["HTTPS_PROXY", "https_proxy"] : ["HTTP_PROXY", "http_proxy"]
        guard let raw = names.lazy.compactMap({ nonEmpty(environment[$0]) }).first else { return nil }
        let noProxy = (environment["NO_PROXY"] ?? environment["no_proxy"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        for entry in noProxy where !entry.isEmpty {
            if entry == "*" { return nil }
            let bare = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            if host == bare || host.hasSuffix("." + bare) { return nil }
        }
        let withScheme = raw.contains("://") ? raw : "http://" + raw
        guard let url = URL(string: withScheme), let proxyHost = url.host else { return nil }
        return ProxySetting(host: proxyHost, port: url.port ?? 8080)
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return s
    }
}

/// Files that hold secrets are refused when others can read them, as ssh does.
public enum SecretFilePermissions {
    public static func mode(of path: String) -> UInt16? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt16(info.st_mode & 0o777)
    }

    /// Opens the key file once and checks what was opened (no check-then-open
    /// race): a regular file, not a symlink, owned by this user, readable by
    /// nobody else.
    public static func readKeyFile(_ path: String) throws(ConfigError) -> String {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "is a symbolic link; give the file itself" : errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw .unreadable(path: path, reason: reason)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        guard info.st_uid == geteuid() else { throw .unreadable(path: path, reason: "not owned by you (uid \(info.st_uid))") }
        let mode = UInt16(info.st_mode & 0o777)
        if mode & 0o077 != 0 { throw .tooOpen(path: path, mode: mode) }
        guard info.st_size <= 64 * 1024 else { throw .unreadable(path: path, reason: "too large for a key file") }
        var data = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var total = 0
        while total < data.count {
            let n = data.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            total += n
        }
        guard let text = String(validating: data[0..<total], as: UTF8.self) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        return text
    }
}
