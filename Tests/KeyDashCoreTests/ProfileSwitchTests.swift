import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

@Suite struct ProfileSwitchTests {
    let profiles = [ProfileSummary(name: "prod", orgId: "org-p", endpointHost: "api.example", readOnly: true),
                    ProfileSummary(name: "staging", orgId: "org-s", endpointHost: "127.0.0.1:8080", readOnly: false)]

    func switches(_ effects: [Effect]) -> [String] {
        effects.compactMap { if case .switchProfile(let name) = $0 { name } else { nil } }
    }

    @Test func thePickerChoosesAnotherProfile() {
        var state = loadedState([makeKey("A")])
        state.profile = "prod"
        #expect(reduce(&state, .openProfiles).isEmpty)
        #expect(state.message?.text.contains("no profiles") == true, "without profiles it says how to add them")
        state.profiles = profiles
        _ = reduce(&state, .openProfiles)
        #expect(state.pane == .profiles(ProfilePicker(cursor: 0)), "the cursor starts on the current profile")
        _ = reduce(&state, .moveSelection(5))
        #expect(state.pane == .profiles(ProfilePicker(cursor: 1)))
        #expect(state.selectedIndex == 0, "moving in the picker moves no row")
        #expect(switches(reduce(&state, .openDetail)) == ["staging"])
        #expect(state.pane == .list)
        // Choosing the profile shown closes the picker and switches nothing.
        _ = reduce(&state, .openProfiles)
        #expect(switches(reduce(&state, .openDetail)).isEmpty)
        _ = reduce(&state, .openProfiles)
        _ = reduce(&state, .back)
        #expect(state.pane == .list)
    }

    @Test func aNewKeysSecretIsReadBeforeSwitching() {
        var state = loadedState([makeKey("A")])
        state.profiles = profiles
        _ = reduce(&state, .openCreate)
        _ = reduce(&state, .form(.text(.insert("u"))))
        guard case .create? = reduce(&state, .submitCreate).first else { Issue.record("no create"); return }
        _ = reduce(&state, .back)
        _ = reduce(&state, .openProfiles)
        _ = reduce(&state, .moveSelection(1))
        #expect(switches(reduce(&state, .openDetail)).isEmpty)
        #expect(state.message?.severity == .warning)
    }

    @Test func aViewLeftStopsRefreshingAndRefreshesWhenShownAgain() {
        var state = loadedState([makeKey("A")])
        let left = reduce(&state, .suspend)
        #expect(left == [.cancelRefresh])
        #expect(state.refresh.nextRefresh == nil)
        let shown = reduce(&state, .resume)
        #expect(shown.contains { if case .fetchList = $0 { true } else { false } })
        #expect(state.visible == ["A"], "the last list is there at once")
    }
}
