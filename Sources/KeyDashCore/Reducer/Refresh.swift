import Foundation
import WhyLabsAPI

/// Backoff after failed refreshes: doubling from `base`, capped, with ±20 % jitter.
public enum RefreshBackoff {
    public static let base: TimeInterval = 5
    public static let cap: TimeInterval = 300

    public static func delay(afterFailures failures: Int, jitter: Double) -> TimeInterval {
        let raw = min(cap, base * pow(2, Double(max(0, failures - 1))))
        return raw * (0.8 + 0.4 * jitter)
    }
}

extension DashboardState {
    /// Single-flight: a refresh asked for while one is running runs once after it.
    mutating func startRefresh() -> [Effect] {
        if refresh.inFlight {
            refresh.pending = true
            return []
        }
        refresh.inFlight = true
        refresh.startedAt = now
        refresh.nextRefresh = nil
        if filter.showRevoked { return [.fetchList(perUser: knownUsers.sorted(), rules: hygieneRules)] }
        return [.fetchList(perUser: [], skipIfUnchanged: hasLoaded && keysAreLastAnswer, rules: hygieneRules,
                           basis: hasLoaded ? ListBasis(records: keys, index: index) : .none)]
    }

    mutating func togglePause() -> [Effect] {
        refresh.paused.toggle()
        if refresh.paused {
            refresh.nextRefresh = nil
            say("auto-refresh paused (p resumes, r refreshes once)", .info)
            return [.cancelRefresh]
        }
        say("auto-refresh resumed", .info)
        return startRefresh()
    }

    mutating func listLoaded(_ result: Result<KeySnapshot, APIError>, at: Date) -> [Effect] {
        refresh.inFlight = false
        refresh.startedAt = nil
        now = max(now, at)
        switch result {
        case .success(let fetched):
            let before = counts
            var notable = apply(fetched, at: at)
            if let stored = fetched.rotations, stored.read >= rotationsChangedAt {
                rotations = stored.all.filter { $0.org == orgId }
            }
            var effects = trackRotations(at: at, notable: &notable)
            notable += counts.newlyExpiring(since: before)
            effects += notice(notable, at: at)
            return effects + refreshSucceeded(at: at)
        case .failure(let error):
            refresh.consecutiveFailures += 1
            if refresh.failingSince == nil { refresh.failingSince = at }
            refresh.lastError = Self.shortReason(error)
            if refresh.consecutiveFailures == 1 || !hasLoaded {
                say(hasLoaded ? "refresh failed: \(error.description)" : error.description, .error)
            }
            refresh.pending = false
            let delay = RefreshBackoff.delay(afterFailures: refresh.consecutiveFailures, jitter: random.next())
            return scheduleNext(after: refreshPeriod > 0 ? delay : 0, at: at)
        }
    }

    /// The answer was byte for byte the last one applied: as applying the
    /// same keys again, without reading them.
    mutating func listUnchanged(at: Date) -> [Effect] {
        refresh.inFlight = false
        refresh.startedAt = nil
        now = max(now, at)
        guard keysAreLastAnswer else { return startRefresh() }  // the state moved on meanwhile: read it
        listFetchedAt = at
        if marks.values.contains(where: { $0 != .revoking }) {
            // What applying the same list does to marks: "new" fades, "revoked" stays only with show-revoked.
            marks = marks.filter { $0.value == .revoking || ($0.value == .revoked && filter.showRevoked && keys.slot(of: $0.key) != nil) }
            recomputeVisible(keepingSelection: true)
        }
        return refreshSucceeded(at: at)
    }

    private mutating func refreshSucceeded(at: Date) -> [Effect] {
        refresh.lastSuccess = at
        if refresh.failingSince != nil { say("back online", .success) }
        refresh.failingSince = nil
        refresh.consecutiveFailures = 0
        refresh.lastError = nil
        if refresh.pending {
            refresh.pending = false
            return startRefresh()
        }
        return scheduleNext(after: refreshPeriod, at: at)
    }

    private mutating func scheduleNext(after delay: TimeInterval, at: Date) -> [Effect] {
        guard delay > 0, !refresh.paused, !quitting else {
            refresh.nextRefresh = nil
            return []
        }
        refresh.nextRefresh = at.addingTimeInterval(delay)
        return [.scheduleRefresh(after: delay)]
    }

    /// A few words for the header: "connection refused", "HTTP 503".
    static func shortReason(_ error: APIError) -> String {
        switch error {
        case .transport(let failure, _): failure.rawValue
        case .unauthorized: "unauthorized (401)"
        case .forbidden: "forbidden (403)"
        case .rateLimited: "rate limited (429)"
        case .server(let status, _, _): "server error \(status)"
        case .notFound: "not found (404)"
        case .rejected(let status, _, _, _): "HTTP \(status)"
        case .undecodable: "unreadable answer"
        case .tooLarge: "answer too large"
        }
    }

    /// Replaces the keys with a fresh list (already in compact form, its
    /// orders built where it was fetched): marks what is new, logs what
    /// appeared, changed or vanished, and keeps the selection on the same key.
    /// Returns what is worth a notification: keys appeared, changed (not
    /// just used) or vanished, as short phrases.
    private mutating func apply(_ snapshot: KeySnapshot, at: Date) -> [String] {
        var fresh = snapshot.records
        var freshIndex = snapshot.index
        var merged = false
        // Keys being revoked stay until the server has answered.
        for (id, mark) in marks where mark == .revoking && fresh.slot(of: id) == nil {
            if let old = keys[id] { freshIndex.update(fresh.upsert(old), in: fresh); merged = true }
        }
        defer { keysAreLastAnswer = !merged }
        let diff = hasLoaded ? KeyDiff.Slots.between(keys, fresh) : KeyDiff.Slots()
        // An unchanged list (the usual case for an idle monitor) costs nothing more.
        if hasLoaded, diff.isEmpty, fresh.count == keys.count, !marks.values.contains(where: { $0 != .revoking }) {
            listFetchedAt = at
            return []
        }
        var notable: [String] = []
        var newMarks: [String: RowMark] = marks.filter { $0.value == .revoking }
        // A revoked key showing up because show-revoked widened the fetch is
        // not news; our own revokes and revoked keys dropping out of the
        // org-wide list are expected.
        func logged(_ e: KeyDiff.Slots.Entry) -> Bool {
            switch e.kind {
            case .appeared: !(filter.showRevoked && fresh.isRevoked(at: Int(e.new)))
            case .vanished: !(marks[keys.keyId(at: Int(e.old))] == .revoked || keys.isRevoked(at: Int(e.old)))
            case .changed, .used: true
            }
        }
        for e in diff.entries where e.kind == .appeared && logged(e) {
            let id = fresh.keyId(at: Int(e.new))
            newMarks[id] = newMarks[id] ?? .new
        }
        // Only the newest `activityLimit` entries stay in the log: only they
        // are materialized.
        var kept: [Int] = []
        for i in diff.entries.indices.reversed() where logged(diff.entries[i]) {
            kept.append(i)
            if kept.count == Self.activityLimit { break }
        }
        for change in diff.changes(keys, fresh, in: kept.reversed()) {
            let key = change.key
            switch change {
            case .appeared:
                log(ActivityEntry(at: at, kind: .appeared, keyId: key.keyId, alias: key.alias, userId: key.userId))
                notable.append("\(key.keyId) appeared")
            case .used:
                log(ActivityEntry(at: at, kind: .used, keyId: key.keyId, alias: key.alias, userId: key.userId))
            case .changed(_, _, let what):
                log(ActivityEntry(at: at, kind: .changed, keyId: key.keyId, alias: key.alias, userId: key.userId, detail: what))
                notable.append("\(key.keyId) changed (\(what))")
            case .vanished:
                log(ActivityEntry(at: at, kind: .vanished, keyId: key.keyId, alias: key.alias, userId: key.userId))
                notable.append("\(key.keyId) vanished")
            }
        }
        // "revoked" stays on a row until the next refresh, or for good with show-revoked.
        if filter.showRevoked {
            for (id, mark) in marks where mark == .revoked && fresh.slot(of: id) != nil { newMarks[id] = .revoked }
        }
        marks = newMarks
        let anchor = selectionAnchor
        keys = fresh
        index = freshIndex
        visibleSlots = []  // slots of the old records: meaningless now
        knownUsers.formUnion(fresh.userIds)
        details = details.filter { fresh.slot(of: $0.key) != nil }
        bulkSelection = bulkSelection.filter { fresh.slot(of: $0) != nil }
        listFetchedAt = at
        let first = !hasLoaded
        hasLoaded = true
        keysChanged(anchor: anchor)
        return first ? [] : notable
    }

    /// Each pending rotation's state from the list just applied: the new
    /// key's first use is recorded, a state that moved on is logged (and
    /// told), an old key seen revoked completes its rotation.
    private mutating func trackRotations(at: Date, notable: inout [String]) -> [Effect] {
        var effects: [Effect] = []
        var kept: [PendingRotation] = []
        for rotation in rotations {
            let (state, noted) = rotation.state(old: keys[rotation.oldKeyId], new: keys[rotation.newKeyId])
            if noted != rotation { effects.append(.recordRotation(.update(noted))) }
            let previous = rotationStates[rotation.oldKeyId]
            if previous != state {
                log(ActivityEntry(at: at, kind: .rotation, keyId: rotation.oldKeyId, alias: rotation.alias, userId: rotation.userId,
                                  detail: state.describe(rotation)))
                if previous != nil { notable.append("\(rotation.oldKeyId): \(state.rawValue)") }
            }
            if state == .done {
                rotationStates[rotation.oldKeyId] = nil
                rotationsChangedAt = at
                effects.append(.recordRotation(.remove(org: orgId, oldKeyId: rotation.oldKeyId)))
            } else {
                rotationStates[rotation.oldKeyId] = state
                kept.append(noted)
            }
        }
        rotations = kept
        return effects
    }

    /// One notification for what just happened, at most one a second:
    /// what comes sooner is held and told with the next.
    mutating func notice(_ notable: [String], at: Date) -> [Effect] {
        guard notifyChanges else { return [] }
        heldNotice += notable
        guard !heldNotice.isEmpty else { return [] }
        if let last = lastNotified, at.timeIntervalSince(last) < 1 { return [] }
        let shown = heldNotice.prefix(3).joined(separator: "; ") + (heldNotice.count > 3 ? "; +\(heldNotice.count - 3) more" : "")
        heldNotice = []
        lastNotified = at
        return [.notify("keydash \(orgId): " + shown)]
    }

    mutating func detailLoaded(_ keyId: String, _ result: Result<UserApiKey, APIError>, at: Date) {
        switch result {
        case .success(let key):
            details[keyId] = DetailEntry(key: key.withoutSecret, fetchedAt: at)
        case .failure(.notFound):
            details[keyId] = nil
            if case .detail(keyId) = pane { say("key \(keyId) no longer exists on the server", .warning) }
        case .failure(let error):
            if case .detail(keyId) = pane { say("could not load details: \(error.description)", .error) }
        }
    }
}
