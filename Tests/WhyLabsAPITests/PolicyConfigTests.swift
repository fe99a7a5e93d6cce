import Testing
@testable import WhyLabsAPI

/// The `[policy]` table: every rule read, every mistake one clear line.
@Suite struct PolicyConfigTests {
    func parse(_ text: String) throws -> ConfigFile { try ConfigFile.parse(text, path: "/c.toml", mode: 0o600) }

    func reason(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func everyRuleIsRead() throws {
        let file = try parse("""
            org = "org-1"
            [policy]
            max_age_days = 365
            expiry_required = true
            max_lifetime_days = 400
            unused_days = 90
            never_used_after_days = 7
            max_active_keys_per_user = 3
            pending_rotation_days = 14
            scopes_only_for = { ":administrator" = ["alice", "bob"] }
            """)
        let policy = try #require(file.policy)
        #expect(policy == Policy(maxAgeDays: 365, expiryRequired: true, maxLifetimeDays: 400, unusedDays: 90, neverUsedAfterDays: 7,
                                 scopesOnlyFor: [":administrator": ["alice", "bob"]], maxActiveKeysPerUser: 3, pendingRotationDays: 14))
        #expect(policy.rules == PolicyRule.allCases)
        #expect(file.effectivePolicy == policy)
    }

    @Test func aTableStatesTheWholePolicyAndNoTableMeansTheDefaults() throws {
        let only = try parse("[policy]\nmax_age_days = 30\n")
        #expect(only.effectivePolicy.rules == [.maxAge])
        #expect(try parse("[policy]\n").effectivePolicy.rules.isEmpty)
        #expect(try parse("org = \"o\"\n").effectivePolicy == .hygieneDefaults)
        #expect(Policy.hygieneDefaults.rules == [.expiryRequired, .unused, .neverUsed])
    }

    @Test func mistakesAreOneClearLine() {
        let cases: [(String, String)] = [
            ("[policy]\nmax_age = 3\n", "unknown rule 'max_age'"),
            ("[policy]\nmax_age_days = -1\n", "'max_age_days' must be between 0 and 36500 days (got -1)"),
            ("[policy]\nunused_days = 1e9\n", "'unused_days' must be a whole number"),
            ("[policy]\nmax_active_keys_per_user = 0\n", "'max_active_keys_per_user' must be between 1 and 1000000 keys (got 0)"),
            ("[policy]\nexpiry_required = \"yes\"\n", "'expiry_required' must be true or false"),
            ("[policy]\nscopes_only_for = [\"alice\"]\n", "'scopes_only_for' must be a table"),
            ("[policy]\nscopes_only_for = { \":admin\" = [\"a\"] }\n", "unknown scope ':admin'"),
            ("[policy]\nscopes_only_for = { \":administrator\" = \"alice\" }\n", "must be a list of user ids"),
            ("[policy]\nscopes_only_for = { \":administrator\" = [1] }\n", "must list user ids as strings"),
            ("policy = 3\n", "'policy' must be a table"),
        ]
        for (text, expected) in cases {
            let message = reason(text)
            #expect(message?.contains(expected) == true, "\(text): \(message ?? "accepted")")
            #expect(message?.contains("\n") == false)
        }
    }
}
