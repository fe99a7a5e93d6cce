import Crypto
import Foundation
import GRDB
import WhyLabsAPI

/// One stored key: metadata plus the SHA-256 of the secret, never the secret.
struct StoredKey: Sendable, Hashable {
    var keyId: String
    var keyHash: String
    var orgId: String
    var userId: String
    var creationMs: Int64
    var expirationMs: Int64?
    var lastUsedMs: Int64?
    var scopes: [String]
    var resourceId: String?
    var alias: String?
    var revoked: Bool

    var isAdministrator: Bool { scopes.contains(":administrator") }

    func isExpired(nowMs: Int64) -> Bool {
        if let expirationMs { return expirationMs <= nowMs }
        return false
    }

    var apiModel: UserApiKey {
        UserApiKey(
            keyId: keyId, orgId: orgId, userId: userId,
            creationTime: APITime(epochMilliseconds: creationMs),
            expirationTime: expirationMs.map { APITime(epochMilliseconds: $0) },
            lastUsedTime: lastUsedMs.map { APITime(epochMilliseconds: $0) },
            scopes: scopes.isEmpty ? nil : scopes.sorted(),
            resourceId: resourceId, alias: alias,
            revoked: revoked
        )
    }
}

extension StoredKey: FetchableRecord {
    /// By column index (the table's order, as `SELECT *` returns it): a
    /// large list decodes without looking names up row after row.
    init(row: Row) {
        keyId = row[0]
        keyHash = row[1]
        orgId = row[2]
        userId = row[3]
        creationMs = row[4]
        expirationMs = row[5]
        lastUsedMs = row[6]
        let joined: String = row[7]
        scopes = joined.isEmpty ? [] : joined.split(separator: " ").map(String.init)
        resourceId = row[8]
        alias = row[9]
        revoked = row[10]
    }
}

/// The server's SQLite store (GRDB; WAL for files, synchronous=FULL so an
/// acknowledged write survives the process being killed).
final class KeyStore: Sendable {
    let writer: any DatabaseWriter

    init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        if path == ":memory:" {
            writer = try DatabaseQueue(configuration: config)
        } else {
            writer = try DatabasePool(path: path, configuration: config)
        }
        try migrate()
    }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE api_key (
                    key_id TEXT PRIMARY KEY NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,
                    org_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    creation_ms INTEGER NOT NULL,
                    expiration_ms INTEGER,
                    last_used_ms INTEGER,
                    scopes TEXT NOT NULL DEFAULT '',
                    resource_id TEXT,
                    alias TEXT,
                    revoked INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX api_key_org_user ON api_key(org_id, user_id);
                """)
        }
        migrator.registerMigration("v2: list order") { db in
            // The org-wide list in its answer order, read from the index
            // instead of sorted per request.
            try db.execute(sql: "CREATE INDEX api_key_org_list ON api_key(org_id, revoked, creation_ms, key_id)")
        }
        migrator.registerMigration("v3: list answer from the index alone") { db in
            // Covering: every column of the answer is in the index, so the
            // list never looks a row up in the table.
            try db.execute(sql: """
                DROP INDEX api_key_org_list;
                CREATE INDEX api_key_org_list ON api_key(org_id, revoked, creation_ms, key_id,
                    user_id, expiration_ms, last_used_ms, scopes, resource_id, alias);
                """)
        }
        try migrator.migrate(writer)
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func insert(_ key: StoredKey) async throws {
        try await writer.write { db in try Self.insert(key, db: db) }
    }

    func insert(_ keys: [StoredKey]) async throws {
        try await writer.write { db in
            for key in keys { try Self.insert(key, db: db) }
        }
    }

    private static func insert(_ key: StoredKey, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO api_key (key_id, key_hash, org_id, user_id, creation_ms, expiration_ms, last_used_ms, scopes, resource_id, alias, revoked)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [key.keyId, key.keyHash, key.orgId, key.userId, key.creationMs, key.expirationMs, key.lastUsedMs,
                        key.scopes.joined(separator: " "), key.resourceId, key.alias, key.revoked])
    }

    /// Inserts a key unless the org has reached `limit` active keys; the count
    /// and the insert happen in one transaction.
    func insert(_ key: StoredKey, activeLimit limit: Int?, nowMs: Int64) async throws -> Bool {
        try await writer.write { db in
            if let limit {
                let active = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM api_key WHERE org_id = ? AND revoked = 0 AND (expiration_ms IS NULL OR expiration_ms > ?)
                    """, arguments: [key.orgId, nowMs]) ?? 0
                if active >= limit { return false }
            }
            try Self.insert(key, db: db)
            return true
        }
    }

    func key(byHash hash: String) async throws -> StoredKey? {
        try await writer.read { db in
            try StoredKey.fetchOne(db, sql: "SELECT * FROM api_key WHERE key_hash = ?", arguments: [hash])
        }
    }

    func key(id: String, orgId: String) async throws -> StoredKey? {
        try await writer.read { db in
            try StoredKey.fetchOne(db, sql: "SELECT * FROM api_key WHERE key_id = ? AND org_id = ?", arguments: [id, orgId])
        }
    }

    func keyExists(id: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM api_key WHERE key_id = ?)", arguments: [id]) ?? false
        }
    }

    /// The org-wide list leaves revoked keys out; a user's list includes them.
    func list(orgId: String, userId: String?) async throws -> [StoredKey] {
        try await writer.read { db in
            if let userId {
                return try StoredKey.fetchAll(db, sql: "SELECT * FROM api_key WHERE org_id = ? AND user_id = ? ORDER BY creation_ms, key_id", arguments: [orgId, userId])
            }
            return try StoredKey.fetchAll(db, sql: "SELECT * FROM api_key WHERE org_id = ? AND revoked = 0 ORDER BY creation_ms, key_id", arguments: [orgId])
        }
    }

    /// The list as the API answers it (`{"items":[...]}`, compact), written
    /// as it is read and handed to `pieces` about every `pieceBytes`: the
    /// answer is on its way before the last row is read, and no array of
    /// keys is built. One read transaction, so the pieces are one snapshot;
    /// only the columns the answer needs, never the hash. `onlyUser` keeps
    /// one user's keys. Does not finish `pieces`; throws what reading threw,
    /// or `CancellationError` once nobody reads the answer any more.
    func writeListAnswer(orgId: String, userId: String?, onlyUser: String?, pieceBytes: Int, to pieces: AnswerPieces) async throws {
        try await writer.read { db in
            let columns = "key_id, org_id, user_id, creation_ms, expiration_ms, last_used_ms, scopes, resource_id, alias, revoked"
            let rows: RowCursor
            if let userId {
                rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM api_key WHERE org_id = ? AND user_id = ? ORDER BY creation_ms, key_id", arguments: [orgId, userId])
            } else {
                rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM api_key WHERE org_id = ? AND revoked = 0 ORDER BY creation_ms, key_id", arguments: [orgId])
            }
            var json = KeyJSONWriter(style: .compact, capacity: pieceBytes + 1024)
            json.openList()
            while let row = try rows.next() {
                let owner: String = row[2]
                if let onlyUser, owner != onlyUser { continue }
                let joined: String = row[6]
                json.element()
                json.key(UserApiKey(
                    keyId: row[0], orgId: row[1], userId: owner,
                    creationTime: APITime(epochMilliseconds: row[3]),
                    expirationTime: (row[4] as Int64?).map { APITime(epochMilliseconds: $0) },
                    lastUsedTime: (row[5] as Int64?).map { APITime(epochMilliseconds: $0) },
                    scopes: joined.isEmpty ? nil : Self.scopes(joined),
                    resourceId: row[7], alias: row[8], revoked: row[9]))
                if json.bytes.count >= pieceBytes {
                    // The client has gone: the rest would be read for nothing.
                    guard pieces.send(json.takeBytes(capacity: pieceBytes + 1024)) else { throw CancellationError() }
                }
            }
            json.closeList()
            _ = pieces.send(json.takeBytes(capacity: 0))
        }
    }

    /// Stored space-joined; split on bytes (not characters), sorted.
    static func scopes(_ joined: String) -> [String] {
        joined.utf8.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }.sorted()
    }

    /// Marks a key revoked (idempotent) and returns it, or nil when the user has no such key.
    func revoke(orgId: String, userId: String, keyId: String) async throws -> StoredKey? {
        try await writer.write { db in
            try db.execute(sql: "UPDATE api_key SET revoked = 1 WHERE org_id = ? AND user_id = ? AND key_id = ?", arguments: [orgId, userId, keyId])
            return try StoredKey.fetchOne(db, sql: "SELECT * FROM api_key WHERE org_id = ? AND user_id = ? AND key_id = ?", arguments: [orgId, userId, keyId])
        }
    }

    /// Records a key's last use. Not worth an fsync: the write runs with
    /// `synchronous = NORMAL` (WAL: durable at the next checkpoint, never
    /// corrupt), so a read that records its caller waits for no disk flush.
    /// Keys themselves (insert, revoke) stay `FULL`.
    func touch(keyId: String, atMs: Int64) async throws {
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            try db.execute(sql: "UPDATE api_key SET last_used_ms = ? WHERE key_id = ?", arguments: [atMs, keyId])
        }
    }

    func count() async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_key") ?? 0 }
    }
}
