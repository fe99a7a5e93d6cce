import Foundation
import WhyLabsAPI

/// How a bulk revoke is going, for the summary when the last answer arrives.
public struct BulkProgress: Sendable, Hashable {
    public var total: Int
    public var succeeded = 0
    public var failed = 0
    public var outstanding: Set<String>
}

extension DashboardState {
    mutating func requestRevoke() -> [Effect] {
        if readOnly {
            say("read-only: revoking is disabled", .warning)
            return []
        }
        if pane == .list, !bulkSelection.isEmpty {
            let refs = bulkSelection.sorted().compactMap { id in keys[id].map { KeyRef(keyId: id, userId: $0.userId) } }
            if refs.count == 1, let only = refs.first {
                // One key is confirmed like any single key: by its id, not by "1".
                pane = .confirmRevoke(RevokeConfirmation(keyId: only.keyId, userId: only.userId))
            } else if !refs.isEmpty {
                // Only the marked keys are looked up: no pass over the whole list.
                let shown = Set(refs.map(\.keyId).filter { isShown($0) })
                pane = .bulkRevoke(BulkRevokeConfirmation(keys: refs, hidden: Set(refs.map(\.keyId)).subtracting(shown)))
            }
            return []
        }
        guard pane == .list || isDetailPane, let id = paneKeyId ?? selectedKeyId, let key = keys[id] else { return [] }
        if key.isRevoked || marks[id] == .revoked {
            say("\(id) is already revoked", .info)
            return []
        }
        if marks[id] == .revoking {
            say("\(id) is already being revoked", .info)
            return []
        }
        pane = .confirmRevoke(RevokeConfirmation(keyId: id, userId: key.userId))
        return []
    }

    mutating func toggleMark() {
        guard pane == .list, !readOnly, let id = selectedKeyId, let key = keys[id] else { return }
        if bulkSelection.contains(id) {
            bulkSelection.remove(id)
        } else if !key.isRevoked {
            bulkSelection.insert(id)
        }
        moveSelection(by: 1)
    }

    mutating func editConfirmation(_ edit: TextEdit) {
        switch pane {
        case .confirmRevoke(var c):
            c.typed.apply(edit, limit: 64)
            pane = .confirmRevoke(c)
        case .bulkRevoke(var b):
            b.typed.apply(edit, limit: 8)
            pane = .bulkRevoke(b)
        default:
            break
        }
    }

    /// Enter in a modal. A revoke goes out only from an open confirmation
    /// with the exact text typed; the pane closes as it goes, so a repeated
    /// Enter has nothing left to confirm.
    mutating func confirm() -> [Effect] {
        switch pane {
        case .confirmRevoke(let c):
            guard !readOnly else { pane = .list; return [] }
            guard c.isConfirmable else {
                say("type the key id \(c.keyId) exactly, then Enter (Esc cancels)", .warning)
                return []
            }
            pane = .list
            bulkSelection.remove(c.keyId)
            guard marks[c.keyId] != .revoking, marks[c.keyId] != .revoked else { return [] }
            marks[c.keyId] = .revoking
            let ref = KeyRef(keyId: c.keyId, userId: c.userId)
            revokesInFlight[c.keyId] = ref
            say("revoking \(c.keyId)…", .info)
            return [.revoke(ref)]
        case .bulkRevoke(let b):
            guard !readOnly else { pane = .list; return [] }
            guard b.isConfirmable else {
                say("type \(b.expected) (the number of keys), then Enter (Esc cancels)", .warning)
                return []
            }
            pane = .list
            bulkSelection.removeAll()
            let refs = b.keys.filter { marks[$0.keyId] != .revoking && marks[$0.keyId] != .revoked }
            guard !refs.isEmpty else { return [] }
            for ref in refs {
                marks[ref.keyId] = .revoking
                revokesInFlight[ref.keyId] = ref
            }
            bulkProgress = BulkProgress(total: refs.count, outstanding: Set(refs.map(\.keyId)))
            say("revoking \(refs.count) keys…", .info)
            return refs.map { .revoke($0) }
        case .secret:
            pane = .list
            return []
        default:
            return []
        }
    }

    mutating func revokeFinished(_ ref: KeyRef, _ result: Result<KeyChange, APIError>, at: Date) -> [Effect] {
        // An answer for a write already given up on (recorded as unknown) changes nothing.
        guard revokesInFlight.removeValue(forKey: ref.keyId) != nil else { return [] }
        let alias = keys[ref.keyId]?.alias
        var effects: [Effect] = []
        switch result {
        case .success(let change):
            marks[ref.keyId] = .revoked
            var revoked = change.key.withoutSecret
            revoked.revoked = true
            let old = keys[ref.keyId]
            keys.upsert(revoked)
            keyChanged(ref.keyId, from: old)
            if details[ref.keyId] != nil { details[ref.keyId] = DetailEntry(key: revoked, fetchedAt: at) }
            log(ActivityEntry(at: at, kind: .revoked, keyId: ref.keyId, alias: alias, userId: ref.userId))
            effects.append(.audit(audit("revoke", ref, alias: alias, result: "ok", requestId: change.requestId, at: at)))
            if bulkProgress == nil { say("revoked \(ref.keyId)\(alias.map { " (\($0))" } ?? "")", .success) }
            effects += rotationKeyRevoked(ref, at: at)
        case .failure(let error) where error.outcomeUnknown:
            // Sent, but no answer: the server may have revoked it. The next
            // refresh shows which; the key is not marked either way meanwhile.
            marks[ref.keyId] = nil
            log(ActivityEntry(at: at, kind: .revokeFailed, keyId: ref.keyId, alias: alias, userId: ref.userId, detail: "outcome unknown: \(error.description)"))
            effects.append(.audit(audit("revoke", ref, alias: alias, result: "unknown", requestId: error.requestId, at: at, detail: error.description)))
            say("revoke of \(ref.keyId): outcome unknown (\(error.description)); r refreshes to see", .error)
        case .failure(let error):
            marks[ref.keyId] = nil
            log(ActivityEntry(at: at, kind: .revokeFailed, keyId: ref.keyId, alias: alias, userId: ref.userId, detail: error.description))
            effects.append(.audit(audit("revoke", ref, alias: alias, result: "error", requestId: error.requestId, at: at, detail: error.description)))
            say("revoke of \(ref.keyId) failed: \(error.description)", .error)
        }
        if var progress = bulkProgress, progress.outstanding.remove(ref.keyId) != nil {
            if case .success = result { progress.succeeded += 1 } else { progress.failed += 1 }
            bulkProgress = progress.outstanding.isEmpty ? nil : progress
            if progress.outstanding.isEmpty {
                say("revoked \(progress.succeeded) of \(progress.total) keys" + (progress.failed > 0 ? "; \(progress.failed) failed (see activity, a)" : ""),
                    progress.failed > 0 ? .error : .success)
            }
        }
        // A failed revoke changed no key: nothing to re-derive.
        return effects
    }

    func audit(_ action: String, _ ref: KeyRef?, user: String? = nil, alias: String?, result: String, requestId: String?, at: Date,
               detail: String? = nil) -> AuditEntry {
        AuditEntry(time: at, org: orgId, endpointHost: endpointHost, action: action, keyId: ref?.keyId,
                   user: ref?.userId ?? user ?? "", alias: alias, result: result, requestId: requestId, detail: detail)
    }

    /// At exit: every write still unanswered is audited as `unknown`.
    mutating func abandonWrites(at: Date) -> [Effect] {
        var effects: [Effect] = []
        for write in pendingWrites {
            switch write {
            case .create(let request):
                effects.append(.audit(audit("create", nil, user: request.userId, alias: request.alias, result: "unknown", requestId: nil, at: at,
                                            detail: "no answer before keydash exited")))
            case .revoke(let ref):
                effects.append(.audit(audit("revoke", ref, alias: keys[ref.keyId]?.alias, result: "unknown", requestId: nil, at: at,
                                            detail: "no answer before keydash exited")))
                marks[ref.keyId] = nil
            }
        }
        createInFlight = nil
        revokesInFlight.removeAll()
        return effects
    }

    /// A revoke of a rotation's old key completes it; of its new key, it is shown and logged.
    private mutating func rotationKeyRevoked(_ ref: KeyRef, at: Date) -> [Effect] {
        if let done = rotations.first(where: { $0.oldKeyId == ref.keyId }) {
            rotations.removeAll { $0.oldKeyId == ref.keyId }
            rotationStates[ref.keyId] = nil
            rotationsChangedAt = at
            log(ActivityEntry(at: at, kind: .rotation, keyId: ref.keyId, alias: done.alias, userId: done.userId,
                              detail: RotationState.done.describe(done)))
            if bulkProgress == nil { say("revoked \(ref.keyId): rotation to \(done.newKeyId) complete", .success) }
            return [.recordRotation(.remove(org: orgId, oldKeyId: ref.keyId))]
        }
        for rotation in rotations where rotation.newKeyId == ref.keyId {
            rotationStates[rotation.oldKeyId] = .replacementRevoked
            log(ActivityEntry(at: at, kind: .rotation, keyId: rotation.oldKeyId, alias: rotation.alias, userId: rotation.userId,
                              detail: RotationState.replacementRevoked.describe(rotation)))
        }
        return []
    }
}
