import Foundation
import WhyLabsAPI

/// Every input the front end can produce and every result that comes back.
public enum Action: Sendable {
    // Navigation
    case moveSelection(Int)
    case pageDown
    case pageUp
    case home
    case end
    case clickRow(Int)  // visible row index (0 = first row on screen)
    case scrollBy(Int)  // mouse wheel

    // Panes
    case openDetail
    case back  // Esc: close a pane, clear a filter
    case showHelp
    case toggleActivity
    /// The profile picker; in it, `moveSelection` moves and `openDetail` chooses.
    case openProfiles
    /// This view is left for another profile: its timers stop, its writes in flight go on.
    case suspend
    /// This view is shown again: the last list at once, a refresh behind it.
    case resume

    // Filter and sort
    case beginFilter
    case beginUserFilter
    case promptInput(TextEdit)
    case promptCommit
    case promptCancel
    case setHygieneFilter(KeyHygiene?)
    case cycleSortColumn
    case toggleSortDirection
    case toggleShowRevoked

    // Monitor
    case refreshNow
    case togglePause
    case refreshDue
    case tick(Date)
    case resize(rows: Int, columns: Int)
    case cycleTheme(count: Int)

    // Revoke
    case requestRevoke
    case toggleMark
    case confirmationInput(TextEdit)
    case confirm

    // Create
    case openCreate
    /// Replace the selected key (same user, scopes, alias, lifetime).
    case openRotate
    case form(FormEdit)
    case submitCreate

    // Clipboard
    case copyKeyId
    case copySecret

    /// q or Ctrl-C: asks first when a create or revoke is in flight.
    case quit
    /// A signal (SIGTERM, SIGHUP, SIGINT): quit without asking.
    case quitNow
    /// From the quit-pending modal: quit once the writes in flight are answered.
    case quitWhenWritesFinish
    /// At exit, for writes still unanswered after the grace period: audited
    /// with result `unknown` (the server may have acted).
    case abandonWrites(at: Date)

    // Results
    case listLoaded(Result<KeySnapshot, APIError>, at: Date)
    /// The list came back byte for byte as the one last applied (only when
    /// the fetch allowed it): nothing to read, nothing to redraw.
    case listUnchanged(at: Date)
    case detailLoaded(keyId: String, Result<UserApiKey, APIError>, at: Date)
    case revokeFinished(KeyRef, Result<KeyChange, APIError>, at: Date)
    case createFinished(Result<KeyChange, APIError>, at: Date)
    /// A message for the status line from outside the reducer (audit log, theme files).
    case showMessage(String, Severity)
}

/// Editing a one-line text field.
public enum TextEdit: Sendable, Hashable {
    case insert(String)
    case backspace
    case clear  // Ctrl-U
}

/// Editing the create form.
public enum FormEdit: Sendable, Hashable {
    case nextField
    case previousField
    case text(TextEdit)
    case toggle  // space: tick the scope under the cursor
    case left
    case right
}

/// What `reduce` asks the outside world to do.
extension Action {
    /// A list answer from plain keys (tests and small lists): the snapshot
    /// is built here, on the caller's thread.
    public static func listLoaded(keys: [UserApiKey], at: Date) -> Action {
        .listLoaded(.success(KeySnapshot(keys)), at: at)
    }
}

/// A fetched list in the dashboard's compact form with its orders and search
/// text: built where the list was fetched, so the input path never sorts.
public struct KeySnapshot: Sendable {
    public var records: KeyRecords
    public var index: KeyIndex
    /// The pending rotations as stored, read with the list (so rotations
    /// started elsewhere, by `keydash rotate`, show up), and when.
    public var rotations: (read: Date, all: [PendingRotation])?

    public init(records: KeyRecords, rules: HygieneRules = .defaults, basis: ListBasis = .none) {
        self.records = records
        self.index = KeyIndex(records, rules: rules, reusing: basis)
    }

    public init(_ keys: [UserApiKey]) { self.init(records: KeyRecords(keys)) }

    public var keys: [UserApiKey] { records.keys }
}

/// The list on screen when a refresh is asked for. The new list's index
/// takes from it every column whose values did not change (the usual
/// refresh changes a few keys' last use), so a refresh of 100,000 keys
/// neither sorts nor holds a second copy of those columns. It changes how
/// the index is built, never what it holds: any two bases compare equal.
public struct ListBasis: Sendable, Hashable {
    let records: KeyRecords?
    let index: KeyIndex?

    public static let none = ListBasis(records: nil, index: nil)

    /// `index` must be the one kept with `records`.
    init(records: KeyRecords?, index: KeyIndex?) {
        self.records = records
        self.index = index
    }

    public static func == (_: ListBasis, _: ListBasis) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
}

public enum Effect: Sendable, Hashable {
    /// The org-wide list; with `perUser`, also these users' lists (which include revoked keys).
    /// `skipIfUnchanged`: the state holds exactly the last answer's keys,
    /// so an answer byte for byte the same may come back as `listUnchanged`.
    /// `rules`: what the keys' flags are worked out under, with the list.
    /// `basis`: the list on screen, for the new index to take unchanged columns from.
    case fetchList(perUser: [String], skipIfUnchanged: Bool = false, rules: HygieneRules = .defaults, basis: ListBasis = .none)
    case fetchDetail(keyId: String)
    case revoke(KeyRef)
    case create(CreateKeyRequest)
    /// Wake with `.refreshDue` after this many seconds (replacing any earlier schedule).
    case scheduleRefresh(after: TimeInterval)
    case cancelRefresh
    case copyToClipboard(String)
    /// Load and apply the theme at this index of the front end's list.
    case applyTheme(index: Int)
    case audit(AuditEntry)
    /// Change the pending rotations kept on disk.
    case recordRotation(RotationChange)
    /// Ring the bell and send a desktop notification (`--notify`).
    case notify(String)
    /// Show the profile of this name instead (the front end keeps one view per profile).
    case switchProfile(String)
    case quit
}

/// One change to the stored pending rotations.
public enum RotationChange: Sendable, Hashable {
    case add(PendingRotation)
    case update(PendingRotation)
    case remove(org: String, oldKeyId: String)
}

/// One line of the audit log: never a secret.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var time: String
    public var org: String
    public var endpointHost: String
    public var action: String
    public var keyId: String?
    public var user: String
    public var alias: String?
    public var result: String
    public var requestId: String?
    /// Why, when the result is `error` or `unknown`.
    public var detail: String?

    public init(time: Date, org: String, endpointHost: String, action: String, keyId: String?, user: String,
                alias: String?, result: String, requestId: String?, detail: String? = nil) {
        self.time = APITime.format(time) + "Z"
        self.org = org
        self.endpointHost = endpointHost
        self.action = action
        self.keyId = keyId
        self.user = user
        self.alias = alias
        self.result = result
        self.requestId = requestId
        self.detail = detail
    }
}
