import Foundation
import WhyLabsAPI

/// Realistic sample keys for demos and tests: several users, mixed scopes and
/// aliases, some expired, some expiring within days, some never expiring,
/// varied last-used times, some revoked. Deterministic for a given count.
enum DemoData {
    static let users = [
        "user-alice", "user-bob", "user-carol", "user-dmitri", "user-emeka",
        "user-fatima", "user-guo", "user-hana", "svc-airflow", "svc-databricks",
    ]
    static let aliases: [String?] = [
        "prod-ingest", "airflow-nightly", "sagemaker-endpoint", "dev-laptop", "ci-github-actions",
        "grafana-exporter", "databricks-job", "notebook", "staging-batch", "llm-guardrails",
        "feature-store-sync", "k8s-sidecar", nil, nil,
    ]
    static let scopeSets: [[String]] = [
        [":user"], [":write_data"], [":user", ":write_data"], [":read_resource", ":write_resource"],
        [":administrator"], [":write_data", ":read_notification"], [":user", ":write_notification", ":read_notification"],
        [],
    ]

    static func keys(count: Int, orgId: String, nowMs: Int64) -> [StoredKey] {
        var rng = SplitMix64(seed: 0x6B65_7964_6173_68)
        let day: Int64 = 86_400_000
        var out: [StoredKey] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let (keyId, secret) = (KeyGenerator.randomString(10, using: &rng), KeyGenerator.randomString(53, using: &rng))
            let created = nowMs - Int64.random(in: 1 * day...700 * day, using: &rng) - Int64(i)
            let roll = Int.random(in: 0..<100, using: &rng)
            let expiration: Int64?
            switch roll {
            case 0..<25: expiration = nil
            case 25..<37: expiration = nowMs - Int64.random(in: day / 24...90 * day, using: &rng)
            case 37..<50: expiration = nowMs + Int64.random(in: day / 12...7 * day, using: &rng)
            default: expiration = nowMs + Int64.random(in: 8 * day...400 * day, using: &rng)
            }
            let usedRoll = Int.random(in: 0..<100, using: &rng)
            let lastUsed: Int64?
            switch usedRoll {
            case 0..<15: lastUsed = nil
            case 15..<30: lastUsed = max(created, nowMs - Int64.random(in: 91 * day...400 * day, using: &rng))
            default: lastUsed = max(created, nowMs - Int64.random(in: 60_000...30 * day, using: &rng))
            }
            out.append(StoredKey(
                keyId: keyId,
                keyHash: KeyStore.hash(keyId + "." + secret),
                orgId: orgId,
                userId: users[Int.random(in: 0..<users.count, using: &rng)],
                creationMs: created,
                expirationMs: expiration,
                lastUsedMs: lastUsed,
                scopes: scopeSets[Int.random(in: 0..<scopeSets.count, using: &rng)],
                resourceId: Int.random(in: 0..<10, using: &rng) == 0 ? "model-\(Int.random(in: 1...40, using: &rng))" : nil,
                alias: aliases[Int.random(in: 0..<aliases.count, using: &rng)],
                revoked: Int.random(in: 0..<100, using: &rng) < 10
            ))
        }
        return out
    }
}
