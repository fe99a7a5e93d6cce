import KeyDashCore

/// The key bindings, in one place: the input handler maps keys with it and
/// the help pane and the footer hints are generated from it.
public struct KeyBinding: Sendable {
    public var keys: [KeyPress]
    public var label: String
    public var help: String
    /// Shown in the footer of the list.
    public var hint: String?
    public var command: Command
}

/// What a list or detail key does; some need the state to become an action.
public enum Command: Sendable, Hashable {
    case move(Int), pageDown, pageUp, home, end
    case detail, back, filter, userFilter, hygieneFilter, sortColumn, sortDirection
    case refresh, pause, revoke, mark, create, rotate, copyId, theme, showRevoked, activity, profiles, help, quit
}

public enum KeyTable {
    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.char("j"), .down], label: "j ↓", help: "next key", hint: nil, command: .move(1)),
        KeyBinding(keys: [.char("k"), .up], label: "k ↑", help: "previous key", hint: "j/k move", command: .move(-1)),
        KeyBinding(keys: [.pageDown, .ctrl("f")], label: "PgDn ^F", help: "page down", hint: nil, command: .pageDown),
        KeyBinding(keys: [.pageUp, .ctrl("b")], label: "PgUp ^B", help: "page up", hint: nil, command: .pageUp),
        KeyBinding(keys: [.char("g"), .home], label: "g Home", help: "first key", hint: nil, command: .home),
        KeyBinding(keys: [.char("G"), .end], label: "G End", help: "last key", hint: nil, command: .end),
        KeyBinding(keys: [.enter], label: "Enter", help: "details of the selected key", hint: "Enter detail", command: .detail),
        KeyBinding(keys: [.escape], label: "Esc", help: "back, clear filter/marks", hint: nil, command: .back),
        KeyBinding(keys: [.char("/")], label: "/", help: "filter alias/id/user/scope", hint: "/ filter", command: .filter),
        KeyBinding(keys: [.char("u")], label: "u", help: "show one user's keys", hint: nil, command: .userFilter),
        KeyBinding(keys: [.char("f")], label: "f", help: "cycle hygiene filters", hint: nil, command: .hygieneFilter),
        KeyBinding(keys: [.char("s")], label: "s", help: "sort by the next column", hint: "s sort", command: .sortColumn),
        KeyBinding(keys: [.char("S")], label: "S", help: "reverse the sort", hint: nil, command: .sortDirection),
        KeyBinding(keys: [.char("r")], label: "r", help: "refresh now / retry now", hint: "r refresh", command: .refresh),
        KeyBinding(keys: [.char("p")], label: "p", help: "pause/resume auto-refresh", hint: nil, command: .pause),
        KeyBinding(keys: [.char("d"), .delete], label: "d Del", help: "revoke (selected or marked)", hint: "d revoke", command: .revoke),
        KeyBinding(keys: [.char(" ")], label: "Space", help: "mark for bulk revoke", hint: nil, command: .mark),
        KeyBinding(keys: [.char("n")], label: "n", help: "new key…", hint: "n new", command: .create),
        KeyBinding(keys: [.char("o")], label: "o", help: "rotate the selected key…", hint: nil, command: .rotate),
        KeyBinding(keys: [.char("y")], label: "y", help: "copy the key id (OSC 52)", hint: nil, command: .copyId),
        KeyBinding(keys: [.char("t")], label: "t", help: "next theme", hint: nil, command: .theme),
        KeyBinding(keys: [.char("R")], label: "R", help: "show or hide revoked keys", hint: nil, command: .showRevoked),
        KeyBinding(keys: [.char("a")], label: "a", help: "activity (what changed)", hint: "a activity", command: .activity),
        KeyBinding(keys: [.char("P")], label: "P", help: "switch profile (org)…", hint: nil, command: .profiles),
        KeyBinding(keys: [.char("?")], label: "?", help: "this help", hint: "? help", command: .help),
        KeyBinding(keys: [.char("q")], label: "q", help: "quit", hint: "q quit", command: .quit),
    ]


    public static func binding(for key: KeyPress) -> KeyBinding? {
        bindings.first { $0.keys.contains(key) }
    }

    /// The action a key press means in the current state, if any.
    public static func action(for key: KeyPress, in state: DashboardState, themeCount: Int) -> Action? {
        if key == .ctrl("c") { return .quit }
        if key == .resize { return nil }
        if state.prompt != nil {
            switch key {
            case .enter: return .promptCommit
            case .escape: return .promptCancel
            case .backspace: return .promptInput(.backspace)
            case .ctrl("u"): return .promptInput(.clear)
            case .char(let c): return .promptInput(.insert(String(c)))
            default: return nil
            }
        }
        switch state.pane {
        case .confirmRevoke, .bulkRevoke:
            switch key {
            case .enter: return .confirm
            case .escape: return .back
            case .backspace: return .confirmationInput(.backspace)
            case .ctrl("u"): return .confirmationInput(.clear)
            case .char(let c): return .confirmationInput(.insert(String(c)))
            default: return nil
            }
        case .create(let form):
            switch key {
            case .enter: return form.focus == .scopes ? .form(.toggle) : .submitCreate
            case .escape: return .back
            case .tab, .down: return .form(.nextField)
            case .backTab, .up: return .form(.previousField)
            case .left: return .form(.left)
            case .right: return .form(.right)
            case .backspace: return .form(.text(.backspace))
            case .ctrl("u"): return .form(.text(.clear))
            case .char(" ") where form.focus == .scopes || form.focus == .after: return .form(.toggle)
            case .char(let c): return .form(.text(.insert(String(c))))
            default: return nil
            }
        case .secret:
            switch key {
            case .char("c"), .char("y"): return .copySecret
            case .enter, .escape, .char("q"): return .back
            default: return nil
            }
        case .quitPending:
            switch key {
            case .char("w"), .enter: return .quitWhenWritesFinish
            case .char("q"): return .quit
            case .escape: return .back
            default: return nil
            }
        case .profiles:
            switch key {
            case .char("j"), .down: return .moveSelection(1)
            case .char("k"), .up: return .moveSelection(-1)
            case .enter: return .openDetail
            case .escape, .char("q"), .char("P"): return .back
            default: return nil
            }
        case .help, .activity:
            switch key {
            case .escape, .char("q"), .enter: return .back
            case .char("?"): return .showHelp
            case .char("a"): return .toggleActivity
            default: return nil
            }
        case .list, .detail:
            switch key {
            case .mouseClick(let row, _): return state.pane == .list ? .clickRow(row - Layout.listTop) : nil
            case .wheelUp: return .scrollBy(-3)
            case .wheelDown: return .scrollBy(3)
            default: break
            }
            guard let binding = binding(for: key) else { return nil }
            return action(for: binding.command, in: state, themeCount: themeCount)
        }
    }

    static func action(for command: Command, in state: DashboardState, themeCount: Int) -> Action? {
        switch command {
        case .move(let n): return .moveSelection(n)
        case .pageDown: return .pageDown
        case .pageUp: return .pageUp
        case .home: return .home
        case .end: return .end
        case .detail: return state.pane == .list ? .openDetail : nil
        case .back: return .back
        case .filter: return .beginFilter
        case .userFilter: return .beginUserFilter
        case .hygieneFilter:
            let cycle = KeyHygiene.filterCycle(state.policy)
            let current = cycle.firstIndex { $0 == state.filter.hygiene } ?? cycle.count - 1
            return .setHygieneFilter(cycle[(current + 1) % cycle.count])
        case .sortColumn: return .cycleSortColumn
        case .sortDirection: return .toggleSortDirection
        case .refresh: return .refreshNow
        case .pause: return .togglePause
        case .revoke: return .requestRevoke
        case .mark: return .toggleMark
        case .create: return .openCreate
        case .rotate: return .openRotate
        case .copyId: return .copyKeyId
        case .theme: return .cycleTheme(count: themeCount)
        case .showRevoked: return .toggleShowRevoked
        case .activity: return .toggleActivity
        case .profiles: return .openProfiles
        case .help: return .showHelp
        case .quit: return .quit
        }
    }
}
