import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

/// Each rule of `[policy]` at its boundary: a day short complies, the day
/// itself breaks it (a rule of N days is broken from N days on).
@Suite struct PolicyTests {
    let day: TimeInterval = 86_400

    func flags(_ key: UserApiKey, _ policy: Policy, now: Date = t0, rotations: [String: Date] = [:], all: [UserApiKey]? = nil) -> KeyHygiene {
        let rules = HygieneRules(policy: policy, rotationStarts: rotations)
        return KeyHygiene.of(key, now: now, rules: rules, context: HygieneContext.of(all ?? [key], rules: rules, now: now))
            .intersection(.violations)
    }

    @Test func maxAgeCountsFromCreation() {
        let policy = Policy(maxAgeDays: 365)
        #expect(flags(makeKey("A", createdDaysAgo: 364.99), policy) == [])
        #expect(flags(makeKey("A", createdDaysAgo: 365), policy) == [.tooOld])
        #expect(flags(makeKey("A", createdDaysAgo: 365, revoked: true), policy) == [], "a revoked key breaks nothing")
    }

    @Test func expiryRequiredFlagsKeysThatNeverExpire() {
        let policy = Policy(expiryRequired: true)
        #expect(flags(makeKey("A", expiresInDays: nil), policy) == [.neverExpires])
        #expect(flags(makeKey("A", expiresInDays: 3000), policy) == [])
        #expect(flags(makeKey("A", expiresInDays: nil), Policy()) == [], "a rule not named is off")
    }

    @Test func maxLifetimeIsExpiryMinusCreation() {
        let policy = Policy(maxLifetimeDays: 90)
        #expect(flags(makeKey("A", createdDaysAgo: 10, expiresInDays: 80), policy) == [], "exactly 90 days")
        #expect(flags(makeKey("A", createdDaysAgo: 10, expiresInDays: 80.01), policy) == [.lifetimeTooLong])
        #expect(flags(makeKey("A", expiresInDays: nil), policy) == [.lifetimeTooLong], "never expiring is no limit at all")
    }

    @Test func unusedCountsFromTheLastUse() {
        let policy = Policy(unusedDays: 30)
        #expect(flags(makeKey("A", usedDaysAgo: 29.99), policy) == [])
        #expect(flags(makeKey("A", usedDaysAgo: 30), policy) == [.unused])
        #expect(flags(makeKey("A", usedDaysAgo: nil), policy) == [], "never used is its own rule")
    }

    @Test func neverUsedAfterGivesNewKeysTime() {
        let policy = Policy(neverUsedAfterDays: 7)
        #expect(flags(makeKey("A", createdDaysAgo: 6.99, usedDaysAgo: nil), policy) == [])
        #expect(flags(makeKey("A", createdDaysAgo: 7, usedDaysAgo: nil), policy) == [.neverUsed])
        #expect(flags(makeKey("A", createdDaysAgo: 70, usedDaysAgo: 1), policy) == [])
        #expect(flags(makeKey("A", createdDaysAgo: 0, usedDaysAgo: nil), Policy.hygieneDefaults).contains(.neverUsed),
                "the default flags every key never used")
    }

    @Test func restrictedScopesOnlyForListedUsers() {
        let policy = Policy(scopesOnlyFor: [":administrator": ["alice"]])
        #expect(flags(makeKey("A", user: "alice", scopes: [":administrator"]), policy) == [])
        #expect(flags(makeKey("A", user: "bob", scopes: [":user", ":administrator"]), policy) == [.restrictedScope])
        #expect(flags(makeKey("A", user: "bob", scopes: [":user", ":write_data"]), policy) == [])
    }

    @Test func maxActiveKeysCountsOnlyLiveKeysOfTheUser() {
        let policy = Policy(maxActiveKeysPerUser: 2)
        let two = [makeKey("A", user: "u"), makeKey("B", user: "u"), makeKey("C", user: "v"),
                   makeKey("D", user: "u", revoked: true), makeKey("E", user: "u", expiresInDays: -1)]
        for key in two { #expect(flags(key, policy, all: two) == [], "\(key.keyId)") }
        let three = two + [makeKey("F", user: "u")]
        #expect(flags(three[0], policy, all: three) == [.tooManyKeys])
        #expect(flags(three[2], policy, all: three) == [], "another user's key")
        #expect(flags(three[4], policy, all: three) == [], "an expired key is not active")
    }

    @Test func pendingRotationsAgeFromTheirStart() {
        let policy = Policy(pendingRotationDays: 14)
        let key = makeKey("OLD")
        #expect(flags(key, policy, rotations: ["OLD": t0.addingTimeInterval(-13.99 * day)]) == [])
        #expect(flags(key, policy, rotations: ["OLD": t0.addingTimeInterval(-14 * day)]) == [.staleRotation])
        #expect(flags(makeKey("NEW"), policy, rotations: ["OLD": t0.addingTimeInterval(-30 * day)]) == [])
    }

    /// The records compute the same flags in place, and say when they change next.
    @Test func recordsAgreeWithPlainKeysAndKnowTheNextChange() {
        let policy = Policy(maxAgeDays: 100, expiryRequired: true, maxLifetimeDays: 200, unusedDays: 30, neverUsedAfterDays: 5,
                            scopesOnlyFor: [":administrator": ["u1"]], maxActiveKeysPerUser: 3, pendingRotationDays: 10)
        let rules = HygieneRules(policy: policy, rotationStarts: ["K3": t0.addingTimeInterval(-2 * day)])
        var keys: [UserApiKey] = []
        for i in 0..<60 {
            let expires: Double? = i % 5 == 0 ? nil : Double(i * 4 - 40)
            let used: Double? = i % 6 == 0 ? nil : Double(i)
            let revoked: Bool? = i % 11 == 0 ? true : nil
            let scopes = i % 3 == 0 ? [":administrator"] : [":user"]
            keys.append(makeKey("K\(i)", user: "u\(i % 4)", createdDaysAgo: Double(i * 3), expiresInDays: expires,
                                usedDaysAgo: used, revoked: revoked, scopes: scopes))
        }
        let records = KeyRecords(keys)
        var index = KeyIndex(records, now: t0, rules: rules)
        let context = HygieneContext.of(keys, rules: rules, now: t0)
        #expect(records.hygieneContext(rules: rules, now: t0) == context)
        for slot in records.slotRange {
            #expect(records.hygiene(at: slot, now: t0, rules: rules, context: context) == KeyHygiene.of(records.key(at: slot), now: t0, rules: rules, context: context))
        }
        // Just before the next change everything holds; at it, something differs.
        let next = index.flagsValidUntil
        #expect(next > t0 && next < t0.addingTimeInterval(30 * day))
        let before = next.addingTimeInterval(-0.001)
        for slot in records.slotRange {
            #expect(records.hygiene(at: slot, now: before, rules: rules, context: records.hygieneContext(rules: rules, now: before))
                    == records.hygiene(at: slot, now: t0, rules: rules, context: context))
        }
        let after = records.hygieneContext(rules: rules, now: next)
        #expect(records.slotRange.contains { records.hygiene(at: $0, now: next, rules: rules, context: after) != records.hygiene(at: $0, now: t0, rules: rules, context: context) })
        #expect(index.flagsHold(at: before, rules: rules))
        #expect(!index.flagsHold(at: next, rules: rules))
        #expect(!index.flagsHold(at: t0, rules: HygieneRules.defaults), "other rules: the flags must be worked out again")
        index.refreshFlags(records, now: t0, rules: HygieneRules.defaults)
        #expect(index.flagsHold(at: t0, rules: HygieneRules.defaults))
    }

    /// The dashboard's `f` filter reads the policy's flags, and the detail
    /// pane names the rule.
    @Test func theDashboardFiltersByThePolicysRules() {
        let policy = Policy(maxAgeDays: 30, scopesOnlyFor: [":administrator": ["boss"]])
        var state = DashboardState(orgId: "org-1", endpointHost: "api.example", policy: policy, now: t0)
        _ = reduce(&state, .resize(rows: 20, columns: 120))
        _ = state.start()
        let keys = [makeKey("OLD", createdDaysAgo: 31), makeKey("NEW", createdDaysAgo: 1),
                    makeKey("ADM", user: "intern", createdDaysAgo: 1, scopes: [":administrator"]), makeKey("BOSS", user: "boss", scopes: [":administrator"])]
        _ = reduce(&state, .listLoaded(keys: keys, at: t0))
        _ = reduce(&state, .setHygieneFilter(.tooOld))
        #expect(state.visible == ["OLD"])
        _ = reduce(&state, .setHygieneFilter(.restrictedScope))
        #expect(state.visible == ["ADM"])
        _ = reduce(&state, .setHygieneFilter(.neverExpires))
        #expect(state.visible.isEmpty, "expiry_required is not in this policy")
        #expect(KeyHygiene.filterCycle(policy) == [.expiringSoon, .expired, .tooOld, .restrictedScope, nil])
        #expect(state.warnings(for: keys[0]) == ["created 31 days ago (max_age_days = 30)"])
        #expect(state.warnings(for: keys[2]) == ["holds :administrator, not allowed for intern (scopes_only_for)"])
        #expect(state.warnings(for: keys[3]).isEmpty)
        // Time passes: the others cross 30 days while the list stays the same,
        // and the filtered rows follow without a keypress.
        _ = reduce(&state, .setHygieneFilter(.tooOld))
        _ = reduce(&state, .tick(t0.addingTimeInterval(15 * day)))
        #expect(state.visible == ["OLD"])
        _ = reduce(&state, .tick(t0.addingTimeInterval(29.5 * day)))
        #expect(Set(state.visible) == ["ADM", "BOSS", "NEW", "OLD"])
    }

    @Test func theReportListsEachRuleBrokenAndFormatsForScripts() throws {
        let policy = Policy(maxAgeDays: 30, expiryRequired: true)
        let keys = [makeKey("A1", alias: "=cmd", createdDaysAgo: 40, expiresInDays: nil), makeKey("B2", createdDaysAgo: 1),
                    makeKey("C3", createdDaysAgo: 50, revoked: true)]
        let report = PolicyReport(keys: keys, policy: policy, rotations: [], now: t0)
        #expect(report.keyCount == 2)
        #expect(report.violations.map(\.rule) == [.maxAge, .expiryRequired])
        #expect(!report.passed)
        #expect(report.table().contains("2 violations in 1 of 2 keys (max_age_days = 30, expiry_required = true)"))
        let json = try JSONSerialization.jsonObject(with: Data(report.json())) as! [String: Any]
        #expect(json["passed"] as? Bool == false)
        #expect((json["violations"] as? [[String: Any]])?.first?["rule"] as? String == "max-age")
        let csv = String(decoding: report.csv(), as: UTF8.self)
        #expect(csv.hasPrefix("keyId,userId,alias,rule,setting,detail\r\n"))
        #expect(csv.contains("A1,user-1,'=cmd,max-age"), "a formula-looking alias stays text")
        let clean = PolicyReport(keys: [keys[1]], policy: policy, rotations: [], now: t0)
        #expect(clean.passed)
        #expect(clean.table() == "ok: 1 keys comply with the policy (max_age_days = 30, expiry_required = true)\n")
    }
}
