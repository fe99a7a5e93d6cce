import DequeModule
import Foundation
import WhyLabsAPI

public enum RowMark: Sendable, Hashable {
    case new, revoking, revoked
}

public enum Severity: Sendable, Hashable {
    case info, success, warning, error
}

public struct StatusMessage: Sendable, Hashable {
    public var text: String
    public var severity: Severity
    public var at: Date
    public init(text: String, severity: Severity, at: Date) {
        self.text = text
        self.severity = severity
        self.at = at
    }
}

/// What happened to a key between two refreshes, or through this session.
public struct ActivityEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case appeared, changed, used, vanished, created, revoked, revokeFailed = "revoke failed", rotation
    }
    public var at: Date
    public var kind: Kind
    public var keyId: String
    public var alias: String?
    public var userId: String
    public var detail: String?
    public init(at: Date, kind: Kind, keyId: String, alias: String?, userId: String, detail: String? = nil) {
        self.at = at
        self.kind = kind
        self.keyId = keyId
        self.alias = alias
        self.userId = userId
        self.detail = detail
    }
}

/// Where background refresh stands.
public struct RefreshStatus: Sendable, Hashable {
    public var inFlight = false
    /// When the request in flight was sent.
    public var startedAt: Date?
    /// A refresh was asked for while one was in flight: run once more after it.
    public var pending = false
    public var lastSuccess: Date?
    public var failingSince: Date?
    public var consecutiveFailures = 0
    public var nextRefresh: Date?
    public var lastError: String?
    public var paused = false
    public init() {}

    public var isStale: Bool { failingSince != nil }

    /// A refresh that answers within this long is never announced: an idle
    /// monitor whose data did not change writes nothing to the terminal.
    public static let quietPeriod: TimeInterval = 0.5

    /// Whether "refreshing…" is worth showing at `now`.
    public func showsRefreshing(at now: Date) -> Bool {
        guard inFlight, let startedAt else { return false }
        return now.timeIntervalSince(startedAt) >= Self.quietPeriod
    }
}

public struct DetailEntry: Sendable, Hashable {
    public var key: UserApiKey
    public var fetchedAt: Date
}

/// Everything the dashboard knows. Changed only by `reduce`; the front end is
/// a pure function of it.
public struct DashboardState: Sendable {
    // Session
    /// The config file's profile this view belongs to, when one was chosen.
    public var profile: String?
    /// Every profile of the config file, for the picker (`P`).
    public var profiles: [ProfileSummary] = []
    public var orgId: String
    public var endpointHost: String
    public var readOnly: Bool
    /// Seconds between automatic refreshes; 0 = manual only.
    public var refreshPeriod: TimeInterval
    /// The key id of the key this session authenticates with, when known.
    public var ownKeyId: String?
    public var now: Date
    /// The rules the keys' flags follow (`[policy]`, else the hygiene defaults).
    public internal(set) var policy: Policy

    // Data
    public internal(set) var keys = KeyRecords()
    /// The keys' orders and search text, built with them off the input path.
    var index = KeyIndex()
    public internal(set) var listFetchedAt: Date?
    public internal(set) var hasLoaded = false
    /// The keys are exactly the last list answer applied (no create or
    /// revoke answer merged since), so a byte-identical answer needs no reading.
    var keysAreLastAnswer = false
    public internal(set) var details: [String: DetailEntry] = [:]
    /// Users ever seen, so per-user lists (which include revoked keys) can be fetched.
    public internal(set) var knownUsers: Set<String> = []

    // Derived (recomputed only when keys, filter or sort change)
    /// The rows shown, as slots of `keys`, in order.
    public internal(set) var visibleSlots: [Int32] = []
    /// While the filter text only grows, the rows before each character, so
    /// a backspace restores them without a pass over every key.
    var narrowedFrom: [(text: String, rows: [Int32])] = []
    public internal(set) var counts = KeyCounts()

    // View
    public internal(set) var filter = KeyFilter()
    public internal(set) var sort = SortOrder()
    public internal(set) var selectedIndex = 0
    public internal(set) var scroll = 0
    public internal(set) var viewportRows = 20
    public internal(set) var pane: Pane = .list
    public internal(set) var prompt: Prompt?
    public var themeIndex = 0

    // Monitor
    public internal(set) var refresh = RefreshStatus()
    public internal(set) var marks: [String: RowMark] = [:]
    /// Oldest first, at most `activityLimit`: adding drops from the front in
    /// O(1), so a refresh costs O(changes).
    public internal(set) var activity = Deque<ActivityEntry>()
    public internal(set) var message: StatusMessage?
    public internal(set) var bulkSelection: Set<String> = []
    public internal(set) var bulkProgress: BulkProgress?
    public internal(set) var quitting = false
    /// The create sent and not yet answered (one at a time).
    public internal(set) var createInFlight: CreateKeyRequest?
    /// Revokes sent and not yet answered, by key id.
    public internal(set) var revokesInFlight: [String: KeyRef] = [:]
    /// Quit once the writes in flight are answered (and any new secret read).
    public internal(set) var quitWhenIdle = false

    // Rotations
    /// This org's pending rotations, as stored; kept in step with the store through effects.
    public internal(set) var rotations: [PendingRotation] = []
    /// Each pending rotation's state at the last list, by old key id.
    public internal(set) var rotationStates: [String: RotationState] = [:]
    /// The rotation whose replacement is being created.
    var rotationInFlight: RotationPlan?
    /// When this view last changed the rotations itself: a copy of the store
    /// read before then is older than the state and is not taken.
    var rotationsChangedAt = Date.distantPast
    /// "Revoke now" chosen: the confirmation that follows the secret pane.
    var afterSecret: RevokeConfirmation?

    // Notifications
    /// Ring the bell and send a desktop notification for changes (`--notify`).
    public var notifyChanges = false
    var lastNotified: Date?
    /// What happened within a second of the last notification, told with the next one.
    var heldNotice: [String] = []

    /// Deterministic jitter for backoff, so `reduce` stays pure.
    var random: JitterSource

    public static let activityLimit = 500

    public init(orgId: String, endpointHost: String, readOnly: Bool = false, refreshPeriod: TimeInterval = 30,
                userFilter: String? = nil, ownKeyId: String? = nil, policy: Policy = .hygieneDefaults,
                rotations: [PendingRotation] = [], now: Date, seed: UInt64 = 0x5EED) {
        self.policy = policy
        self.rotations = rotations.filter { $0.org == orgId }
        self.orgId = orgId
        self.endpointHost = endpointHost
        self.readOnly = readOnly
        self.refreshPeriod = refreshPeriod
        self.ownKeyId = ownKeyId
        self.now = now
        self.filter.user = userFilter
        self.random = JitterSource(seed: seed)
    }

    /// What the keys' flags are worked out under.
    public var hygieneRules: HygieneRules {
        HygieneRules(policy: policy, rotationStarts: Dictionary(rotations.map { ($0.oldKeyId, $0.rotatedAt) }, uniquingKeysWith: min))
    }

    /// The pending rotation a key is the old key of, with its state.
    public func rotation(replacing keyId: String) -> (rotation: PendingRotation, state: RotationState)? {
        guard let r = rotations.first(where: { $0.oldKeyId == keyId }) else { return nil }
        return (r, rotationStates[keyId] ?? .waiting)
    }

    /// What the keys' flags were last worked out with (user counts, rotation ages).
    public var hygieneContext: HygieneContext { index.flagContext }

    /// A key's flags and the words for each, as the detail pane shows them.
    public func warnings(for key: UserApiKey) -> [String] {
        let context = hygieneContext
        return KeyHygiene.of(key, now: now, rules: hygieneRules, context: context)
            .warnings(for: key, now: now, policy: policy, context: context)
    }

    /// Creates and revokes sent and not yet answered.
    public var pendingWrites: [PendingWrite] {
        var writes: [PendingWrite] = createInFlight.map { [.create($0)] } ?? []
        writes += revokesInFlight.keys.sorted().compactMap { revokesInFlight[$0].map(PendingWrite.revoke) }
        return writes
    }

    /// The rows shown, as key ids.
    public var visible: VisibleRows { VisibleRows(slots: visibleSlots, records: keys) }

    public var selectedKeyId: String? {
        visibleSlots.indices.contains(selectedIndex) ? keys.keyId(at: Int(visibleSlots[selectedIndex])) : nil
    }

    public var selectedKey: UserApiKey? {
        visibleSlots.indices.contains(selectedIndex) ? keys.key(at: Int(visibleSlots[selectedIndex])) : nil
    }

    /// The freshest copy of a key: the detail fetch when newer than the list.
    public func key(_ id: String) -> UserApiKey? {
        if let detail = details[id], let listed = listFetchedAt, detail.fetchedAt > listed { return detail.key }
        return keys[id] ?? details[id]?.key
    }
}

/// The rows shown, read as key ids; only the rows on screen are ever read.
public struct VisibleRows: RandomAccessCollection, Sendable, Equatable, CustomStringConvertible {
    let slots: [Int32]
    let records: KeyRecords
    public var startIndex: Int { 0 }
    public var endIndex: Int { slots.count }
    public subscript(position: Int) -> String { records.keyId(at: Int(slots[position])) }
    /// The key in a row, materialized.
    public func key(at position: Int) -> UserApiKey { records.key(at: Int(slots[position])) }

    public var description: String { Array(self).description }

    public static func == (lhs: VisibleRows, rhs: VisibleRows) -> Bool { Array(lhs) == Array(rhs) }
    public static func == (lhs: VisibleRows, rhs: [String]) -> Bool { Array(lhs) == rhs }
}

/// Backoff jitter from a seeded generator kept in the state, so `reduce`
/// stays pure and reproducible.
struct JitterSource: Sendable, Hashable {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    /// A value in 0..<1.
    mutating func next() -> Double {
        Double(generator.next() >> 11) / Double(1 << 53)
    }
}
