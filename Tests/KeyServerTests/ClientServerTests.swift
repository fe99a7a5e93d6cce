import AsyncHTTPClient
import Foundation
import KeyServer
import NIOCore
import Testing
import WhyLabsAPI

@Suite struct ClientServerTests {
    @Test func createGetListRevokeRoundTrip() async throws {
        try await withKeyServer { server, port in
            try await using(makeClient(port: port, key: server.adminKey)) { client in
                let expiry = Date().addingTimeInterval(30 * 86_400)
                let created = try await client.createKey(CreateKeyRequest(userId: "user-1", alias: "prod-ingest", scopes: [":user", ":write_data"], expiration: expiry))
                let secret = try #require(created.key.key)
                #expect(secret.count == 64 + ":org-test".count)
                #expect(secret.hasSuffix(":org-test"))
                #expect(secret.hasPrefix(created.key.keyId + "."))
                #expect(created.key.keyId.count == 10)
                #expect(created.requestId != nil)
                #expect(Set(created.key.scopes ?? []) == [":user", ":write_data"])
                let exp = try #require(created.key.expirationTime?.date)
                #expect(abs(exp.timeIntervalSince(expiry)) < 0.002)
                #expect(created.key.creationTime.date != nil)
                #expect(!created.key.creationTime.text.hasSuffix("Z"))

                let fetched = try await client.getKey(keyId: created.key.keyId)
                #expect(fetched.key == nil)
                #expect(fetched.alias == "prod-ingest")
                #expect(fetched.userId == "user-1")

                let listed = try await client.listKeys(userId: nil)
                #expect(listed.contains { $0.keyId == created.key.keyId && $0.key == nil })

                let revoked = try await client.revokeKey(userId: "user-1", keyId: created.key.keyId)
                #expect(revoked.key.revoked == true)
                #expect(revoked.key.key == nil)

                // Revoked keys leave the org-wide list but stay in the user's list.
                #expect(!(try await client.listKeys(userId: nil)).contains { $0.keyId == created.key.keyId })
                let perUser = try await client.listKeys(userId: "user-1")
                #expect(perUser.contains { $0.keyId == created.key.keyId && $0.revoked == true })

                // Revoke is idempotent; get still answers for a revoked key.
                let again = try await client.revokeKey(userId: "user-1", keyId: created.key.keyId)
                #expect(again.key.revoked == true)
                #expect(try await client.getKey(keyId: created.key.keyId).revoked == true)
            }
        }
    }

    @Test func aNewKeyAuthenticatesAndItsUseIsRecorded() async throws {
        try await withKeyServer { server, port in
            let secret = try await using(makeClient(port: port, key: server.adminKey)) { admin in
                try #require(try await admin.createKey(CreateKeyRequest(userId: "user-2", scopes: [":user"])).key.key)
            }
            try await using(makeClient(port: port, key: secret)) { user in
                let own = try await user.listKeys(userId: "user-2")
                #expect(own.count == 1)
                #expect(own[0].lastUsedTime?.date != nil)
                // A user key manages only its own user's keys.
                await #expect(throws: APIError.self) { try await user.listKeys(userId: "admin") }
                await #expect(throws: APIError.self) { try await user.createKey(CreateKeyRequest(userId: "someone-else")) }
                let everyone = try await user.listKeys(userId: nil)
                #expect(everyone.allSatisfy { $0.userId == "user-2" })
            }
        }
    }

    @Test func aListAnswerByteForByteTheLastIsNotReadAgain() async throws {
        try await withKeyServer { server, port in
            try await using(makeClient(port: port, key: server.adminKey)) { client in
                _ = try await client.createKey(CreateKeyRequest(userId: "user-1"))
                // The server records the caller's last use at most once a
                // second, which changes the answer: a few tries (bounded)
                // find two answers in a row that are the same.
                var digest: ListDigest?
                var count = 0
                var sawUnchanged = false
                for _ in 0..<5 where !sawUnchanged {
                    switch try await client.readList(userId: nil, unlessSameAs: digest, into: [UserApiKey].self) {
                    case .unchanged:
                        sawUnchanged = true
                    case .read(let read, let next):
                        #expect(next != digest)
                        digest = next
                        count = read.count
                    }
                }
                #expect(sawUnchanged)
                #expect(count >= 2)
                _ = try await client.createKey(CreateKeyRequest(userId: "user-9"))
                guard case .read(let changed, _) = try await client.readList(userId: nil, unlessSameAs: digest, into: [UserApiKey].self) else {
                    Issue.record("a changed answer must be read")
                    return
                }
                #expect(changed.count == count + 1)
            }
        }
    }

    @Test func unknownKeysAreNotFound() async throws {
        try await withKeyServer { server, port in
            try await using(makeClient(port: port, key: server.adminKey)) { client in
                let unknown = await failure { try await client.getKey(keyId: "NOPENOPE00") }
                guard case .notFound("Resource ApiKey with ID NOPENOPE00 not found.", _)? = unknown else {
                    Issue.record("got \(String(describing: unknown))"); return
                }
                let error = await failure { try await client.revokeKey(userId: "user-1", keyId: "NOPENOPE00") }
                guard case .notFound(let message, let requestId)? = error else { Issue.record("got \(String(describing: error))"); return }
                #expect(message == "Resource ApiKey with ID NOPENOPE00 not found.")
                #expect(requestId != nil)
            }
        }
    }

    @Test func wrongOrMissingKeysAreRefused() async throws {
        try await withKeyServer { server, port in
            let wrong = "ABCDEFGHIJ." + String(repeating: "z", count: 53)
            try await using(makeClient(port: port, key: wrong)) { client in
                let error = await failure { try await client.listKeys(userId: nil) }
                guard case .forbidden? = error else { Issue.record("got \(String(describing: error))"); return }
            }
            try await using(makeClient(port: port, key: "malformed")) { client in
                let error = await failure { try await client.listKeys(userId: nil) }
                guard case .forbidden? = error else { Issue.record("got \(String(describing: error))"); return }
            }
            // Another organization's path with a valid key.
            try await using(makeClient(port: port, key: server.adminKey, org: "org-other")) { client in
                let error = await failure { try await client.listKeys(userId: nil) }
                guard case .forbidden? = error else { Issue.record("got \(String(describing: error))"); return }
            }
            let noHeader = try await raw(.GET, port: port, path: "/v0/organizations/org-test/api-key", key: nil)
            #expect(noHeader.status == 401)
            #expect(noHeader.header("X-Request-Id") != nil)
        }
    }

    @Test func revokedAndExpiredKeysNoLongerAuthenticate() async throws {
        try await withKeyServer { server, port in
            let (secret, id) = try await using(makeClient(port: port, key: server.adminKey)) { admin in
                let created = try await admin.createKey(CreateKeyRequest(userId: "user-3"))
                return (created.key.key!, created.key.keyId)
            }
            try await using(makeClient(port: port, key: secret)) { user in
                _ = try await user.listKeys(userId: "user-3")
                _ = try await user.revokeKey(userId: "user-3", keyId: id)
                let error = await failure { try await user.listKeys(userId: "user-3") }
                guard case .forbidden? = error else { Issue.record("got \(String(describing: error))"); return }
            }
        }
    }

    @Test func badInputIsA400WithTheServiceMessage() async throws {
        try await withKeyServer { server, port in
            try await using(makeClient(port: port, key: server.adminKey)) { client in
                func rejection(_ request: CreateKeyRequest) async -> String? {
                    let error = await failure { try await client.createKey(request) }
                    if case .rejected(400, let message, "IllegalArgument", _)? = error { return message }
                    return error.map { "unexpected \($0)" }
                }
                #expect(await rejection(CreateKeyRequest(userId: "u", scopes: [":nope"])) == "Invalid scope provided: :nope")
                #expect(await rejection(CreateKeyRequest(userId: "u", expiration: Date().addingTimeInterval(10))) == "Invalid expiration time")
                #expect(await rejection(CreateKeyRequest(userId: "u", alias: String(repeating: "x", count: 300)))?.contains("too long") == true)
                #expect(await rejection(CreateKeyRequest(userId: "u", alias: "evil\u{1B}[2J")) == "Parameter alias contains control characters")
                #expect(await rejection(CreateKeyRequest(userId: "bad user")) != nil)
            }
            let base = "/v0/organizations/org-test/api-key"
            for path in ["\(base)", "\(base)?user_id=u&expiration_time=soon", "\(base)?user_id=u&expiration_time=1"] {
                let answer = try await raw(.POST, port: port, path: path, key: server.adminKey)
                #expect(answer.status == 400, "\(path)")
                let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(answer.body.utf8))
                #expect(body.type == "IllegalArgument")
                #expect(body.requestId == answer.header("X-Request-Id"))
            }
            let noKeyId = try await raw(.DELETE, port: port, path: "\(base)?user_id=u", key: server.adminKey)
            #expect(noKeyId.status == 400)
            let unknownRoute = try await raw(.GET, port: port, path: "/v0/nothing", key: server.adminKey)
            #expect(unknownRoute.status == 404)
            #expect(unknownRoute.header("X-Request-Id") != nil)
            #expect(unknownRoute.body.contains("ResourceNotFound"))
        }
    }

    @Test func keyLimitIsReached() async throws {
        try await withKeyServer({ $0.keyLimit = 3 }) { server, port in
            try await using(makeClient(port: port, key: server.adminKey)) { client in
                _ = try await client.createKey(CreateKeyRequest(userId: "u"))
                _ = try await client.createKey(CreateKeyRequest(userId: "u"))
                let error = await failure { try await client.createKey(CreateKeyRequest(userId: "u")) }
                guard case .rejected(400, "Key limit reached", "IllegalArgument", _)? = error else {
                    Issue.record("got \(String(describing: error))"); return
                }
            }
        }
    }

    @Test func rateLimitAnswers429InPlainText() async throws {
        try await withKeyServer({ $0.rateLimitPerMinute = 2 }) { server, port in
            try await using(makeClient(port: port, key: server.adminKey)) { client in
                _ = try await client.listKeys(userId: nil)
                _ = try await client.listKeys(userId: nil)
                await #expect(throws: APIError.rateLimited(message: "Too many requests. Please try again later.")) {
                    try await client.listKeys(userId: nil)
                }
            }
            let answer = try await raw(.GET, port: port, path: "/v0/organizations/org-test/api-key", key: server.adminKey)
            #expect(answer.status == 429)
            #expect(answer.header("Retry-After") == nil)
            #expect(answer.header("Content-Type")?.hasPrefix("text/plain") == true)
        }
    }

    @Test func failuresAre500WithTheServiceBodyAndGetsAreRetried() async throws {
        try await withKeyServer({ $0.failRate = 1 }) { server, port in
            let client = makeClient(port: port, key: server.adminKey, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.02))
            try await using(client) { client in
                let error = await failure { try await client.listKeys(userId: nil) }
                guard case .server(500, "Internal error. Unable to process request", let id)? = error else { Issue.record("got \(String(describing: error))"); return }
                #expect(id != nil)
            }
        }
    }

    @Test func slowAnswersTimeOut() async throws {
        try await withKeyServer({ $0.latencyMs = 1500 }) { server, port in
            try await using(makeClient(port: port, key: server.adminKey, readTimeout: .milliseconds(300))) { client in
                let error = await failure { try await client.listKeys(userId: nil) }
                guard case .transport(.readTimeout, _)? = error else { Issue.record("got \(String(describing: error))"); return }
            }
        }
    }

    @Test func refusedConnectionIsATransportError() async throws {
        // Bind a port, then close it: nothing listens there any more.
        let server = try await KeyServer.prepare(.init(port: 0, orgId: "org-test"))
        let port = try await server.withRunning { $0 }
        try await using(makeClient(port: port, key: server.adminKey, retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.01))) { client in
            let error = await failure { try await client.listKeys(userId: nil) }
            guard case .transport(.connectionRefused, _)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(String(describing: error).contains("connection refused"))
        }
    }

    @Test func seededDemoDataIsRealistic() async throws {
        try await withKeyServer({ $0.seedDemo = 200 }) { server, port in
            try await using(makeClient(port: port, key: server.adminKey)) { client in
                let active = try await client.listKeys(userId: nil)
                let all = try await client.listKeys(userId: "user-alice") + active
                let now = Date()
                #expect(active.count > 150 && active.count < 200)
                #expect(Set(active.map(\.userId)).count >= 5)
                #expect(active.contains { $0.expirationTime == nil })
                #expect(active.contains { ($0.expirationTime?.date).map { $0 < now } ?? false })
                #expect(active.contains { ($0.expirationTime?.date).map { $0 > now && $0 < now.addingTimeInterval(7 * 86_400) } ?? false })
                #expect(active.contains { $0.lastUsedTime == nil })
                #expect(all.contains { $0.revoked == true })
                #expect(Set(active.compactMap(\.alias)).count >= 5)
            }
        }
    }
}
