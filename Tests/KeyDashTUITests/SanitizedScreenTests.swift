import CNCursesW
import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore
@testable import KeyDashTUI

@Suite struct SanitizedScreenTests {
    let hostile = [
        key("EV1LEV1LEV", user: "mallory\u{1B}]52;c;ZXZpbA==\u{07}", alias: "\u{1B}[2J\u{1B}[31mpwned\u{9B}0m",
            scopes: [":user\u{0D}"], createdDays: 1, expiresDays: 30, usedDays: 1),
        key("B1D1B1D1B1", user: "user-\u{202E}nimda", alias: "zero\u{200B}width\u{FEFF}", scopes: [], createdDays: 2, expiresDays: nil, usedDays: nil),
        key("W1DEW1DEW1", user: "用户", alias: "日本語のキーの名前がとても長い", scopes: [":user"], createdDays: 3, expiresDays: 10, usedDays: 2),
    ]

    func allScreens(_ state: DashboardState, ascii: Bool = false) -> [Frame] {
        var frames: [Frame] = []
        for (w, h) in [(80, 24), (160, 50)] {
            var s = state
            frames.append(Renderer.render(s, width: w, height: h, options: RenderOptions(ascii: ascii)))
            for i in 0..<s.visible.count {
                s.select(index: i)
                _ = reduce(&s, .openDetail)
                frames.append(Renderer.render(s, width: w, height: h, options: RenderOptions(ascii: ascii)))
                _ = reduce(&s, .back)
                _ = reduce(&s, .requestRevoke)
                frames.append(Renderer.render(s, width: w, height: h, options: RenderOptions(ascii: ascii)))
                _ = reduce(&s, .back)
            }
            _ = reduce(&s, .toggleActivity)
            frames.append(Renderer.render(s, width: w, height: h, options: RenderOptions(ascii: ascii)))
        }
        return frames
    }

    @Test func noControlOrBidiCharacterReachesAFrame() {
        for frame in allScreens(sampleState(keys: hostile)) {
            for cell in frame.cells {
                for scalar in cell.text.unicodeScalars {
                    #expect(!DisplayText.isUnsafe(scalar), "U+\(String(scalar.value, radix: 16)) in a cell")
                }
            }
        }
        let text = screen(sampleState(keys: hostile), 160, 50)
        #expect(text.contains("\u{241B}[2J"), "ESC is shown as a visible placeholder")
        #expect(text.contains("user-\u{FFFD}nimda"))
    }

    @Test func wideCharactersAreCutAtColumnBoundaries() {
        let frame = Renderer.render(sampleState(keys: hostile), width: 80, height: 24)
        let row = frame.lines.first { $0.contains("W1DEW1DEW1") }!
        #expect(row.contains("日本語のキー…"))
        // Every line the terminal gets is exactly as wide as the terminal, as
        // the C library measures it (not with keydash's own width table).
        setlocale(LC_ALL, "C.UTF-8")
        for y in 0..<frame.height {
            let line = (0..<frame.width).map { frame[$0, y].text }.joined()
            var columns = 0
            for scalar in line.unicodeScalars {
                let w = Int(kd_wcwidth(wchar_t(bitPattern: scalar.value)))
                #expect(w >= 0, "row \(y): U+\(String(scalar.value, radix: 16)) is not printable")
                columns += max(0, w)
            }
            #expect(columns == 80, "row \(y): \(line)")
        }
    }

    @Test func asciiFramesHoldOnlyASCIIBesideBoxGlyphs() {
        var state = sampleState(keys: hostile + sampleKeys)
        _ = reduce(&state, .showHelp)
        for frame in allScreens(sampleState(keys: hostile + sampleKeys), ascii: true) + [Renderer.render(state, width: 80, height: 24, options: RenderOptions(ascii: true))] {
            for cell in frame.cells where BoxGlyphs.acsIndex(of: cell.text) == nil {
                #expect(cell.text.unicodeScalars.allSatisfy { $0.isASCII }, "\(cell.text)")
            }
        }
    }

    @Test func selectedAndUrgentRowsHaveTheirRoles() {
        let frame = Renderer.render(sampleState(), width: 120, height: 30)
        #expect(frame.role(of: "keydash-admin") == .row_selected)
        #expect(frame.role(of: "2d ago  ") == .expired)
        #expect(frame.role(of: "in 3d") == .expiring)
    }

    @Test func headerShowsOfflineStateWithRetry() {
        var s = sampleState()
        _ = reduce(&s, .refreshDue)
        _ = reduce(&s, .listLoaded(.failure(.transport(.connectionRefused, detail: "")), at: now.addingTimeInterval(-120)))
        _ = reduce(&s, .tick(now))
        let header = Renderer.render(s, width: 120, height: 30).lines[0]
        #expect(header.contains("offline 2m: connection refused"))
        #expect(header.contains("retry in"))
        #expect(Renderer.render(s, width: 120, height: 30).role(of: "offline") == .stale)
        // The last good list is still there.
        #expect(screen(s, 120, 30).contains("prod-ingest"))
    }

    @Test func updatedLabelIsCoarse() {
        var s = sampleState()
        var labels = Set<String>()
        for second in 0..<60 {
            _ = reduce(&s, .tick(now.addingTimeInterval(Double(second))))
            labels.insert(HeaderView.refreshLabel(s, ascii: false))
        }
        #expect(labels.count <= 7, "\(labels)")
        #expect(Renderer.secondsUntilLabelsChange(s) <= 60)
    }

    @Test func columnsDropInOrderOnNarrowTerminals() {
        #expect(KeyListView.layout(width: 160).map(\.column) == KeyColumn.allCases)
        let narrow = KeyListView.layout(width: 80).map(\.column)
        #expect(!narrow.contains(.scopes))
        #expect(narrow.contains(.keyId) && narrow.contains(.alias) && narrow.contains(.status))
        let tiny = KeyListView.layout(width: 60).map(\.column)
        #expect(tiny.count < narrow.count)
        for width in [60, 80, 100, 120, 200] {
            let used = KeyListView.layout(width: width).reduce(KeyListView.gutter) { $0 + $1.width + 1 }
            #expect(used <= width + 1)
        }
    }

    /// Printable ASCII takes a path of its own into the frame (a cell per
    /// byte); it must place exactly what the grapheme path places, cut and all.
    @Test func asciiTextIsPlacedAsTheGeneralPathPlacesIt() {
        var seed: UInt64 = 0xA5C11
        func next() -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        for round in 0..<400 {
            let length = next() % 30
            let text = String((0..<length).map { _ in Character(Unicode.Scalar(UInt8(0x20 + next() % 95))) })
            let x = next() % 20, limit = 1 + next() % 25, ascii = round % 2 == 0
            var fast = Frame(width: 40, height: 2, ascii: ascii)
            var general = Frame(width: 40, height: 2, ascii: ascii)
            let used = fast.put(text, x: x, y: 1, role: .row_selected, maxWidth: limit)
            let expected = general.putCharacters(text, x: x, y: 1, role: .row_selected, limit: min(limit, 40 - x))
            #expect(used == expected && fast == general, "\(text.debugDescription) at \(x), limit \(limit)")
        }
    }
}
