import AsyncHTTPClient
import Foundation
import GRDB
import GRDBSQLite
import NIOCore
import Synchronization
import Testing
import WhyLabsAPI
@testable import KeyServer

/// A list answer is written as the store reads it and sent in pieces: the
/// same document as writing the whole list at once, an error answer when
/// the store fails before it begins, and a cut connection (never a short
/// list that parses) when the store fails after it has begun.
@Suite struct StreamedListTests {
    /// 3,000 keys (about 2,000 of them active): an answer of about 650 KB,
    /// some ten pieces.
    static let keys = 3_000

    @Test func aListSentInPiecesIsTheSameDocumentAsTheWholeList() async throws {
        try await withKeyServer({ $0.seedDemo = Self.keys }) { server, port in
            let org = server.configuration.orgId
            let answer = try await raw(.GET, port: port, path: "/v0/organizations/\(org)/api-key", key: server.adminKey)
            #expect(answer.status == 200)
            #expect(answer.header("Transfer-Encoding") == "chunked", "sent as it is written, not held for a length")
            #expect(answer.header("Content-Type") == "application/json")
            #expect(answer.header("X-Request-Id") != nil)
            let all = try await server.store.list(orgId: org, userId: nil)
            #expect(all.count > Self.keys / 2)
            let whole = KeyJSONWriter.list(all.map(\.apiModel), style: .compact)
            #expect(whole.count > 5 * APIKeyRoutes.listPieceBytes)
            #expect(difference(answer.body, whole) == nil)

            // One user's list (revoked keys included), and a user key's view
            // of the org-wide list (its own keys only, revoked ones left out).
            let user = try #require(all.first?.userId)
            let mine = try await raw(.GET, port: port, path: "/v0/organizations/\(org)/api-key?user_id=\(user)", key: server.adminKey)
            let usersKeys = try await server.store.list(orgId: org, userId: user)
            #expect(usersKeys.contains { $0.revoked }, "the seeded user has revoked keys to list")
            #expect(difference(mine.body, KeyJSONWriter.list(usersKeys.map(\.apiModel), style: .compact)) == nil)

            let secret = try await using(makeClient(port: port, key: server.adminKey)) { admin in
                try #require(try await admin.createKey(CreateKeyRequest(userId: user, scopes: [":user"])).key.key)
            }
            let seen = try await raw(.GET, port: port, path: "/v0/organizations/\(org)/api-key", key: secret)
            let own = try await server.store.list(orgId: org, userId: nil).filter { $0.userId == user }
            #expect(own.count > 1)
            #expect(difference(seen.body, KeyJSONWriter.list(own.map(\.apiModel), style: .compact)) == nil)

            // An org with no keys at all: one piece, the empty list.
            let none = try await raw(.GET, port: port, path: "/v0/organizations/\(org)/api-key?user_id=nobody", key: server.adminKey)
            #expect(none.status == 200)
            #expect(none.body == #"{"items":[]}"#)
        }
    }

    @Test func aStoreThatFailsBeforeTheAnswerBeginsGetsAnErrorAnswer() async throws {
        try await withKeyServer({ $0.seedDemo = Self.keys }) { server, port in
            let org = server.configuration.orgId
            // The list's query can no longer be prepared; authenticating the
            // caller (`SELECT *`) still works.
            try await server.store.writer.writeWithoutTransaction { db in
                try db.execute(sql: "ALTER TABLE api_key RENAME COLUMN alias TO alias_gone")
            }
            let answer = try await raw(.GET, port: port, path: "/v0/organizations/\(org)/api-key", key: server.adminKey)
            #expect(answer.status == 503)
            #expect(answer.header("Transfer-Encoding") == nil)
            let body = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: String]
            #expect(body?["type"] != nil)
            #expect(body?["requestId"] == answer.header("X-Request-Id"))

            try await server.store.writer.writeWithoutTransaction { db in
                try db.execute(sql: "ALTER TABLE api_key RENAME COLUMN alias_gone TO alias")
            }
            let again = try await raw(.GET, port: port, path: "/v0/organizations/\(org)/api-key", key: server.adminKey)
            #expect(again.status == 200)
            #expect(again.body.hasSuffix("]}"))
        }
    }

    @Test func aStoreThatFailsAfterTheAnswerBeganCutsTheConnection() async throws {
        try await withKeyServer({ $0.seedDemo = Self.keys }) { server, port in
            let org = server.configuration.orgId
            let path = "/v0/organizations/\(org)/api-key"
            // SQLite interrupts a statement when its progress handler says
            // so: here after about 15,000 steps, a few pieces into the list
            // (authenticating takes a few dozen steps, the whole list of
            // about 2,000 active keys some 35,000). The in-memory store is
            // one connection.
            try await server.store.writer.writeWithoutTransaction { db in
                interrupter.arm(db)
            }
            defer { interrupter.disarm() }

            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.headers.add(name: "X-API-Key", value: server.adminKey)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status == .ok, "the answer had begun")
            var received = 0
            await #expect(throws: (any Error).self, "the body ends in an error, not a clean end") {
                for try await part in response.body { received += part.readableBytes }
            }
            #expect(received >= APIKeyRoutes.listPieceBytes, "at least the first piece came")
            #expect(interrupter.calls.load(ordering: .relaxed) >= interrupter.interruptFrom!, "the statement was interrupted")

            // The keydash client reports it as a failure, not a shorter list.
            try await server.store.writer.writeWithoutTransaction { db in
                interrupter.arm(db)
            }
            let client = makeClient(port: port, key: server.adminKey)
            let failed = await failure { try await using(client) { try await $0.listKeys(userId: nil) } }
            #expect(failed != nil)

            // With the store well again, the next answer is whole.
            interrupter.disarm()
            let whole = try await raw(.GET, port: port, path: path, key: server.adminKey)
            #expect(whole.status == 200)
            let all = try await server.store.list(orgId: org, userId: nil)
            #expect(difference(whole.body, KeyJSONWriter.list(all.map(\.apiModel), style: .compact)) == nil)
        }
    }

    /// A client that goes away after the first piece: the server stops
    /// reading the list at the next piece instead of reading it to the end
    /// for nobody. SQLite's progress handler paces the read (a short sleep
    /// every 100 steps) and counts how far it got.
    @Test func aListNobodyReadsAnyMoreIsNoLongerRead() async throws {
        try await withKeyServer({ $0.seedDemo = Self.keys }) { server, port in
            let path = "/v0/organizations/\(server.configuration.orgId)/api-key"
            try await server.store.writer.writeWithoutTransaction { db in
                pacer.arm(db)
            }
            defer { pacer.disarm() }

            let whole = try await raw(.GET, port: port, path: path, key: server.adminKey)
            #expect(whole.status == 200 && whole.body.hasSuffix("]}"))
            let wholeRead = pacer.calls.exchange(0, ordering: .relaxed)
            #expect(wholeRead > 100, "the whole list takes \(wholeRead) steps of the handler")

            do {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                request.headers.add(name: "X-API-Key", value: server.adminKey)
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                let response = try await client.execute(request, timeout: .seconds(10))
                #expect(response.status == .ok)
                var iterator = response.body.makeAsyncIterator()
                let first = try await iterator.next()
                #expect((first?.readableBytes ?? 0) > 0, "the first piece came")
                // Gone: the connection closes with the rest unread.
                try await client.shutdown()
            }
            // Wait until the server's reading has stopped (no step for 300 ms).
            var last = -1, still = 0
            for _ in 0..<1_000 where still < 30 {
                try await Task.sleep(nanoseconds: 10_000_000)
                let now = pacer.calls.load(ordering: .relaxed)
                still = now == last ? still + 1 : 0
                last = now
            }
            #expect(still >= 30, "the server's reading came to rest")
            #expect(last < wholeRead / 2, "read \(last) steps of \(wholeRead) for a client that left after the first piece")

            // The next client gets the whole list (the admin key's last use aside).
            let again = try await raw(.GET, port: port, path: path, key: server.adminKey)
            #expect(again.status == 200 && again.body.hasSuffix("]}"))
            #expect(again.body.components(separatedBy: "\"keyId\"").count == whole.body.components(separatedBy: "\"keyId\"").count)
        }
    }
}

/// Where an answer first differs from the expected bytes, with a little of
/// each (the test framework's own diff of two large arrays takes minutes).
private func difference(_ got: String, _ want: [UInt8]) -> String? {
    let got = Array(got.utf8)
    guard got != want else { return nil }
    let at = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
    func around(_ bytes: [UInt8]) -> String {
        String(decoding: bytes[max(0, at - 40)..<min(bytes.count, at + 40)], as: UTF8.self)
    }
    return "\(got.count) bytes against \(want.count), first differing at \(at): \(around(got)) | \(around(want))"
}

/// A progress handler on the store's connection, called every `steps`
/// SQLite steps while armed: it counts its calls, and pauses the statement
/// on each (`pause`, in microseconds) or interrupts it from one call on.
private final class StepWatch: Sendable {
    let calls = Atomic<Int>(0)
    private let armed = Atomic<Bool>(false)
    private let steps: Int32
    private let pause: UInt32
    let interruptFrom: Int?

    init(every steps: Int32, pause: UInt32 = 0, interruptFrom: Int? = nil) {
        self.steps = steps
        self.pause = pause
        self.interruptFrom = interruptFrom
    }

    func arm(_ db: Database) {
        calls.store(0, ordering: .relaxed)
        armed.store(true, ordering: .relaxed)
        sqlite3_progress_handler(db.sqliteConnection, steps, { context in
            let watch = Unmanaged<StepWatch>.fromOpaque(context!).takeUnretainedValue()
            guard watch.armed.load(ordering: .relaxed) else { return 0 }
            let call = watch.calls.add(1, ordering: .relaxed).newValue
            if watch.pause > 0 { usleep(watch.pause) }
            if let from = watch.interruptFrom, call >= from { return 1 }
            return 0
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    func disarm() { armed.store(false, ordering: .relaxed) }
}

/// Interrupts whatever statement runs from its 15th call on.
private let interrupter = StepWatch(every: 1_000, interruptFrom: 15)
/// Sleeps 2 ms every 100 steps, counting them.
private let pacer = StepWatch(every: 100, pause: 2_000)
