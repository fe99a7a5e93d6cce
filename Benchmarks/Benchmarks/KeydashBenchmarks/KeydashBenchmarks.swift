import Benchmark
import Foundation
import KeyDashCore
import KeyDashTUI
import WhyLabsAPI

// Decode, encode, building a list's orders, applying a refresh, every key of
// the key table at 100 and 100,000 keys, and rendering a frame. Each sample
// of a keypress benchmark is one keypress (reduce + render at 120x40), so its
// percentiles are per keypress.

/// Keys shaped like an org's: 97 users, repeated aliases, a mix of expiries,
/// last-used times and revoked keys. `generation` moves some last-used times.
func syntheticKeys(_ n: Int, generation: Int = 0) -> [UserApiKey] {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var keys: [UserApiKey] = []
    keys.reserveCapacity(n)
    for i in 0..<n {
        let created = now.addingTimeInterval(-Double(i % 700) * 86_400 - Double(i % 86_400))
        let expires: APITime? = i % 4 == 0 ? nil : APITime(now.addingTimeInterval(Double(i % 400 - 30) * 86_400))
        let used: APITime? = i % 7 == 0 ? nil : APITime(now.addingTimeInterval(-Double((i + generation) % 200) * 3600))
        keys.append(UserApiKey(keyId: String(format: "K%09d", i), orgId: "org-bench", userId: "user-\(i % 97)",
                               creationTime: APITime(created), expirationTime: expires, lastUsedTime: used,
                               scopes: i % 5 == 0 ? [":administrator"] : [":user", ":write_data"],
                               alias: "alias-\(i % 1000)", revoked: i % 11 == 0 ? true : nil))
    }
    return keys
}

/// The state a dashboard has after loading `keys` at 120x40.
func loadedState(_ keys: [UserApiKey]) -> DashboardState {
    var state = DashboardState(orgId: "org-bench", endpointHost: "bench", now: Date(timeIntervalSince1970: 1_800_000_000))
    _ = reduce(&state, .resize(rows: Layout.listRows(forHeight: 40), columns: 120))
    _ = state.start()
    _ = reduce(&state, .listLoaded(.success(KeySnapshot(keys)), at: state.now))
    return state
}

/// Mutable state shared by one benchmark's samples (run one at a time).
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// Each key of the key table, as the sequence of presses that one sample
/// after another cycles through (so the state stays sensible: a filter
/// typed is also erased, a pane opened is also closed).
let keyCycles: [(name: String, keys: [KeyPress], openFilter: Bool)] = [
    ("j/k move", [.char("j"), .char("k")], false),
    ("PgDn/PgUp", [.pageDown, .pageUp], false),
    ("G/g last/first", [.char("G"), .char("g")], false),
    ("s sort column", [.char("s")], false),
    ("S reverse sort", [.char("S")], false),
    ("f hygiene filter", [.char("f")], false),
    ("R show revoked", [.char("R")], false),
    ("u user filter prompt", [.char("u"), .escape], false),
    ("typing a filter and Backspace", Array("user-1".map { KeyPress.char($0) }) + Array(repeating: .backspace, count: 6), true),
    ("Space mark", [.char(" ")], false),
    ("Enter/Esc detail", [.enter, .escape], false),
    ("d/Esc revoke prompt", [.char("d"), .escape], false),
    ("n/Esc new key form", [.char("n"), .escape], false),
    ("a activity", [.char("a")], false),
    ("? help", [.char("?"), .escape], false),
    ("p pause", [.char("p")], false),
    ("y copy id", [.char("y")], false),
    ("t theme", [.char("t")], false),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .instructions, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(3),
        maxIterations: 2_000)

    // MARK: Decode and encode

    for n in [10_000, 100_000] {
        let json = KeyJSONWriter.list(syntheticKeys(n), style: .compact)
        let mb = String(format: "%.1f", Double(json.count) / 1_000_000)
        Benchmark("decode list \(n) keys (\(mb) MB) to keys", configuration: .init(maxIterations: 30)) { benchmark in
            for _ in benchmark.scaledIterations {
                json.withUnsafeBytes { blackHole(try? KeyJSONDecoder.list($0)) }
            }
        }
        Benchmark("decode list \(n) keys (\(mb) MB) to records", configuration: .init(maxIterations: 30)) { benchmark in
            for _ in benchmark.scaledIterations {
                var records = KeyRecords()
                json.withUnsafeBytes { bytes in
                    records.expect(answerBytes: bytes.count)
                    try? KeyJSONDecoder.forEachListed(in: bytes) { records.add($0) }
                    records.finishList()
                }
                blackHole(records)
            }
        }
    }
    let keys10k = syntheticKeys(10_000)
    Benchmark("encode 10k keys as --format json", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(KeyJSONWriter.list(keys10k, style: .pretty)) }
    }
    let answer10k = KeyJSONWriter.list(keys10k, style: .compact)
    Benchmark("write a 10k-key answer as --format json, straight from its bytes", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations {
            var output = KeyJSONWriter.PrettyList()
            answer10k.withUnsafeBytes { bytes in
                try? KeyJSONDecoder.forEachListed(in: bytes) { (key: ListedKey) in output.add(key) }
            }
            // The pieces `keydash list` writes out, as it does: not joined.
            blackHole(output.finishPieces())
        }
    }
    Benchmark("write a 10k-key answer as --format json as it arrives, in 64 KiB chunks", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations {
            var output = KeyJSONWriter.PrettyList()
            var stream = KeyListStream()
            answer10k.withUnsafeBytes { bytes in
                var at = 0
                while at < bytes.count {
                    let chunk = UnsafeRawBufferPointer(rebasing: bytes[at..<min(at + 65_536, bytes.count)])
                    try? stream.feed(chunk) { (key: ListedKey) in output.add(key) }
                    at += chunk.count
                }
            }
            try? stream.finish()
            blackHole(output.finishPieces())
        }
    }
    Benchmark("encode 10k keys as the server's answer", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(KeyJSONWriter.list(keys10k, style: .compact)) }
    }

    // MARK: A refresh

    let keys100k = syntheticKeys(100_000)
    let records100k = KeyRecords(keys100k)
    Benchmark("build orders and search text, 100k keys (off the input path)", configuration: .init(maxIterations: 10)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(KeyIndex(records100k)) }
    }
    let unchanged = KeySnapshot(records: records100k)
    let changed = KeySnapshot(syntheticKeys(100_000, generation: 1))
    let refreshState = Box(loadedState(keys100k))
    Benchmark("apply a refresh of 100k keys, unchanged", configuration: .init(maxIterations: 30)) { benchmark in
        for _ in benchmark.scaledIterations {
            _ = reduce(&refreshState.value, .refreshDue)
            _ = reduce(&refreshState.value, .listLoaded(.success(unchanged), at: refreshState.value.now))
        }
    }
    let alternating = Box(0)
    Benchmark("apply a refresh of 100k keys, last-used moved on 1 in 2", configuration: .init(maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            alternating.value += 1
            _ = reduce(&refreshState.value, .refreshDue)
            _ = reduce(&refreshState.value, .listLoaded(.success(alternating.value % 2 == 0 ? unchanged : changed), at: refreshState.value.now))
        }
    }

    // MARK: Keypress to frame

    for n in [100, 100_000] {
        let keys = n == 100_000 ? keys100k : syntheticKeys(n)
        let base = loadedState(keys)
        for cycle in keyCycles {
            let state = Box(base)
            if cycle.openFilter { _ = reduce(&state.value, .beginFilter) }
            let step = Box(0)
            Benchmark("key \(cycle.name), \(n) keys") { benchmark in
                for _ in benchmark.scaledIterations {
                    let key = cycle.keys[step.value % cycle.keys.count]
                    step.value += 1
                    if let action = KeyTable.action(for: key, in: state.value, themeCount: 5) {
                        _ = reduce(&state.value, action)
                    }
                    blackHole(Renderer.render(state.value, width: 120, height: 40))
                }
            }
        }
    }

    // MARK: Render

    let renderState = loadedState(keys100k)
    Benchmark("render a frame, 120x40, 100k keys") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Renderer.render(renderState, width: 120, height: 40)) }
    }
}
