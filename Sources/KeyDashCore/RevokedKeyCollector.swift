import WhyLabsAPI

/// The org-wide list leaves revoked keys out, but each user's list includes
/// them; this gathers every user's list with bounded concurrency. A user all
/// of whose keys are revoked can't be discovered this way: the API offers no
/// list of users.
public enum RevokedKeyCollector {
    public static func allKeys(using service: any APIKeyService, knownUsers: Set<String> = [], concurrency: Int = 4) async throws(APIError) -> [UserApiKey] {
        let active = try await service.listKeys(userId: nil)
        var users = knownUsers
        for key in active { users.insert(key.userId) }
        let perUser = try await perUserLists(users: users.sorted(), service: service, concurrency: concurrency)
        var byId: [String: UserApiKey] = [:]
        for key in active { byId[key.keyId] = key }
        for key in perUser { byId[key.keyId] = key }
        return byId.values.sorted { ($0.creationTime, $0.keyId) < ($1.creationTime, $1.keyId) }
    }

    static func perUserLists(users: [String], service: any APIKeyService, concurrency: Int) async throws(APIError) -> [UserApiKey] {
        do {
            return try await withThrowingTaskGroup(of: [UserApiKey].self) { group in
                var iterator = users.makeIterator()
                var results: [UserApiKey] = []
                for _ in 0..<max(1, concurrency) {
                    guard let user = iterator.next() else { break }
                    group.addTask { try await service.listKeys(userId: user) }
                }
                while let batch = try await group.next() {
                    results.append(contentsOf: batch)
                    if let user = iterator.next() {
                        group.addTask { try await service.listKeys(userId: user) }
                    }
                }
                return results
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw .transport(.other, detail: "cancelled")
        }
    }
}
