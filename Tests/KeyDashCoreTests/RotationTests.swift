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
