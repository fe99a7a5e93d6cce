import Foundation
import WhyLabsAPI

/// What sorting and searching need, computed once per refresh off the input
/// path (in the effect that fetched the list): every column's order as slot
/// numbers, and every key's searchable text, lowercased, in one buffer. A
/// keypress then walks an order or scans the buffer; it never sorts.
public struct KeyIndex: Sendable {
    /// Slots in ascending order of one column, ties by key id; `tied[i]`
    /// says position i holds the same value as i - 1, so a descending walk
    /// can keep ties in key-id order, as the sort does.
    struct Order: Sendable {
        var slots: [Int32]
        var tied: [Bool]
    }

    private(set) var orders: [KeyColumn: Order] = [:]

    /// Lowercased "keyid\0alias" per key, end to end; each slot's piece
    /// found by `segmentStart`/`segmentLength`. Users and scope sets repeat
    /// across keys, so they are kept once each (`users`, `scopeSets`) and a
    /// keystroke searches each distinct one once.
    private(set) var text: [UInt8] = []
    private(set) var segmentStart: [Int32] = []
    private(set) var segmentLength: [Int32] = []
    /// Which characters each piece holds, one bit per class: a needle can be
    /// in a piece only if all its bits are, and a one-character needle is
    /// decided by the bits alone.
    private(set) var segmentMask: [UInt64] = []
    private(set) var userOf: [Int32] = []
    private(set) var scopeSetOf: [Int32] = []
    private(set) var users = SharedTexts()
    private(set) var scopeSets = SharedTexts()

    /// Per slot: the flags (`KeyHygiene`'s bits) at `flagsAt` under
    /// `flagRules`, and `revokedBit`. They hold until `flagsValidUntil`, the
    /// first instant a key crosses a threshold (expiring, expired, unused, a
    /// rule's age): the filter and the status order read two bytes a key
    /// instead of working out times.
    private(set) var flags: [UInt16] = []
    private(set) var flagsAt = Date.distantPast
    private(set) var flagsValidUntil = Date.distantPast
    private(set) var flagRules = HygieneRules.defaults
    private(set) var flagContext = HygieneContext.empty
    static let revokedBit: UInt16 = 0x8000

    /// Distinct lowercased texts, each with an id.
    struct SharedTexts: Sendable {
        private(set) var texts: [[UInt8]] = []
        private(set) var ids: [String: Int32] = [:]
        mutating func id(_ text: String) -> Int32 {
            if let id = ids[text] { return id }
            let id = Int32(texts.count)
            ids[text] = id
            texts.append(Array(text.lowercased().utf8))
            return id
        }
    }

    /// The columns with a stored order; status depends on the time and is
    /// ordered on demand from the key-id order in one pass.
    static let storedColumns: [KeyColumn] = [.keyId, .alias, .user, .scopes, .created, .expires, .lastUsed]

    public init() {}

    public init(_ records: KeyRecords, now: Date = Date(), rules: HygieneRules = .defaults, reusing basis: ListBasis = .none) {
        let n = records.count
        // The records keep their key-id order: shared, not sorted again.
        let byId = records.byId
        orders[.keyId] = Order(slots: byId, tied: [Bool](repeating: false, count: n))
        // The list before, when it holds the same keys in the same slots: a
        // column whose values did not change keeps its order (shared).
        var before: (records: KeyRecords, index: KeyIndex)?
        if let old = basis.records, let index = basis.index, n > 0, records.sameKeys(as: old) { before = (old, index) }
        var missing: [KeyColumn] = []
        for column in Self.storedColumns where column != .keyId {
            if let before, let kept = before.index.orders[column], records.sameValues(column, as: before.records) {
                orders[column] = kept
            } else {
                missing.append(column)
            }
        }
        if let before, records.sameValues(.alias, as: before.records), records.sameValues(.user, as: before.records),
           records.sameValues(.scopes, as: before.records) {
            (text, segmentStart, segmentLength, segmentMask) = (before.index.text, before.index.segmentStart,
                                                                 before.index.segmentLength, before.index.segmentMask)
            (userOf, scopeSetOf, users, scopeSets) = (before.index.userOf, before.index.scopeSetOf, before.index.users, before.index.scopeSets)
        } else {
            text.reserveCapacity(n * 32)
            segmentStart.reserveCapacity(n)
            segmentLength.reserveCapacity(n)
            segmentMask.reserveCapacity(n)
            userOf.reserveCapacity(n)
            scopeSetOf.reserveCapacity(n)
            for slot in records.slotRange { setSegment(records, slot) }
        }
        if !missing.isEmpty { buildOrders(missing, records, byId: byId) }
        refreshFlags(records, now: now, rules: rules)
    }

    /// The orders of `columns`, sorted: by value, ties by key id.
    private mutating func buildOrders(_ columns: [KeyColumn], _ records: KeyRecords, byId: [Int32]) {
        let n = records.count
        var idRank = [Int32](repeating: 0, count: n)
        for (rank, slot) in byId.enumerated() { idRank[Int(slot)] = Int32(rank) }

        /// Orders by a per-slot primary value, ties by key id, sorting
        /// (value, id rank) pairs so no string is compared twice.
        func order<V: Comparable>(_ values: [V]) -> Order {
            let slots = (0..<Int32(n)).sorted {
                let a = values[Int($0)], b = values[Int($1)]
                return a != b ? a < b : idRank[Int($0)] < idRank[Int($1)]
            }
            var tied = [Bool](repeating: false, count: n)
            for i in slots.indices.dropFirst() where values[Int(slots[i])] == values[Int(slots[i - 1])] { tied[i] = true }
            return Order(slots: slots, tied: tied)
        }
        /// Each slot's rank among the distinct values. Strings that repeat
        /// (users, scope sets) are ranked once each; past a few thousand
        /// distinct ones (aliases, mostly unique) the slots are sorted by value
        /// instead, so no table of 100,000 strings is built beside the list.
        func ranked(_ text: (Int) -> String) -> [Int32] {
            var distinct: [String: Int32] = [:]
            var perSlot = [Int32](repeating: 0, count: n)
            var values: [String] = []
            for slot in 0..<n {
                let value = text(slot)
                if let id = distinct[value] { perSlot[slot] = id } else {
                    guard values.count < 4096 else { return rankedBySorting(text) }
                    distinct[value] = Int32(values.count)
                    perSlot[slot] = Int32(values.count)
                    values.append(value)
                }
            }
            var rankOf = [Int32](repeating: 0, count: values.count)
            for (rank, id) in values.indices.sorted(by: { values[$0] < values[$1] }).enumerated() { rankOf[id] = Int32(rank) }
            for slot in 0..<n { perSlot[slot] = rankOf[Int(perSlot[slot])] }
            return perSlot
        }
        func rankedBySorting(_ text: (Int) -> String) -> [Int32] {
            let values = (0..<n).map(text)
            let sorted = (0..<Int32(n)).sorted { values[Int($0)] < values[Int($1)] }
            var rank = [Int32](repeating: 0, count: n)
            var current: Int32 = 0
            for i in sorted.indices {
                if i > 0 && values[Int(sorted[i])] != values[Int(sorted[i - 1])] { current += 1 }
                rank[Int(sorted[i])] = current
            }
            return rank
        }
        let past = Date.distantPast.timeIntervalSince1970, future = Date.distantFuture.timeIntervalSince1970
        for column in columns {
            switch column {
            case .alias: orders[.alias] = order(ranked { (records.alias(at: $0) ?? "").lowercased() })
            case .user: orders[.user] = order(ranked { records.userId(at: $0) })
            case .scopes: orders[.scopes] = order(ranked { records.scopesText(at: $0) })
            case .created: orders[.created] = order(records.slotRange.map { records.createdSeconds(at: $0) ?? past })
            case .expires: orders[.expires] = order(records.slotRange.map { records.expiresSeconds(at: $0) ?? future })
            case .lastUsed: orders[.lastUsed] = order(records.slotRange.map { records.lastUsedSeconds(at: $0) ?? past })
            case .keyId, .status: break
            }
        }
    }

    // MARK: Flags

    /// Whether the flags are those of `now` under `rules`.
    func flagsHold(at now: Date, rules: HygieneRules) -> Bool {
        flagsHold(at: now) && rules == flagRules
    }

    /// Whether the flags are those of `now` (the expiry status bits depend on nothing else).
    func flagsHold(at now: Date) -> Bool { flagsAt <= now && now < flagsValidUntil }

    /// Every key's flags at `now` under `rules`, and when they next change.
    mutating func refreshFlags(_ records: KeyRecords, now: Date, rules: HygieneRules) {
        flags = [UInt16](repeating: 0, count: records.count)
        flagsAt = now
        flagRules = rules
        flagContext = records.hygieneContext(rules: rules, now: now)
        flagsValidUntil = .distantFuture
        var next = Double.infinity
        let at = now.timeIntervalSince1970
        for slot in records.slotRange {
            let (value, change) = records.hygieneAndNext(at: slot, now: at, rules: rules, context: flagContext)
            flags[slot] = value.rawValue | (records.isRevoked(at: slot) ? Self.revokedBit : 0)
            next = min(next, change)
        }
        flagsValidUntil = next.isFinite ? Date(timeIntervalSince1970: next) : .distantFuture
    }

    /// One key's flags after a create or revoke answer. A rule that counts
    /// a user's keys makes others' flags stale too: they are worked out
    /// again before the next read.
    private mutating func setFlags(_ records: KeyRecords, _ slot: Int) {
        if flagRules.policy.maxActiveKeysPerUser != nil { flagsValidUntil = .distantPast }
        let (value, change) = records.hygieneAndNext(at: slot, now: flagsAt.timeIntervalSince1970, rules: flagRules, context: flagContext)
        let bits = value.rawValue | (records.isRevoked(at: slot) ? Self.revokedBit : 0)
        if slot < flags.count { flags[slot] = bits } else { flags.append(bits) }
        if change.isFinite, change > flagsAt.timeIntervalSince1970 {
            flagsValidUntil = min(flagsValidUntil, Date(timeIntervalSince1970: change))
        }
    }

    /// The status a key's flags give (the same rule as `KeyStatus.of`).
    @inline(__always) static func statusRank(_ flags: UInt16) -> Int {
        if flags & revokedBit != 0 { return 3 }
        if flags & KeyHygiene.expired.rawValue != 0 { return 0 }
        if flags & KeyHygiene.expiringSoon.rawValue != 0 { return 1 }
        return 2
    }

    // MARK: Walking an order

    /// Every slot in the order `sort` asks for. Ascending is the stored
    /// order itself (no copy); descending walks groups of equal values from
    /// the end; status is a counting pass over the key-id order. The flags
    /// must hold at `now` for a status sort.
    func ordered(_ sort: SortOrder, _ records: KeyRecords, now: Date) -> [Int32] {
        if sort.column == .status {
            guard let byId = orders[.keyId] else { return [] }
            var buckets: [[Int32]] = [[], [], [], []]
            let exact = flagsHold(at: now)
            for slot in byId.slots {
                let rank = exact ? Self.statusRank(flags[Int(slot)]) : KeyList.statusRank(records.status(at: Int(slot), now: now))
                buckets[rank].append(slot)
            }
            return (sort.ascending ? buckets : buckets.reversed()).flatMap { $0 }
        }
        guard let order = orders[sort.column] else { return [] }
        if sort.ascending { return order.slots }
        var out: [Int32] = []
        out.reserveCapacity(order.slots.count)
        order.slots.withUnsafeBufferPointer { slots in
            order.tied.withUnsafeBufferPointer { tied in
                var end = slots.count
                while end > 0 {
                    var start = end - 1
                    while start > 0 && tied[start] { start -= 1 }
                    out.append(contentsOf: slots[start..<end])
                    end = start
                }
            }
        }
        return out
    }

    // MARK: Searching

    /// A filter text ready to test keys with.
    struct Needle {
        let bytes: [UInt8]
        let mask: UInt64
        /// One character whose class is its own: the bits decide alone.
        let exactByMask: Bool

        init(_ lowercased: String) {
            bytes = Array(lowercased.utf8)
            // A NUL would match the separators between fields: it matches nothing.
            mask = bytes.contains(0) ? ~0 : bytes.reduce(0) { $0 | KeyIndex.bit($1) }
            exactByMask = bytes.count == 1 && KeyIndex.ownClass(bytes[0])
        }
    }

    /// 0-9, a-z and a few punctuation marks have a bit each; other bytes
    /// share the remaining bits.
    @inline(__always) static func bit(_ byte: UInt8) -> UInt64 {
        1 << UInt64(classOf[Int(byte)])
    }

    static func ownClass(_ byte: UInt8) -> Bool { classOf[Int(byte)] < 42 }

    private static let classOf: [UInt8] = (0..<256).map { b -> UInt8 in
        switch b {
        case 48...57: UInt8(b - 48)  // 0-9
        case 97...122: UInt8(b - 97 + 10)  // a-z
        case 0x3A: 36  // :
        case 0x5F: 37  // _
        case 0x2D: 38  // -
        case 0x2E: 39  // .
        case 0x20: 40  // space
        case 0x40: 41  // @
        default: UInt8(42 + b % 22)
        }
    }

    /// A needle worked out against the shared texts once, then asked per key.
    struct Matcher {
        let needle: Needle
        let userHit: [Bool]
        let scopeHit: [Bool]
    }

    func matcher(_ needle: Needle) -> Matcher {
        func hits(_ shared: SharedTexts) -> [Bool] {
            // A NUL would match the separators between scopes: it matches nothing.
            if needle.bytes.contains(0) { return [Bool](repeating: false, count: shared.texts.count) }
            return shared.texts.map { text in
                text.withUnsafeBytes { hay in needle.bytes.withUnsafeBytes { Self.find($0, in: hay, from: 0) != nil } }
            }
        }
        return Matcher(needle: needle, userHit: hits(users), scopeHit: hits(scopeSets))
    }

    @inline(__always) private func matches(_ slot: Int, _ m: Matcher, _ hay: UnsafeRawBufferPointer, _ pin: UnsafeRawBufferPointer) -> Bool {
        if pin.isEmpty { return true }
        if m.userHit[Int(userOf[slot])] || m.scopeHit[Int(scopeSetOf[slot])] { return true }
        guard segmentMask[slot] & m.needle.mask == m.needle.mask else { return false }
        if m.needle.exactByMask { return true }
        let start = Int(segmentStart[slot])
        return Self.find(pin, in: UnsafeRawBufferPointer(rebasing: hay[start..<(start + Int(segmentLength[slot]))]), from: 0) != nil
    }

    /// What a row must be to be shown, worked out once per pass.
    struct RowFilter {
        var showRevoked: Bool
        /// The user filter's id among `users`; -2 when it names no user here.
        var user: Int32?
        var hygiene: UInt16?
        var pinned: Set<Int32>
    }

    func rowFilter(_ filter: KeyFilter, pinned: Set<Int32>) -> RowFilter {
        RowFilter(showRevoked: filter.showRevoked, user: filter.user.map { users.ids[$0] ?? -2 },
                  hygiene: filter.hygiene?.rawValue, pinned: pinned)
    }

    /// The slots among `slots` (in their order) that pass the filter and
    /// match the needle, reading the per-slot flags (which must hold) and
    /// the shared texts searched once: one tight pass, no closure per key.
    func rows(_ slots: [Int32], _ f: RowFilter, _ needle: Needle) -> [Int32] {
        let m = needle.bytes.isEmpty ? nil : matcher(needle)
        if m == nil && f.showRevoked && f.user == nil && f.hygiene == nil { return slots }
        var out: [Int32] = []
        out.reserveCapacity(slots.count)
        text.withUnsafeBytes { hay in
            needle.bytes.withUnsafeBytes { pin in
                flags.withUnsafeBufferPointer { flags in
                    userOf.withUnsafeBufferPointer { userOf in
                        for slot in slots {
                            let s = Int(slot), bits = flags[s]
                            if bits & Self.revokedBit != 0 && !f.showRevoked && !f.pinned.contains(slot) { continue }
                            if let user = f.user, userOf[s] != user { continue }
                            if let hygiene = f.hygiene, bits & hygiene == 0 { continue }
                            if let m, !matches(s, m, hay, pin) { continue }
                            out.append(slot)
                        }
                    }
                }
            }
        }
        return out
    }

    /// The slots among `slots` (in their order) that match the needle: the
    /// filter text grew, so only the text needs testing again.
    func filter(_ slots: [Int32], _ needle: Needle) -> [Int32] {
        let m = matcher(needle)
        var out: [Int32] = []
        out.reserveCapacity(slots.count)
        text.withUnsafeBytes { hay in
            needle.bytes.withUnsafeBytes { pin in
                for slot in slots where matches(Int(slot), m, hay, pin) { out.append(slot) }
            }
        }
        return out
    }

    /// The first occurrence of `pattern` in `hay` at or after `from`:
    /// memchr for its first byte, memcmp for the rest.
    static func find(_ pattern: UnsafeRawBufferPointer, in hay: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = hay.baseAddress, !pattern.isEmpty else { return pattern.isEmpty ? from : nil }
        let first = Int32(pattern[0])
        var offset = from
        while offset + pattern.count <= hay.count {
            guard let hit = memchr(base + offset, first, hay.count - offset - pattern.count + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if pattern.count == 1 || memcmp(base + at + 1, pattern.baseAddress! + 1, pattern.count - 1) == 0 { return at }
            offset = at + 1
        }
        return nil
    }

    private mutating func setSegment(_ records: KeyRecords, _ slot: Int) {
        let start = text.count
        var mask: UInt64 = 0
        for byte in records.keyId(at: slot).lowercased().utf8 {
            text.append(byte)
            mask |= Self.bit(byte)
        }
        if let alias = records.alias(at: slot) {
            text.append(0)
            for byte in alias.lowercased().utf8 {
                text.append(byte)
                mask |= Self.bit(byte)
            }
        }
        let user = users.id(records.userId(at: slot))
        let scopeSet = scopeSets.id(records.scopesText(at: slot, separator: "\u{0}"))
        if slot < segmentStart.count {
            segmentStart[slot] = Int32(start)
            segmentLength[slot] = Int32(text.count - start)
            segmentMask[slot] = mask
            userOf[slot] = user
            scopeSetOf[slot] = scopeSet
        } else {
            segmentStart.append(Int32(start))
            segmentLength.append(Int32(text.count - start))
            segmentMask.append(mask)
            userOf.append(user)
            scopeSetOf.append(scopeSet)
        }
    }

    // MARK: One key changed

    /// A key added or changed in `slot` (a create or revoke answer): its
    /// place in every order found by binary search, its text replaced.
    mutating func update(_ slot: Int, in records: KeyRecords) {
        let s32 = Int32(slot)
        let isNew = slot >= segmentStart.count
        for column in Self.storedColumns {
            guard var order = orders[column] else { continue }
            if !isNew, let at = order.slots.firstIndex(of: s32) {
                order.slots.remove(at: at)
                order.tied.remove(at: at)
                if at < order.tied.count { order.tied[at] = at > 0 && Self.compare(column, records, order.slots[at - 1], order.slots[at]) == 0 }
            }
            var low = 0, high = order.slots.count
            while low < high {
                let mid = (low + high) / 2
                if Self.less(column, records, order.slots[mid], s32) { low = mid + 1 } else { high = mid }
            }
            order.slots.insert(s32, at: low)
            order.tied.insert(low > 0 && Self.compare(column, records, order.slots[low - 1], s32) == 0, at: low)
            if low + 1 < order.slots.count { order.tied[low + 1] = Self.compare(column, records, s32, order.slots[low + 1]) == 0 }
            orders[column] = order
        }
        setSegment(records, slot)
        setFlags(records, slot)
    }

    /// The column's primary value compared (-1, 0, 1), as the stored orders sort it.
    static func compare(_ column: KeyColumn, _ records: KeyRecords, _ a: Int32, _ b: Int32) -> Int {
        func cmp<V: Comparable>(_ x: V, _ y: V) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        let a = Int(a), b = Int(b)
        let past = Date.distantPast.timeIntervalSince1970, future = Date.distantFuture.timeIntervalSince1970
        switch column {
        case .keyId: return cmp(records.keyId(at: a), records.keyId(at: b))
        case .alias: return cmp((records.alias(at: a) ?? "").lowercased(), (records.alias(at: b) ?? "").lowercased())
        case .user: return cmp(records.userId(at: a), records.userId(at: b))
        case .scopes: return cmp(records.scopesText(at: a), records.scopesText(at: b))
        case .created: return cmp(records.createdSeconds(at: a) ?? past, records.createdSeconds(at: b) ?? past)
        case .expires: return cmp(records.expiresSeconds(at: a) ?? future, records.expiresSeconds(at: b) ?? future)
        case .lastUsed: return cmp(records.lastUsedSeconds(at: a) ?? past, records.lastUsedSeconds(at: b) ?? past)
        case .status: return 0
        }
    }

    static func less(_ column: KeyColumn, _ records: KeyRecords, _ a: Int32, _ b: Int32) -> Bool {
        let c = compare(column, records, a, b)
        return c != 0 ? c < 0 : records.keyId(at: Int(a)) < records.keyId(at: Int(b))
    }
}
