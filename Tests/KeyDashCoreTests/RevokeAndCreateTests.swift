import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

@Suite struct RevokeTests {
    func revoked(_ key: UserApiKey) -> UserApiKey {
        var k = key
        k.revoked = true
        return k
    }

    @Test func confirmingSendsExactlyOneRevoke() {
        let key = makeKey("fh4dUNV3WQ", user: "user-9")
        var state = loadedState([key])
        #expect(reduce(&state, .requestRevoke).isEmpty)
        #expect(state.pane == .confirmRevoke(RevokeConfirmation(keyId: "fh4dUNV3WQ", userId: "user-9")))
        // Enter before typing, or with the wrong text, does nothing.
        #expect(reduce(&state, .confirm).isEmpty)
        state.type("fh4dUNV3W")
        #expect(reduce(&state, .confirm).isEmpty)
        state.type("Q")
        let effects = reduce(&state, .confirm)
        #expect(effects == [.revoke(KeyRef(keyId: "fh4dUNV3WQ", userId: "user-9"))])
        #expect(state.marks["fh4dUNV3WQ"] == .revoking)
        #expect(state.pane == .list)
        // Key repeat: a second Enter and a second d can't send again.
        #expect(reduce(&state, .confirm).isEmpty)
        #expect(reduce(&state, .requestRevoke).isEmpty)
        #expect(state.pane == .list)
        // A refresh in between keeps the row and its mark.
        _ = reduce(&state, .refreshDue)
        _ = reduce(&state, .listLoaded(keys: ([]), at: t0))
        #expect(state.marks["fh4dUNV3WQ"] == .revoking)
        #expect(state.visible == ["fh4dUNV3WQ"])
        let answer = reduce(&state, .revokeFinished(KeyRef(keyId: "fh4dUNV3WQ", userId: "user-9"),
                                                   .success(KeyChange(key: revoked(key), requestId: "req-1")), at: t0))
        #expect(state.marks["fh4dUNV3WQ"] == .revoked)
        #expect(state.keys["fh4dUNV3WQ"]?.isRevoked == true)
        #expect(state.message?.severity == .success)
        guard case .audit(let entry)? = answer.first else { Issue.record("no audit"); return }
        #expect(entry.action == "revoke" && entry.keyId == "fh4dUNV3WQ" && entry.result == "ok" && entry.requestId == "req-1")
        // Shown as revoked until the next refresh, then gone from the org-wide view.
        #expect(state.visible == ["fh4dUNV3WQ"])
        _ = reduce(&state, .refreshDue)
        _ = reduce(&state, .listLoaded(keys: ([]), at: t0))
        #expect(state.visible.isEmpty)
        #expect(!state.activity.contains { $0.kind == .vanished })
    }

    @Test func escCancelsAndNothingIsSent() {
        var state = loadedState([makeKey("A")])
        _ = reduce(&state, .requestRevoke)
        state.type("A")
        #expect(reduce(&state, .back).isEmpty)
        #expect(state.pane == .list)
        #expect(state.marks.isEmpty)
    }

    @Test func failureLeavesTheKeyAsItWasWithTheServersMessage() {
        var state = loadedState([makeKey("A")])
        _ = reduce(&state, .requestRevoke)
        state.type("A")
        _ = reduce(&state, .confirm)
        let error = APIError.forbidden(requestId: "r")
        let effects = reduce(&state, .revokeFinished(KeyRef(keyId: "A", userId: "user-1"), .failure(error), at: t0))
        #expect(state.marks["A"] == nil)
        #expect(state.keys["A"]?.isRevoked == false)
        #expect(state.message?.severity == .error)
        #expect(state.message?.text.contains("forbidden (403)") == true)
        #expect(state.activity.last?.kind == .revokeFailed)
        guard case .audit(let entry)? = effects.first else { Issue.record("no audit"); return }
        #expect(entry.result == "error")
        #expect(entry.detail?.contains("forbidden (403)") == true)
        // And it can be tried again.
        _ = reduce(&state, .requestRevoke)
        #expect(state.pane == .confirmRevoke(RevokeConfirmation(keyId: "A", userId: "user-1")))
    }

    @Test func aRevokeSentButUnansweredIsAuditedAsUnknownNotError() {
        var state = loadedState([makeKey("A")])
        _ = reduce(&state, .requestRevoke)
        state.type("A")
        _ = reduce(&state, .confirm)
        let effects = reduce(&state, .revokeFinished(KeyRef(keyId: "A", userId: "user-1"),
                                                     .failure(.transport(.readTimeout, detail: "")), at: t0))
        guard case .audit(let entry)? = effects.first else { Issue.record("no audit"); return }
        #expect(entry.result == "unknown")
        #expect(state.message?.text.contains("outcome unknown") == true)
        #expect(state.pendingWrites.isEmpty)
        // A refused connection never reached the server: that one is an error.
        _ = reduce(&state, .requestRevoke)
        state.type("A")
        _ = reduce(&state, .confirm)
        let refused = reduce(&state, .revokeFinished(KeyRef(keyId: "A", userId: "user-1"),
                                                     .failure(.transport(.connectionRefused, detail: "")), at: t0))
        guard case .audit(let second)? = refused.first else { Issue.record("no audit"); return }
        #expect(second.result == "error")
    }

    @Test func quittingWithAWriteInFlightAsksAndCanWaitOrLeave() {
        var state = loadedState([makeKey("A"), makeKey("B")])
        _ = reduce(&state, .requestRevoke)
        state.type("A")
        #expect(reduce(&state, .confirm) == [.revoke(KeyRef(keyId: "A", userId: "user-1"))])
        #expect(state.pendingWrites == [.revoke(KeyRef(keyId: "A", userId: "user-1"))])
        // q asks instead of quitting.
        #expect(reduce(&state, .quit).isEmpty)
        #expect(state.pane == .quitPending && !state.quitting)
        // Esc stays; w waits and quits once the answer is in.
        _ = reduce(&state, .back)
        #expect(state.pane == .list && !state.quitting)
        _ = reduce(&state, .quit)
        #expect(reduce(&state, .quitWhenWritesFinish).isEmpty)
        #expect(!state.quitting)
        var revoked = makeKey("A")
        revoked.revoked = true
        let effects = reduce(&state, .revokeFinished(KeyRef(keyId: "A", userId: "user-1"), .success(KeyChange(key: revoked, requestId: "r")), at: t0))
        #expect(state.quitting)
        #expect(effects.contains(.quit))
        #expect(effects.contains { if case .audit(let e) = $0 { e.result == "ok" } else { false } })

        // q twice leaves at once; a signal never asks.
        var other = loadedState([makeKey("A")])
        _ = reduce(&other, .requestRevoke)
        other.type("A")
        _ = reduce(&other, .confirm)
        _ = reduce(&other, .quit)
        #expect(reduce(&other, .quit) == [.cancelRefresh, .quit])
        var signalled = loadedState([makeKey("A")])
        _ = reduce(&signalled, .requestRevoke)
        signalled.type("A")
        _ = reduce(&signalled, .confirm)
        #expect(reduce(&signalled, .quitNow) == [.cancelRefresh, .quit])
        // What is still open at exit is audited as unknown, once.
        let abandoned = reduce(&signalled, .abandonWrites(at: t0))
        #expect(abandoned.count == 1)
        guard case .audit(let entry)? = abandoned.first else { Issue.record("no audit"); return }
        #expect(entry.result == "unknown" && entry.keyId == "A" && entry.action == "revoke")
        #expect(reduce(&signalled, .abandonWrites(at: t0)).isEmpty)
        // A late answer after that changes nothing and writes no second line.
        #expect(reduce(&signalled, .revokeFinished(KeyRef(keyId: "A", userId: "user-1"), .success(KeyChange(key: revoked, requestId: nil)), at: t0)).isEmpty)
    }

    @Test func escWhileCreatingClosesTheFormAndTheSecretStillArrives() {
        var state = loadedState([makeKey("A")])
        _ = reduce(&state, .openCreate)
        for c in "user-9" { _ = reduce(&state, .form(.text(.insert(String(c))))) }
        guard case .create(let request)? = reduce(&state, .submitCreate).first else { Issue.record("no create"); return }
        _ = reduce(&state, .back)
        #expect(state.pane == .list)
        #expect(state.pendingWrites == [.create(request)])
        var created = makeKey("NEW", user: "user-9")
        created.key = "NEW.secret:org-1"
        _ = reduce(&state, .createFinished(.success(KeyChange(key: created, requestId: nil)), at: t0))
        #expect(state.pane == .secret(OnceSecret(keyId: "NEW", secret: "NEW.secret:org-1")))
        #expect(state.pendingWrites.isEmpty)
    }

    @Test func readOnlyRefusesRevokeAndCreate() {
        var state = loadedState([makeKey("A")], readOnly: true)
        #expect(reduce(&state, .requestRevoke).isEmpty)
        #expect(state.pane == .list)
        #expect(reduce(&state, .openCreate).isEmpty)
        #expect(state.pane == .list)
        _ = reduce(&state, .toggleMark)
        #expect(state.bulkSelection.isEmpty)
        #expect(state.message?.text.contains("read-only") == true)
    }

    @Test func bulkRevokeAsksForTheCountAndReportsEachResult() {
        var state = loadedState(ids(4).map { makeKey($0) })
        _ = reduce(&state, .toggleMark)  // marks 0, moves to 1
        _ = reduce(&state, .toggleMark)  // marks 1, moves to 2
        _ = reduce(&state, .moveSelection(1))
        _ = reduce(&state, .toggleMark)  // marks 3
        #expect(state.bulkSelection == ["KEY0000000", "KEY0000001", "KEY0000003"])
        _ = reduce(&state, .requestRevoke)
        guard case .bulkRevoke(let b) = state.pane else { Issue.record("no bulk pane"); return }
        #expect(b.keys.count == 3)
        state.type("2")
        #expect(reduce(&state, .confirm).isEmpty)
        _ = reduce(&state, .confirmationInput(.backspace))
        state.type("3")
        let effects = reduce(&state, .confirm)
        #expect(effects.count == 3)
        #expect(reduce(&state, .confirm).isEmpty)
        #expect(state.bulkSelection.isEmpty)
        _ = reduce(&state, .revokeFinished(KeyRef(keyId: "KEY0000000", userId: "user-1"), .success(KeyChange(key: revoked(makeKey("KEY0000000")), requestId: nil)), at: t0))
        _ = reduce(&state, .revokeFinished(KeyRef(keyId: "KEY0000001", userId: "user-1"), .failure(.server(status: 500, message: "boom", requestId: nil)), at: t0))
        #expect(state.bulkProgress?.outstanding == ["KEY0000003"])
        _ = reduce(&state, .revokeFinished(KeyRef(keyId: "KEY0000003", userId: "user-1"), .success(KeyChange(key: revoked(makeKey("KEY0000003")), requestId: nil)), at: t0))
        #expect(state.bulkProgress == nil)
        #expect(state.message?.text == "revoked 2 of 3 keys; 1 failed (see activity, a)")
        #expect(state.activity.filter { $0.kind == .revoked }.count == 2)
        #expect(state.activity.filter { $0.kind == .revokeFailed }.count == 1)
    }

    @Test(arguments: [KeyColumn.created, .alias, .status, .expires])
    func aCreateOrRevokeAnswerUpdatesOneRowExactlyAsAFullRecomputeWould(column: KeyColumn) {
        var generator = SplitMix64(seed: 11)
        let keys = (0..<200).map { i in
            makeKey(String(format: "K%09d", i), user: "user-\(i % 4)", alias: ["a", "b", "c"][i % 3] + "-\(generator.next() % 50)",
                    createdDaysAgo: Double(generator.next() % 400), expiresInDays: i % 5 == 0 ? nil : Double(generator.next() % 30) - 5)
        }
        var state = loadedState(keys)
        state.sort = SortOrder(column: column, ascending: generator.next() % 2 == 0)
        state.recomputeVisible(keepingSelection: false)
        func check(_ what: String) {
            let pinned = Set(state.marks.filter { $0.value == .revoked }.map(\.key))
            #expect(state.visible == KeyList.visible(state.keys, filter: state.filter, sort: state.sort, now: state.now, pinned: pinned), "\(what)")
            let full = KeyCounts.of(state.keys, now: state.now)
            let ours: [Int] = [state.counts.active, state.counts.expiringSoon, state.counts.expired, state.counts.revoked]
            let theirs: [Int] = [full.active, full.expiringSoon, full.expired, full.revoked]
            #expect(ours == theirs, "\(what)")
        }
        for round in 0..<30 {
            let id = state.visible[Int(generator.next() % UInt64(state.visible.count))]
            _ = reduce(&state, .moveSelection(0))
            state.select(index: state.visible.firstIndex(of: id)!)
            _ = reduce(&state, .requestRevoke)
            guard case .confirmRevoke = state.pane else { continue }
            state.type(id)
            _ = reduce(&state, .confirm)
            let ref = KeyRef(keyId: id, userId: state.keys[id]!.userId)
            if generator.next() % 3 == 0 {
                _ = reduce(&state, .revokeFinished(ref, .failure(.server(status: 500, message: "no", requestId: nil)), at: t0))
            } else {
                var revoked = state.keys[id]!
                revoked.revoked = true
                _ = reduce(&state, .revokeFinished(ref, .success(KeyChange(key: revoked, requestId: nil)), at: t0))
            }
            check("revoke round \(round)")
            _ = reduce(&state, .openCreate)
            for c in "user-9" { _ = reduce(&state, .form(.text(.insert(String(c))))) }
            guard case .create? = reduce(&state, .submitCreate).first else { Issue.record("no create"); return }
            let created = makeKey(String(format: "N%09d", round), user: "user-9", alias: "new-\(generator.next() % 9)",
                                  createdDaysAgo: 0, expiresInDays: 90)
            _ = reduce(&state, .createFinished(.success(KeyChange(key: created, requestId: nil)), at: t0))
            #expect(state.selectedKeyId == created.keyId)
            _ = reduce(&state, .back)
            check("create round \(round)")
        }
    }

    @Test func aSingleMarkIsConfirmedByItsKeyIdNotByTheCount() {
        var state = loadedState(ids(3).map { makeKey($0) })
        _ = reduce(&state, .moveSelection(2))
        _ = reduce(&state, .toggleMark)  // marks KEY0000002
        _ = reduce(&state, .home)
        _ = reduce(&state, .requestRevoke)
        #expect(state.pane == .confirmRevoke(RevokeConfirmation(keyId: "KEY0000002", userId: "user-1")))
        state.type("1")
        #expect(reduce(&state, .confirm).isEmpty, "typing 1 revokes nothing")
        _ = reduce(&state, .confirmationInput(.clear))
        state.type("KEY0000002")
        #expect(reduce(&state, .confirm) == [.revoke(KeyRef(keyId: "KEY0000002", userId: "user-1"))])
        #expect(state.bulkSelection.isEmpty)
    }

    @Test func marksHiddenByTheFilterAreNamedInTheBulkModal() {
        var state = loadedState([makeKey("AAAA000001", alias: "prod-a"), makeKey("BBBB000002", alias: "prod-b"), makeKey("CCCC000003", alias: "dev-c")])
        _ = reduce(&state, .toggleMark)  // AAAA
        _ = reduce(&state, .toggleMark)  // BBBB
        _ = reduce(&state, .toggleMark)  // CCCC
        _ = reduce(&state, .beginFilter)
        for c in "dev" { _ = reduce(&state, .promptInput(.insert(String(c)))) }
        _ = reduce(&state, .promptCommit)
        #expect(state.visible == ["CCCC000003"])
        _ = reduce(&state, .requestRevoke)
        guard case .bulkRevoke(let b) = state.pane else { Issue.record("no bulk pane"); return }
        #expect(b.keys.count == 3)
        #expect(b.hidden == ["AAAA000001", "BBBB000002"])
    }
}

@Suite struct CreateTests {
    @Test func createShowsTheSecretOnceAndForgetsItOnClose() {
        var state = loadedState([makeKey("A", user: "alice")])
        _ = reduce(&state, .openCreate)
        guard case .create(let form) = state.pane else { Issue.record("no form"); return }
        #expect(form.user == "alice", "starts with the selected key's user")
        _ = reduce(&state, .form(.nextField))
        for c in "ci-bot" { _ = reduce(&state, .form(.text(.insert(String(c))))) }
        _ = reduce(&state, .form(.nextField))  // scopes
        _ = reduce(&state, .form(.right))
        _ = reduce(&state, .form(.right))
        _ = reduce(&state, .form(.right))
        _ = reduce(&state, .form(.right))
        _ = reduce(&state, .form(.right))  // :write_data
        _ = reduce(&state, .form(.toggle))
        _ = reduce(&state, .form(.nextField))  // expiry: 90d default
        let effects = reduce(&state, .submitCreate)
        guard case .create(let request)? = effects.first else { Issue.record("no create"); return }
        #expect(request.userId == "alice")
        #expect(request.alias == "ci-bot")
        #expect(request.scopes == [":user", ":write_data"])
        #expect(request.expiration == t0.addingTimeInterval(90 * 86_400))
        #expect(reduce(&state, .submitCreate).isEmpty, "no double submit")

        var created = makeKey("NEWKEY0001", user: "alice", alias: "ci-bot")
        created.key = "NEWKEY0001." + String(repeating: "s", count: 53) + ":org-1"
        let after = reduce(&state, .createFinished(.success(KeyChange(key: created, requestId: "rq")), at: t0))
        #expect(state.pane == .secret(OnceSecret(keyId: "NEWKEY0001", secret: created.key!)))
        #expect(state.keys["NEWKEY0001"]?.key == nil, "the cache never holds the secret")
        #expect(state.marks["NEWKEY0001"] == .new)
        #expect(state.selectedKeyId == "NEWKEY0001")
        guard case .audit(let entry)? = after.first else { Issue.record("no audit"); return }
        #expect(!storedStrings(in: entry).contains { $0.contains("ssssssss") })
        // While the pane is open the secret is held there and nowhere else.
        let holding = storedStrings(in: state).filter { $0.contains("ssssssss") }
        #expect(holding == [created.key!], "only the secret pane holds it: \(holding.count)")
        #expect(reduce(&state, .copySecret) == [.copyToClipboard(created.key!)])
        _ = reduce(&state, .back)
        #expect(state.pane == .list)
        #expect(!storedStrings(in: state).contains { $0.contains("ssssssss") }, "gone once the pane closes")
    }

    @Test func invalidFormsExplainThemselves() {
        var state = loadedState([])
        _ = reduce(&state, .openCreate)
        #expect(reduce(&state, .submitCreate).isEmpty)
        guard case .create(let form) = state.pane else { Issue.record("no form"); return }
        #expect(form.error == "a user is required")
    }

    @Test func createFailureKeepsTheFormWithTheMessage() {
        var state = loadedState([makeKey("A")])
        _ = reduce(&state, .openCreate)
        _ = reduce(&state, .submitCreate)
        _ = reduce(&state, .createFinished(.failure(.rejected(status: 400, message: "Key limit reached", type: "IllegalArgument", requestId: nil)), at: t0))
        guard case .create(let form) = state.pane else { Issue.record("form closed"); return }
        #expect(form.error?.contains("Key limit reached") == true)
        #expect(!form.submitting)
    }
}
