import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

@Suite struct NavigationAndFilterTests {
    @Test func typingAFilterNarrowsToExactlyWhatAFullRecomputeGives() {
        var generator = SplitMix64(seed: 7)
        let words = ["alpha", "alps", "Alpine", "beta", "al-ci", "ALIAS", "pal", "user-al"]
        var keys: [UserApiKey] = []
        for i in 0..<300 {
            let alias = words[Int(generator.next() % UInt64(words.count))] + "-\(i)"
            keys.append(makeKey(String(format: "K%09d", i), user: "user-\(generator.next() % 5)", alias: alias,
                                revoked: generator.next() % 7 == 0))
        }
        var state = loadedState(keys)
        _ = reduce(&state, .moveSelection(40))
        _ = reduce(&state, .beginFilter)
        for (step, edit) in [TextEdit.insert("a"), .insert("L"), .insert("p"), .backspace, .insert("i"), .insert("a"), .clear, .insert("u"), .insert("s")].enumerated() {
            _ = reduce(&state, .promptInput(edit))
            let expected = KeyList.visible(state.keys, filter: state.filter, sort: state.sort, now: state.now)
            #expect(state.visible == expected, "step \(step) (\(state.filter.text)): \(state.visible.count) rows, expected \(expected.count)")
            #expect(state.visible.isEmpty || state.visible.indices.contains(state.selectedIndex))
        }
        _ = reduce(&state, .promptCommit)
        #expect(state.visible == KeyList.visible(state.keys, filter: state.filter, sort: state.sort, now: state.now))
        #expect(state.selectedIndex == 0)
    }

    @Test func cyclingTheThemeAsksTheFrontEndToApplyIt() {
        var state = loadedState([makeKey("A")])
        #expect(reduce(&state, .cycleTheme(count: 3)) == [.applyTheme(index: 1)])
        #expect(reduce(&state, .cycleTheme(count: 3)) == [.applyTheme(index: 2)])
        #expect(reduce(&state, .cycleTheme(count: 3)) == [.applyTheme(index: 0)])
        #expect(reduce(&state, .cycleTheme(count: 0)).isEmpty)
    }

    @Test func movingKeepsTheSelectionOnScreen() {
        var state = loadedState(ids(100).map { makeKey($0) }, rows: 10)
        _ = reduce(&state, .moveSelection(1))
        #expect(state.selectedIndex == 1 && state.scroll == 0)
        _ = reduce(&state, .moveSelection(12))
        #expect(state.selectedIndex == 13 && state.scroll == 4)
        _ = reduce(&state, .pageDown)
        #expect(state.selectedIndex == 22)
        _ = reduce(&state, .end)
        #expect(state.selectedIndex == 99 && state.scroll == 90)
        _ = reduce(&state, .moveSelection(5))
        #expect(state.selectedIndex == 99)
        _ = reduce(&state, .home)
        #expect(state.selectedIndex == 0 && state.scroll == 0)
        _ = reduce(&state, .moveSelection(-1))
        #expect(state.selectedIndex == 0)
    }

    @Test func wheelScrollsAndClickSelects() {
        var state = loadedState(ids(100).map { makeKey($0) }, rows: 10)
        _ = reduce(&state, .scrollBy(3))
        #expect(state.scroll == 3 && state.selectedIndex == 3)
        _ = reduce(&state, .clickRow(4))
        #expect(state.selectedKeyId == "KEY0000007")
    }

    @Test func filterMatchesAliasIdUserAndScopesAndEnterSelectsTheFirstMatch() {
        var state = loadedState([
            makeKey("AAAA", user: "alice", alias: "prod-ingest"),
            makeKey("BBBB", user: "bob", alias: "staging", scopes: [":write_data"]),
            makeKey("CCCC", user: "carol", alias: "notebook"),
        ])
        _ = reduce(&state, .end)
        _ = reduce(&state, .beginFilter)
        for c in "ali" { _ = reduce(&state, .promptInput(.insert(String(c)))) }
        #expect(state.visible == ["AAAA"], "live as you type")
        _ = reduce(&state, .promptInput(.clear))
        for c in "WRITE" { _ = reduce(&state, .promptInput(.insert(String(c)))) }
        #expect(state.visible == ["BBBB"])
        _ = reduce(&state, .promptInput(.clear))
        for c in "cc" { _ = reduce(&state, .promptInput(.insert(String(c)))) }
        _ = reduce(&state, .promptCommit)
        #expect(state.prompt == nil)
        #expect(state.visible == ["CCCC"])
        #expect(state.selectedIndex == 0)
        _ = reduce(&state, .back)  // Esc clears the filter
        #expect(state.visible.count == 3)
        #expect(state.selectedKeyId == "CCCC")
    }

    @Test func escInThePromptClearsTheFilter() {
        var state = loadedState([makeKey("AAAA"), makeKey("BBBB")])
        _ = reduce(&state, .beginFilter)
        _ = reduce(&state, .promptInput(.insert("BB")))
        #expect(state.visible == ["BBBB"])
        _ = reduce(&state, .promptCancel)
        #expect(state.visible.count == 2)
        #expect(state.filter.text.isEmpty)
    }

    @Test func userAndHygieneFilters() {
        var state = loadedState([
            makeKey("A", user: "alice", expiresInDays: nil), makeKey("B", user: "bob", usedDaysAgo: 200),
            makeKey("C", user: "alice", usedDaysAgo: nil),
        ])
        _ = reduce(&state, .beginUserFilter)
        _ = reduce(&state, .promptInput(.insert("alice")))
        _ = reduce(&state, .promptCommit)
        #expect(state.visible == ["A", "C"])
        _ = reduce(&state, .setHygieneFilter(.neverUsed))
        #expect(state.visible == ["C"])
        _ = reduce(&state, .back)
        _ = reduce(&state, .setHygieneFilter([.unused, .neverExpires]))
        #expect(state.visible == ["A", "B"])
    }

    @Test func sortingCyclesColumnsAndDirections() {
        var state = loadedState([makeKey("A", alias: "zeta"), makeKey("B", alias: "alpha"), makeKey("C", alias: "mid")])
        state.sort = SortOrder(column: .status, ascending: true)
        _ = reduce(&state, .cycleSortColumn)
        #expect(state.sort.column == .alias)
        #expect(state.visible == ["B", "C", "A"])
        _ = reduce(&state, .toggleSortDirection)
        #expect(state.visible == ["A", "C", "B"])
    }

    @Test func hostileTypingIsCleaned() {
        var state = loadedState([makeKey("A")])
        _ = reduce(&state, .beginFilter)
        _ = reduce(&state, .promptInput(.insert("a\u{1B}[2J\u{202E}")))
        #expect(state.prompt?.text == "a[2J")
    }

    @Test func hygieneFlags() {
        let now = t0
        #expect(KeyHygiene.of(makeKey("A", expiresInDays: nil, usedDaysAgo: nil), now: now) == [.neverExpires, .neverUsed])
        #expect(KeyHygiene.of(makeKey("A", expiresInDays: 3, usedDaysAgo: 95), now: now) == [.expiringSoon, .unused])
        #expect(KeyHygiene.of(makeKey("A", expiresInDays: -1), now: now) == [.expired])
        #expect(KeyHygiene.of(makeKey("A", revoked: true), now: now) == [])
    }

    @Test func derivingAHundredThousandKeysStaysCorrect() {
        let keys = (0..<100_000).map { makeKey(String(format: "K%09d", $0), user: "u\($0 % 37)", alias: "a\($0 % 1000)", createdDaysAgo: Double($0 % 500)) }
        var state = loadedState(keys, rows: 40)
        #expect(state.visible.count == 100_000)
        _ = reduce(&state, .moveSelection(1))
        #expect(state.selectedIndex == 1)
        _ = reduce(&state, .beginFilter)
        _ = reduce(&state, .promptInput(.insert("a999")))
        #expect(state.visible.count == 100)
    }
}
