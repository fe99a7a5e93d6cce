import Foundation
import WhyLabsAPI
@testable import KeyDashCore

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func makeKey(_ id: String, user: String = "user-1", alias: String? = nil, createdDaysAgo: Double = 10,
             expiresInDays: Double? = 100, usedDaysAgo: Double? = 1, revoked: Bool? = nil, scopes: [String] = [":user"]) -> UserApiKey {
    UserApiKey(keyId: id, orgId: "org-1", userId: user,
               creationTime: APITime(t0.addingTimeInterval(-createdDaysAgo * 86_400)),
               expirationTime: expiresInDays.map { APITime(t0.addingTimeInterval($0 * 86_400)) },
               lastUsedTime: usedDaysAgo.map { APITime(t0.addingTimeInterval(-$0 * 86_400)) },
               scopes: scopes, alias: alias ?? "alias-\(id)", revoked: revoked)
}

/// A state that has loaded `keys`, sorted by key id ascending for predictability.
func loadedState(_ keys: [UserApiKey], rows: Int = 10, readOnly: Bool = false) -> DashboardState {
    var state = DashboardState(orgId: "org-1", endpointHost: "api.example", readOnly: readOnly, refreshPeriod: 30, now: t0)
    _ = reduce(&state, .resize(rows: rows, columns: 120))
    _ = state.start()
    _ = reduce(&state, .listLoaded(keys: (keys), at: t0))
    state.sort = SortOrder(column: .keyId, ascending: true)
    state.recomputeVisible(keepingSelection: false)
    return state
}

extension DashboardState {
    mutating func type(_ text: String) {
        for c in text { _ = reduce(&self, .confirmationInput(.insert(String(c)))) }
    }
}

func ids(_ n: Int) -> [String] { (0..<n).map { String(format: "KEY%07d", $0) } }

/// Every string stored anywhere inside `value`, found by reflection: a type
/// whose `description` redacts a secret still shows its stored fields here.
func storedStrings(in value: Any, depth: Int = 0) -> [String] {
    guard depth < 12 else { return [] }
    if let s = value as? String { return [s] }
    if let s = value as? Substring { return [String(s)] }
    var found: [String] = []
    for child in Mirror(reflecting: value).children {
        found += storedStrings(in: child.value, depth: depth + 1)
    }
    return found
}
