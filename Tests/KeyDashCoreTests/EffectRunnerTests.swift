import Foundation
import KeyServer
import Testing
@testable import WhyLabsAPI
@testable import KeyDashCore

/// A clock the test moves by hand.
final class ManualClock: DashboardClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current = t0
    private var sleepers: [(deadline: Date, continuation: CheckedContinuation<Void, Error>)] = []

    func now() -> Date { lock.withLock { current } }

    var sleeperCount: Int { lock.withLock { sleepers.count } }

    func sleep(for seconds: TimeInterval) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            lock.withLock { sleepers.append((current.addingTimeInterval(seconds), c)) }
        }
    }

    func advance(by seconds: TimeInterval) {
        let due: [CheckedContinuation<Void, Error>] = lock.withLock {
            current = current.addingTimeInterval(seconds)
            let ready = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return ready.map(\.continuation)
        }
        for c in due { c.resume() }
    }
}

/// Collects the actions a runner sends back.
final class ActionInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [Action] = []

    var send: @Sendable (Action) -> Void { { [self] action in lock.withLock { queue.append(action) } } }

    /// The next action, or nil after `seconds` (bounded, so a test can't hang).
    func next(within seconds: Double = 10) async -> Action? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let action = lock.withLock({ queue.isEmpty ? nil : queue.removeFirst() }) { return action }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return nil
    }
}

func withDemoServer(seed: Int = 30, _ body: @Sendable (KeyServer, WhyLabsClient) async throws -> Void) async throws {
    let server = try await KeyServer.prepare(KeyServerConfiguration(port: 0, orgId: "org-core", seedDemo: seed))
    try await server.withRunning { port in
        let client = WhyLabsClient(configuration: .init(endpoint: URL(string: "http://127.0.0.1:\(port)")!, orgId: "org-core",
                                                        apiKey: server.adminKey, retry: .none))
        do {
            try await body(server, client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}

@Suite struct EffectRunnerTests {
    /// Through the service protocol, as the dashboard holds it: an answer
    /// byte for byte the last one read comes back as `listUnchanged`.
    @Test func anIdenticalAnswerIsReportedUnchangedWithoutReadingIt() async throws {
        try await withDemoServer { _, client in
            let inbox = ActionInbox()
            let service: any APIKeyService = client
            let runner = EffectRunner(service: service, clock: ManualClock(), auditLog: nil, send: inbox.send)
            await runner.run(.fetchList(perUser: []))
            guard case .listLoaded(.success, _)? = await inbox.next() else { Issue.record("no list"); return }
            #expect(await fetchUntilUnchanged(runner, inbox))
            // Without the permission, the same answer is read.
            await runner.run(.fetchList(perUser: [], skipIfUnchanged: false))
            guard case .listLoaded(.success, _)? = await inbox.next() else { Issue.record("not read"); return }
            await runner.stop()
        }
    }

    @Test func fetchesTheListFromARealServer() async throws {
        try await withDemoServer { _, client in
            let inbox = ActionInbox()
            let runner = EffectRunner(service: client, clock: ManualClock(), auditLog: nil, send: inbox.send)
            await runner.run(.fetchList(perUser: []))
            guard case .listLoaded(.success(let snapshot), let at)? = await inbox.next() else { Issue.record("no list"); return }
            let keys = snapshot.keys
            #expect(keys.count > 20)
            #expect(keys.allSatisfy { $0.key == nil && $0.revoked != true })
            #expect(at == t0, "times come from the injected clock")
            await runner.run(.fetchList(perUser: Array(Set(keys.map(\.userId)))))
            let answer = await inbox.next()
            guard case .listLoaded(.success(let widened), _)? = answer else { Issue.record("no list: \(String(describing: answer))"); return }
            let all = widened.keys
            #expect(all.contains { $0.isRevoked })
            await runner.stop()
        }
    }

    /// A refresh goes from the caller to the client's event loop and back
    /// with no pool thread between: the task awaiting the answer resumes
    /// on the loop that read it, and sends its action from there.
    @Test func aRequestIsAwaitedOnTheLoopThatReadsItsAnswer() async throws {
        try await withDemoServer { _, client in
            guard let executor = client.taskExecutor as? EventLoopTaskExecutor else {
                Issue.record("the client names no event loop for its tasks"); return
            }
            let sentOnLoop = ActionInbox(), inbox = ActionInbox()
            let runner = EffectRunner(service: client, clock: ManualClock(), auditLog: nil, send: { action in
                sentOnLoop.send(.showMessage(executor.loop.inEventLoop ? "on the loop" : "elsewhere", .info))
                inbox.send(action)
            })
            #expect(runner.executor.map { $0 === executor } == true)
            await runner.run(.fetchList(perUser: [], skipIfUnchanged: true))
            guard case .listLoaded(.success(let snapshot), _)? = await inbox.next() else { Issue.record("no list"); return }
            #expect(snapshot.keys.count > 20)
            // The same list again: read, found unchanged, answered, all on the loop.
            guard await fetchUntilUnchanged(runner, inbox) else { Issue.record("no unchanged answer"); return }
            await runner.run(.fetchDetail(keyId: snapshot.keys[0].keyId))
            guard case .detailLoaded(_, .success, _)? = await inbox.next() else { Issue.record("no detail"); return }
            // Every user's list (gathered and merged on the shared pool): answered from the loop too.
            await runner.run(.fetchList(perUser: Array(Set(snapshot.keys.map(\.userId)))))
            guard case .listLoaded(.success(let all), _)? = await inbox.next() else { Issue.record("no list"); return }
            #expect(all.keys.contains { $0.isRevoked })
            for _ in 0..<4 {
                guard case .showMessage(let place, _)? = await sentOnLoop.next() else { Issue.record("no action sent"); return }
                #expect(place == "on the loop")
            }
            await runner.stop()
        }
    }

    @Test func scheduledRefreshFiresWhenTheClockSaysSo() async throws {
        let clock = ManualClock()
        let inbox = ActionInbox()
        // The timer needs no server; a client for a port nobody listens on will do.
        let client = WhyLabsClient(configuration: .init(endpoint: URL(string: "http://127.0.0.1:9")!, orgId: "o", apiKey: "k"))
        defer { Task { await client.shutdown() } }
        let runner = EffectRunner(service: client, clock: clock, auditLog: nil, send: inbox.send)
        await runner.run(.scheduleRefresh(after: 30))
        await waitFor { clock.sleeperCount == 1 }
        clock.advance(by: 29)
        #expect(await inbox.next(within: 0.2) == nil)
        clock.advance(by: 1)
        guard case .refreshDue? = await inbox.next() else { Issue.record("no refreshDue"); return }
        // A new schedule replaces the old one; stop cancels it.
        await runner.run(.scheduleRefresh(after: 10))
        await waitFor { clock.sleeperCount == 1 }
        await runner.stop()
        clock.advance(by: 60)
        #expect(await inbox.next(within: 0.2) == nil)
    }

    @Test func aWholeSessionAgainstTheServer() async throws {
        try await withDemoServer { server, client in
            let dir = NSTemporaryDirectory() + "keydash-audit-\(UUID().uuidString)"
            let audit = AuditLog(path: dir + "/audit.jsonl")
            let inbox = ActionInbox()
            let runner = EffectRunner(service: client, clock: ManualClock(), auditLog: audit, send: inbox.send)
            var state = DashboardState(orgId: "org-core", endpointHost: "127.0.0.1", refreshPeriod: 30, now: t0)

            func step(_ action: Action) async { await runner.run(reduce(&state, action)) }
            func settle(_ matching: (Action) -> Bool) async {
                for _ in 0..<20 {
                    guard let action = await inbox.next() else { return }
                    await runner.run(reduce(&state, action))
                    if matching(action) { return }
                }
            }

            await runner.run(state.start())
            await settle { if case .listLoaded = $0 { return true } else { return false } }
            #expect(state.visible.count > 20)

            // Create a key through the form.
            await step(.openCreate)
            for c in "ops" { await step(.form(.text(.insert(String(c))))) }
            await step(.submitCreate)
            await settle { if case .createFinished = $0 { return true } else { return false } }
            guard case .secret(let secret) = state.pane else { Issue.record("no secret pane: \(state.pane)"); return }
            #expect(secret.secret.hasSuffix(":org-core"))
            await step(.back)

            // Revoke it with the typed confirmation.
            await step(.requestRevoke)
            state.type(secret.keyId)
            await step(.confirm)
            await step(.confirm)  // a repeated Enter sends nothing more
            await settle { if case .revokeFinished = $0 { return true } else { return false } }
            #expect(state.marks[secret.keyId] == .revoked)
            #expect(await inbox.next(within: 0.3) == nil, "exactly one revoke answer")
            let onServer = try await client.getKey(keyId: secret.keyId)
            #expect(onServer.revoked == true)

            await runner.recordsWritten()
            let lines = try String(contentsOfFile: audit.path, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines[0].contains("\"action\":\"create\"") && lines[1].contains("\"action\":\"revoke\""))
            #expect(!lines.joined().contains(String(secret.secret.dropFirst(11).prefix(20))))
            #expect(SecretModeCheck.mode(audit.path) == 0o600)
            _ = server
            await runner.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// A rotation record waits for the lock on the rotations file while
    /// another keydash holds it (`keydash rotate` on the command line), and
    /// syncs the file to disk. It waits on a queue of its own: a request on
    /// the loop the runner's tasks prefer is answered meanwhile, and the
    /// record is written, in order, once the lock is let go.
    @Test func aRecordWaitingForItsLockHoldsUpNoRequest() async throws {
        try await withDemoServer { server, client in
            let dir = NSTemporaryDirectory() + "keydash-rotations-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let store = RotationStore(path: dir + "/rotations.json")
            let inbox = ActionInbox()
            let runner = EffectRunner(service: client, clock: ManualClock(), auditLog: nil, rotationStore: store, send: inbox.send)
            let listed = try await client.listKeys(userId: nil).count
            let lock = open(store.path + ".lock", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
            #expect(lock >= 0 && flock(lock, LOCK_EX) == 0)
            var held = true
            func release() {
                if held { flock(lock, LOCK_UN); close(lock); held = false }
            }
            defer { release() }

            let first = PendingRotation(org: "org-core", oldKeyId: "OLDKEY0001", newKeyId: "NEWKEY0001", userId: "u", alias: nil, rotatedAt: t0)
            let second = PendingRotation(org: "org-core", oldKeyId: "OLDKEY0002", newKeyId: "NEWKEY0002", userId: "u", alias: nil, rotatedAt: t0)
            // Handed over as the dashboard's effect pump does: from a task on the loop.
            let handedOver = Task(executorPreference: runner.executor) {
                await runner.run([.recordRotation(.add(first)), .recordRotation(.add(second)),
                                  .recordRotation(.remove(org: "org-core", oldKeyId: "OLDKEY0001"))])
            }
            let answered = Flag()
            let request = Task(executorPreference: runner.executor) {
                let keys = try await client.listKeys(userId: nil)
                answered.set()
                return keys.count
            }
            for _ in 0..<500 where !answered.isSet {
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(answered.isSet, "a list request on the runner's loop went unanswered for 5 s while a record waited for its lock")
            #expect(try store.load().isEmpty, "nothing is written while the lock is held")

            release()
            await handedOver.value
            #expect(try await request.value == listed)
            await runner.recordsWritten()
            #expect(try store.load().map(\.oldKeyId) == ["OLDKEY0002"], "the three changes, in order")
            #expect(await inbox.next(within: 0.1) == nil, "no error reported")
            _ = server
            await runner.stop()
        }
    }
}

/// A flag one task sets and another reads.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

enum SecretModeCheck {
    static func mode(_ path: String) -> UInt16 {
        var info = stat()
        stat(path, &info)
        return UInt16(info.st_mode & 0o777)
    }
}

/// Asks for the list again, allowing repeats, until an answer comes back
/// unchanged; false after five tries or on anything but a list. The server
/// records the caller's last use at most once a second, which changes the
/// answer: on a loaded machine a second can pass between two reads.
func fetchUntilUnchanged(_ runner: EffectRunner, _ inbox: ActionInbox) async -> Bool {
    for _ in 0..<5 {
        await runner.run(.fetchList(perUser: [], skipIfUnchanged: true))
        switch await inbox.next() {
        case .listUnchanged?: return true
        case .listLoaded(.success, _)?: continue
        default: Issue.record("neither a list nor unchanged"); return false
        }
    }
    return false
}

/// Polls `condition` for up to two seconds; records a failure if it never held.
func waitFor(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async {
    for _ in 0..<200 {
        if condition() { return }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    Issue.record("condition never held within 2 s", sourceLocation: sourceLocation)
}

@Suite struct PrivateFileTests {
    @Test func theAuditLogIsTightenedTo0600AndNeverFollowsALink() throws {
        let dir = NSTemporaryDirectory() + "keydash-audit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/audit.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        let entry = AuditEntry(time: t0, org: "o", endpointHost: "h", action: "revoke", keyId: "K", user: "u", alias: nil, result: "ok", requestId: nil)
        let note = try AuditLog(path: path).append(entry)
        #expect(note?.contains("mode 644") == true)
        #expect(SecretFilePermissions.mode(of: path) == 0o600)
        #expect(try AuditLog(path: path).append(entry) == nil, "said once, when it was tightened")

        let target = dir + "/elsewhere"
        _ = FileManager.default.createFile(atPath: target, contents: nil, attributes: [.posixPermissions: 0o600])
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.jsonl", withDestinationPath: target)
        #expect(throws: AuditLogError.self) { try AuditLog(path: dir + "/link.jsonl").append(entry) }
        #expect((try? Data(contentsOf: URL(fileURLWithPath: target)))?.isEmpty == true, "nothing written through the link")
    }

    @Test func theDemoAuditsToAFileOfItsOwn() {
        let env = ["XDG_STATE_HOME": "/s"]
        #expect(AuditLog.defaultPath(environment: env) == "/s/keydash/audit.jsonl")
        #expect(AuditLog.demoPath(environment: env) == "/s/keydash/audit-demo.jsonl")
    }
}

