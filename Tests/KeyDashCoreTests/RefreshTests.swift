import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

@Suite struct RefreshTests {
    @Test func firstLoadFetchesAndSchedulesTheNextRefresh() {
        var state = DashboardState(orgId: "org-1", endpointHost: "h", refreshPeriod: 30, now: t0)
        #expect(state.start() == [.fetchList(perUser: [])])
        #expect(state.refresh.inFlight)
        let effects = reduce(&state, .listLoaded(keys: ([makeKey("A"), makeKey("B")]), at: t0))
        #expect(effects == [.scheduleRefresh(after: 30)])
        #expect(state.visible.count == 2)
        #expect(state.marks.isEmpty, "nothing is 'new' on the first load")
        #expect(state.refresh.lastSuccess == t0)
        #expect(state.refresh.nextRefresh == t0.addingTimeInterval(30))
    }

    @Test func headerCountsFollowTimeOnAnIdleMonitor() {
        // A expires in 8 days: active now, expiring after 1 day, expired after 8.
        var state = loadedState([makeKey("A", expiresInDays: 8), makeKey("B", expiresInDays: nil)])
        #expect(state.counts.active == 2 && state.counts.expiringSoon == 0 && state.counts.expired == 0)
        #expect(state.counts.validUntil == t0.addingTimeInterval(86_400))
        _ = reduce(&state, .tick(t0.addingTimeInterval(86_400 - 1)))
        #expect(state.counts.expiringSoon == 0)
        _ = reduce(&state, .tick(t0.addingTimeInterval(86_400 + 1)))
        #expect(state.counts.expiringSoon == 1 && state.counts.active == 2)
        #expect(state.counts.validUntil == t0.addingTimeInterval(8 * 86_400))
        // An unchanged refresh does not freeze them either.
        _ = reduce(&state, .refreshDue)
        _ = reduce(&state, .listLoaded(keys: ([makeKey("A", expiresInDays: 8), makeKey("B", expiresInDays: nil)]), at: t0.addingTimeInterval(2 * 86_400)))
        _ = reduce(&state, .tick(t0.addingTimeInterval(8 * 86_400 + 1)))
        #expect(state.counts.expired == 1 && state.counts.active == 1 && state.counts.expiringSoon == 0)
        #expect(state.counts.validUntil == nil, "nothing changes after the last expiry")
    }

    @Test func onlyOneListRequestIsInFlight() {
        var state = DashboardState(orgId: "org-1", endpointHost: "h", now: t0)
        #expect(state.start().count == 1)
        #expect(reduce(&state, .refreshNow).isEmpty)
        #expect(reduce(&state, .refreshDue).isEmpty)
        // The asked-for refresh runs once, right after the one in flight.
        #expect(reduce(&state, .listLoaded(keys: ([]), at: t0)) == [.fetchList(perUser: [], skipIfUnchanged: true)])
        #expect(reduce(&state, .listLoaded(keys: ([]), at: t0)) == [.scheduleRefresh(after: 30)])
    }

    @Test func failureKeepsTheLastGoodListMarkedStaleAndBacksOff() {
        var state = loadedState([makeKey("A"), makeKey("B")])
        _ = reduce(&state, .refreshDue)
        var delays: [TimeInterval] = []
        for i in 1...8 {
            let at = t0.addingTimeInterval(Double(i) * 60)
            let effects = reduce(&state, .listLoaded(.failure(.transport(.connectionRefused, detail: "")), at: at))
            guard case .scheduleRefresh(let delay)? = effects.first else { Issue.record("no retry scheduled"); return }
            delays.append(delay)
            _ = reduce(&state, .refreshDue)
        }
        #expect(state.visible == ["A", "B"], "the last good data stays")
        #expect(state.refresh.isStale)
        #expect(state.refresh.failingSince == t0.addingTimeInterval(60))
        #expect(state.refresh.lastError == "connection refused")
        #expect(state.refresh.consecutiveFailures == 8)
        // Doubling with ±20 % jitter, capped at 300 s.
        for (i, delay) in delays.enumerated() {
            let nominal = min(300, 5 * pow(2, Double(i)))
            #expect(delay >= nominal * 0.8 && delay <= nominal * 1.2, "attempt \(i + 1): \(delay)")
        }
        #expect(Set(delays.prefix(5).map { $0 / min(300, 5 * pow(2, Double(delays.firstIndex(of: $0)!))) }).count > 1, "jittered")
    }

    @Test func recoveryResetsTheBackoff() {
        var state = loadedState([makeKey("A")])
        _ = reduce(&state, .refreshDue)
        _ = reduce(&state, .listLoaded(.failure(.server(status: 503, message: "x", requestId: nil)), at: t0))
        _ = reduce(&state, .refreshNow)  // r retries at once
        let effects = reduce(&state, .listLoaded(keys: ([makeKey("A")]), at: t0.addingTimeInterval(5)))
        #expect(effects == [.scheduleRefresh(after: 30)])
        #expect(!state.refresh.isStale)
        #expect(state.refresh.consecutiveFailures == 0)
        #expect(state.message?.text == "back online")
    }

    @Test func pauseStopsAutomaticRefreshButNotManual() {
        var state = loadedState([makeKey("A")])
        #expect(reduce(&state, .togglePause) == [.cancelRefresh])
        #expect(reduce(&state, .refreshDue).isEmpty)
        #expect(reduce(&state, .refreshNow) == [.fetchList(perUser: [], skipIfUnchanged: true)])
        #expect(reduce(&state, .listLoaded(keys: ([makeKey("A")]), at: t0)).isEmpty, "paused: nothing scheduled")
        #expect(reduce(&state, .togglePause) == [.fetchList(perUser: [], skipIfUnchanged: true)])
    }

    @Test func manualOnlyModeNeverSchedules() {
        var state = DashboardState(orgId: "o", endpointHost: "h", refreshPeriod: 0, now: t0)
        _ = state.start()
        #expect(reduce(&state, .listLoaded(keys: ([makeKey("A")]), at: t0)).isEmpty)
    }

    @Test func newKeysAreMarkedAndChangesLogged() {
        var state = loadedState([makeKey("A"), makeKey("B"), makeKey("C")])
        _ = reduce(&state, .refreshDue)
        var usedA = makeKey("A")
        usedA.lastUsedTime = APITime(t0)
        var renamedB = makeKey("B")
        renamedB.alias = "renamed"
        _ = reduce(&state, .listLoaded(keys: ([usedA, renamedB, makeKey("D")]), at: t0.addingTimeInterval(30)))
        #expect(state.marks == ["D": .new])
        let kinds = Dictionary(uniqueKeysWithValues: state.activity.map { ($0.keyId, $0.kind) })
        #expect(kinds == ["A": .used, "B": .changed, "C": .vanished, "D": .appeared])
        #expect(state.activity.first { $0.keyId == "B" }?.detail == "alias")
        // "New" means new since the last refresh.
        _ = reduce(&state, .refreshDue)
        _ = reduce(&state, .listLoaded(keys: ([usedA, renamedB, makeKey("D")]), at: t0.addingTimeInterval(60)))
        #expect(state.marks.isEmpty)
    }

    /// An answer byte for byte the last one comes back as `listUnchanged`:
    /// the same as applying the same keys again, without reading them.
    @Test func anUnchangedAnswerIsAppliedAsTheSameKeysWithoutReadingThem() {
        var state = loadedState([makeKey("A"), makeKey("B")])
        #expect(reduce(&state, .refreshDue) == [.fetchList(perUser: [], skipIfUnchanged: true)])
        _ = reduce(&state, .listLoaded(keys: [makeKey("A"), makeKey("B"), makeKey("C")], at: t0.addingTimeInterval(30)))
        #expect(state.marks == ["C": .new])
        let activity = state.activity.count
        _ = reduce(&state, .refreshDue)
        #expect(reduce(&state, .listUnchanged(at: t0.addingTimeInterval(60))) == [.scheduleRefresh(after: 30)])
        #expect(state.marks.isEmpty, "new means new since the last refresh, read or not")
        #expect(state.activity.count == activity)
        #expect(state.refresh.lastSuccess == t0.addingTimeInterval(60))
        #expect(state.visible == ["A", "B", "C"])
    }

    @Test func aLocalChangeMeansTheNextAnswerIsRead() {
        var state = loadedState([makeKey("A")])
        _ = reduce(&state, .openCreate)
        for c in "user-1" { _ = reduce(&state, .form(.text(.insert(String(c))))) }
        _ = reduce(&state, .submitCreate)
        _ = reduce(&state, .createFinished(.success(KeyChange(key: makeKey("N"), requestId: nil)), at: t0))
        #expect(reduce(&state, .refreshDue) == [.fetchList(perUser: [], skipIfUnchanged: false)])
        // An "unchanged" that raced with the change is not trusted: read again.
        #expect(reduce(&state, .listUnchanged(at: t0)) == [.fetchList(perUser: [], skipIfUnchanged: false)])
        _ = reduce(&state, .listLoaded(keys: [makeKey("A"), makeKey("N")], at: t0))
        #expect(reduce(&state, .refreshDue) == [.fetchList(perUser: [], skipIfUnchanged: true)])
    }

    @Test func selectionFollowsTheKeyAcrossRefreshAndResort() {
        var state = loadedState(ids(50).map { makeKey($0) }, rows: 10)
        _ = reduce(&state, .moveSelection(25))
        #expect(state.selectedKeyId == "KEY0000025")
        let offset = state.selectedIndex - state.scroll
        // Keys before it vanish, new ones arrive: same key, same place on screen.
        _ = reduce(&state, .refreshDue)
        let next = Array(ids(60).dropFirst(5)).map { makeKey($0) }
        _ = reduce(&state, .listLoaded(keys: (next), at: t0.addingTimeInterval(30)))
        #expect(state.selectedKeyId == "KEY0000025")
        #expect(state.selectedIndex - state.scroll == offset)
        _ = reduce(&state, .toggleSortDirection)
        #expect(state.selectedKeyId == "KEY0000025")
        #expect(state.selectedIndex >= state.scroll && state.selectedIndex < state.scroll + 10)
    }

    @Test func aVanishedSelectionMovesToItsNeighbour() {
        var state = loadedState(ids(5).map { makeKey($0) })
        _ = reduce(&state, .end)
        _ = reduce(&state, .refreshDue)
        _ = reduce(&state, .listLoaded(keys: (ids(3).map { makeKey($0) }), at: t0))
        #expect(state.selectedKeyId == "KEY0000002")
    }

    @Test func showRevokedFetchesPerUserLists() {
        var state = loadedState([makeKey("A", user: "u1"), makeKey("B", user: "u2")])
        let effects = reduce(&state, .toggleShowRevoked)
        #expect(effects == [.fetchList(perUser: ["u1", "u2"])])
        _ = reduce(&state, .listLoaded(keys: ([makeKey("A", user: "u1"), makeKey("B", user: "u2"), makeKey("R", user: "u1", revoked: true)]), at: t0))
        #expect(state.visible.contains("R"))
        #expect(state.marks["R"] == nil, "revealed revoked keys are not 'new'")
        #expect(state.counts.revoked == 1)
    }

    @Test func countsReflectStatus() {
        let state = loadedState([
            makeKey("A"), makeKey("B", expiresInDays: 3), makeKey("C", expiresInDays: -1), makeKey("D", expiresInDays: nil),
        ])
        #expect(state.counts.active == 3)
        #expect(state.counts.expiringSoon == 1)
        #expect(state.counts.expired == 1)
    }

    @Test func detailIsFetchedAndCached() {
        var state = loadedState([makeKey("A")])
        #expect(reduce(&state, .openDetail) == [.fetchDetail(keyId: "A")])
        #expect(state.pane == .detail(keyId: "A"))
        var fresh = makeKey("A")
        fresh.lastUsedTime = APITime(t0)
        _ = reduce(&state, .detailLoaded(keyId: "A", .success(fresh), at: t0.addingTimeInterval(1)))
        #expect(state.key("A")?.lastUsedTime == APITime(t0))
        _ = reduce(&state, .back)
        #expect(state.pane == .list)
    }
}
