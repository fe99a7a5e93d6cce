import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore
@testable import KeyDashTUI

/// Whole screens as text, in the manner of ratatui's TestBackend: a change to
/// layout, wording or truncation shows up here as a readable diff.
@Suite struct RendererScreenTests {
    func expectScreen(_ actual: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(a.count == e.count, "line count", sourceLocation: sourceLocation)
        for (i, (x, y)) in zip(a, e).enumerated() where x != y {
            Issue.record("line \(i + 1):\n  got      |\(x)|\n  expected |\(y)|", sourceLocation: sourceLocation)
        }
    }

    @Test func listAt80x24() {
        expectScreen(screen(sampleState()), LIST80)
    }

    @Test func listAt160x50() {
        expectScreen(screen(sampleState(height: 50), 160, 50), LIST160)
    }

    @Test func detailAt80x24() {
        var s = sampleState()
        _ = reduce(&s, .moveSelection(3))
        _ = reduce(&s, .openDetail)
        expectScreen(screen(s), DETAIL80)
    }

    @Test func confirmRevokeAt80x24() {
        var s = sampleState()
        _ = reduce(&s, .moveSelection(3))
        _ = reduce(&s, .requestRevoke)
        s.type("fh4d")
        expectScreen(screen(s), CONFIRM80)
    }

    @Test func createFormAt160x50() {
        var c = sampleState(height: 50)
        _ = reduce(&c, .moveSelection(1))
        _ = reduce(&c, .openCreate)
        _ = reduce(&c, .form(.nextField))
        for ch in "ci-bot" { _ = reduce(&c, .form(.text(.insert(String(ch))))) }
        expectScreen(screen(c, 160, 50), CREATE160)
    }

    @Test func secretAt80x24() {
        var s = sampleState()
        _ = reduce(&s, .openCreate)
        _ = reduce(&s, .submitCreate)
        var created = key("NEWKEY0001", user: "admin", alias: nil, scopes: [":user"], createdDays: 0, expiresDays: 90, usedDays: nil)
        created.key = "NEWKEY0001.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0:org-acme"
        _ = reduce(&s, .createFinished(.success(KeyChange(key: created, requestId: nil)), at: now))
        expectScreen(screen(s), SECRET80)
        _ = reduce(&s, .back)
        #expect(!screen(s).contains("abcdefghij"), "the secret is gone once its pane closes")
    }

    @Test func theSecretIsShownWholeAtEverySizeTheDashboardAccepts() {
        for org in ["org-acme", "org-0123456789abcdefghij-production-eu-west"] {
            let secret = "NEWKEY0001.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab:" + org
            for (w, h) in [(60, 12), (60, 24), (80, 24), (100, 30), (200, 50)] {
                var s = sampleState(height: h)
                _ = reduce(&s, .openCreate)
                _ = reduce(&s, .submitCreate)
                var created = key("NEWKEY0001", user: "admin", alias: nil, scopes: [":user"], createdDays: 0, expiresDays: 90, usedDays: nil)
                created.key = secret
                _ = reduce(&s, .createFinished(.success(KeyChange(key: created, requestId: nil)), at: now))
                let lines = screen(s, w, h).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                // The secret starts on one row and goes on, at the same column, on the rows below.
                func token(_ line: String, from column: Int) -> String {
                    String(Array(line).dropFirst(column).prefix(while: { !$0.isWhitespace && $0 != "│" }))
                }
                var pieces: [(column: Int, text: String)] = []
                if let first = lines.firstIndex(where: { $0.contains("NEWKEY0001.") }) {
                    let column = Array(lines[first]).indices.first { token(lines[first], from: $0).hasPrefix("NEWKEY0001.") }!
                    for line in lines[first...] where pieces.map(\.text.count).reduce(0, +) < secret.count {
                        let piece = token(line, from: column)
                        if piece.isEmpty { break }
                        pieces.append((column, piece))
                    }
                }
                #expect(pieces.map(\.text).joined() == secret, "\(w)x\(h) org \(org.count): \(pieces)")
                #expect(!lines.joined().contains("NEWKEY0001.abc…"))
            }
        }
    }

    @Test func theBulkModalShowsHiddenMarksAndTheSessionsOwnKey() {
        var s = sampleState()
        for _ in 0..<3 { _ = reduce(&s, .toggleMark) }
        let marked = s.bulkSelection
        #expect(marked.contains("Adm1nKey00"), "the sample's own key is among the first three rows")
        _ = reduce(&s, .beginFilter)
        for c in "k8s" { _ = reduce(&s, .promptInput(.insert(String(c)))) }
        _ = reduce(&s, .promptCommit)
        _ = reduce(&s, .requestRevoke)
        let text = screen(s)
        #expect(text.contains("REVOKE 3 KEYS"))
        #expect(text.contains("2 of these are hidden by the current filter."))
        #expect(text.contains("Adm1nKey00  [hidden, keydash's key]  keydash-admin  admin"))
        #expect(text.contains("One is keydash's own key: this session would stop."))
        let hiddenRows = text.split(separator: "\n").filter { $0.contains("[hidden") }
        #expect(hiddenRows.count == 2)
        #expect(!text.split(separator: "\n").contains { $0.contains("K9s7sidecr") && $0.contains("hidden") })
    }

    @Test func aQuickRefreshIsNeverAnnouncedASlowOneIsAfterHalfASecond() {
        var s = sampleState()
        func header(_ s: DashboardState) -> String { String(screen(s).split(separator: "\n")[0]) }
        let before = header(s)
        _ = reduce(&s, .refreshNow)
        #expect(s.refresh.inFlight)
        _ = reduce(&s, .tick(now.addingTimeInterval(0.3)))
        #expect(header(s) == before, "the header does not change in the first half second")
        #expect(Renderer.secondsUntilLabelsChange(s) <= 0.2 + 1e-6, "the loop wakes when the label is due")
        _ = reduce(&s, .tick(now.addingTimeInterval(0.6)))
        #expect(screen(s).contains("refreshing…"))
        _ = reduce(&s, .listLoaded(keys: (sampleKeys), at: now.addingTimeInterval(0.7)))
        #expect(!screen(s).contains("refreshing"))
    }

    @Test func helpAt80x24ListsEveryBinding() {
        var s = sampleState()
        _ = reduce(&s, .showHelp)
        let text = screen(s)
        expectScreen(text, HELP80)
        for binding in KeyTable.bindings { #expect(text.contains(binding.help), "\(binding.label)") }
    }

    func refreshed() -> DashboardState {
        var a = sampleState()
        _ = reduce(&a, .refreshDue)
        var changed = sampleKeys
        changed[0].alias = "prod-ingest-v2"
        changed.remove(at: 5)
        changed.append(key("NeWk3y0000", user: "user-alice", alias: "fresh", scopes: [":user"], createdDays: 0, expiresDays: 30, usedDays: nil))
        _ = reduce(&a, .listLoaded(keys: (changed), at: now))
        return a
    }

    @Test func newKeysAreMarkedAfterARefresh() {
        let a = refreshed()
        expectScreen(screen(a), AFTER80)
        #expect(Renderer.render(a, width: 80, height: 24).role(of: "NeWk3y0000") == .row_new)
    }

    @Test func activityAt80x24() {
        var a = refreshed()
        _ = reduce(&a, .toggleActivity)
        expectScreen(screen(a), ACTIVITY80)
    }

    @Test func tooSmallTerminalGetsAMessage() {
        expectScreen(screen(sampleState(), 50, 10), SMALL)
    }
}

let LIST80 = """
             keydash  org-acme   5 active · 1 expiring · 1 expired          updated 20s ago
              ALIAS          KEY ID     USER        CREATED↓  EXPIRES   LAST USED STATUS
              keydash-admin  Adm1nKey00 admin       5d ago    never     just now  active
              k8s-sidecar    K9s7sidecr user-carol  30d ago   never     never     active
              airflow-night… HMiFAgQeNb user-bob    120d ago  in 3d     1d ago    expiring
              prod-ingest    fh4dUNV3WQ user-alice  200d ago  in 165d   14m ago   active
              -              Zq81LmPQ0a svc-databr… 1.1y ago  2d ago    30d ago   expired
              legacy-export… Old0ld0ld0 user-dmitri 1.6y ago  in 30d    150d ago  active














             6 keys · by created ↓
             j/k move  Enter detail  / filter  s sort  r refresh  d revoke  ? help  q quit
            """

let LIST160 = """
             keydash  org-acme @ api.whylabsapp.com   5 active · 1 expiring · 1 expired                                                                     updated 20s ago
              ALIAS                        KEY ID     USER               SCOPES                                           CREATED↓  EXPIRES   LAST USED STATUS
              keydash-admin                Adm1nKey00 admin              :administrator                                   5d ago    never     just now  active
              k8s-sidecar                  K9s7sidecr user-carol         -                                                30d ago   never     never     active
              airflow-nightly              HMiFAgQeNb user-bob           :user,:write_data                                120d ago  in 3d     1d ago    expiring
              prod-ingest                  fh4dUNV3WQ user-alice         :write_data                                      200d ago  in 165d   14m ago   active
              -                            Zq81LmPQ0a svc-databricks     :read_resource,:write_resource                   1.1y ago  2d ago    30d ago   expired
              legacy-exporter              Old0ld0ld0 user-dmitri        :user                                            1.6y ago  in 30d    150d ago  active








































             6 keys · by created ↓
             j/k move  Enter detail  / filter  s sort  r refresh  d revoke  n new  a activity  ? help  q quit
            """

let DETAIL80 = """
             keydash  org-acme   5 active · 1 expiring · 1 expired          updated 20s ago
            ┌─ Key fh4dUNV3WQ ─────────────────────────────────────────────────────────────┐
            │                                                                              │
            │ Alias        prod-ingest                                                     │
            │ Key ID       fh4dUNV3WQ                                                      │
            │ User         user-alice                                                      │
            │ Org          org-acme                                                        │
            │ Scopes       :write_data                                                     │
            │ Created      2026-06-29 08:00:00 UTC  (200d ago)                             │
            │ Expires      2027-06-29 08:00:00 UTC  (in 165d)                              │
            │ Last used    2027-01-15 07:45:36 UTC  (14m ago)                              │
            │ Status       active                                                          │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            └──────────────────────────────────────────────────────────────────────────────┘
             6 keys · by created ↓
             j/k next/previous  d revoke  y copy id  Esc back
            """

let CONFIRM80 = """
             keydash  org-acme   5 active · 1 expiring · 1 expired          updated 20s ago
              ALIAS          KEY ID     USER        CREATED↓  EXPIRES   LAST USED STATUS
              keydash-admin  Adm1nKey00 admin       5d ago    never     just now  active
              k8┌─ REVOKE KEY fh4dUNV3WQ ──────────────────────────────────────────────┐
              ai│                                                                      │ng
              pr│ Alias        prod-ingest                                             │
              - │ Key ID       fh4dUNV3WQ                                              │d
              le│ User         user-alice                                              │
                │ Scopes       :write_data                                             │
                │ Created      200d ago                                                │
                │ Last used    14m ago                                                 │
                │                                                                      │
                │ Everything using this key (last used 14m ago) stops working at once. │
                │                                                                      │
                │ Type the key id to confirm: fh4d                                     │
                │                                                                      │
                │                                                                      │
                │                                                                      │
                │ Enter revokes · Esc cancels                                          │
                └──────────────────────────────────────────────────────────────────────┘


             6 keys · by created ↓
             type the key id  Enter revoke  Esc cancel
            """

let CREATE160 = """
             keydash  org-acme @ api.whylabsapp.com   5 active · 1 expiring · 1 expired                                                                     updated 20s ago
              ALIAS                        KEY ID     USER               SCOPES                                           CREATED↓  EXPIRES   LAST USED STATUS
              keydash-admin                Adm1nKey00 admin              :administrator                                   5d ago    never     just now  active
              k8s-sidecar                  K9s7sidecr user-carol         -                                                30d ago   never     never     active
              airflow-nightly              HMiFAgQeNb user-bob           :user,:write_data                                120d ago  in 3d     1d ago    expiring
              prod-ingest                  fh4dUNV3WQ user-alice         :write_data                                      200d ago  in 165d   14m ago   active
              -                            Zq81LmPQ0a svc-databricks     :read_resource,:write_resource                   1.1y ago  2d ago    30d ago   expired
              legacy-exporter              Old0ld0ld0 user-dmitri        :user                                            1.6y ago  in 30d    150d ago  active







                                                       ┌─ New API key ──────────────────────────────────────────────────────────┐
                                                       │                                                                        │
                                                       │   User       user-carol                                                │
                                                       │                                                                        │
                                                       │ ▸ Alias      ci-bot                                                    │
                                                       │                                                                        │
                                                       │   Scopes     [ ] :administrator  [ ] :account_administrator            │
                                                       │              [x] :user  [ ] :authenticated  [ ] :secure_container      │
                                                       │              [ ] :write_data  [ ] :write_notification                  │
                                                       │              [ ] :read_notification  [ ] :write_resource               │
                                                       │              [ ] :read_resource                                        │
                                                       │                                                                        │
                                                       │   Expires    ( ) 30d  (•) 90d  ( ) 1y  ( ) never  ( ) date             │
                                                       │                                                                        │
                                                       │              [ Create key ]                                            │
                                                       │                                                                        │
                                                       │                                                                        │
                                                       │                                                                        │
                                                       └────────────────────────────────────────────────────────────────────────┘














             6 keys · by created ↓
             Tab next field  Space tick scope  Left/Right choose  Enter create  Esc cancel
            """

let SECRET80 = """
             keydash  org-acme   6 active · 1 expiring · 1 expired          updated 20s ago
              ALIAS          KEY ID     USER        CREATED↓  EXPIRES   LAST USED STATUS
             +-              NEWKEY0001 admin       just now  in 90d    never     active
              keydash-admin  Adm1nKey00 admin       5d ago    never     just now  active
              k8s-sidecar    K9s7sidecr user-carol  30d ago   never     never     active
              airflow-night… HMiFAgQeNb user-bob    120d ago  in 3d     1d ago    expiring
             ┌─ Key NEWKEY0001 created ───────────────────────────────────────────────────┐
             │                                                                            │
             │ This is the only time the key is shown. Store it now.                      │
             │                                                                            │
             │ NEWKEY0001.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0:org-acme  │
             │                                                                            │
             │ c copies it to the clipboard (OSC 52).                                     │
             │                                                                            │
             │                                                                            │
             │ Enter or Esc closes; the secret is then gone.                              │
             └────────────────────────────────────────────────────────────────────────────┘





             7 keys · by created ↓
             c copy (OSC 52)  Enter/Esc close: the secret is then gone
            """

let HELP80 = """
             keydash  org-acme   5 active · 1 expiring · 1 expired          updated 20s ago
            ┌─ Keys ───────────────────────────────────────────────────────────────────────┐
            │                                                                              │
            │ j ↓      next key                     r        refresh now / retry now       │
            │ k ↑      previous key                 p        pause/resume auto-refresh     │
            │ PgDn ^F  page down                    d Del    revoke (selected or marked)   │
            │ PgUp ^B  page up                      Space    mark for bulk revoke          │
            │ g Home   first key                    n        new key…                      │
            │ G End    last key                     o        rotate the selected key…      │
            │ Enter    details of the selected key  y        copy the key id (OSC 52)      │
            │ Esc      back, clear filter/marks     t        next theme                    │
            │ /        filter alias/id/user/scope   R        show or hide revoked keys     │
            │ u        show one user's keys         a        activity (what changed)       │
            │ f        cycle hygiene filters        P        switch profile (org)…         │
            │ s        sort by the next column      ?        this help                     │
            │ S        reverse the sort             q        quit                          │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │ Mouse: wheel scrolls, click selects. Esc closes this help.                   │
            └──────────────────────────────────────────────────────────────────────────────┘
             6 keys · by created ↓
             Esc back
            """

let AFTER80 = """
             keydash  org-acme   5 active · 1 expiring · 1 expired         updated just now
              ALIAS          KEY ID     USER        CREATED↓  EXPIRES   LAST USED STATUS
             +fresh          NeWk3y0000 user-alice  just now  in 30d    never     active
              keydash-admin  Adm1nKey00 admin       5d ago    never     just now  active
              k8s-sidecar    K9s7sidecr user-carol  30d ago   never     never     active
              airflow-night… HMiFAgQeNb user-bob    120d ago  in 3d     1d ago    expiring
              prod-ingest-v2 fh4dUNV3WQ user-alice  200d ago  in 165d   14m ago   active
              -              Zq81LmPQ0a svc-databr… 1.1y ago  2d ago    30d ago   expired














             6 keys · by created ↓
             j/k move  Enter detail  / filter  s sort  r refresh  d revoke  ? help  q quit
            """

let ACTIVITY80 = """
             keydash  org-acme   5 active · 1 expiring · 1 expired         updated just now
            ┌─ Activity (3) ───────────────────────────────────────────────────────────────┐
            │                                                                              │
            │ 2027-01-15 08:00:00 vanished      Old0ld0ld0 legacy-exporter  user-dmitri    │
            │ 2027-01-15 08:00:00 changed       fh4dUNV3WQ prod-ingest-v2   user-alice     │
            │ 2027-01-15 08:00:00 appeared      NeWk3y0000 fresh            user-alice     │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            │                                                                              │
            └──────────────────────────────────────────────────────────────────────────────┘
             6 keys · by created ↓
             Esc back
            """

let SMALL = """




                            Terminal too small
                          need 60x12, have 50x10
                                 q quits



            """

/// An idle monitor keeps the frame on screen when an unchanged refresh
/// leaves it reading the same: `drawsTheSame` must never say so of a frame
/// that would differ, and must say so often enough to matter.
@Suite struct KeptFrameTests {
    /// A monitor refreshing every few seconds for days of clock time, with
    /// every answer unchanged: each time `drawsTheSame` keeps the frame,
    /// rendering anyway gives the frame on screen.
    @Test func aKeptFrameIsAlwaysTheFrameRenderingWouldGive() {
        for (width, height, ascii) in [(80, 24, false), (120, 40, true)] {
            var state = sampleState(height: height)
            var drawnState = state
            var drawn = Renderer.render(state, width: width, height: height, options: RenderOptions(ascii: ascii))
            var t = now
            var kept = 0, rendered = 0
            var generator = SplitMix64(seed: 7)
            for i in 0..<3_000 {
                // Mostly a refresh period's worth; now and then minutes or hours.
                let roll = generator.next() % 100
                let step: Double = roll < 90 ? 1 + Double(generator.next() % 4) : roll < 98 ? Double(generator.next() % 600) : Double(generator.next() % 20_000)
                t = t.addingTimeInterval(step)
                _ = reduce(&state, .tick(t))
                _ = reduce(&state, .refreshDue)
                _ = reduce(&state, .listUnchanged(at: t.addingTimeInterval(0.02)))
                let options = RenderOptions(ascii: ascii)
                let frame = Renderer.render(state, width: width, height: height, options: options)
                if Renderer.drawsTheSame(drawnState, state, height: height, options: options) {
                    kept += 1
                    if frame != drawn {
                        Issue.record("step \(i) at +\(t.timeIntervalSince(now)) s kept a frame that differs:\n\(frame.text)\n---\n\(drawn.text)")
                        return
                    }
                } else {
                    rendered += 1
                    drawn = frame
                    drawnState = state
                }
            }
            #expect(kept > 2_000, "most unchanged refreshes keep the frame")
            #expect(rendered >= 20, "and labels crossing a cut are drawn")
        }
    }

    @Test func anythingElseIsDrawn() {
        let state = sampleState()
        #expect(Renderer.drawsTheSame(state, state, height: 24))
        var moved = state
        _ = reduce(&moved, .moveSelection(1))
        #expect(!Renderer.drawsTheSame(state, moved, height: 24))
        var later = state
        // "14m ago" (used 0.01 days before) becomes "29m ago".
        _ = reduce(&later, .tick(now.addingTimeInterval(900)))
        #expect(!Renderer.drawsTheSame(state, later, height: 24))
        var filtered = state
        _ = reduce(&filtered, .beginFilter)
        #expect(!Renderer.drawsTheSame(state, filtered, height: 24))
        // A failed refresh changes only the header, "offline …", once its
        // message has gone: the same 31 s without it keeps every row.
        var failing = state
        _ = reduce(&failing, .refreshDue)
        _ = reduce(&failing, .listLoaded(.failure(.transport(.connectionRefused, detail: "")), at: now))
        _ = reduce(&failing, .tick(now.addingTimeInterval(31)))
        var quiet = state
        _ = reduce(&quiet, .tick(now.addingTimeInterval(31)))
        #expect(failing.message == nil)
        #expect(Renderer.render(failing, width: 80, height: 24).text != Renderer.render(quiet, width: 80, height: 24).text)
        #expect(!Renderer.drawsTheSame(quiet, failing, height: 24))
        // An unchanged answer at the same moment: "updated 20s ago" becomes
        // "updated just now", and nothing else.
        var answered = state
        _ = reduce(&answered, .refreshDue)
        _ = reduce(&answered, .listUnchanged(at: now))
        #expect(!Renderer.drawsTheSame(state, answered, height: 24))
        #expect(Renderer.drawsTheSame(answered, answered, height: 24))
        // Two seconds on, an expiry exactly three days off reads "in 2d".
        var waited = state
        _ = reduce(&waited, .tick(now.addingTimeInterval(2)))
        #expect(!Renderer.drawsTheSame(state, waited, height: 24))
    }
}
