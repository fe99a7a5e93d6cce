import Foundation
import KeyDashCore
import KeyDashTUI
import WhyLabsAPI

// Release-build measurements for BENCHMARKS.md. Usage:
//   keydash-bench decode FILE [RUNS]    decode a saved list response
//   keydash-bench encode FILE [RUNS]    encode it again as `--format json` does
//   keydash-bench frame N [PRESSES]     keypress → frame at N keys, 120x40
//   keydash-bench memory N [REFRESHES]  RSS after loading N keys and refreshing

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func time(_ runs: Int, _ body: () throws -> Void) rethrows -> [Double] {
    var out: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        out.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return out
}

func rssMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func syntheticKeys(_ n: Int, generation: Int = 0) -> [UserApiKey] {
    let now = Date()
    var keys: [UserApiKey] = []
    keys.reserveCapacity(n)
    for i in 0..<n {
        let created = now.addingTimeInterval(-Double(i % 700) * 86_400)
        let expires: APITime? = i % 4 == 0 ? nil : APITime(now.addingTimeInterval(Double(i % 400 - 30) * 86_400))
        let used: APITime? = i % 7 == 0 ? nil : APITime(now.addingTimeInterval(-Double((i + generation) % 200) * 3600))
        keys.append(UserApiKey(keyId: String(format: "K%09d", i), orgId: "org-bench", userId: "user-\(i % 97)",
                               creationTime: APITime(created), expirationTime: expires, lastUsedTime: used,
                               scopes: [":user", ":write_data"], alias: "alias-\(i % 1000)"))
    }
    return keys
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    print("usage: keydash-bench decode|encode FILE [RUNS] | frame N [PRESSES] | memory N [REFRESHES]")
    exit(64)
}
switch args[1] {
case "decode":
    let data = try Data(contentsOf: URL(fileURLWithPath: args[2]))
    let runs = args.count > 3 ? Int(args[3])! : 10
    var count = 0
    let times = try time(runs) { count = try JSONDecoder().decode(ListUserApiKeys.self, from: data).items.count }
    print(String(format: "decode %d keys: median %.1f ms (min %.1f) over %d runs", count, median(times), times.min()!, runs))
case "encode":
    let data = try Data(contentsOf: URL(fileURLWithPath: args[2]))
    let list = try JSONDecoder().decode(ListUserApiKeys.self, from: data)
    let runs = args.count > 3 ? Int(args[3])! : 10
    let times = time(runs) { _ = KeyReport.json(list: list.items) }
    print(String(format: "encode %d keys as --format json: median %.1f ms over %d runs", list.items.count, median(times), runs))
case "frame":
    let n = Int(args[2])!
    let presses = args.count > 3 ? Int(args[3])! : 1000
    var state = DashboardState(orgId: "org-bench", endpointHost: "bench", now: Date())
    _ = reduce(&state, .resize(rows: Layout.listRows(forHeight: 40), columns: 120))
    _ = state.start()
    _ = reduce(&state, .listLoaded(keys: (syntheticKeys(n)), at: Date()))
    var frames = 0
    let times = time(presses) {
        _ = reduce(&state, .moveSelection(frames % 50 < 25 ? 1 : -1))
        let frame = Renderer.render(state, width: 120, height: 40)
        frames += frame.width > 0 ? 1 : 0
    }
    print(String(format: "keypress→frame at %d keys (120x40): median %.3f ms, p99 %.3f ms over %d presses",
                 n, median(times), times.sorted()[times.count * 99 / 100], presses))
case "memory":
    let n = Int(args[2])!
    let refreshes = args.count > 3 ? Int(args[3])! : 1000
    var state = DashboardState(orgId: "org-bench", endpointHost: "bench", now: Date())
    _ = reduce(&state, .resize(rows: 36, columns: 120))
    _ = state.start()
    // The lists are made and handed over, not kept: what stays is the state's own.
    _ = reduce(&state, .listLoaded(keys: (syntheticKeys(n)), at: Date()))
    let first = rssMB()
    for i in 0..<refreshes {
        _ = reduce(&state, .refreshDue)
        _ = reduce(&state, .listLoaded(keys: (syntheticKeys(n, generation: i % 3)), at: Date()))
        _ = Renderer.render(state, width: 120, height: 40)
    }
    print(String(format: "RSS with %d keys: %.1f MB after load, %.1f MB after %d refreshes", n, first, rssMB(), refreshes))
default:
    print("unknown benchmark \(args[1])")
    exit(64)
}
