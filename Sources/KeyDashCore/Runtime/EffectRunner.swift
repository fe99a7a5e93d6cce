import Foundation
import WhyLabsAPI

/// Carries out the reducer's effects with the API client and a clock, and
/// feeds every result back as an action through `send`. Effects that belong
/// to the front end (clipboard, quit) go to `present`.
///
/// Its tasks prefer the service's executor, the event loop that reads the
/// answers: a refresh goes from the curses thread to that loop and back,
/// with no pool thread woken between. What is heavy (a changed list made
/// into a snapshot) is done on the shared pool, and what may wait (the
/// audit log and rotation records) on a queue of its own, leaving the loop free.
public actor EffectRunner {
    private let service: any APIKeyService
    /// Where the runner's tasks, and those that feed it, are best run.
    public nonisolated let executor: (any TaskExecutor)?
    private let clock: any DashboardClock
    private let auditLog: AuditLog?
    private let rotationStore: RotationStore?
    private let send: @Sendable (Action) -> Void
    private let present: @Sendable (Effect) -> Void
    private var refreshTimer: Task<Void, Never>?
    private var inFlight: [Int: Task<Void, Never>] = [:]
    private var nextTaskId = 0
    private var stopped = false
    /// Audit lines and rotation records, written in the order they come: a
    /// write may wait for the lock another keydash holds on the rotations
    /// file, and syncs it to disk, and neither may hold up the loop.
    private let records = DispatchQueue(label: "keydash.records")

    public init(service: any APIKeyService, clock: any DashboardClock = SystemClock(), auditLog: AuditLog?,
                rotationStore: RotationStore? = nil,
                send: @escaping @Sendable (Action) -> Void, present: @escaping @Sendable (Effect) -> Void = { _ in }) {
        self.service = service
        self.executor = service.taskExecutor
        self.clock = clock
        self.auditLog = auditLog
        self.rotationStore = rotationStore
        self.send = send
        self.present = present
    }

    public func run(_ effects: [Effect]) {
        for effect in effects { run(effect) }
    }

    public func run(_ effect: Effect) {
        guard !stopped else { return }
        let service = self.service
        let clock = self.clock
        switch effect {
        case .fetchList(let perUser, let skipIfUnchanged, let rules, let basis):
            let previous = perUser.isEmpty && skipIfUnchanged ? lastList : nil
            let rotationStore = self.rotationStore
            // What the reducer takes: orders and search text built (heavy at
            // 100k keys), pending rotations attached. Done on the shared
            // pool, in one hop, leaving the loop that reads answers free.
            let snapshot: @Sendable (KeyRecords, ListBasis) -> KeySnapshot = { records, basis in
                var snapshot = KeySnapshot(records: records, rules: rules, basis: basis)
                if let rotationStore {
                    let read = clock.now()
                    if let all = try? rotationStore.load() { snapshot.rotations = (read, all) }
                }
                return snapshot
            }
            spawn {
                do throws(APIError) {
                    if perUser.isEmpty {
                        // Decoded straight into records as the answer arrives:
                        // no array of keys, and a long answer never held whole.
                        switch try await service.readList(userId: nil, unlessSameAs: previous, into: KeyRecords.self) {
                        case .unchanged:
                            return .listUnchanged(at: clock.now())
                        case .read(let records, let digest):
                            await self.remember(digest)
                            let made = await withTaskExecutorPreference(globalConcurrentExecutor) { snapshot(records, basis) }
                            return .listLoaded(.success(made), at: clock.now())
                        }
                    }
                    await self.remember(nil)
                    // Every user's list gathered, merged and sorted there too.
                    let made = try await withTaskExecutorPreference(globalConcurrentExecutor) { () async throws(APIError) -> KeySnapshot in
                        snapshot(KeyRecords(try await RevokedKeyCollector.allKeys(using: service, knownUsers: Set(perUser))), .none)
                    }
                    return .listLoaded(.success(made), at: clock.now())
                } catch {
                    return .listLoaded(.failure(error), at: clock.now())
                }
            }
        case .fetchDetail(let keyId):
            spawn {
                do throws(APIError) {
                    return .detailLoaded(keyId: keyId, .success(try await service.getKey(keyId: keyId)), at: clock.now())
                } catch {
                    return .detailLoaded(keyId: keyId, .failure(error), at: clock.now())
                }
            }
        case .revoke(let ref):
            spawn {
                do throws(APIError) {
                    return .revokeFinished(ref, .success(try await service.revokeKey(userId: ref.userId, keyId: ref.keyId)), at: clock.now())
                } catch {
                    return .revokeFinished(ref, .failure(error), at: clock.now())
                }
            }
        case .create(let request):
            spawn {
                do throws(APIError) {
                    return .createFinished(.success(try await service.createKey(request)), at: clock.now())
                } catch {
                    return .createFinished(.failure(error), at: clock.now())
                }
            }
        case .scheduleRefresh(let seconds):
            refreshTimer?.cancel()
            let send = self.send
            refreshTimer = Task {
                do {
                    try await clock.sleep(for: seconds)
                } catch {
                    return
                }
                if !Task.isCancelled { send(.refreshDue) }
            }
        case .cancelRefresh:
            refreshTimer?.cancel()
            refreshTimer = nil
        case .audit(let entry):
            guard let auditLog else { return }
            let send = self.send
            records.async {
                do {
                    if let note = try auditLog.append(entry) { send(.showMessage(note, .warning)) }
                } catch {
                    // The action happened; the user must know it went unrecorded.
                    send(.showMessage("\(error)", .error))
                }
            }
        case .recordRotation(let change):
            guard let rotationStore else { return }
            let send = self.send
            records.async {
                do throws(RotationStoreError) {
                    switch change {
                    case .add(let rotation): try rotationStore.add(rotation)
                    case .update(let rotation): try rotationStore.update(rotation)
                    case .remove(let org, let oldKeyId): try rotationStore.remove(org: org, oldKeyId: oldKeyId)
                    }
                } catch {
                    send(.showMessage("\(error)", .error))
                }
            }
        case .copyToClipboard, .applyTheme, .notify, .switchProfile, .quit:
            present(effect)
        }
    }

    /// Cancels the timer and every request in flight; nothing is sent after this.
    public func stop() {
        stopped = true
        refreshTimer?.cancel()
        refreshTimer = nil
        for task in inFlight.values { task.cancel() }
        inFlight.removeAll()
    }

    /// Waits until no request is in flight and every record is written
    /// (for tests and orderly shutdown).
    public func idle() async {
        while let task = inFlight.values.first {
            await task.value
        }
        await recordsWritten()
    }

    /// Waits until every audit line and rotation record handed over so far
    /// is written: before the process may end.
    public func recordsWritten() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            records.async { done.resume() }
        }
    }

    private func spawn(_ work: @escaping @Sendable () async -> Action) {
        let id = nextTaskId
        nextTaskId += 1
        let send = self.send
        inFlight[id] = Task(executorPreference: executor) {
            let action = await work()
            if !Task.isCancelled { send(action) }
            await self.finished(id)
        }
    }

    /// The digest of the last list answer read, for `skipIfUnchanged`.
    private var lastList: ListDigest?

    private func remember(_ digest: ListDigest?) {
        lastList = digest
    }

    private func finished(_ id: Int) {
        inFlight[id] = nil
    }
}
