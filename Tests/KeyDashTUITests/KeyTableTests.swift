import Testing
@testable import KeyDashCore
@testable import KeyDashTUI

@Suite struct KeyTableTests {
    @Test func everyListBindingDoesSomething() {
        let state = sampleState()
        for binding in KeyTable.bindings {
            for key in binding.keys {
                #expect(KeyTable.action(for: key, in: state, themeCount: 5) != nil, "\(binding.label)")
            }
        }
    }

    @Test func noKeyIsBoundTwice() {
        let keys = KeyTable.bindings.flatMap(\.keys)
        #expect(Set(keys).count == keys.count)
    }

    @Test func viAndArrowKeysAgree() {
        let state = sampleState()
        for (a, b) in [(KeyPress.char("j"), KeyPress.down), (.char("k"), .up), (.char("g"), .home), (.char("G"), .end), (.char("d"), .delete)] {
            #expect("\(String(describing: KeyTable.action(for: a, in: state, themeCount: 1)))" == "\(String(describing: KeyTable.action(for: b, in: state, themeCount: 1)))")
        }
    }

    @Test func inTheConfirmationEveryKeyIsText() {
        var state = sampleState()
        _ = reduce(&state, .requestRevoke)
        for c in "qdjkn?/ " {
            guard case .confirmationInput(.insert(let text))? = KeyTable.action(for: .char(c), in: state, themeCount: 1) else {
                Issue.record("'\(c)' was not typed into the confirmation"); continue
            }
            #expect(text == String(c))
        }
        guard case .confirm? = KeyTable.action(for: .enter, in: state, themeCount: 1) else { Issue.record("Enter"); return }
        guard case .back? = KeyTable.action(for: .escape, in: state, themeCount: 1) else { Issue.record("Esc"); return }
    }

    @Test func promptTakesTextAndEnterEscape() {
        var state = sampleState()
        _ = reduce(&state, .beginFilter)
        guard case .promptInput(.insert("q"))? = KeyTable.action(for: .char("q"), in: state, themeCount: 1) else { Issue.record("q"); return }
        guard case .promptInput(.clear)? = KeyTable.action(for: .ctrl("u"), in: state, themeCount: 1) else { Issue.record("^U"); return }
        guard case .promptCommit? = KeyTable.action(for: .enter, in: state, themeCount: 1) else { Issue.record("Enter"); return }
        guard case .promptCancel? = KeyTable.action(for: .escape, in: state, themeCount: 1) else { Issue.record("Esc"); return }
    }

    @Test func ctrlCQuitsFromAnywhere() {
        var state = sampleState()
        _ = reduce(&state, .requestRevoke)
        guard case .quit? = KeyTable.action(for: .ctrl("c"), in: state, themeCount: 1) else { Issue.record("^C"); return }
    }

    @Test func mouseClickSelectsTheRowUnderIt() {
        var state = sampleState()
        guard let action = KeyTable.action(for: .mouseClick(row: Layout.listTop + 2, column: 10), in: state, themeCount: 1) else {
            Issue.record("click"); return
        }
        _ = reduce(&state, action)
        #expect(state.selectedIndex == 2)
    }

    @Test func hygieneKeyCyclesThroughFilters() {
        var state = sampleState()
        var seen: [KeyHygiene?] = []
        for _ in 0..<6 {
            guard let action = KeyTable.action(for: .char("f"), in: state, themeCount: 1) else { return }
            _ = reduce(&state, action)
            seen.append(state.filter.hygiene)
        }
        #expect(seen == [.expiringSoon, .expired, .neverExpires, .unused, .neverUsed, nil])
    }
}
