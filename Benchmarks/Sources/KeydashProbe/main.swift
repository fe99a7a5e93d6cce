import Foundation
import KeyDashCore
import KeyDashTUI
import WhyLabsAPI

// Whole-path measurements that need one process and many rounds, for
// scripts/benchmarks.py (release build):
//   KeydashProbe refreshes N ROUNDS   RSS growth over ROUNDS refreshes of N
//                                     changing keys, each decoded from bytes,
//                                     indexed and applied as the dashboard does

func rssMB(_ field: String = "VmRSS:") -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return -1 }
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func keys(_ n: Int, generation: Int) -> [UserApiKey] {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var out: [UserApiKey] = []
    out.reserveCapacity(n)
    for i in 0..<n {
        let id = String(format: "K%09d", (i + generation * 7) % (n + 50))
        let created = APITime(now.addingTimeInterval(-Double(i % 700) * 86_400))
        let expires: APITime? = i % 4 == 0 ? nil : APITime(now.addingTimeInterval(Double(i % 400 - 30) * 86_400))
        let used = APITime(now.addingTimeInterval(-Double((i + generation) % 200) * 3600))
        out.append(UserApiKey(keyId: id, orgId: "org-bench", userId: "user-\(i % 97)", creationTime: created,
                              expirationTime: expires, lastUsedTime: used, scopes: [":user", ":write_data"], alias: "alias-\(i % 1000)"))
    }
    return out
}

let args = CommandLine.arguments
guard args.count >= 4, let n = Int(args[2]), let rounds = Int(args[3]) else {
    print("usage: KeydashProbe refreshes|decode N ROUNDS")
    exit(64)
}
if args[1] == "decode" {
    // For a profiler: the decoder alone, ROUNDS times over one answer.
    let body = KeyJSONWriter.list(keys(n, generation: 0), style: .compact)
    let start = Date()
    var total = 0
    for _ in 0..<rounds { body.withUnsafeBytes { total += (try? KeyJSONDecoder.list($0).count) ?? 0 } }
    print(String(format: "decode bytes=%d keys=%d ms_per_decode=%.1f", body.count, total / rounds, Date().timeIntervalSince(start) * 1000 / Double(rounds)))
    exit(0)
}
// Three answers that differ in last-used times and in which keys are listed.
let bodies = (0..<3).map { KeyJSONWriter.list(keys(n, generation: $0), style: .compact) }
nonisolated(unsafe) var state = DashboardState(orgId: "org-bench", endpointHost: "bench", now: Date(timeIntervalSince1970: 1_800_000_000))
_ = reduce(&state, .resize(rows: 36, columns: 120))
HeapTrim.prepare()  // as the dashboard does before loading anything
@MainActor func refresh(_ round: Int) {
    var records = KeyRecords()
    bodies[round % 3].withUnsafeBytes { bytes in
        records.expect(answerBytes: bytes.count)
        try? KeyJSONDecoder.forEachListed(in: bytes) { records.add($0) }
        records.finishList()
    }
    // The fetch the reducer asks for carries the list on screen as its basis.
    var basis = ListBasis.none
    for effect in reduce(&state, .refreshDue) {
        if case .fetchList(_, _, _, let fetchBasis) = effect { basis = fetchBasis }
    }
    _ = reduce(&state, .listLoaded(.success(KeySnapshot(records: records, basis: basis)), at: state.now))
    HeapTrim.afterList(of: records.count)  // as the dashboard's loop does
}
refresh(0)
refresh(1)
let afterLoad = rssMB()
let start = Date()
for round in 0..<rounds { refresh(round + 2) }
let seconds = Date().timeIntervalSince(start)
print(String(format: "refreshes=%d keys=%d rss_after_load_mb=%.1f rss_after_mb=%.1f growth_mb=%.1f peak_mb=%.1f ms_per_refresh=%.1f activity=%d",
             rounds, state.keys.count, afterLoad, rssMB(), rssMB() - afterLoad, rssMB("VmHWM:"), seconds * 1000 / Double(rounds), state.activity.count))
