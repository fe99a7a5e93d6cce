import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

@Suite struct KeyDiffTests {
    func byId(_ keys: [UserApiKey]) -> [String: UserApiKey] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0.keyId, $0) })
    }

    @Test func sameListsHaveNoDifference() {
        let keys = byId([makeKey("A"), makeKey("B")])
        #expect(KeyDiff.between(keys, keys).isEmpty)
        #expect(KeyDiff.between([:], [:]).isEmpty)
    }

    @Test func classifiesEachKindInAFixedOrder() {
        let old = byId([makeKey("A"), makeKey("B", alias: "before"), makeKey("C", usedDaysAgo: 5), makeKey("D")])
        let new = byId([makeKey("E"), makeKey("A"), makeKey("B", alias: "after"), makeKey("C", usedDaysAgo: 1)])
        let diff = KeyDiff.between(old, new)
        #expect(diff.changes.map(\.key.keyId) == ["E", "B", "C", "D"], "appeared, changed, used, vanished")
        guard case .appeared = diff.changes[0], case .changed(_, _, let what) = diff.changes[1],
              case .used = diff.changes[2], case .vanished(let gone) = diff.changes[3] else {
            Issue.record("kinds: \(diff.changes)")
            return
        }
        #expect(what == "alias")
        #expect(gone.keyId == "D")
    }

    @Test func namesEveryFieldThatChanged() {
        let before = makeKey("A", alias: "x", expiresInDays: 10, usedDaysAgo: 3, scopes: [":user"])
        var after = makeKey("A", alias: "y", expiresInDays: 20, usedDaysAgo: 1, scopes: [":user", ":write_data"])
        after.revoked = true
        let diff = KeyDiff.between(byId([before]), byId([after]))
        guard case .changed(_, _, let what)? = diff.changes.first else { Issue.record("\(diff.changes)"); return }
        #expect(what == "revoked, alias, expiry, scopes, used")
        // Scopes listed in another order are the same scopes: no change to report.
        let reordered = makeKey("A", alias: "x", expiresInDays: 10, usedDaysAgo: 3, scopes: [":write_data", ":user"])
        let same = makeKey("A", alias: "x", expiresInDays: 10, usedDaysAgo: 3, scopes: [":user", ":write_data"])
        #expect(KeyDiff.between(byId([same]), byId([reordered])).isEmpty)
    }

    @Test func theActivityLogStaysBoundedAndKeepsTheNewest() {
        var state = loadedState([makeKey("A")])
        for i in 0..<(DashboardState.activityLimit + 50) {
            state.log(ActivityEntry(at: t0, kind: .used, keyId: "K\(i)", alias: nil, userId: "u"))
        }
        #expect(state.activity.count == DashboardState.activityLimit)
        #expect(state.activity.first?.keyId == "K50")
        #expect(state.activity.last?.keyId == "K\(DashboardState.activityLimit + 49)")
    }
}
