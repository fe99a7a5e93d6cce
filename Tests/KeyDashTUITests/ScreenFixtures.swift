import Foundation
import WhyLabsAPI
@testable import KeyDashCore
@testable import KeyDashTUI

let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15 08:00 UTC

func key(_ id: String, user: String, alias: String?, scopes: [String], createdDays: Double, expiresDays: Double?, usedDays: Double?,
         revoked: Bool? = nil) -> UserApiKey {
    UserApiKey(keyId: id, orgId: "org-acme", userId: user,
               creationTime: APITime(now.addingTimeInterval(-createdDays * 86_400)),
               expirationTime: expiresDays.map { APITime(now.addingTimeInterval($0 * 86_400)) },
               lastUsedTime: usedDays.map { APITime(now.addingTimeInterval(-$0 * 86_400)) },
               scopes: scopes, alias: alias, revoked: revoked)
}

let sampleKeys: [UserApiKey] = [
    key("fh4dUNV3WQ", user: "user-alice", alias: "prod-ingest", scopes: [":write_data"], createdDays: 200, expiresDays: 165, usedDays: 0.01),
    key("HMiFAgQeNb", user: "user-bob", alias: "airflow-nightly", scopes: [":user", ":write_data"], createdDays: 120, expiresDays: 3, usedDays: 1),
    key("Zq81LmPQ0a", user: "svc-databricks", alias: nil, scopes: [":read_resource", ":write_resource"], createdDays: 400, expiresDays: -2, usedDays: 30),
    key("K9s7sidecr", user: "user-carol", alias: "k8s-sidecar", scopes: [], createdDays: 30, expiresDays: nil, usedDays: nil),
    key("Adm1nKey00", user: "admin", alias: "keydash-admin", scopes: [":administrator"], createdDays: 5, expiresDays: nil, usedDays: 0),
    key("Old0ld0ld0", user: "user-dmitri", alias: "legacy-exporter", scopes: [":user"], createdDays: 600, expiresDays: 30, usedDays: 150),
]

/// A loaded dashboard over `sampleKeys`, sized for a terminal of `height` rows.
func sampleState(height: Int = 24, keys: [UserApiKey] = sampleKeys, readOnly: Bool = false) -> DashboardState {
    var state = DashboardState(orgId: "org-acme", endpointHost: "api.whylabsapp.com", readOnly: readOnly, refreshPeriod: 30,
                               ownKeyId: "Adm1nKey00", now: now)
    _ = reduce(&state, .resize(rows: Layout.listRows(forHeight: height), columns: 80))
    _ = state.start()
    _ = reduce(&state, .listLoaded(keys: (keys), at: now.addingTimeInterval(-25)))
    _ = reduce(&state, .tick(now))
    return state
}

func screen(_ state: DashboardState, _ width: Int = 80, _ height: Int = 24, ascii: Bool = false) -> String {
    Renderer.render(state, width: width, height: height, options: RenderOptions(ascii: ascii)).text
}

extension DashboardState {
    mutating func type(_ text: String) {
        for c in text { _ = reduce(&self, .confirmationInput(.insert(String(c)))) }
    }
}
