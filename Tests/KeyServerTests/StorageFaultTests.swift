import Foundation
import GRDB
import Testing
import WhyLabsAPI
@testable import KeyServer

/// A disk that can't be written (full, read-only): reads go on, writes fail
/// cleanly with a 503 and change nothing.
@Suite struct StorageFaultTests {
    @Test func readsKeepWorkingAndWritesAre503WhenTheStoreCannotBeWritten() async throws {
        try await withKeyServer({ $0.seedDemo = 12 }) { server, port in
            let client = makeClient(port: port, key: server.adminKey)
            try await using(client) { client in
                let before = try await client.listKeys(userId: nil)
                // Every write to the keys now fails, as on a full or read-only disk.
                try await server.store.writer.writeWithoutTransaction { db in
                    try db.execute(sql: """
                        CREATE TEMP TRIGGER no_insert BEFORE INSERT ON api_key BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
                        CREATE TEMP TRIGGER no_update BEFORE UPDATE ON api_key BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
                        """)
                }
                try await Task.sleep(nanoseconds: 1_100_000_000)  // past the one-touch-per-second window
                let during = try await client.listKeys(userId: nil)
                #expect(during.map(\.keyId).sorted() == before.map(\.keyId).sorted(), "the list is still served")
                _ = try await client.getKey(keyId: before[0].keyId)

                let created = await failure { try await client.createKey(CreateKeyRequest(userId: "user-x")) }
                guard case .server(503, let message, let requestId)? = created else {
                    Issue.record("create gave \(String(describing: created))")
                    return
                }
                #expect(message.contains("nothing was changed"))
                #expect(requestId != nil)
                let revoked = await failure { try await client.revokeKey(userId: before[0].userId, keyId: before[0].keyId) }
                guard case .server(503, _, _)? = revoked else { Issue.record("revoke gave \(String(describing: revoked))"); return }

                try await server.store.writer.writeWithoutTransaction { db in
                    try db.execute(sql: "DROP TRIGGER temp.no_insert; DROP TRIGGER temp.no_update")
                }
                let after = try await client.listKeys(userId: nil)
                #expect(after.count == before.count, "nothing half-written")
            }
        }
    }

    @Test func theRateLimitCountsOnlyAuthenticatedRequests() async throws {
        try await withKeyServer({ $0.rateLimitPerMinute = 3 }) { server, port in
            // Unauthenticated requests to many made-up organizations: none is counted.
            for i in 0..<20 {
                let answer = try await raw(.GET, port: port, path: "/v0/organizations/org-\(i)/api-key", key: nil)
                #expect(answer.status == 401)
            }
            #expect(await server.limiter?.trackedOrganizations == 0)
            let client = makeClient(port: port, key: server.adminKey)
            try await using(client) { client in
                for _ in 0..<3 { _ = try await client.listKeys(userId: nil) }
                let fourth = await failure { try await client.listKeys(userId: nil) }
                guard case .rateLimited? = fourth else { Issue.record("got \(String(describing: fourth))"); return }
            }
            #expect(await server.limiter?.trackedOrganizations == 1)
        }
    }
}

/// What the kill -9 durability test in the end-to-end suite can't see (the
/// page cache survives a killed process): the store runs with WAL and
/// synchronous=FULL, so an acknowledged write is on disk.
@Suite struct StoreDurabilitySettingsTests {
    @Test func aFileStoreUsesWALAndSynchronousFull() async throws {
        let path = NSTemporaryDirectory() + "keydash-store-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try KeyStore(path: path)
        let (journal, synchronous) = try await store.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(synchronous == 2, "2 is FULL")
        // Recording a last use relaxes the flush for that one write only:
        // the writer is back to FULL for the keys themselves.
        try await store.touch(keyId: "nonexistent", atMs: 1)
        let writerSetting = try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(writerSetting == 2, "the writer connection is FULL again after a touch")
    }
}

@Suite struct ConnectionHygieneTests {
    @Test func anIdleConnectionIsClosedByTheServer() async throws {
        try await withKeyServer({ $0.idleTimeoutSeconds = 1 }) { _, port in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #expect(fd >= 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            // Send nothing: the server must hang up by itself, well before 10 s.
            let started = Date()
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 1, 10_000)
            var byte: UInt8 = 0
            let n = ready > 0 ? recv(fd, &byte, 1, 0) : -1
            #expect(n == 0, "end of stream from the server (ready \(ready), read \(n))")
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }
}
