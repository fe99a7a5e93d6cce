import Foundation
import WhyLabsAPI

extension DashboardState {
    mutating func moveSelection(by delta: Int) {
        guard pane == .list || isDetailPane else { return }
        select(index: selectedIndex + delta)
        if case .detail = pane, let id = selectedKeyId { pane = .detail(keyId: id) }
    }

    var isDetailPane: Bool {
        if case .detail = pane { return true }
        return false
    }

    mutating func select(index: Int) {
        guard !visible.isEmpty else { selectedIndex = 0; scroll = 0; return }
        selectedIndex = min(max(0, index), visible.count - 1)
        clampScroll()
    }

    mutating func scroll(by delta: Int) {
        guard !visible.isEmpty else { return }
        let maxScroll = max(0, visible.count - viewportRows)
        scroll = min(max(0, scroll + delta), maxScroll)
        // Keep the selection on screen, as a wheel does in every list.
        if selectedIndex < scroll { selectedIndex = scroll }
        if selectedIndex >= scroll + viewportRows { selectedIndex = scroll + viewportRows - 1 }
    }

    /// Keeps the selection within the viewport, moving the scroll offset as
    /// little as possible.
    mutating func clampScroll() {
        if visible.isEmpty { scroll = 0; selectedIndex = 0; return }
        selectedIndex = min(max(0, selectedIndex), visible.count - 1)
        if selectedIndex < scroll { scroll = selectedIndex }
        if selectedIndex >= scroll + viewportRows { scroll = selectedIndex - viewportRows + 1 }
        scroll = min(max(0, scroll), max(0, visible.count - viewportRows))
    }

    /// Re-derives the visible rows and counts. With `keepingSelection`, the
    /// same key stays selected (or its nearest neighbour, if it went away) and
    /// stays at the same place on screen when possible.
    mutating func recomputeVisible(keepingSelection: Bool) {
        show(KeyList.visible(keys, filter: filter, sort: sort, now: now,
                             pinned: Set(marks.lazy.filter { $0.value == .revoked }.map(\.key))),
             keepingSelection: keepingSelection)
    }

    /// The filter text grew: every key that matches it matched the old text
    /// too, so the rows shown are narrowed in place, already in order, with
    /// no pass over all the keys and no sort.
    mutating func narrowVisible(toText text: String) {
        let needle = text.lowercased()
        show(visible.filter { id in keys[id].map { KeyList.matches($0, needle) } ?? false }, keepingSelection: true)
    }

    private mutating func show(_ rows: [String], keepingSelection: Bool) {
        let previousId = selectedKeyId
        let previousOffset = selectedIndex - scroll
        visible = rows
        guard keepingSelection, let previousId else { clampScroll(); return }
        if let index = visible.firstIndex(of: previousId) {
            selectedIndex = index
            scroll = max(0, index - previousOffset)
        }
        clampScroll()
    }

    /// One key changed (a create or revoke answer): its counts and its row
    /// only, found and placed by binary search, with no pass over every key.
    mutating func keyChanged(_ id: String, from old: UserApiKey?) {
        if let old { counts.count(old, now: now, -1) }
        if let new = keys[id] { counts.count(new, now: now) }
        var rows = visible
        if let at = rows.firstIndex(of: id) { rows.remove(at: at) }
        if let key = keys[id], KeyList.passes(key, filter, needle: filter.text.lowercased(), now: now, pinned: marks[id] == .revoked) {
            let less = KeyList.comparator(sort, now: now)
            var low = 0, high = rows.count
            while low < high {
                let mid = (low + high) / 2
                if let other = keys[rows[mid]], less(other, key) { low = mid + 1 } else { high = mid }
            }
            rows.insert(id, at: low)
        }
        show(rows, keepingSelection: true)
    }

    /// After the keys themselves changed: the counts, then the rows. (A
    /// filter or sort change needs only the rows.)
    mutating func keysChanged() {
        counts = KeyCounts.of(keys, now: now)
        recomputeVisible(keepingSelection: true)
    }

    mutating func openDetail() -> [Effect] {
        guard pane == .list, let id = selectedKeyId else { return [] }
        pane = .detail(keyId: id)
        // Cached details are shown at once; a fetch refreshes them quietly.
        return [.fetchDetail(keyId: id)]
    }

    mutating func back() -> [Effect] {
        if prompt != nil { cancelPrompt(); return [] }
        switch pane {
        case .list:
            if !filter.text.isEmpty || filter.user != nil || filter.hygiene != nil {
                filter.text = ""
                filter.user = nil
                filter.hygiene = nil
                recomputeVisible(keepingSelection: true)
                say("filters cleared", .info)
            } else if !bulkSelection.isEmpty {
                bulkSelection.removeAll()
                say("marks cleared", .info)
            }
        case .confirmRevoke, .bulkRevoke:
            pane = .list
            say("revoke cancelled", .info)
        case .secret:
            // The secret is gone for good once its pane closes.
            pane = .list
        case .create(let form) where form.submitting:
            // The request is out: closing the form loses nothing, the answer
            // (and a new key's secret) is still shown when it arrives.
            pane = .list
            say("still creating the key; it is shown when the server answers", .info)
        case .quitPending:
            pane = .list
        default:
            pane = .list
        }
        return []
    }

    // MARK: Prompt

    mutating func editPrompt(_ edit: TextEdit) {
        guard var p = prompt else { return }
        p.text.apply(edit)
        prompt = p
        if p.kind == .filter {
            // Live filtering as the user types.
            let before = filter.text
            filter.text = p.text
            if p.text.lowercased().hasPrefix(before.lowercased()) {
                narrowVisible(toText: p.text)
            } else {
                recomputeVisible(keepingSelection: true)
            }
        }
    }

    mutating func commitPrompt() {
        guard let p = prompt else { return }
        prompt = nil
        switch p.kind {
        case .filter:
            // Typing kept the rows up to date; only a changed text needs them again.
            if filter.text != p.text {
                filter.text = p.text
                recomputeVisible(keepingSelection: false)
            }
            select(index: 0)
            if !p.text.isEmpty { say("\(visible.count) keys match \"\(p.text)\"", .info) }
        case .user:
            let user = p.text.trimmingCharacters(in: .whitespaces)
            filter.user = user.isEmpty ? nil : user
            recomputeVisible(keepingSelection: false)
            select(index: 0)
        }
    }

    mutating func cancelPrompt() {
        guard let p = prompt else { return }
        prompt = nil
        if p.kind == .filter {
            // Esc clears the filter.
            filter.text = ""
            recomputeVisible(keepingSelection: true)
        }
    }
}

extension String {
    mutating func apply(_ edit: TextEdit, limit: Int = 256) {
        switch edit {
        case .insert(let text):
            let clean = text.filter { !$0.isNewline && $0.unicodeScalars.allSatisfy { !DisplayText.isUnsafe($0) } }
            if count + clean.count <= limit { append(clean) }
        case .backspace:
            if !isEmpty { removeLast() }
        case .clear:
            removeAll()
        }
    }
}
