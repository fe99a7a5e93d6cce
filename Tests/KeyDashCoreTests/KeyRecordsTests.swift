import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

/// The compact store reads back exactly the keys it was given, and the rows
/// derived from precomputed orders are exactly what the plain definition
/// (`KeyList.visible`) gives, through any sequence of keypresses and answers.
@Suite struct KeyRecordsTests {
    /// Keys with everything a record must keep apart: absent and empty
    /// fields, times that are not in the service's form, unknown, unsorted
    /// and repeated scopes, every state of `revoked`.
    static func oddKeys() -> [UserApiKey] {
        var keys: [UserApiKey] = []
        let times: [APITime?] = [nil, APITime(epochMilliseconds: 1_700_000_000_123), APITime(text: "2023-11-14T22:13:20.500"),
                                 APITime(text: "2023-11-14T22:13:20Z"), APITime(text: "last tuesday"), APITime(text: "2023-11-14T22:13:20.12345")]
        let scopes: [[String]?] = [nil, [], [":user"], [":write_data", ":user"], [":user", ":user"], [":custom", ":user"], [":administrator", ":user"]]
        var i = 0
        for created in times.compactMap({ $0 }) {
            for expires in times {
                for scope in scopes {
                    let revoked: Bool? = [nil, false, true][i % 3]
                    keys.append(UserApiKey(keyId: String(format: "K%09d", i), orgId: i % 2 == 0 ? "org-1" : "org-2",
                                           userId: ["u1", "u2", "", "ü"][i % 4], creationTime: created,
                                           key: i % 5 == 0 ? "secret-\(i)" : nil, expirationTime: expires,
                                           lastUsedTime: times[(i / 3) % times.count], scopes: scope,
                                           resourceId: [nil, "", "model-1"][i % 3], alias: [nil, "", "Ci Deploy", "日本"][i % 4],
                                           revoked: revoked))
                    i += 1
                }
            }
        }
        return keys
    }

    @Test func readsBackExactlyTheKeysItWasGivenWithoutTheirSecrets() {
        let keys = Self.oddKeys()
        let records = KeyRecords(keys)
        #expect(records.count == keys.count)
        for key in keys {
            #expect(records[key.keyId] == key.withoutSecret, "\(key.keyId)")
        }
        #expect(!storedStrings(in: records).contains { $0.hasPrefix("secret-") })
    }

    /// Keys arriving in any order, ids repeated (the last one wins, in the
    /// first one's slot), and single upserts after: the key-id order and the
    /// lookup by id agree with a plain dictionary of the same keys.
    @Test func findsKeysByIdInAnyArrivalOrderWithRepeats() {
        var generator = SystemRandomNumberGenerator()
        let pool = Self.oddKeys().shuffled(using: &generator)
        for round in 0..<20 {
            var arriving: [UserApiKey] = []
            var expected: [String: UserApiKey] = [:]
            var firstSeen: [String] = []
            for i in 0..<(40 + round * 13) {
                var key = pool[(i * 7 + round) % pool.count]
                if i % 5 == 0 { key.alias = "again \(i)" }
                if expected[key.keyId] == nil { firstSeen.append(key.keyId) }
                expected[key.keyId] = key.withoutSecret
                arriving.append(key)
            }
            var records = KeyRecords()
            for key in arriving { records.add(key) }
            records.finishList()
            #expect(records.count == expected.count, "round \(round)")
            #expect(records.slotRange.map { records.keyId(at: $0) } == firstSeen, "slots in order of first arrival")
            #expect(records.byId.map { records.keyId(at: Int($0)) } == expected.keys.sorted(), "round \(round)")
            for (id, key) in expected { #expect(records[id] == key, "\(id)") }
            #expect(records.slot(of: "no such key") == nil)
            let extra = makeKey("ZZ-\(round)")
            let slot = records.upsert(extra)
            #expect(records.slot(of: extra.keyId) == slot)
            #expect(records.byId.map { records.keyId(at: Int($0)) } == (Array(expected.keys) + [extra.keyId]).sorted())
        }
    }

    /// A new list's index built with the old list as its basis is the index
    /// built from nothing, whatever changed; and the columns that did not
    /// change are shared with the old index, not copied.
    @Test func anIndexBuiltOnTheListBeforeIsTheSameIndex() {
        let keys = Self.oddKeys()
        let old = KeyRecords(keys)
        let oldIndex = KeyIndex(old, now: t0)
        let basis = ListBasis(records: old, index: oldIndex)
        func changed(_ change: (inout UserApiKey, Int) -> Void) -> [UserApiKey] {
            keys.enumerated().map { i, key in var key = key; change(&key, i); return key }
        }
        let variants: [(String, [UserApiKey])] = [
            ("same", keys),
            ("last use", changed { key, i in if i % 2 == 0 { key.lastUsedTime = APITime(epochMilliseconds: 1_800_000_000_000 + Int64(i)) } }),
            ("one alias", changed { key, i in if i == 7 { key.alias = "zz renamed" } }),
            ("one user", changed { key, i in if i == 3 { key.userId = "u9" } }),
            ("one scope set", changed { key, i in if i == 11 { key.scopes = [":administrator"] } }),
            ("expiry as text", changed { key, i in if i == 5 { key.expirationTime = APITime(text: "soon") } }),
            ("one key fewer", Array(keys.dropFirst())),
            ("reordered", keys.reversed()),
        ]
        for (name, list) in variants {
            let records = KeyRecords(list)
            let built = KeyIndex(records, now: t0)
            let reused = KeyIndex(records, now: t0, reusing: basis)
            for column in KeyIndex.storedColumns {
                #expect(reused.orders[column]?.slots == built.orders[column]?.slots, "\(name): \(column)")
                #expect(reused.orders[column]?.tied == built.orders[column]?.tied, "\(name): \(column) ties")
            }
            #expect(reused.text == built.text && reused.segmentStart == built.segmentStart
                    && reused.segmentLength == built.segmentLength && reused.segmentMask == built.segmentMask, "\(name): search text")
            #expect(reused.userOf.map { reused.users.texts[Int($0)] } == built.userOf.map { built.users.texts[Int($0)] }, "\(name): users")
            #expect(reused.scopeSetOf.map { reused.scopeSets.texts[Int($0)] } == built.scopeSetOf.map { built.scopeSets.texts[Int($0)] },
                    "\(name): scopes")
            #expect(reused.flags == built.flags, "\(name): flags")
        }
        // Only last use changed: every other column's order is the old one's storage.
        let lastUse = KeyRecords(variants[1].1)
        let reused = KeyIndex(lastUse, now: t0, reusing: basis)
        func storage(_ index: KeyIndex, _ column: KeyColumn) -> UnsafeRawPointer? {
            index.orders[column]?.slots.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        }
        for column in [KeyColumn.alias, .user, .scopes, .created, .expires] {
            #expect(storage(reused, column) == storage(oldIndex, column), "\(column) should be shared")
        }
        #expect(storage(reused, .lastUsed) != storage(oldIndex, .lastUsed))
    }

    /// A record stays at 72 bytes (aliases live in one byte buffer), and an
    /// alias of any length reads back exactly and compares by content.
    @Test func aliasesOfAnyLengthReadBackFromTheSharedBuffer() {
        #expect(MemoryLayout<KeyRecords.Record>.stride <= 72)
        let long = String(repeating: "ä", count: 40_000)  // 80,000 bytes: past a record's length field
        let keys = [makeKey("A1", alias: long), makeKey("A2", alias: ""), makeKey("A3", alias: nil), makeKey("A4", alias: "short ✓")]
        let records = KeyRecords(keys)
        for key in keys { #expect(records[key.keyId]?.alias == key.alias, "\(key.keyId)") }
        var renamed = keys
        renamed[3].alias = "short ✗"
        let other = KeyRecords(renamed)
        #expect(records.sameValues(.alias, as: KeyRecords(keys)))
        #expect(!records.sameValues(.alias, as: other))
        #expect(KeyDiff.between(records, other).changes.count == 1)
    }

    @Test func statusAndHygieneAgreeWithTheirDefinitionsAtAnyTime() {
        let keys = Self.oddKeys() + (0..<50).map { makeKey("E\($0)", expiresInDays: Double($0) / 4 - 3, usedDaysAgo: Double($0) * 2 + 60) }
        let records = KeyRecords(keys)
        for now in [t0, Date(timeIntervalSince1970: 1_700_000_000.123), Date(timeIntervalSince1970: 1_699_500_000), t0.addingTimeInterval(7 * 86_400)] {
            for slot in records.slotRange {
                let key = records.key(at: slot)
                #expect(records.status(at: slot, now: now) == KeyStatus.of(key, now: now))
                #expect(records.hygiene(at: slot, now: now) == KeyHygiene.of(key, now: now))
            }
        }
    }

    @Test func theDiffSeesEveryChangeTheRecordsCouldHide() {
        let keys = Self.oddKeys()
        let old = KeyRecords(keys)
        var changed = keys
        changed[3].alias = "renamed"
        changed[4].scopes = [":user", ":custom"]  // a reorder of unknown scopes: not a change
        changed[5].lastUsedTime = APITime(epochMilliseconds: 1_800_000_000_000)
        changed[6].resourceId = changed[6].resourceId == nil ? "" : nil
        changed[7].revoked = changed[7].revoked == true ? false : true
        let diff = KeyDiff.between(old, KeyRecords(changed))
        let ids = Set(diff.changes.map(\.key.keyId))
        for i in [3, 5, 6, 7] { #expect(ids.contains(keys[i].keyId), "change \(i) missed") }
        #expect(KeyDiff.between(old, KeyRecords(keys)).isEmpty)
    }

    /// Random keypresses, refreshes and write answers over keys full of ties;
    /// after every step the rows are the definition's rows, and the counts
    /// are a full recount.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func rowsFromPrecomputedOrdersAreTheDefinitionsRowsAfterEveryStep(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        func roll(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
        func keyList(_ n: Int, prefix: String) -> [UserApiKey] {
            (0..<n).map { i in
                makeKey(String(format: "\(prefix)%05d", roll(400)), user: "user-\(roll(4))",
                        alias: ["alpha", "Alps", "beta", "al-ci", "pal"][roll(5)] + (roll(3) == 0 ? "" : "-\(roll(20))"),
                        createdDaysAgo: Double(roll(10)), expiresInDays: roll(4) == 0 ? nil : Double(roll(20)) - 5,
                        usedDaysAgo: roll(4) == 0 ? nil : Double(roll(200)), revoked: roll(8) == 0,
                        scopes: [[":user"], [":administrator"], [":user", ":write_data"]][roll(3)])
            }
        }
        var state = loadedState(keyList(150, prefix: "K"), rows: 12)
        var created = 0
        for step in 0..<400 {
            let what: String
            switch roll(14) {
            case 0, 1, 2:
                if state.prompt == nil { _ = reduce(&state, .beginFilter) }
                let c = ["a", "l", "p", "s", "-", "1", "E", "u", "x"][roll(9)]
                _ = reduce(&state, .promptInput(.insert(c)))
                what = "type \(c)"
            case 3:
                _ = reduce(&state, .promptInput(.backspace))
                what = "backspace"
            case 4:
                _ = reduce(&state, roll(2) == 0 ? .promptCommit : .promptCancel)
                what = "end prompt"
            case 5:
                _ = reduce(&state, .cycleSortColumn)
                what = "sort \(state.sort.column)"
            case 6:
                _ = reduce(&state, .toggleSortDirection)
                what = "direction"
            case 7:
                let hygiene: [KeyHygiene?] = [nil, .neverExpires, .expiringSoon, .expired, .unused, .neverUsed]
                _ = reduce(&state, .setHygieneFilter(hygiene[roll(hygiene.count)]))
                what = "hygiene"
            case 8:
                _ = reduce(&state, .toggleShowRevoked)
                what = "show revoked"
            case 9:
                _ = reduce(&state, .moveSelection(roll(30) - 15))
                what = "move"
            case 10:
                // A refresh: some keys gone, some new, some changed.
                var next = state.keys.keys.filter { _ in roll(10) != 0 }
                for i in next.indices where roll(6) == 0 { next[i].alias = "pal-\(roll(9))" }
                next += keyList(roll(8), prefix: "R")
                _ = reduce(&state, .refreshNow)
                _ = reduce(&state, .listLoaded(keys: next, at: t0))
                what = "refresh"
            case 11:
                // A create answer.
                created += 1
                let key = makeKey(String(format: "N%05d", created), user: "user-\(roll(4))", alias: ["alpha", "pal", nil][roll(3)],
                                  createdDaysAgo: Double(roll(10)), expiresInDays: Double(roll(20)) - 5)
                state.pane = .list
                state.createInFlight = CreateKeyRequest(userId: key.userId)
                _ = reduce(&state, .createFinished(.success(KeyChange(key: key, requestId: nil)), at: t0))
                state.pane = .list
                what = "create"
            case 12:
                // A revoke answer for a shown key.
                guard !state.visible.isEmpty else { continue }
                let id = state.visible[roll(state.visible.count)]
                let ref = KeyRef(keyId: id, userId: state.keys[id]!.userId)
                state.revokesInFlight[id] = ref
                var revoked = state.keys[id]!
                revoked.revoked = true
                _ = reduce(&state, .revokeFinished(ref, .success(KeyChange(key: revoked, requestId: nil)), at: t0))
                what = "revoke"
            default:
                _ = reduce(&state, .tick(state.now.addingTimeInterval(Double(roll(3)) * 86_400)))
                state.recomputeVisible(keepingSelection: true)
                what = "a day passes"
            }
            let pinned = Set(state.marks.filter { $0.value == .revoked }.map(\.key))
            let expected = KeyList.visible(state.keys, filter: state.filter, sort: state.sort, now: state.now, pinned: pinned)
            #expect(state.visible == expected, "step \(step) (\(what)): filter \"\(state.filter.text)\", sort \(state.sort)")
            let full = KeyCounts.of(state.keys, now: state.now)
            let ours: [Int] = [state.counts.active, state.counts.expiringSoon, state.counts.expired, state.counts.revoked]
            let theirs: [Int] = [full.active, full.expiringSoon, full.expired, full.revoked]
            #expect(ours == theirs, "step \(step) (\(what))")
            #expect(state.visible.isEmpty || state.visible.indices.contains(state.selectedIndex))
            if !(state.visible == expected) { return }
        }
    }
}
