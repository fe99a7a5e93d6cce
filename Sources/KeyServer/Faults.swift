import Foundation

/// Per-organization request budget for `--rate-limit`: a token bucket that
/// holds `perMinute` tokens and refills continuously.
actor RateLimiter {
    private let perMinute: Int
    private var buckets: [String: (tokens: Double, updated: Double)] = [:]

    init(perMinute: Int) { self.perMinute = perMinute }

    /// How many organizations have a bucket (only authenticated callers get one).
    var trackedOrganizations: Int { buckets.count }

    func allow(org: String, now: Double = Date().timeIntervalSince1970) -> Bool {
        let capacity = Double(perMinute)
        var bucket = buckets[org] ?? (capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * capacity / 60)
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[org] = bucket
        return allowed
    }
}
