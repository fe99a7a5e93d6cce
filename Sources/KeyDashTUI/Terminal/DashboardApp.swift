import CNCursesW
import Dispatch
import Foundation
import KeyDashCore
import WhyLabsAPI

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

    private var state: DashboardState
    private let service: any APIKeyService
    private let catalog: ThemeCatalog
    private let options: Options
    private let auditLog: AuditLog?
    private var themeNames: [String] = []
    private var theme = Theme.builtin

    public init(state: DashboardState, service: any APIKeyService, catalog: ThemeCatalog, options: Options, auditLog: AuditLog?) {
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

    /// Runs until the user quits, a signal arrives or the terminal goes away.
    /// Call from a thread of its own: it blocks.
    public func run() throws {
        let events = try EventQueue()
        let terminal = try CursesTerminal(noColor: options.noColor)
        defer { terminal.end() }
        terminal.apply(theme)

        let signalSources = installSignalSources(events)
        defer { signalSources.forEach { $0.cancel() } }

        let (effects, effectSink) = AsyncStream<[Effect]>.makeStream()
        let runner = EffectRunner(service: service, auditLog: auditLog, send: { events.post(.action($0)) })
        let effectPump = Task {
            for await batch in effects { await runner.run(batch) }
        }
        defer {
            effectSink.finish()
            effectPump.cancel()
            let done = DispatchSemaphore(value: 0)
            Task { await runner.stop(); done.signal() }
            done.wait()
        }

        func perform(_ list: [Effect]) {
            var forRunner: [Effect] = []
            for effect in list {
                switch effect {
                case .copyToClipboard(let text): terminal.copyToClipboard(text)
                case .quit: break
                default: forRunner.append(effect)
                }
            }
            if !forRunner.isEmpty { effectSink.yield(forRunner) }
        }

        var (rows, columns) = terminal.size
        state.now = Date()
        _ = reduce(&state, .resize(rows: Layout.listRows(forHeight: rows), columns: columns))
        perform(state.start())

        var emptyReads = 0
        var dirty = true
        while !state.quitting {
            if dirty {
                let frame = Renderer.render(state, width: columns, height: rows, options: RenderOptions(ascii: !terminal.utf8, themeName: theme.name))
                terminal.draw(frame)
                dirty = false
            }
            let wait = Renderer.secondsUntilLabelsChange(state)
            let messageWait = state.message.map { max(0.5, 8.5 - Date().timeIntervalSince($0.at)) } ?? wait
            let timeout = Int32(max(50, min(60_000, min(wait, messageWait) * 1000)))
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: events.readFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR { break }

            let previousTheme = state.themeIndex
            func dispatch(_ action: Action) {
                perform(reduce(&state, action))
                dirty = true
            }
            dispatch(.tick(Date()))

            if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && fds[0].revents & Int16(POLLIN) == 0 {
                break  // the terminal is gone (SSH dropped)
            }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let keys = terminal.readKeys()
                if keys.isEmpty {
                    emptyReads += 1
                    // Readable but nothing to read, again and again: end of input.
                    if emptyReads >= 3 && isEndOfInput() { break }
                } else {
                    emptyReads = 0
                }
                for key in keys {
                    if key == .resize {
                        (rows, columns) = terminal.size
                        dispatch(.resize(rows: Layout.listRows(forHeight: rows), columns: columns))
                        continue
                    }
                    if let action = KeyTable.action(for: key, in: state, themeCount: themeNames.count) {
                        dispatch(action)
                    }
                }
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                for event in events.drain() {
                    switch event {
                    case .action(let action): dispatch(action)
                    case .signal(SIGWINCH):
                        var r: Int32 = 0, c: Int32 = 0
                        if kd_terminal_size(STDOUT_FILENO, &r, &c) == 0 { terminal.resize(rows: Int(r), columns: Int(c)) }
                        (rows, columns) = terminal.size
                        dispatch(.resize(rows: Layout.listRows(forHeight: rows), columns: columns))
                    case .signal:
                        dispatch(.quit)
                    }
                }
            }
            if state.themeIndex != previousTheme, themeNames.indices.contains(state.themeIndex) {
                switchTheme(to: themeNames[state.themeIndex], terminal: terminal)
            }
        }
    }

    private func switchTheme(to name: String, terminal: CursesTerminal) {
        switch catalog.loadTheme(named: name) {
        case .success(let next):
            theme = next
            terminal.apply(next)
        case .failure(let error):
            _ = reduce(&state, .showMessage("theme \(error.description)", .error))
        }
    }

    /// True when stdin has reached end of file (the connection is gone).
    private func isEndOfInput() -> Bool {
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 1, 0) > 0 else { return false }
        var available: Int32 = 0
        return ioctl(STDIN_FILENO, UInt(FIONREAD), &available) == 0 && available == 0
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
