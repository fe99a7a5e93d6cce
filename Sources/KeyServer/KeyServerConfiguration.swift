import Foundation
import WhyLabsAPI

/// How `keydash serve` (and the embedded demo server) behaves.
public struct KeyServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// A file path, or `:memory:`.
    public var databasePath: String
    public var orgId: String
    public var adminKeyFile: String?
    public var seedDemo: Int
    /// Injected delay before every answer, in milliseconds.
    public var latencyMs: Int
    /// Fraction of requests answered with a 500, 0...1.
    public var failRate: Double
    /// Requests per minute per organization before 429s; nil = unlimited.
    public var rateLimitPerMinute: Int?
    /// Active keys per organization before "Key limit reached"; nil = unlimited.
    public var keyLimit: Int?
    /// Print one line per request (method, path, status; never a header).
    public var logRequests = false
    /// A connection that sends nothing for this long is closed.
    public var idleTimeoutSeconds: Int64 = 60

    public init(
        host: String = "127.0.0.1", port: Int = 8080, databasePath: String = ":memory:",
        orgId: String = "org-demo", adminKeyFile: String? = nil, seedDemo: Int = 0,
        latencyMs: Int = 0, failRate: Double = 0, rateLimitPerMinute: Int? = nil, keyLimit: Int? = nil
    ) {
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.orgId = orgId
        self.adminKeyFile = adminKeyFile
        self.seedDemo = seedDemo
        self.latencyMs = latencyMs
        self.failRate = failRate
        self.rateLimitPerMinute = rateLimitPerMinute
        self.keyLimit = keyLimit
    }
}

extension KeyServerConfiguration {
    /// The first numeric setting out of its range, checked with the same
    /// rules as the command line (the embedded demo server passes here too).
    public var validationError: SettingError? {
        let checks: [SettingError?] = [
            Settings.port.error(for: port),
            Settings.latency.error(for: latencyMs),
            Settings.failRate.error(for: failRate),
            Settings.seedDemo.error(for: seedDemo),
            rateLimitPerMinute.flatMap { Settings.rateLimit.error(for: $0) },
            keyLimit.flatMap { Settings.keyLimit.error(for: $0) },
        ]
        return checks.lazy.compactMap { $0 }.first
    }
}

public struct KeyServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
