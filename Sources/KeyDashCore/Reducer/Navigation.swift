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

    /// Re-derives the visible rows: one walk of the precomputed order for
    /// the sort, testing each key against the filter; never a sort. With
    /// `keepingSelection`, the same key stays selected (or its nearest
    /// neighbour, if it went away) and stays at the same place on screen
    /// when possible.
    mutating func recomputeVisible(keepingSelection: Bool, anchor: SelectionAnchor? = nil) {
        narrowedFrom.removeAll()
        let rowFilter = currentRowFilter()  // first: it may bring the index's flags up to date
        let rows = index.rows(index.ordered(sort, keys, now: now), rowFilter, KeyIndex.Needle(filter.text.lowercased()))
        show(rows, keepingSelection: keepingSelection, anchor: anchor)
    }

    /// The filter as the index applies it, with the per-key flags brought
    /// up to date first (they go stale only when a key crosses a threshold).
    private mutating func currentRowFilter() -> KeyIndex.RowFilter {
        let rules = hygieneRules
        if !index.flagsHold(at: now, rules: rules) { index.refreshFlags(keys, now: now, rules: rules) }
        let keys = self.keys
        let pinned = Set(marks.lazy.filter { $0.value == .revoked }.compactMap { keys.slot(of: $0.key).map(Int32.init) })
        return index.rowFilter(filter, pinned: pinned)
    }

    /// Whether the list shows this key now (the filters, not the scroll).
    mutating func isShown(_ id: String) -> Bool {
        guard let slot = keys.slot(of: id) else { return false }
        let rowFilter = currentRowFilter()  // first: it may bring the index's flags up to date
        return !index.rows([Int32(slot)], rowFilter, KeyIndex.Needle(filter.text.lowercased())).isEmpty
    }

    /// The selected key and its place on screen, to keep across new rows.
    struct SelectionAnchor {
        var keyId: String
        var offset: Int
    }

    var selectionAnchor: SelectionAnchor? {
        selectedKeyId.map { SelectionAnchor(keyId: $0, offset: selectedIndex - scroll) }
    }

    /// The filter text changed while typing. When it only grew, every key
    /// that matches it matched the old text too: the rows shown are narrowed
    /// in place, already in order. A backspace back to an earlier text
    /// restores that text's rows. Neither passes over every key.
    mutating func filterTextEdited(from before: String) {
        let text = filter.text
        if let last = narrowedFrom.last, last.text == text {
            narrowedFrom.removeLast()
            show(last.rows, keepingSelection: true)
        } else if text.lowercased().hasPrefix(before.lowercased()) {
            let previous = visibleSlots
            show(index.filter(previous, KeyIndex.Needle(text.lowercased())), keepingSelection: true)
            narrowedFrom.append((before, previous))
        } else {
            recomputeVisible(keepingSelection: true)
        }
    }

    /// `anchor` is the selection to keep when the rows being replaced no
    /// longer match `keys` (a fresh list); otherwise it is read from them.
    private mutating func show(_ rows: [Int32], keepingSelection: Bool, anchor: SelectionAnchor? = nil) {
        let previous = anchor ?? selectionAnchor
        visibleSlots = rows
        guard keepingSelection, let previous, let slot = keys.slot(of: previous.keyId) else { clampScroll(); return }
        if let index = visibleSlots.firstIndex(of: Int32(slot)) {
            selectedIndex = index
            scroll = max(0, index - previous.offset)
        }
        clampScroll()
    }

    /// One key changed (a create or revoke answer): its counts, its place in
    /// the orders and its row, each found by binary search, with no pass
    /// over every key.
    mutating func keyChanged(_ id: String, from old: UserApiKey?) {
        keysAreLastAnswer = false
        if let old { counts.count(old, now: now, -1) }
        guard let slot = keys.slot(of: id) else { return }
        counts.count(keys.key(at: slot), now: now)
        index.update(slot, in: keys)
        narrowedFrom.removeAll()
        let s32 = Int32(slot)
        var rows = visibleSlots
        if let at = rows.firstIndex(of: s32) { rows.remove(at: at) }
        if isShown(id) {
            let position: Int
            if sort.column == .status {
                // Ordered by time-dependent status: the key's place among its peers.
                let keys = self.keys, now = self.now
                let rank = { (s: Int32) in KeyList.statusRank(keys.status(at: Int(s), now: now)) }
                let mine = rank(s32)
                var low = 0, high = rows.count
                while low < high {
                    let mid = (low + high) / 2
                    let other = rank(rows[mid])
                    let before = other != mine ? (sort.ascending ? other < mine : other > mine) : keys.keyId(at: Int(rows[mid])) < id
                    if before { low = mid + 1 } else { high = mid }
                }
                position = low
            } else {
                var low = 0, high = rows.count
                while low < high {
                    let mid = (low + high) / 2
                    if rowPrecedes(rows[mid], s32) { low = mid + 1 } else { high = mid }
                }
                position = low
            }
            rows.insert(s32, at: position)
        }
        show(rows, keepingSelection: true)
    }

    /// Whether row `a` comes before row `b` in the current sort (ties by key id).
    private func rowPrecedes(_ a: Int32, _ b: Int32) -> Bool {
        let c = KeyIndex.compare(sort.column, keys, a, b)
        if c != 0 { return sort.ascending ? c < 0 : c > 0 }
        return keys.keyId(at: Int(a)) < keys.keyId(at: Int(b))
    }

    /// After the keys themselves changed: the counts, then the rows. (A
    /// filter or sort change needs only the rows.)
    mutating func keysChanged(anchor: SelectionAnchor? = nil) {
        counts = KeyCounts.of(keys, now: now)
        recomputeVisible(keepingSelection: true, anchor: anchor)
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
            // The secret is gone for good once its pane closes. A rotation
            // set to "revoke now" asks for the old key's id next.
            if let confirmation = afterSecret {
                afterSecret = nil
                pane = .confirmRevoke(confirmation)
            } else {
                pane = .list
            }
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
            if before != p.text { filterTextEdited(from: before) }
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
