import Foundation
import KeyDashCore
import WhyLabsAPI

/// Screen geometry shared by the renderer and the event loop.
public enum Layout {
    public static let minWidth = 60
    public static let minHeight = 12
    /// The first list row (after the header and the column titles).
    public static let listTop = 2

    /// Rows available to the key list at a terminal height.
    public static func listRows(forHeight height: Int) -> Int { max(1, height - 4) }
}

/// What the renderer needs besides the state.
public struct RenderOptions: Sendable {
    public var ascii: Bool
    public init(ascii: Bool = false) {
        self.ascii = ascii
    }
}

/// State → Frame. Pure: the same state and size always give the same frame.
public enum Renderer {
    public static func render(_ state: DashboardState, width: Int, height: Int, options: RenderOptions = RenderOptions()) -> Frame {
        var frame = Frame(width: width, height: height, ascii: options.ascii)
        guard width >= Layout.minWidth, height >= Layout.minHeight else {
            drawTooSmall(&frame)
            return frame
        }
        let ctx = RenderContext(state: state, options: options)
        HeaderView.draw(&frame, ctx, row: 0)
        let body = Rect(x: 0, y: 1, width: width, height: height - 3)
        KeyListView.draw(&frame, ctx, area: body)
        StatusLineView.draw(&frame, ctx, row: height - 2)
        HintsView.draw(&frame, ctx, row: height - 1)
        switch state.pane {
        case .list: break
        case .detail(let id): DetailView.draw(&frame, ctx, keyId: id, area: body)
        case .confirmRevoke(let c): ConfirmRevokeView.draw(&frame, ctx, confirmation: c, screen: frame.bounds)
        case .bulkRevoke(let b): ConfirmRevokeView.drawBulk(&frame, ctx, confirmation: b, screen: frame.bounds)
        case .create(let form): CreateFormView.draw(&frame, ctx, form: form, screen: frame.bounds)
        case .secret(let secret): SecretView.draw(&frame, ctx, secret: secret, screen: frame.bounds)
        case .help: HelpView.draw(&frame, ctx, area: body)
        case .activity: ActivityView.draw(&frame, ctx, area: body)
        case .quitPending: QuitPendingView.draw(&frame, ctx, screen: frame.bounds)
        case .profiles(let picker): ProfilePickerView.draw(&frame, ctx, picker: picker, screen: frame.bounds)
        }
        return frame
    }

    static func drawTooSmall(_ frame: inout Frame) {
        let lines = ["Terminal too small", "need \(Layout.minWidth)x\(Layout.minHeight), have \(frame.width)x\(frame.height)", "q quits"]
        for (i, line) in lines.enumerated() {
            let y = frame.height / 2 - 1 + i
            let x = max(0, (frame.width - DisplayText.width(line)) / 2)
            frame.put(line, x: x, y: y, role: i == 0 ? .status_warning : .hint)
        }
    }

    /// Whether `render(state)` is the frame `render(drawn)` gave, at the
    /// same size and options, told without rendering: for an idle monitor,
    /// where time passes and refreshes come back unchanged, and a frame
    /// rebuilt only to find it equal is most of a refresh's cost.
    ///
    /// Conservative: true only on the list with no prompt, message, mark
    /// or write in flight, the same keys (the very same store), rows,
    /// filter, sort and counts, the same header label, and every time on
    /// a row on screen reading the same as when it was drawn.
    public static func drawsTheSame(_ drawn: DashboardState, _ state: DashboardState, height: Int,
                                    options: RenderOptions = RenderOptions()) -> Bool {
        guard drawn.pane == .list, state.pane == .list,
              drawn.prompt == nil, state.prompt == nil,
              drawn.message == nil, state.message == nil,
              drawn.marks.isEmpty, state.marks.isEmpty,
              drawn.bulkSelection.isEmpty, state.bulkSelection.isEmpty,
              drawn.bulkProgress == nil, state.bulkProgress == nil,
              drawn.createInFlight == nil, state.createInFlight == nil,
              drawn.revokesInFlight.isEmpty, state.revokesInFlight.isEmpty,
              drawn.quitting == state.quitting, drawn.quitWhenIdle == state.quitWhenIdle,
              drawn.hasLoaded, state.hasLoaded,
              state.keys.isUnchangedCopy(of: drawn.keys),
              drawn.visibleSlots == state.visibleSlots,
              drawn.filter == state.filter, drawn.sort == state.sort,
              drawn.selectedIndex == state.selectedIndex, drawn.scroll == state.scroll,
              drawn.counts == state.counts,
              drawn.rotations == state.rotations, drawn.rotationStates == state.rotationStates,
              drawn.profile == state.profile, drawn.orgId == state.orgId, drawn.endpointHost == state.endpointHost,
              drawn.readOnly == state.readOnly, drawn.themeIndex == state.themeIndex,
              drawn.refresh.isStale == state.refresh.isStale
        else { return false }
        // The header's refresh label, as both would write it.
        guard HeaderView.refreshLabel(drawn, ascii: options.ascii) == HeaderView.refreshLabel(state, ascii: options.ascii) else { return false }
        // The rows on screen: their relative times and statuses.
        let then = drawn.now.timeIntervalSince1970, now = state.now.timeIntervalSince1970
        let first = state.scroll, last = min(state.visibleSlots.count, state.scroll + Layout.listRows(forHeight: height))
        guard first < last else { return true }
        let keys = state.keys
        func reads(_ time: Double?) -> Bool { time.map { RelativeTime.sameText(for: $0, at: then, and: now) } ?? true }
        for slot in state.visibleSlots[first..<last].lazy.map(Int.init) {
            guard reads(keys.createdSeconds(at: slot)), reads(keys.expiresSeconds(at: slot)), reads(keys.lastUsedSeconds(at: slot)),
                  keys.status(at: slot, now: drawn.now) == keys.status(at: slot, now: state.now)
            else { return false }
        }
        return true
    }

    /// Seconds until something on an idle screen would change (the
    /// "updated … ago" label and relative times), so the event loop sleeps
    /// until then and no longer.
    public static func secondsUntilLabelsChange(_ state: DashboardState) -> TimeInterval {
        // The header counts move on when a key starts expiring or expires.
        var next = state.counts.validUntil.map { max(0, $0.timeIntervalSince(state.now)) } ?? .infinity
        // A slow refresh is announced once its quiet period is over.
        if state.refresh.inFlight, let started = state.refresh.startedAt {
            let announce = started.addingTimeInterval(RefreshStatus.quietPeriod).timeIntervalSince(state.now)
            if announce > 0 { next = min(next, announce) }
        }
        guard let last = state.refresh.lastSuccess else { return min(60, next) }
        let elapsed = state.now.timeIntervalSince(last)
        let label = elapsed < 60 ? 10 - elapsed.truncatingRemainder(dividingBy: 10) : 60 - elapsed.truncatingRemainder(dividingBy: 60)
        return min(label, next)
    }
}

/// The state plus helpers every view uses.
struct RenderContext {
    let state: DashboardState
    let options: RenderOptions
    var now: Date { state.now }
    var ascii: Bool { options.ascii }

    /// Every server-supplied string goes through here before it is drawn.
    func clean(_ text: String) -> String { DisplayText.sanitize(text, ascii: ascii) }

    func glyph(_ unicode: String, _ plain: String) -> String { ascii ? plain : unicode }

    func relative(_ time: APITime?, missing: String) -> String {
        guard let time else { return missing }
        guard let date = time.date else { return clean(time.text) }
        return RelativeTime.describe(date, now: now)
    }

    func absolute(_ time: APITime?, missing: String) -> String {
        guard let time else { return missing }
        guard let date = time.date else { return clean(time.text) + " (unparsed)" }
        return "\(RelativeTime.absolute(date, seconds: true))  (\(RelativeTime.describe(date, now: now)))"
    }
}
