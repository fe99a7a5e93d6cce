import Foundation
import Hummingbird
import WhyLabsAPI

/// The four operations. Each handler authenticates, validates its input
/// (answering 400 for anything off), and touches the store once.
struct APIKeyRoutes: Sendable {
    let server: KeyServer
    var store: KeyStore { server.store }

    static let maxParameterLength = 256

    // GET /v0/organizations/{org}/api-key[?user_id=]
    @Sendable func list(_ request: Request, context: KeyServerContext) async throws -> Response {
        let (org, caller) = try await authenticate(request, context)
        let query = request.uri.queryParameters
        let userId = try RequestValidation.optional(query, "user_id")
        let scopeUser: String?
        if caller.isAdministrator {
            scopeUser = userId
        } else {
            // A user key sees its own keys only.
            if let userId, userId != caller.userId { throw APIFailure.forbidden }
            scopeUser = userId
        }
        // A user key without `user_id` sees its own keys of the org-wide list.
        let onlyUser = !caller.isAdministrator && scopeUser == nil ? caller.userId : nil
        // Written as it is read, on its own task: the answer begins with the
        // first piece (a store that fails before it still gets an error
        // answer) and the rest is sent while later rows are read.
        let pieces = AnswerPieces()
        Task { [store] in
            do {
                try await store.writeListAnswer(orgId: org, userId: scopeUser, onlyUser: onlyUser,
                                                pieceBytes: Self.listPieceBytes, to: pieces)
                pieces.finish()
            } catch {
                pieces.fail(error)
            }
        }
        let first = try await pieces.first()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
            do {
                try await writer.write(first)
                try await writer.write(pieces.rest)
                try await writer.finish(nil)
            } catch {
                // The client went away: the rest need not be read.
                pieces.abandon()
                throw error
            }
        })
    }

    /// How much of a list answer is written before it is handed on: large
    /// enough that a piece costs little to pass, small enough that sending
    /// starts within the first few hundred keys.
    static let listPieceBytes = 64 << 10

    // GET /v0/organizations/{org}/api-key/{keyId}
    @Sendable func get(_ request: Request, context: KeyServerContext) async throws -> Response {
        let (org, caller) = try await authenticate(request, context)
        let keyId = try RequestValidation.pathParameter(context, "keyId")
        guard let key = try await store.key(id: keyId, orgId: org) else {
            // The real service answers an unknown id with 200 and `{}`.
            return JSONResponse.make(KeyJSONWriter.keyResponse(nil, style: .compact))
        }
        if !caller.isAdministrator, key.userId != caller.userId { throw APIFailure.forbidden }
        return JSONResponse.make(KeyJSONWriter.keyResponse(key.apiModel, style: .compact))
    }

    // POST /v0/organizations/{org}/api-key?user_id=&expiration_time=&scopes=&alias=
    @Sendable func create(_ request: Request, context: KeyServerContext) async throws -> Response {
        let (org, caller) = try await authenticate(request, context)
        let query = request.uri.queryParameters
        let userId = try RequestValidation.required(query, "user_id")
        guard RequestValidation.isPlainIdentifier(userId) else {
            throw APIFailure.illegalArgument("Invalid user_id provided: \(Excerpt.of(userId))")
        }
        if !caller.isAdministrator, userId != caller.userId { throw APIFailure.forbidden }
        let alias = try RequestValidation.optional(query, "alias")
        var scopes: [String] = []
        for raw in query.getAll("scopes") {
            let scope = String(raw)
            try RequestValidation.checkText(scope, name: "scopes")
            guard KeyScope.isValid(scope) else { throw APIFailure.illegalArgument("Invalid scope provided: \(Excerpt.of(scope))") }
            if !caller.isAdministrator, scope == ":administrator" || scope == ":account_administrator" {
                throw APIFailure.forbidden
            }
            if !scopes.contains(scope) { scopes.append(scope) }
        }
        let now = Clock.nowMs()
        var expiration: Int64?
        if let text = try RequestValidation.optional(query, "expiration_time") {
            guard let ms = Int64(text), ms >= now + 60_000, ms < 253_402_300_800_000 else {
                throw APIFailure.illegalArgument("Invalid expiration time")
            }
            expiration = ms
        }
        var (keyId, secret) = KeyGenerator.newKey()
        // Ids are random; a clash is astronomically unlikely but cheap to rule out.
        while try await store.keyExists(id: keyId) { (keyId, secret) = KeyGenerator.newKey() }
        let stored = StoredKey(
            keyId: keyId, keyHash: KeyStore.hash(secret), orgId: org, userId: userId,
            creationMs: now, expirationMs: expiration, lastUsedMs: nil, scopes: scopes,
            resourceId: nil, alias: alias, revoked: false)
        guard try await store.insert(stored, activeLimit: server.configuration.keyLimit, nowMs: now) else {
            throw APIFailure.illegalArgument("Key limit reached")
        }
        var answer = stored.apiModel
        answer.key = secret + ":" + org
        return JSONResponse.make(KeyJSONWriter.key(answer, style: .compact))
    }

    // DELETE /v0/organizations/{org}/api-key?user_id=&key_id=
    @Sendable func revoke(_ request: Request, context: KeyServerContext) async throws -> Response {
        let (org, caller) = try await authenticate(request, context)
        let query = request.uri.queryParameters
        let userId = try RequestValidation.required(query, "user_id")
        let keyId = try RequestValidation.required(query, "key_id")
        if !caller.isAdministrator, userId != caller.userId { throw APIFailure.forbidden }
        guard let revoked = try await store.revoke(orgId: org, userId: userId, keyId: keyId) else {
            throw APIFailure.keyNotFound(Excerpt.of(keyId))
        }
        return JSONResponse.make(KeyJSONWriter.key(revoked.apiModel, style: .compact))
    }

    // MARK: - Auth

    /// 401 without a key; 403 for a malformed, unknown, expired or revoked key,
    /// or a key of another organization. Records the key's last use.
    private func authenticate(_ request: Request, _ context: KeyServerContext) async throws -> (org: String, caller: StoredKey) {
        let org = try RequestValidation.pathParameter(context, "org")
        guard let header = request.headers[.init("X-API-Key")!] else { throw APIFailure.unauthorized }
        let secret = APIKeyFormat.split(header).key
        guard APIKeyFormat.isWellFormed(secret) else { throw APIFailure.forbidden }
        let now = Clock.nowMs()
        guard let caller = try await store.key(byHash: KeyStore.hash(secret)),
              !caller.revoked, !caller.isExpired(nowMs: now), caller.orgId == org
        else { throw APIFailure.forbidden }
        // Counted only once authenticated, per the caller's own organization:
        // an unauthenticated path can't grow the limiter's table.
        if let limiter = server.limiter, await !limiter.allow(org: caller.orgId) { throw RateLimited() }
        // One write per second at most per key, so a busy monitor doesn't turn
        // reads into writes; best effort, so a full or read-only disk still
        // lets every read through.
        if (caller.lastUsedMs ?? 0) < now - 1000 {
            do {
                try await store.touch(keyId: caller.keyId, atMs: now)
            } catch {
                server.logger.warning("cannot record last use", metadata: ["keyId": "\(caller.keyId)", "error": "\(error)"])
            }
        }
        return (org, caller)
    }
}

enum RequestValidation {
    static func required(_ query: Parameters, _ name: String) throws -> String {
        guard let value = try optional(query, name) else {
            throw APIFailure.illegalArgument("Missing required parameter \(name)")
        }
        return value
    }

    static func optional(_ query: Parameters, _ name: String) throws -> String? {
        let values = query.getAll(name)
        guard let first = values.first else { return nil }
        if values.count > 1 { throw APIFailure.illegalArgument("Parameter \(name) given more than once") }
        let value = String(first)
        if value.isEmpty { throw APIFailure.illegalArgument("Parameter \(name) must not be empty") }
        try checkText(value, name: name)
        return value
    }

    static func pathParameter(_ context: KeyServerContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name) else { throw APIFailure.illegalArgument("Missing \(name)") }
        try checkText(value, name: name)
        return value
    }

    static func checkText(_ value: String, name: String) throws {
        if value.unicodeScalars.count > APIKeyRoutes.maxParameterLength {
            throw APIFailure.illegalArgument("Parameter \(name) is too long (at most \(APIKeyRoutes.maxParameterLength) characters)")
        }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) {
            throw APIFailure.illegalArgument("Parameter \(name) contains control characters")
        }
    }

    /// Org and user ids: letters, digits and `-_.@+`, as the service issues them.
    static func isPlainIdentifier(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 128 && value.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.@+".unicodeScalars.contains($0)))
        }
    }
}
