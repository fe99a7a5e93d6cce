import CNCursesW
import Dispatch
import Foundation
import KeyDashCore
import WhyLabsAPI

/// A profile of the config file the dashboard can switch to.
public struct DashboardProfile: Sendable {
    public var summary: ProfileSummary
    /// Its `theme`, applied when it is shown.
    public var themeName: String?
    /// Its starting view and its own service (a client with its own
    /// endpoint and key), made the first time it is shown.
    public var open: @Sendable () throws -> (DashboardState, any APIKeyService)

    public init(summary: ProfileSummary, themeName: String?, open: @escaping @Sendable () throws -> (DashboardState, any APIKeyService)) {
        self.summary = summary
        self.themeName = themeName
        self.open = open
    }
}

/// The interactive dashboard: one thread owns curses and sleeps in poll() on
/// the terminal and a wake-up pipe, with the next timer as its timeout.
/// Input, finished requests and signals become actions for `reduce`; the
/// state is rendered into a frame that curses diffs onto the screen.
public final class DashboardApp: @unchecked Sendable {
    public struct Options: Sendable {
        public var themeName: String?
        public var noColor: Bool
        public init(themeName: String?, noColor: Bool) {
            self.themeName = themeName
            self.noColor = noColor
        }
    }

    /// The view on screen; the others (one per profile opened) wait in `views`.
    private var state: DashboardState
    private let service: any APIKeyService
    private let profiles: [DashboardProfile]
    /// What the picker lists, filled in as profiles are opened.
    private var summaries: [ProfileSummary]
    /// The profile on screen ("" without profiles).
    private var current: String
    /// Views not on screen, by profile: their state and their own effect runner.
    private var views: [String: View] = [:]
    private var currentEffects: EffectPump?
    private let catalog: ThemeCatalog
    private let options: Options
    private let auditLog: AuditLog?
    private let rotationStore: RotationStore?
    private var themeNames: [String] = []
    private var theme = Theme.builtin
    /// The frame on screen: a new frame equal to it is not drawn at all, so
    /// a wake-up that changes nothing visible costs no curses work.
    private var onScreen: Frame?
    /// The state `onScreen` was rendered from, while an unchanged refresh
    /// may still keep that frame; let go of on anything else.
    private var drawnState: DashboardState?

    /// `profiles`: the config file's profiles, `state` being the view of the
    /// one named by `state.profile`; each other one is opened on first use.
    public init(state: DashboardState, service: any APIKeyService, catalog: ThemeCatalog, options: Options, auditLog: AuditLog?,
                rotationStore: RotationStore? = nil, profiles: [DashboardProfile] = []) {
        self.rotationStore = rotationStore
        self.profiles = profiles
        self.summaries = profiles.map(\.summary)
        self.current = state.profile ?? ""
        var state = state
        state.profiles = profiles.map(\.summary)
        self.state = state
        self.service = service
        self.catalog = catalog
        self.options = options
        self.auditLog = auditLog
    }

    /// Loads the starting theme, or fails with the file and line at fault.
    public func prepareTheme() throws {
        themeNames = catalog.names()
        let name = options.themeName ?? "default"
        theme = try catalog.loadTheme(named: name).get()
        if let index = themeNames.firstIndex(of: theme.name) { state.themeIndex = index }
    }

    /// How long quitting waits for creates and revokes in flight before
    /// recording them as `unknown`.
    public static let writeGracePeriod: TimeInterval = 3

    /// Runs until the user quits, a signal arrives or the terminal goes away.
    /// Call from a thread of its own: it blocks.
    public func run() throws {
        let events = try EventQueue()
        let terminal = try CursesTerminal(noColor: options.noColor)
        defer { terminal.end() }
        terminal.apply(theme)

        let signalSources = installSignalSources(events)
        defer { signalSources.forEach { $0.cancel() } }

        let effects = makeEffects(service: service, view: current, events: events)
        currentEffects = effects
        defer {
            // Every view's creates and revokes get their answer and audit line.
            views[current] = View(state: state, effects: currentEffects ?? effects)
            for (name, view) in views.sorted(by: { $0.key < $1.key }) {
                finishWrites(view, name: name, events: events)
                view.effects.stop()
            }
        }
        var loop = Loop(terminal: terminal, events: events, effects: effects)

        var (rows, columns) = terminal.size
        state.now = Date()
        _ = reduce(&state, .resize(rows: Layout.listRows(forHeight: rows), columns: columns))
        perform(state.start(), loop)

        var dirty = true
        var drawn = false
        // Woken by nothing but unchanged refresh answers (and the clock).
        var onlyUnchanged = false
        while !state.quitting {
            if dirty {
                let options = RenderOptions(ascii: !terminal.utf8)
                // An idle monitor's unchanged refresh: the frame on screen
                // stands when nothing on it would read differently.
                let stands = onlyUnchanged && onScreen != nil
                    && drawnState.map { Renderer.drawsTheSame($0, state, height: rows, options: options) } == true
                if !stands {
                    let frame = Renderer.render(state, width: columns, height: rows, options: options)
                    if frame != onScreen {
                        terminal.draw(frame)
                        onScreen = frame
                    }
                    drawnState = state
                }
                dirty = false
                if !drawn { drawn = true; TestHooks.afterFirstFrame() }
            }
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: events.readFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, pollTimeout())
            if ready < 0 && errno != EINTR { break }

            dirty = !handleTime(Date(), timedOut: ready == 0, loop)
            onlyUnchanged = false
            if fds[0].revents != 0 {
                drawnState = nil
                guard handleInput(fds[0].revents, &loop, rows: &rows, columns: &columns) else { break }  // end of input
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                onlyUnchanged = handleEvents(&loop, rows: &rows, columns: &columns) && fds[0].revents == 0
            }
        }
    }

    /// The clock's part of a wake-up: the tick, and the refresh when it is
    /// due. True when the frame may wait: a refresh started by the timer
    /// alone shows nothing during its quiet period, so the frame waits for
    /// the answer or the end of that period (each wakes the loop) instead of
    /// being drawn twice. What the tick changed waits with it, half a second
    /// at most; a key or an answer is always drawn at once.
    private func handleTime(_ now: Date, timedOut: Bool, _ loop: Loop) -> Bool {
        dispatch(.tick(now), loop)
        guard let due = refreshDueAt, now >= due else { return false }
        refreshDueAt = nil
        dispatch(.refreshDue, loop)
        return timedOut && state.refresh.inFlight
    }

    /// What the loop's handlers share.
    private struct Loop {
        let terminal: CursesTerminal
        let events: EventQueue
        let effects: EffectPump
    }

    /// A view not on screen.
    private final class View {
        var state: DashboardState
        let effects: EffectPump
        init(state: DashboardState, effects: EffectPump) {
            self.state = state
            self.effects = effects
        }
    }

    /// A runner for one view: its own client, audit log and org, its answers
    /// routed back to that view.
    private func makeEffects(service: any APIKeyService, view: String, events: EventQueue) -> EffectPump {
        EffectPump(runner: EffectRunner(service: service, auditLog: auditLog, rotationStore: rotationStore,
                                        send: { events.post(.action($0, view: view)) }))
    }

    /// Puts the view of `name` on screen: the one left stops refreshing
    /// (its writes in flight go on); the one shown has its last list at once
    /// and refreshes behind it, or is opened now.
    private func switchProfile(to name: String, _ loop: Loop, rows: Int, columns: Int) -> Loop {
        guard name != current, let profile = profiles.first(where: { $0.summary.name == name }) else { return loop }
        let opened: View
        if let existing = views.removeValue(forKey: name) {
            opened = existing
        } else {
            do {
                let (fresh, service) = try profile.open()
                var state = fresh
                state.profile = name
                state.profiles = profiles.map(\.summary)
                state.themeIndex = self.state.themeIndex
                opened = View(state: state, effects: makeEffects(service: service, view: name, events: loop.events))
            } catch {
                dispatch(.showMessage("profile \(name): \(error)", .error), loop)
                return loop
            }
        }
        // Its org is known now: the picker of every view says so.
        if let i = summaries.firstIndex(where: { $0.name == name }), summaries[i].orgId != opened.state.orgId {
            summaries[i].orgId = opened.state.orgId
        }
        state.profiles = summaries
        opened.state.profiles = summaries
        let leaving = View(state: state, effects: loop.effects)
        leaving.effects.send(reduce(&leaving.state, .suspend))
        refreshDueAt = nil  // the leaving view's; the view shown schedules its own
        views[current] = leaving
        current = name
        state = opened.state
        currentEffects = opened.effects
        let next = Loop(terminal: loop.terminal, events: loop.events, effects: opened.effects)
        state.now = Date()
        _ = reduce(&state, .resize(rows: Layout.listRows(forHeight: rows), columns: columns))
        perform(state.hasLoaded ? reduce(&state, .resume) : state.start(), next)
        if let themeName = profile.themeName, themeName != theme.name { switchTheme(to: themeName, terminal: loop.terminal) }
        onScreen = nil
        return next
    }

    /// The front end's own effects here (clipboard, theme), the rest to the runner.
    private func perform(_ list: [Effect], _ loop: Loop) {
        var forRunner: [Effect] = []
        for effect in list {
            switch effect {
            case .switchProfile(let name): pendingSwitch = name
            case .copyToClipboard(let text): loop.terminal.copyToClipboard(text)
            case .notify(let text): loop.terminal.notify(text)
            case .applyTheme(let index):
                if themeNames.indices.contains(index) { switchTheme(to: themeNames[index], terminal: loop.terminal) }
            case .quit: break
            // The view on screen refreshes on the loop's own timer (poll's
            // timeout): no timer task, no thread woken but this one.
            case .scheduleRefresh(let delay): refreshDueAt = Date().addingTimeInterval(delay)
            case .cancelRefresh: refreshDueAt = nil
            default: forRunner.append(effect)
            }
        }
        loop.effects.send(forRunner)
    }

    private func dispatch(_ action: Action, _ loop: Loop) {
        perform(reduce(&state, action), loop)
    }

    /// When the view on screen refreshes next; nil while none is scheduled.
    private var refreshDueAt: Date?

    /// A switch asked for by the reducer, carried out once the action is done.
    private var pendingSwitch: String?

    private func switchIfAsked(_ loop: inout Loop, rows: Int, columns: Int) {
        guard let name = pendingSwitch else { return }
        pendingSwitch = nil
        loop = switchProfile(to: name, loop, rows: rows, columns: columns)
    }

    /// An action for a view not on screen: reduced into its own state, its
    /// effects (audit lines above all) run by its own runner; nothing of it
    /// reaches the terminal.
    private func dispatchInBackground(_ action: Action, view name: String) {
        guard let view = views[name] else { return }
        let effects = reduce(&view.state, action).filter {
            switch $0 {
            case .copyToClipboard, .applyTheme, .notify, .switchProfile, .quit: false
            default: true
            }
        }
        view.effects.send(effects)
    }

    /// Sleep until a label on screen changes (relative times, message expiry), no longer.
    private func pollTimeout() -> Int32 {
        let wait = Renderer.secondsUntilLabelsChange(state)
        let messageWait = state.message.map { max(0.5, 8.5 - state.now.timeIntervalSince($0.at)) } ?? wait
        let labels = max(50, min(60_000, min(wait, messageWait) * 1000))
        // Rounded up, so the wake-up for a refresh is never a hair early (and then twice).
        let refresh = refreshDueAt.map { max(1, ($0.timeIntervalSinceNow * 1000).rounded(.up)) } ?? labels
        return Int32(min(labels, refresh))
    }

    /// Keys from the terminal. False when input has ended: a hangup, an
    /// error, or a readable terminal that has nothing to read (a dropped SSH
    /// connection), so the loop ends instead of spinning.
    private func handleInput(_ revents: Int16, _ loop: inout Loop, rows: inout Int, columns: inout Int) -> Bool {
        if revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return false }
        let (keys, gotInput) = loop.terminal.readKeys()
        if !gotInput && !InputProbe.hasPendingBytes(STDIN_FILENO) { return false }
        for key in keys {
            if key == .resize {
                (rows, columns) = loop.terminal.size
                onScreen = nil
                dispatch(.resize(rows: Layout.listRows(forHeight: rows), columns: columns), loop)
                continue
            }
            if let action = KeyTable.action(for: key, in: state, themeCount: themeNames.count) {
                dispatch(action, loop)
                switchIfAsked(&loop, rows: rows, columns: columns)
            }
        }
        return true
    }

    /// Finished requests and signals. True when every one was a refresh of
    /// the view on screen that came back unchanged, or was for a view not
    /// on screen.
    private func handleEvents(_ loop: inout Loop, rows: inout Int, columns: inout Int) -> Bool {
        var onlyUnchanged = true
        for event in loop.events.drain() {
            switch event {
            case .action(let action, let view) where view != current:
                dispatchInBackground(action, view: view)
                if case .listLoaded(.success(let snapshot), _) = action { HeapTrim.afterList(of: snapshot.records.count) }
            case .action(.listUnchanged(let at), _):
                dispatch(.listUnchanged(at: at), loop)
                switchIfAsked(&loop, rows: rows, columns: columns)
            case .action(let action, _):
                onlyUnchanged = false
                // The state drawn last lets go of its keys before a new list is trimmed.
                drawnState = nil
                dispatch(action, loop)
                switchIfAsked(&loop, rows: rows, columns: columns)
                // The old list is gone now: its pages go back to the system.
                if case .listLoaded(.success(let snapshot), _) = action { HeapTrim.afterList(of: snapshot.records.count) }
            case .signal(SIGWINCH):
                onlyUnchanged = false
                var r: Int32 = 0, c: Int32 = 0
                if kd_terminal_size(STDOUT_FILENO, &r, &c) == 0 { loop.terminal.resize(rows: Int(r), columns: Int(c)) }
                onScreen = nil
                (rows, columns) = loop.terminal.size
                dispatch(.resize(rows: Layout.listRows(forHeight: rows), columns: columns), loop)
            case .signal:
                onlyUnchanged = false
                dispatch(.quitNow, loop)
            }
        }
        return onlyUnchanged
    }

    /// At exit: creates and revokes in flight get a few seconds to be
    /// answered (and audited); what is still open then is audited as
    /// `unknown`. Refreshes are simply dropped. Answers for other views
    /// that arrive meanwhile are kept for theirs.
    private func finishWrites(_ view: View, name: String, events: EventQueue) {
        let deadline = Date().addingTimeInterval(Self.writeGracePeriod)
        while !view.state.pendingWrites.isEmpty, Date() < deadline {
            var fds = [pollfd(fd: events.readFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
            for case .action(let action, let target) in events.drain() {
                switch action {
                case .revokeFinished, .createFinished:
                    guard let owner = target == name ? view : views[target] else { continue }
                    // Only the records matter now (audit lines, a rotation made
                    // pending): no pane opens, no secret is shown.
                    owner.effects.send(reduce(&owner.state, action).filter {
                        switch $0 {
                        case .audit, .recordRotation: true
                        default: false
                        }
                    })
                default:
                    break
                }
            }
        }
        view.effects.send(reduce(&view.state, .abandonWrites(at: Date())))
        view.effects.drain()
    }

    private func switchTheme(to name: String, terminal: CursesTerminal) {
        switch catalog.loadTheme(named: name) {
        case .success(let next):
            theme = next
            terminal.apply(next)
            onScreen = nil  // same cells, new colours
        case .failure(let error):
            _ = reduce(&state, .showMessage("theme \(error.description)", .error))
        }
    }

    private func installSignalSources(_ events: EventQueue) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM, SIGHUP, SIGWINCH].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { events.post(.signal(sig)) }
            source.resume()
            return source
        }
    }
}

extension ThemeCatalog {
    func loadTheme(named name: String) -> Result<Theme, ThemeError> {
        do throws(ThemeError) {
            return .success(try theme(named: name) as Theme)
        } catch {
            return .failure(error)
        }
    }
}

/// Effects for the runner, in order, from the curses thread.
final class EffectPump: @unchecked Sendable {
    private let runner: EffectRunner
    private let stream: AsyncStream<[Effect]>
    private let sink: AsyncStream<[Effect]>.Continuation
    private let task: Task<Void, Never>

    init(runner: EffectRunner) {
        self.runner = runner
        (stream, sink) = AsyncStream<[Effect]>.makeStream()
        let stream = self.stream
        task = Task(executorPreference: runner.executor) {
            for await batch in stream { await runner.run(batch) }
            await runner.recordsWritten()
        }
    }

    func send(_ effects: [Effect]) {
        if !effects.isEmpty { sink.yield(effects) }
    }

    /// Blocks until every effect sent so far has been handed to the runner
    /// and every record it was given is written.
    func drain() {
        let done = DispatchSemaphore(value: 0)
        sink.finish()
        Task { [task] in
            await task.value
            done.signal()
        }
        done.wait()
    }

    /// Cancels the timer and every request still in flight.
    func stop() {
        sink.finish()
        task.cancel()
        let done = DispatchSemaphore(value: 0)
        Task { [runner] in
            await runner.stop()
            // Nothing more is sent; what was is still recorded.
            await runner.recordsWritten()
            done.signal()
        }
        done.wait()
    }
}

/// Whether the terminal has bytes waiting. A failing FIONREAD (EIO after a
/// hangup) counts as none: input has ended.
enum InputProbe {
    static func hasPendingBytes(_ fd: Int32) -> Bool {
        var available: Int32 = 0
        return ioctl(fd, UInt(FIONREAD), &available) == 0 && available > 0
    }
}

/// Switches used only by the end-to-end tests, read from the environment.
enum TestHooks {
    /// `KEYDASH_TEST_CRASH=after-first-frame` traps once the first frame is
    /// on screen, so a test can check the terminal is restored after a crash.
    static func afterFirstFrame() {
        if ProcessInfo.processInfo.environment["KEYDASH_TEST_CRASH"] == "after-first-frame" {
            fatalError("crash requested by KEYDASH_TEST_CRASH")
        }
    }
}
