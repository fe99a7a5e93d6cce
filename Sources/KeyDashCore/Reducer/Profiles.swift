import Foundation
import WhyLabsAPI

/// Switching between the config file's profiles: each has a view of its
/// own (kept by the front end); this view only picks one and is left or
/// shown again.
extension DashboardState {
    mutating func openProfiles() -> [Effect] {
        guard pane == .list || pane.isDetail else { return [] }
        guard !profiles.isEmpty else {
            say("no profiles: add [profiles.NAME] tables to the config file", .info)
            return []
        }
        pane = .profiles(ProfilePicker(cursor: profiles.firstIndex { $0.name == profile } ?? 0))
        return []
    }

    mutating func chooseProfile(at index: Int) -> [Effect] {
        guard profiles.indices.contains(index) else { return [] }
        let chosen = profiles[index].name
        pane = .list
        if chosen == profile { return [] }
        // A new key's secret must be read here first: it is shown once, in this view.
        if createInFlight != nil {
            say("a new key is being created here: switch once its secret is shown", .warning)
            return []
        }
        return [.switchProfile(chosen)]
    }

    /// Left for another profile: nothing refreshes behind the other view's
    /// back; creates and revokes in flight are answered and audited here.
    mutating func suspend() -> [Effect] {
        refresh.nextRefresh = nil
        return [.cancelRefresh]
    }

    /// Shown again: the last list at once, and a refresh.
    mutating func resume() -> [Effect] {
        if case .profiles = pane { pane = .list }
        return startRefresh()
    }
}

extension Pane {
    var isDetail: Bool {
        if case .detail = self { return true }
        return false
    }
}
