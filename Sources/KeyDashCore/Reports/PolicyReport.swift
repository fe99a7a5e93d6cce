import Foundation
import WhyLabsAPI

/// One rule broken by one key.
public struct PolicyViolation: Sendable, Hashable {
    public var keyId: String
    public var userId: String
    public var alias: String?
    public var rule: PolicyRule
    /// The rule as written in `[policy]` ("max_age_days = 365").
    public var setting: String
    /// What about the key breaks it ("created 400 days ago").
    public var detail: String
}

/// `keydash check`: every key against the policy, with the same flags the
/// dashboard shows, as a table, JSON or CSV.
public struct PolicyReport: Sendable {
    public var checkedAt: Date
    public var keyCount: Int
    public var policy: Policy
    public var violations: [PolicyViolation]

    public init(keys: [UserApiKey], policy: Policy, rotations: [PendingRotation], now: Date) {
        let rules = HygieneRules(policy: policy, rotationStarts: Dictionary(rotations.map { ($0.oldKeyId, $0.rotatedAt) }, uniquingKeysWith: min))
        let live = keys.filter { !$0.isRevoked }
        let context = HygieneContext.of(live, rules: rules, now: now)
        var found: [PolicyViolation] = []
        for key in live.sorted(by: { $0.keyId < $1.keyId }) {
            let flags = KeyHygiene.of(key, now: now, rules: rules, context: context)
            for rule in flags.rules {
                found.append(PolicyViolation(keyId: key.keyId, userId: key.userId, alias: key.alias, rule: rule, setting: policy.setting(rule),
                                             detail: KeyHygiene.explain(rule, key: key, now: now, policy: policy, context: context)))
            }
        }
        checkedAt = now
        keyCount = live.count
        self.policy = policy
        violations = found
    }

    public var passed: Bool { violations.isEmpty }

    // MARK: Output

    public func table() -> String {
        var out = ""
        if !violations.isEmpty {
            var rows = [["KEY ID", "USER", "ALIAS", "RULE", "WHY"]]
            for v in violations {
                rows.append([KeyReport.clean(v.keyId), KeyReport.clean(v.userId), KeyReport.clean(v.alias ?? "-"), v.rule.rawValue,
                             KeyReport.clean(v.detail) + " (" + KeyReport.clean(v.setting) + ")"])
            }
            out = KeyReport.layout(rows) + "\n"
        }
        let keysWith = Set(violations.map(\.keyId)).count
        let rules = policy.rules.map { policy.setting($0) }.joined(separator: ", ")
        if violations.isEmpty {
            out += "ok: \(keyCount) keys comply with the policy (\(rules.ifEmpty("no rules")))\n"
        } else {
            out += "\(violations.count) violation\(violations.count == 1 ? "" : "s") in \(keysWith) of \(keyCount) keys (\(rules))\n"
        }
        return out
    }

    public func json() -> [UInt8] {
        var w = KeyJSONWriter(style: .pretty, capacity: 256 + violations.count * 200)
        w.object { w in
            w.member("checkedAt"); w.string(APITime.format(checkedAt) + "Z")
            w.member("keys"); w.integer(keyCount)
            w.member("passed"); w.bool(passed)
            w.member("rules"); w.array(policy.rules) { w, rule in w.string(policy.setting(rule)) }
            w.member("violations")
            w.array(violations) { w, v in
                w.object { w in
                    if let alias = v.alias { w.member("alias"); w.string(alias) }
                    w.member("detail"); w.string(v.detail)
                    w.member("keyId"); w.string(v.keyId)
                    w.member("rule"); w.string(v.rule.rawValue)
                    w.member("setting"); w.string(v.setting)
                    w.member("userId"); w.string(v.userId)
                }
            }
        }
        w.finish()
        return w.bytes
    }

    public static let csvHeader = ["keyId", "userId", "alias", "rule", "setting", "detail"]

    public func csv() -> [UInt8] {
        var out = Self.csvHeader.joined(separator: ",") + "\r\n"
        for v in violations {
            out += [v.keyId, v.userId, v.alias ?? "", v.rule.rawValue, v.setting, v.detail].map(KeyReport.csvField).joined(separator: ",") + "\r\n"
        }
        return Array(out.utf8)
    }
}
