import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

@Suite struct RotationTests {
    let rotatedAt = t0.addingTimeInterval(-3_600)

    func key(_ id: String, usedAt: Date?, revoked: Bool? = nil) -> UserApiKey {
        var k = makeKey(id, usedDaysAgo: nil, revoked: revoked)
        k.lastUsedTime = usedAt.map(APITime.init)
        return k
    }

    /// The states a rotation goes through as the two keys' last-used times
    /// move, step by step, as refreshes would show them.
    @Test func statesFollowTheKeysLastUse() {
        var rotation = PendingRotation(org: "org-1", oldKeyId: "OLD", newKeyId: "NEW", userId: "user-1", alias: "ci", rotatedAt: rotatedAt)
        let minute: TimeInterval = 60
        let steps: [(old: Date?, new: Date?, expected: RotationState)] = [
            (rotatedAt - 10 * minute, nil, .waiting),                       // nothing uses the new key yet
            (rotatedAt + 5 * minute, nil, .waiting),                        // the old one still in use, as expected
            (rotatedAt + 5 * minute, rotatedAt - minute, .waiting),         // a use before the rotation is not the new key's
            (rotatedAt + 5 * minute, rotatedAt + 10 * minute, .readyToRevoke),  // deployed: the old one quiet since
            (rotatedAt + 10 * minute, rotatedAt + 20 * minute, .readyToRevoke), // the same instant as the new key's first use
            (rotatedAt + 11 * minute, rotatedAt + 30 * minute, .stillInUse),    // something still holds the old key
        ]
        for (i, step) in steps.enumerated() {
            let (state, noted) = rotation.state(old: key("OLD", usedAt: step.old), new: key("NEW", usedAt: step.new))
            #expect(state == step.expected, "step \(i)")
            rotation = noted
        }
        #expect(rotation.newFirstUsedAt == rotatedAt + 10 * minute, "the first use seen is kept")
        #expect(rotation.state(old: key("OLD", usedAt: nil, revoked: true), new: key("NEW", usedAt: nil)).state == .done)
        #expect(rotation.state(old: nil, new: key("NEW", usedAt: nil)).state == .oldGone)
        #expect(rotation.state(old: key("OLD", usedAt: nil), new: nil).state == .replacementGone)
        #expect(rotation.state(old: key("OLD", usedAt: nil), new: key("NEW", usedAt: nil, revoked: true)).state == .replacementRevoked)
    }

    @Test func theReplacementKeepsTheLifetime() {
        let old = makeKey("OLD", createdDaysAgo: 30, expiresInDays: 60)
        #expect(PendingRotation.replacementExpiry(of: old, now: t0) == t0.addingTimeInterval(90 * 86_400))
        #expect(PendingRotation.replacementExpiry(of: makeKey("N", expiresInDays: nil), now: t0) == nil, "never stays never")
    }

    @Test func theStoreKeepsRotationsAcrossRestartsPrivately() throws {
        let dir = NSTemporaryDirectory() + "keydash-rotations-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/keydash/rotations.json"
        let a = PendingRotation(org: "org-1", oldKeyId: "OLD1", newKeyId: "NEW1", userId: "u1", alias: "x", rotatedAt: t0)
        let b = PendingRotation(org: "org-2", oldKeyId: "OLD2", newKeyId: "NEW2", userId: "u2", alias: nil, rotatedAt: t0.addingTimeInterval(1.2345))
        #expect(try RotationStore(path: path).load().isEmpty)
        try RotationStore(path: path).add(a)
        try RotationStore(path: path).add(b)
        var noted = a
        noted.newFirstUsedAt = t0.addingTimeInterval(60)
        try RotationStore(path: path).update(noted)
        // A new store, as after a restart, reads what was written.
        #expect(try RotationStore(path: path).load() == [noted, b])
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        try RotationStore(path: path).remove(org: "org-1", oldKeyId: "OLD1")
        #expect(try RotationStore(path: path).load() == [b])
        // Adding the same old key again replaces the record rather than doubling it.
        try RotationStore(path: path).add(b)
        #expect(try RotationStore(path: path).load().count == 1)
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: RotationStoreError.self) { try RotationStore(path: path).load() }
    }
}

@Suite struct KeyEventsTests {
    /// A scripted series of lists, as `keydash watch` would poll them.
    @Test func eventsForASeriesOfLists() {
        let day: TimeInterval = 86_400
        let a = makeKey("A", expiresInDays: 8), b = makeKey("B"), c = makeKey("C")
        var aChanged = a
        aChanged.alias = "renamed"
        var bUsed = b
        bUsed.lastUsedTime = APITime(t0)
        var cRevoked = c
        cRevoked.revoked = true
        let lists: [(Date, [UserApiKey])] = [
            (t0, [a, b, c]),
            (t0 + 10, [a, b, c]),                          // nothing
            (t0 + 20, [aChanged, bUsed, c, makeKey("D")]), // changed, used, appeared
            (t0 + 30, [aChanged, bUsed, cRevoked]),        // D vanished, C revoked
            (t0 + 1.5 * day, [aChanged, bUsed, cRevoked]), // A now expires within 7 days
            (t0 + 9 * day, [aChanged, bUsed]),             // A expired; C gone
        ]
        var seen: [[String]] = []
        for i in 1..<lists.count {
            let events = KeyEvents.between(KeyRecords(lists[i - 1].1), at: lists[i - 1].0, KeyRecords(lists[i].1), at: lists[i].0)
            seen.append(events.map { "\($0.kind.rawValue) \($0.keyId)" + ($0.detail.map { ": " + $0 } ?? "") })
        }
        #expect(seen == [
            [],
            ["appeared D", "changed A: alias", "used B: lastUsedTime"],
            ["revoked C", "vanished D"],
            ["expiring A: expires within 7 days"],
            ["vanished C", "expired A"],
        ])
    }

    @Test func linesAreSafeForATerminalAndJSONLIsOneObjectALine() throws {
        let event = KeyEvent(kind: .changed, keyId: "K\u{1B}[2J", userId: "u\u{202E}", alias: "a\"b", detail: "alias")
        #expect(!event.text.contains("\u{1B}") && !event.text.contains("\u{202E}"))
        let line = event.jsonLine(at: t0)
        #expect(line.last == 0x0A && line.dropLast().allSatisfy { $0 != 0x0A && $0 != 0x1B })
        let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: String]
        #expect(object?["keyId"] == "K\u{1B}[2J")
        #expect(object?["event"] == "changed")
    }
}

/// Rotation in the dashboard, through `reduce` only.
@Suite struct DashboardRotationTests {
    func withUse(_ key: UserApiKey, at date: Date?) -> UserApiKey {
        var k = key
        k.lastUsedTime = date.map(APITime.init)
        return k
    }

    func recorded(_ effects: [Effect]) -> [RotationChange] {
        effects.compactMap { if case .recordRotation(let change) = $0 { change } else { nil } }
    }

    func audits(_ effects: [Effect]) -> [String] {
        effects.compactMap { if case .audit(let entry) = $0 { "\(entry.action) \(entry.result)" } else { nil } }
    }

    @Test func rotateFromTheListThenRevokeTheOldKeyWhenReady() throws {
        let old = makeKey("OLD", user: "svc", alias: "ci", createdDaysAgo: 30, expiresInDays: 60, usedDaysAgo: 0.5,
                          scopes: [":write_data", ":user"])
        var state = loadedState([old, makeKey("OTHER")])
        #expect(state.selectedKeyId == "OLD")
        _ = reduce(&state, .openRotate)
        guard case .create(let form) = state.pane, let plan = form.rotation else { Issue.record("no rotation form"); return }
        #expect(plan.old == KeyRef(keyId: "OLD", userId: "svc"))
        #expect(form.focus == .expiry)
        // The user, alias and scopes are the old key's and can't be typed over.
        _ = reduce(&state, .form(.text(.insert("x"))))
        _ = reduce(&state, .form(.previousField))
        #expect(state.pane == .create(form).withFocus(.submit))

        let effects = reduce(&state, .submitCreate)
        guard case .create(let request)? = effects.first else { Issue.record("no create: \(effects)"); return }
        #expect(request.userId == "svc" && request.alias == "ci" && request.scopes == [":write_data", ":user"])
        #expect(request.expiration == t0.addingTimeInterval(90 * 86_400), "the old key's 90-day lifetime, from now")

        let new = UserApiKey(keyId: "NEW", orgId: "org-1", userId: "svc", creationTime: APITime(t0), key: "NEW.secret:org-1",
                             expirationTime: request.expiration.map(APITime.init), scopes: request.scopes, alias: "ci")
        let made = reduce(&state, .createFinished(.success(KeyChange(key: new, requestId: "r1")), at: t0))
        guard case .add(let rotation)? = recorded(made).first else { Issue.record("not recorded: \(made)"); return }
        #expect(rotation.oldKeyId == "OLD" && rotation.newKeyId == "NEW" && rotation.userId == "svc" && rotation.rotatedAt == t0)
        #expect(audits(made) == ["rotate ok"])
        guard case .secret(let secret) = state.pane else { Issue.record("no secret pane"); return }
        #expect(secret.secret == "NEW.secret:org-1")
        _ = reduce(&state, .back)
        #expect(state.pane == .list, "revoke when unused: nothing asks now")
        #expect(state.rotation(replacing: "OLD")?.state == .waiting)

        // Refreshes with scripted last-used times.
        let newKey = new.withoutSecret
        var at = t0
        func refresh(old oldUse: Date?, new newUse: Date?) -> [Effect] {
            at += 30
            _ = state.startRefresh()
            return reduce(&state, .listLoaded(keys: [withUse(old, at: oldUse), withUse(newKey, at: newUse), makeKey("OTHER")], at: at))
        }
        _ = refresh(old: t0 + 10, new: nil)
        #expect(state.rotation(replacing: "OLD")?.state == .waiting)
        let ready = refresh(old: t0 + 10, new: t0 + 40)
        #expect(state.rotation(replacing: "OLD")?.state == .readyToRevoke)
        #expect(recorded(ready) == [.update(PendingRotation(org: "org-1", oldKeyId: "OLD", newKeyId: "NEW", userId: "svc", alias: "ci",
                                                               rotatedAt: t0, newFirstUsedAt: t0 + 40))])
        #expect(state.activity.last?.kind == .rotation && state.activity.last?.detail == "replaced by NEW; ready to revoke")
        _ = refresh(old: t0 + 50, new: t0 + 60)
        #expect(state.rotation(replacing: "OLD")?.state == .stillInUse)

        // Revoking the old key, with the usual typed confirmation, completes it.
        state.sort = SortOrder(column: .keyId, ascending: true)
        state.recomputeVisible(keepingSelection: false)
        _ = reduce(&state, .moveSelection(-10))
        #expect(state.selectedKeyId == "NEW")
        _ = reduce(&state, .moveSelection(1))
        #expect(state.selectedKeyId == "OLD")
        _ = reduce(&state, .requestRevoke)
        state.type("OLD")
        let sent = reduce(&state, .confirm)
        #expect(sent.filter { if case .revoke = $0 { true } else { false } }.count == 1)
        var revoked = withUse(old, at: t0 + 50)
        revoked.revoked = true
        let done = reduce(&state, .revokeFinished(KeyRef(keyId: "OLD", userId: "svc"), .success(KeyChange(key: revoked, requestId: "r2")), at: at))
        #expect(recorded(done) == [.remove(org: "org-1", oldKeyId: "OLD")])
        #expect(state.rotations.isEmpty)
        #expect(state.rotation(replacing: "OLD") == nil)
    }

    @Test func revokeNowAsksForTheOldKeysIdAfterTheSecret() {
        var state = loadedState([makeKey("OLD", expiresInDays: nil)])
        _ = reduce(&state, .openRotate)
        _ = reduce(&state, .form(.nextField))
        _ = reduce(&state, .form(.toggle))
        guard case .create(let form) = state.pane else { Issue.record("no form"); return }
        #expect(form.rotation?.revokeNow == true)
        #expect(form.expiry == .never, "never stays never")
        guard case .create(let request)? = reduce(&state, .submitCreate).first else { Issue.record("no create"); return }
        #expect(request.expiration == nil)
        let new = UserApiKey(keyId: "NEW", orgId: "org-1", userId: "user-1", creationTime: APITime(t0), key: "NEW.s")
        let made = reduce(&state, .createFinished(.success(KeyChange(key: new, requestId: nil)), at: t0))
        #expect(made.contains { if case .revoke = $0 { true } else { false } } == false, "nothing is revoked without typing")
        _ = reduce(&state, .back)
        guard case .confirmRevoke(let confirmation) = state.pane else { Issue.record("no confirmation: \(state.pane)"); return }
        #expect(confirmation.keyId == "OLD")
    }

    @Test func aFailedCreateLeavesNothingPending() {
        var state = loadedState([makeKey("OLD")])
        _ = reduce(&state, .openRotate)
        _ = reduce(&state, .submitCreate)
        let failed = reduce(&state, .createFinished(.failure(.server(status: 500, message: "boom", requestId: "r")), at: t0))
        #expect(recorded(failed).isEmpty)
        #expect(audits(failed) == ["rotate error"])
        #expect(state.rotations.isEmpty)
        // Revoking the replacement of a pending rotation is shown.
        var pending = DashboardState(orgId: "org-1", endpointHost: "h", rotations: [
            PendingRotation(org: "org-1", oldKeyId: "OLD", newKeyId: "NEW", userId: "user-1", alias: nil, rotatedAt: t0),
            PendingRotation(org: "org-2", oldKeyId: "ELSEWHERE", newKeyId: "X", userId: "u", alias: nil, rotatedAt: t0),
        ], now: t0)
        #expect(pending.rotations.map(\.oldKeyId) == ["OLD"], "another org's rotations are not this dashboard's")
        _ = pending.start()
        _ = reduce(&pending, .listLoaded(keys: [makeKey("OLD"), makeKey("NEW")], at: t0))
        _ = reduce(&pending, .listLoaded(keys: [makeKey("OLD")], at: t0 + 30))
        #expect(pending.rotation(replacing: "OLD")?.state == .replacementGone)
        #expect(pending.activity.last?.detail == "its replacement NEW is no longer listed")
    }
}

extension Pane {
    func withFocus(_ field: CreateForm.Field) -> Pane {
        guard case .create(var form) = self else { return self }
        form.focus = field
        return .create(form)
    }
}

@Suite struct NotifyTests {
    func notices(_ effects: [Effect]) -> [String] {
        effects.compactMap { if case .notify(let text) = $0 { text } else { nil } }
    }

    @Test func changesAreToldAtMostOnceASecond() {
        var state = loadedState([makeKey("A"), makeKey("B")])
        state.notifyChanges = true
        _ = state.startRefresh()
        var told = notices(reduce(&state, .listLoaded(keys: [makeKey("A"), makeKey("B"), makeKey("C")], at: t0 + 10)))
        #expect(told == ["keydash org-1: C appeared"])
        // Half a second later: held back, then told with the next chance after a second.
        _ = state.startRefresh()
        told = notices(reduce(&state, .listLoaded(keys: [makeKey("A"), makeKey("C")], at: t0 + 10.5)))
        #expect(told.isEmpty)
        #expect(notices(reduce(&state, .tick(t0 + 10.9))).isEmpty)
        #expect(notices(reduce(&state, .tick(t0 + 11.1))) == ["keydash org-1: B vanished"])
        // A refresh that changes nothing, or a key's use alone, is not news.
        _ = state.startRefresh()
        var used = makeKey("A")
        used.lastUsedTime = APITime(t0 + 20)
        #expect(notices(reduce(&state, .listLoaded(keys: [used, makeKey("C")], at: t0 + 20))).isEmpty)
        // Time alone: a key crossing into its last 7 days is told on the tick it happens.
        var expiring = loadedState([makeKey("E", expiresInDays: 8)])
        expiring.notifyChanges = true
        #expect(notices(reduce(&expiring, .tick(t0 + 86_400 + 1))) == ["keydash org-1: 1 more expiring within 7 days"])
        // Off unless asked for.
        var quiet = loadedState([makeKey("A")])
        _ = quiet.startRefresh()
        #expect(notices(reduce(&quiet, .listLoaded(keys: [makeKey("A"), makeKey("Z")], at: t0 + 10))).isEmpty)
    }
}

@Suite struct StoredRotationsTests {
    /// A rotation started elsewhere (`keydash rotate`) is read with the next
    /// list; a copy read before this view changed the rotations itself is not.
    @Test func rotationsFromTheStoreAreTakenUnlessOlderThanTheViewsOwn() {
        var state = loadedState([makeKey("OLD"), makeKey("OTHER")])
        let elsewhere = PendingRotation(org: "org-1", oldKeyId: "OLD", newKeyId: "NEW", userId: "user-1", alias: nil, rotatedAt: t0 + 5)
        let otherOrg = PendingRotation(org: "org-2", oldKeyId: "X", newKeyId: "Y", userId: "u", alias: nil, rotatedAt: t0)
        var snapshot = KeySnapshot([makeKey("OLD"), makeKey("OTHER"), makeKey("NEW")])
        snapshot.rotations = (t0 + 10, [elsewhere, otherOrg])
        _ = state.startRefresh()
        _ = reduce(&state, .listLoaded(.success(snapshot), at: t0 + 10))
        #expect(state.rotations == [elsewhere])
        #expect(state.rotation(replacing: "OLD")?.state == .waiting)

        // This view completes it; a list whose store copy was read just before must not bring it back.
        state.sort = SortOrder(column: .keyId, ascending: true)
        state.recomputeVisible(keepingSelection: false)
        _ = reduce(&state, .home)
        _ = reduce(&state, .moveSelection(1))
        #expect(state.selectedKeyId == "OLD")
        _ = reduce(&state, .requestRevoke)
        state.type("OLD")
        _ = reduce(&state, .confirm)
        var revoked = makeKey("OLD")
        revoked.revoked = true
        _ = reduce(&state, .revokeFinished(KeyRef(keyId: "OLD", userId: "user-1"), .success(KeyChange(key: revoked, requestId: nil)), at: t0 + 20))
        #expect(state.rotations.isEmpty)
        var stale = KeySnapshot([makeKey("OTHER"), makeKey("NEW")])
        stale.rotations = (t0 + 19, [elsewhere])
        _ = state.startRefresh()
        _ = reduce(&state, .listLoaded(.success(stale), at: t0 + 21))
        #expect(state.rotations.isEmpty, "a store copy older than the view's own change is not taken")
        var fresh = stale
        fresh.rotations = (t0 + 22, [])
        _ = state.startRefresh()
        _ = reduce(&state, .listLoaded(.success(fresh), at: t0 + 22))
        #expect(state.rotations.isEmpty)
    }
}
