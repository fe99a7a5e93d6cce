import Foundation
import WhyLabsAPI

/// The one place the dashboard's state changes. Pure and synchronous: the
/// effects it returns are carried out by an `EffectRunner`, whose results come
/// back as actions.
public func reduce(_ state: inout DashboardState, _ action: Action) -> [Effect] {
    var effects = apply(&state, action)
    // Waiting to quit: go once nothing is in flight and no new secret is on screen.
    if state.quitWhenIdle, !state.quitting, state.pendingWrites.isEmpty {
        if case .secret = state.pane {} else {
            effects += state.quit()
        }
    }
    return effects
}

private func apply(_ state: inout DashboardState, _ action: Action) -> [Effect] {
    switch action {
    case .moveSelection(let delta):
        if case .profiles(var picker) = state.pane, !state.profiles.isEmpty {
            picker.cursor = min(max(0, picker.cursor + delta), state.profiles.count - 1)
            state.pane = .profiles(picker)
            return []
        }
        state.moveSelection(by: delta); return []
    case .pageDown: state.moveSelection(by: max(1, state.viewportRows - 1)); return []
    case .pageUp: state.moveSelection(by: -max(1, state.viewportRows - 1)); return []
    case .home: state.select(index: 0); return []
    case .end: state.select(index: state.visible.count - 1); return []
    case .clickRow(let row):
        if state.pane == .list { state.select(index: state.scroll + row) }
        return []
    case .scrollBy(let delta): state.scroll(by: delta); return []

    case .openDetail:
        if case .profiles(let picker) = state.pane { return state.chooseProfile(at: picker.cursor) }
        return state.openDetail()
    case .openProfiles: return state.openProfiles()
    case .suspend: return state.suspend()
    case .resume: return state.resume()
    case .back: return state.back()
    case .showHelp: state.pane = state.pane == .help ? .list : .help; return []
    case .toggleActivity: state.pane = state.pane == .activity ? .list : .activity; return []

    case .beginFilter: state.prompt = Prompt(kind: .filter, text: state.filter.text); return []
    case .beginUserFilter: state.prompt = Prompt(kind: .user, text: state.filter.user ?? ""); return []
    case .promptInput(let edit): state.editPrompt(edit); return []
    case .promptCommit: state.commitPrompt(); return []
    case .promptCancel: state.cancelPrompt(); return []
    case .setHygieneFilter(let hygiene):
        state.filter.hygiene = hygiene
        state.recomputeVisible(keepingSelection: true)
        return []
    case .cycleSortColumn:
        let all = KeyColumn.allCases
        state.sort.column = all[(all.firstIndex(of: state.sort.column)! + 1) % all.count]
        state.recomputeVisible(keepingSelection: true)
        state.say("sorted by \(state.sort.column.title.lowercased()) \(state.sort.ascending ? "ascending" : "descending")", .info)
        return []
    case .toggleSortDirection:
        state.sort.ascending.toggle()
        state.recomputeVisible(keepingSelection: true)
        state.say("sorted by \(state.sort.column.title.lowercased()) \(state.sort.ascending ? "ascending" : "descending")", .info)
        return []
    case .toggleShowRevoked:
        state.filter.showRevoked.toggle()
        state.recomputeVisible(keepingSelection: true)
        state.say(state.filter.showRevoked ? "showing revoked keys" : "hiding revoked keys", .info)
        // The org-wide list leaves revoked keys out: fetch the per-user lists now.
        return state.filter.showRevoked ? state.startRefresh() : []

    case .refreshNow: return state.startRefresh()
    case .togglePause: return state.togglePause()
    case .refreshDue:
        if state.refresh.paused { return [] }
        return state.startRefresh()
    case .tick(let now):
        state.now = now
        // Counts follow time: a key crossing into "expiring" or "expired"
        // changes them even when no refresh brings new data.
        var notable: [String] = []
        if let until = state.counts.validUntil, now >= until {
            let before = state.counts
            state.counts = KeyCounts.of(state.keys, now: now)
            notable = state.counts.newlyExpiring(since: before)
        }
        // So do the rows a flag filter shows, when a key crosses a rule's threshold.
        if state.filter.hygiene != nil, !state.index.flagsHold(at: now, rules: state.hygieneRules) {
            state.recomputeVisible(keepingSelection: true)
        }
        if let message = state.message, now.timeIntervalSince(message.at) > 8, message.severity != .error || now.timeIntervalSince(message.at) > 30 {
            state.message = nil
        }
        return state.notice(notable, at: now)  // or one held back within a second of the last
    case .resize(let rows, _):
        state.viewportRows = max(1, rows)
        state.clampScroll()
        return []
    case .cycleTheme(let count):
        guard count > 0 else { return [] }
        state.themeIndex = (state.themeIndex + 1) % count
        return [.applyTheme(index: state.themeIndex)]

    case .requestRevoke: return state.requestRevoke()
    case .toggleMark: state.toggleMark(); return []
    case .confirmationInput(let edit): state.editConfirmation(edit); return []
    case .confirm: return state.confirm()

    case .openCreate: return state.openCreate()
    case .openRotate: return state.openRotate()
    case .form(let edit): state.editForm(edit); return []
    case .submitCreate: return state.submitCreate()

    case .copyKeyId:
        guard let id = state.paneKeyId ?? state.selectedKeyId else { return [] }
        state.say("copied key id \(id) to the clipboard", .info)
        return [.copyToClipboard(id)]
    case .copySecret:
        guard case .secret(var secret) = state.pane else { return [] }
        secret.copied = true
        state.pane = .secret(secret)
        state.say("copied the new key to the clipboard", .success)
        return [.copyToClipboard(secret.secret)]

    case .quit:
        if state.pendingWrites.isEmpty || state.pane == .quitPending { return state.quit() }
        state.prompt = nil
        state.pane = .quitPending
        return []
    case .quitNow: return state.quit()
    case .quitWhenWritesFinish:
        state.quitWhenIdle = true
        if state.pane == .quitPending { state.pane = .list }
        state.say("quitting once the server answers (q quits now)", .info)
        return []
    case .abandonWrites(let at): return state.abandonWrites(at: at)

    case .listLoaded(let result, let at): return state.listLoaded(result, at: at)
    case .listUnchanged(let at): return state.listUnchanged(at: at)
    case .detailLoaded(let keyId, let result, let at): state.detailLoaded(keyId, result, at: at); return []
    case .revokeFinished(let ref, let result, let at): return state.revokeFinished(ref, result, at: at)
    case .createFinished(let result, let at): return state.createFinished(result, at: at)
    case .showMessage(let text, let severity): state.say(text, severity); return []
    }
}

extension DashboardState {
    /// Effects to run once at start: the first list fetch.
    public mutating func start() -> [Effect] {
        startRefresh()
    }

    mutating func say(_ text: String, _ severity: Severity) {
        message = StatusMessage(text: text, severity: severity, at: now)
    }

    mutating func log(_ entry: ActivityEntry) {
        activity.append(entry)
        if activity.count > Self.activityLimit { activity.removeFirst() }
    }

    mutating func quit() -> [Effect] {
        quitting = true
        return [.cancelRefresh, .quit]
    }

    /// The key a pane is about (detail, confirm-revoke), if any.
    var paneKeyId: String? {
        switch pane {
        case .detail(let id): id
        case .confirmRevoke(let c): c.keyId
        default: nil
        }
    }
}
