import Foundation
import WhyLabsAPI

/// The dashboard's keys in a compact form: one contiguous array of
/// fixed-size records (times as integer milliseconds, scopes as a bit set
/// over the known scopes, user and org ids interned), an index from key id
/// to slot, and the rare leftovers (time text that did not parse, unknown
/// or unsorted scopes) in a side table. Slots are stable while the records
/// live: derived orders (`KeyIndex`) are arrays of slot numbers.
public struct KeyRecords: Sendable {
    struct Record: Sendable {
        var keyId: String
        /// The alias's bytes in `aliasBytes` (no string object per key);
        /// `aliasLength` is `noAlias` or `aliasInExtra` for the exceptions.
        var aliasStart: UInt32
        var aliasLength: UInt16
        var user: UInt32
        var org: UInt32
        var resource: UInt32  // 0: none
        var extra: UInt32  // 0: none, else index + 1 into `extras`
        var created: Int64
        var expires: Int64
        var lastUsed: Int64
        var scopeBits: UInt16
        var flags: UInt8
    }

    static let noAlias = UInt16.max
    static let aliasInExtra = UInt16.max - 1

    /// Time sentinels: no time, or a time kept as text in `extras`.
    static let absent = Int64.min
    static let asText = Int64.min + 1

    static let hasScopes: UInt8 = 1
    static let revokedKnown: UInt8 = 2
    static let revokedTrue: UInt8 = 4

    /// What does not fit a record: kept exactly as it arrived.
    struct Extra: Sendable, Hashable {
        var created: APITime?
        var expires: APITime?
        var lastUsed: APITime?
        var scopes: [String]?
        /// An alias too long for a record's length field.
        var alias: String?
    }

    /// Scopes in sorted order, so a bit set reads back as the same array.
    static let knownScopes: [String] = KeyScope.all.sorted()
    static let scopeBit: [String: UInt16] = Dictionary(uniqueKeysWithValues: knownScopes.enumerated().map { ($1, UInt16(1) << UInt16($0)) })

    private(set) var records: [Record] = []
    /// Slots in ascending key-id order (String order, the key-id column's):
    /// the index from key id to slot, by binary search. A 100,000-key list
    /// keeps 0.4 MB here where a dictionary of its ids took 5 MB.
    public private(set) var byId: [Int32] = []
    /// Keys appended by `add` and not yet placed in `byId` (`finishList`).
    private var unplaced = false
    /// Interned ids; 0 is "none" and never handed out for a real string.
    private var strings: [String] = ["\u{0}none"]
    private var stringIds: [String: UInt32] = [:]
    private var extras: [Extra] = []
    /// Every alias's UTF-8, end to end.
    private var aliasBytes: [UInt8] = []

    public init() {}

    public init<S: Sequence>(_ keys: S) where S.Element == UserApiKey {
        for key in keys { add(key) }
        finishList()
    }

    public var count: Int { records.count }

    public mutating func reserve(_ count: Int) {
        records.reserveCapacity(count)
        byId.reserveCapacity(count)
    }
    public var isEmpty: Bool { records.isEmpty }

    /// Every slot, in the order the keys arrived.
    public var slotRange: Range<Int> { 0..<records.count }

    public func slot(of keyId: String) -> Int? {
        let at = position(of: keyId)
        return at < byId.count && records[Int(byId[at])].keyId == keyId ? Int(byId[at]) : nil
    }

    /// Where `keyId` is or would go in `byId`.
    private func position(of keyId: String) -> Int {
        precondition(!unplaced, "finishList() must follow add()")
        var low = 0, high = byId.count
        while low < high {
            let mid = (low + high) / 2
            if records[Int(byId[mid])].keyId < keyId { low = mid + 1 } else { high = mid }
        }
        return low
    }

    public subscript(keyId: String) -> UserApiKey? {
        slot(of: keyId).map { key(at: $0) }
    }

    public func keyId(at slot: Int) -> String { records[slot].keyId }

    /// A key added, or replacing the one with its id (same slot); the secret
    /// is never kept.
    @discardableResult
    public mutating func upsert(_ key: UserApiKey) -> Int {
        let record = compact(key)
        let at = position(of: key.keyId)
        if at < byId.count, records[Int(byId[at])].keyId == key.keyId {
            records[Int(byId[at])] = record
            return Int(byId[at])
        }
        byId.insert(Int32(records.count), at: at)
        records.append(record)
        return records.count - 1
    }

    /// A listed key, appended as it is read; `finishList` places them all
    /// in key-id order at once (a later key with the same id replaces the
    /// earlier one in its slot, as `upsert` does).
    public mutating func add(_ key: UserApiKey) {
        // Past the room `expect` made, grow by an eighth, not by doubling:
        // a list a little longer than its estimate does not hold twice its size.
        if records.count == records.capacity { reserve(records.count + records.count / 8 + 64) }
        byId.append(Int32(records.count))
        records.append(compact(key))
        unplaced = true
    }

    public mutating func finishList() {
        guard unplaced else { return }
        unplaced = false
        let records = self.records
        byId.sort { a, b in
            let x = records[Int(a)].keyId, y = records[Int(b)].keyId
            return x != y ? x < y : a < b
        }
        // Repeated ids (never sent by the service): the last one's record in
        // the first one's slot, the others removed and the slots renumbered.
        var repeated = false
        for i in byId.indices.dropFirst() where records[Int(byId[i])].keyId == records[Int(byId[i - 1])].keyId {
            repeated = true
            break
        }
        guard repeated else { return }
        var keep = [Bool](repeating: true, count: records.count)
        var i = 0
        while i < byId.count {
            var j = i
            while j + 1 < byId.count, records[Int(byId[j + 1])].keyId == records[Int(byId[i])].keyId { j += 1 }
            if j > i {
                self.records[Int(byId[i])] = records[Int(byId[j])]
                for k in i + 1...j { keep[Int(byId[k])] = false }
            }
            i = j + 1
        }
        var newSlot = [Int32](repeating: -1, count: records.count)
        var kept: [Record] = []
        kept.reserveCapacity(records.count)
        for slot in self.records.indices where keep[slot] {
            newSlot[slot] = Int32(kept.count)
            kept.append(self.records[slot])
        }
        self.records = kept
        byId = byId.compactMap { newSlot[Int($0)] >= 0 ? newSlot[Int($0)] : nil }
    }

    /// Every key, materialized (tests, reports and small lists).
    public var keys: [UserApiKey] { slotRange.map { key(at: $0) } }

    // MARK: Reading a record

    public func key(at slot: Int) -> UserApiKey {
        let r = records[slot]
        let extra = r.extra == 0 ? nil : extras[Int(r.extra - 1)]
        return UserApiKey(
            keyId: r.keyId, orgId: strings[Int(r.org)], userId: strings[Int(r.user)],
            creationTime: time(r.created, extra?.created) ?? APITime(epochMilliseconds: 0),
            expirationTime: time(r.expires, extra?.expires),
            lastUsedTime: time(r.lastUsed, extra?.lastUsed),
            scopes: scopes(r, extra),
            resourceId: r.resource == 0 ? nil : strings[Int(r.resource)],
            alias: alias(at: slot),
            revoked: r.flags & Self.revokedKnown == 0 ? nil : r.flags & Self.revokedTrue != 0)
    }

    private func time(_ ms: Int64, _ text: APITime?) -> APITime? {
        switch ms {
        case Self.absent: nil
        case Self.asText: text
        default: APITime(epochMilliseconds: ms)
        }
    }

    private func scopes(_ r: Record, _ extra: Extra?) -> [String]? {
        if let listed = extra?.scopes { return listed }
        guard r.flags & Self.hasScopes != 0 else { return nil }
        var out: [String] = []
        for (i, scope) in Self.knownScopes.enumerated() where r.scopeBits & (1 << UInt16(i)) != 0 { out.append(scope) }
        return out
    }

    /// Every user id among the keys, each once.
    public private(set) var userIds: [String] = []
    private var userIdSet: Set<UInt32> = []

    public func userId(at slot: Int) -> String { strings[Int(records[slot].user)] }
    public func alias(at slot: Int) -> String? {
        let r = records[slot]
        switch r.aliasLength {
        case Self.noAlias: return nil
        case Self.aliasInExtra: return extras[Int(r.extra - 1)].alias
        default:
            let start = Int(r.aliasStart)
            return aliasBytes.withUnsafeBufferPointer { String(decoding: $0[start..<start + Int(r.aliasLength)], as: UTF8.self) }
        }
    }

    /// Whether `slot` here and `otherSlot` in `other` have the same alias, compared in place.
    private func sameAlias(_ slot: Int, _ other: KeyRecords, _ otherSlot: Int) -> Bool {
        let a = records[slot], b = other.records[otherSlot]
        guard a.aliasLength == b.aliasLength else { return false }
        switch a.aliasLength {
        case Self.noAlias: return true
        case Self.aliasInExtra: return alias(at: slot) == other.alias(at: otherSlot)
        default:
            let n = Int(a.aliasLength), x = Int(a.aliasStart), y = Int(b.aliasStart)
            return aliasBytes.withUnsafeBufferPointer { p in
                other.aliasBytes.withUnsafeBufferPointer { q in n == 0 || memcmp(p.baseAddress! + x, q.baseAddress! + y, n) == 0 }
            }
        }
    }
    public func isRevoked(at slot: Int) -> Bool { records[slot].flags & Self.revokedTrue != 0 }

    /// Whether the key has an expiry at all (readable or not).
    public func hasExpiry(at slot: Int) -> Bool { records[slot].expires != Self.absent }
    public func hasLastUsed(at slot: Int) -> Bool { records[slot].lastUsed != Self.absent }

    /// The key's scopes, sorted and joined: what the list shows and sorts by.
    public func scopesText(at slot: Int, separator: String = ",") -> String {
        let r = records[slot]
        let extra = r.extra == 0 ? nil : extras[Int(r.extra - 1)]
        return (scopes(r, extra) ?? []).sorted().joined(separator: separator)
    }

    /// Seconds since 1970 exactly as `APITime.date` gives them, or nil when
    /// absent or unreadable: what the time columns sort by.
    public func createdSeconds(at slot: Int) -> Double? { seconds(records[slot].created, slot) { $0.created } }
    public func expiresSeconds(at slot: Int) -> Double? { seconds(records[slot].expires, slot) { $0.expires } }
    public func lastUsedSeconds(at slot: Int) -> Double? { seconds(records[slot].lastUsed, slot) { $0.lastUsed } }

    private func seconds(_ ms: Int64, _ slot: Int, _ field: (Extra) -> APITime?) -> Double? {
        switch ms {
        case Self.absent: return nil
        case Self.asText: return field(extras[Int(records[slot].extra - 1)])?.date?.timeIntervalSince1970
        default: return Double(ms) / 1000
        }
    }

    /// Where the key stands at `now`, without materializing it (the same
    /// rule, compared the same way, as `KeyStatus.of`).
    public func status(at slot: Int, now: Date) -> KeyStatus {
        if isRevoked(at: slot) { return .revoked }
        if let seconds = expiresSeconds(at: slot) {
            let exp = Date(timeIntervalSince1970: seconds)
            if exp <= now { return .expired }
            if exp.timeIntervalSince(now) <= KeyHygiene.expiringWindow { return .expiring }
        }
        return .active
    }

    /// The key's flags at `now`, without materializing it (as `KeyHygiene.of`).
    public func hygiene(at slot: Int, now: Date, rules: HygieneRules = .defaults, context: HygieneContext = .empty) -> KeyHygiene {
        hygieneAndNext(at: slot, now: now.timeIntervalSince1970, rules: rules, context: context).flags
    }

    /// The flags and the first later instant they can change.
    func hygieneAndNext(at slot: Int, now: Double, rules: HygieneRules, context: HygieneContext) -> (flags: KeyHygiene, next: Double) {
        let facts = KeyFacts(keyId: keyId(at: slot), userId: userId(at: slot), created: createdSeconds(at: slot),
                             hasExpiry: hasExpiry(at: slot), expires: expiresSeconds(at: slot),
                             hasLastUsed: hasLastUsed(at: slot), lastUsed: lastUsedSeconds(at: slot), isRevoked: isRevoked(at: slot))
        return KeyHygiene.evaluate(facts, scopes: { scopes(at: slot) }, rules: rules, context: context, now: now)
    }

    /// The key's scopes as listed (nil read as none).
    public func scopes(at slot: Int) -> [String] {
        let r = records[slot]
        return scopes(r, r.extra == 0 ? nil : extras[Int(r.extra - 1)]) ?? []
    }

    /// What the flags of every key depend on at `now`, in one pass.
    public func hygieneContext(rules: HygieneRules, now: Date) -> HygieneContext {
        var context = HygieneContext(rotationStarts: rules.rotationStarts)
        guard rules.policy.maxActiveKeysPerUser != nil else { return context }
        for slot in slotRange {
            switch status(at: slot, now: now) {
            case .active, .expiring: context.activeKeysPerUser[userId(at: slot), default: 0] += 1
            case .expired, .revoked: break
            }
        }
        return context
    }

    /// Whether `other` is this very store, not a changed copy: the same
    /// storage behind every part (copy-on-write gives a changed copy its
    /// own). O(1); false does not mean the keys differ.
    public func isUnchangedCopy(of other: KeyRecords) -> Bool {
        func same<T>(_ a: [T], _ b: [T]) -> Bool {
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress && x.count == y.count } }
        }
        return same(records, other.records) && same(strings, other.strings) && same(extras, other.extras)
            && same(aliasBytes, other.aliasBytes) && same(byId, other.byId) && unplaced == other.unplaced
    }

    /// Whether `other` holds the same key ids in the same slots.
    func sameKeys(as other: KeyRecords) -> Bool {
        guard records.count == other.records.count else { return false }
        for slot in records.indices where records[slot].keyId != other.records[slot].keyId { return false }
        return true
    }

    /// Whether every slot has the same value in `column` as in `other`
    /// (which holds the same keys in the same slots): what that column's
    /// order depends on.
    func sameValues(_ column: KeyColumn, as other: KeyRecords) -> Bool {
        func extra(_ r: Record, _ of: KeyRecords) -> Extra? { r.extra == 0 ? nil : of.extras[Int(r.extra - 1)] }
        for slot in records.indices {
            let a = records[slot], b = other.records[slot]
            let same: Bool
            switch column {
            case .keyId: same = true
            case .alias: same = sameAlias(slot, other, slot)
            case .user: same = strings[Int(a.user)] == other.strings[Int(b.user)]
            case .scopes:
                same = a.scopeBits == b.scopeBits && a.flags & Self.hasScopes == b.flags & Self.hasScopes
                    && extra(a, self)?.scopes == extra(b, other)?.scopes
            case .created: same = a.created == b.created && (a.created != Self.asText || extra(a, self)?.created == extra(b, other)?.created)
            case .expires: same = a.expires == b.expires && (a.expires != Self.asText || extra(a, self)?.expires == extra(b, other)?.expires)
            case .lastUsed:
                same = a.lastUsed == b.lastUsed && (a.lastUsed != Self.asText || extra(a, self)?.lastUsed == extra(b, other)?.lastUsed)
            case .status: same = false
            }
            if !same { return false }
        }
        return true
    }

    enum Difference { case none, lastUsedOnly, more }

    /// How the key in `other`'s `otherSlot` differs from the one in `slot`,
    /// as `KeyDiff` classifies it (a reorder of scopes is no change), field
    /// by field in place; materialized only when a side keeps leftovers.
    func difference(at slot: Int, from other: KeyRecords, at otherSlot: Int) -> Difference {
        let a = records[slot], b = other.records[otherSlot]
        if a.extra != 0 || b.extra != 0 {
            switch KeyDiff.change(from: key(at: slot), to: other.key(at: otherSlot)) {
            case nil: return .none
            case .used?: return .lastUsedOnly
            default: return .more
            }
        }
        guard a.keyId == b.keyId, sameAlias(slot, other, otherSlot), a.created == b.created, a.expires == b.expires,
              a.scopeBits == b.scopeBits, a.flags == b.flags,
              strings[Int(a.user)] == other.strings[Int(b.user)], strings[Int(a.org)] == other.strings[Int(b.org)],
              strings[Int(a.resource)] == other.strings[Int(b.resource)] else { return .more }
        return a.lastUsed == b.lastUsed ? .none : .lastUsedOnly
    }

    // MARK: Building a record

    private mutating func intern(_ text: String) -> UInt32 {
        if let id = stringIds[text] { return id }
        let id = UInt32(strings.count)
        strings.append(text)
        stringIds[text] = id
        return id
    }

    private mutating func compact(_ key: UserApiKey) -> Record {
        var extra = Extra()
        func ms(_ time: APITime?, _ keep: (inout Extra, APITime) -> Void) -> Int64 {
            guard let time else { return Self.absent }
            if let ms = time.instantMilliseconds, ms != Self.absent, ms != Self.asText { return ms }
            keep(&extra, time)
            return Self.asText
        }
        let user = intern(key.userId)
        if userIdSet.insert(user).inserted { userIds.append(key.userId) }
        var record = Record(
            keyId: key.keyId, aliasStart: 0, aliasLength: Self.noAlias, user: user, org: intern(key.orgId),
            resource: key.resourceId.map { intern($0) } ?? 0, extra: 0,
            created: ms(key.creationTime) { $0.created = $1 },
            expires: ms(key.expirationTime) { $0.expires = $1 },
            lastUsed: ms(key.lastUsedTime) { $0.lastUsed = $1 },
            scopeBits: 0, flags: 0)
        if let alias = key.alias {
            let length = alias.utf8.count
            if length < Int(Self.aliasInExtra), aliasBytes.count + length <= Int(UInt32.max) {
                record.aliasStart = UInt32(aliasBytes.count)
                record.aliasLength = UInt16(length)
                aliasBytes.append(contentsOf: alias.utf8)
            } else {
                record.aliasLength = Self.aliasInExtra
                extra.alias = alias
            }
        }
        if let revoked = key.revoked { record.flags |= Self.revokedKnown | (revoked ? Self.revokedTrue : 0) }
        if let scopes = key.scopes {
            record.flags |= Self.hasScopes
            // A bit set only when it reads back as the same array: known
            // scopes, sorted, no repeats. Anything else is kept as listed.
            var bits: UInt16 = 0
            var previous = ""
            var fits = true
            for scope in scopes {
                guard let bit = Self.scopeBit[scope], scope > previous else { fits = false; break }
                bits |= bit
                previous = scope
            }
            if fits { record.scopeBits = bits } else { extra.scopes = scopes }
        }
        if extra != Extra() {
            extras.append(extra)
            record.extra = UInt32(extras.count)
        }
        return record
    }
}

extension KeyRecords: KeyListAccumulator {

    /// Room for the keys an answer of this length holds (the service sends
    /// about 220 bytes a key), so the arrays are not regrown and copied
    /// while a long list arrives.
    public mutating func expect(answerBytes: Int) {
        reserve(min(answerBytes / 220, 2_000_000))
    }
}
