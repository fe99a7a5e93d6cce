import Foundation
import Hummingbird
import Logging
import NIOCore
import WhyLabsAPI

/// The local WhyLabs-compatible key server: the four API-key operations over
/// HTTP, stored in SQLite, answering as the real service does.
public struct KeyServer: Sendable {
    public let configuration: KeyServerConfiguration
    let store: KeyStore
    let limiter: RateLimiter?
    let logger: Logger

    /// The admin key registered at start (from `--admin-key-file` or newly
    /// made); only the caller that started the server ever sees it.
    public let adminKey: String

    /// Opens the store, registers the admin key and seeds demo data.
    public static func prepare(_ configuration: KeyServerConfiguration, logger: Logger = Logger(label: "keydash.serve")) async throws -> KeyServer {
        try validate(configuration)
        let store: KeyStore
        do {
            store = try KeyStore(path: configuration.databasePath)
        } catch {
            throw KeyServerError("cannot open database \(configuration.databasePath): \(error)")
        }
        let adminKey = try await AdminKey.register(in: store, configuration: configuration)
        if configuration.seedDemo > 0 {
            let now = Clock.nowMs()
            try await store.insert(DemoData.keys(count: configuration.seedDemo, orgId: configuration.orgId, nowMs: now))
        }
        return KeyServer(
            configuration: configuration, store: store,
            limiter: configuration.rateLimitPerMinute.map { RateLimiter(perMinute: $0) },
            logger: logger, adminKey: adminKey
        )
    }

    static func validate(_ c: KeyServerConfiguration) throws {
        if let error = c.validationError { throw KeyServerError("--" + error.message) }
        guard RequestValidation.isPlainIdentifier(c.orgId) else { throw KeyServerError("--org must be a plain identifier such as org-123") }
    }

    /// The Hummingbird router with every route and the middleware that adds
    /// request ids, injected faults and JSON error bodies.
    public func router() -> Router<KeyServerContext> {
        let router = Router(context: KeyServerContext.self)
        router.add(middleware: ServiceMiddleware(server: self))
        let api = APIKeyRoutes(server: self)
        router.get("/v0/organizations/:org/api-key", use: api.list)
        router.post("/v0/organizations/:org/api-key", use: api.create)
        router.delete("/v0/organizations/:org/api-key", use: api.revoke)
        router.get("/v0/organizations/:org/api-key/:keyId", use: api.get)
        return router
    }

    /// The application, ready to run; `onServerRunning` learns the bound port.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            // A connection that sends nothing for this long is closed, so idle
            // or stalled clients can't hold sockets open forever.
            server: .http1(configuration: .init(idleTimeout: .seconds(configuration.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "keydash-serve"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Number of stored keys (for start-up messages).
    public func storedKeyCount() async throws -> Int { try await store.count() }

    // MARK: - Demo activity

    /// Marks a random active key as just used; the embedded demo calls this now
    /// and then so a monitor has something to show.
    /// One step of gentle demo activity: a key is used; now and then a key is
    /// created, and less often one is revoked.
    public func simulateActivity(step: Int) async throws {
        let keys = try await store.list(orgId: configuration.orgId, userId: nil).filter { $0.userId != "admin" }
        if let key = keys.randomElement() {
            try await store.touch(keyId: key.keyId, atMs: Clock.nowMs())
        }
        if step % 5 == 0 {
            let (keyId, secret) = KeyGenerator.newKey()
            try await store.insert(StoredKey(
                keyId: keyId, keyHash: KeyStore.hash(secret), orgId: configuration.orgId,
                userId: DemoData.users.randomElement()!, creationMs: Clock.nowMs(),
                expirationMs: Clock.nowMs() + 90 * 86_400_000, lastUsedMs: nil, scopes: [":write_data"],
                resourceId: nil, alias: "rotated-\(step)", revoked: false))
        }
        if step % 11 == 0, let victim = keys.filter({ $0.isExpired(nowMs: Clock.nowMs()) }).randomElement() {
            _ = try await store.revoke(orgId: victim.orgId, userId: victim.userId, keyId: victim.keyId)
        }
    }
}

enum Clock {
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// The admin key of `--admin-key-file`: read and registered when the file
/// exists, otherwise made and written there with mode 0600.
enum AdminKey {
    static func register(in store: KeyStore, configuration: KeyServerConfiguration) async throws -> String {
        var secret: String
        if let path = configuration.adminKeyFile, FileManager.default.fileExists(atPath: path) {
            guard let text = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw KeyServerError("cannot read admin key file \(path)")
            }
            secret = APIKeyFormat.split(text).key
            guard APIKeyFormat.isWellFormed(secret) else {
                throw KeyServerError("\(path) does not hold a key in the service's format (10-character id, a dot, 64 characters in all)")
            }
        } else {
            secret = KeyGenerator.newKey().secret
            if let path = configuration.adminKeyFile {
                try write(secret + ":" + configuration.orgId + "\n", to: path)
            }
        }
        let hash = KeyStore.hash(secret)
        if let existing = try await store.key(byHash: hash) {
            guard existing.orgId == configuration.orgId else {
                throw KeyServerError("the admin key belongs to \(existing.orgId), not \(configuration.orgId)")
            }
        } else {
            let keyId = APIKeyFormat.keyId(of: secret)!
            if try await store.keyExists(id: keyId) {
                throw KeyServerError("the admin key's id \(keyId) is already used by another key")
            }
            try await store.insert(StoredKey(
                keyId: keyId, keyHash: hash, orgId: configuration.orgId, userId: "admin",
                creationMs: Clock.nowMs(), expirationMs: nil, lastUsedMs: nil,
                scopes: [":administrator"], resourceId: nil, alias: "keydash-admin", revoked: false))
        }
        return secret + ":" + configuration.orgId
    }

    private static func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeyServerError("cannot create admin key file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Foundation.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw KeyServerError("cannot write admin key file \(path)")
        }
        fsync(fd)
    }
}
