import ArgumentParser
import Foundation
import KeyDashCore
import WhyLabsAPI

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every key against the org's policy (for cron and CI).",
        discussion: """
            The rules come from the config file's [policy] table; a table states \
            the whole policy, and a rule it does not name is off. Without one the \
            rules are the dashboard's hygiene flags: every key expires, none \
            unused for 90 days, none never used.

            Rules: max_age_days, expiry_required, max_lifetime_days, unused_days, \
            never_used_after_days, scopes_only_for = { ":administrator" = ["alice"] }, \
            max_active_keys_per_user, pending_rotation_days.

            Exit 0: every key complies. Exit 1: one or more violations. Other \
            codes are the failures listed in keydash --help.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "table, json or csv.")
    var format: KeyReport.Format = .table

    func run() async throws {
        var failed = false
        try await withClient(connection) { client in
            let policy = try connection.configFile()?.effectivePolicy ?? .hygieneDefaults
            let org = client.configuration.orgId
            let keys = try await client.listKeys(userId: nil)
            let rotations = try RotationCommands.pending(org: org)
            let report = PolicyReport(keys: keys, policy: policy, rotations: rotations, now: Date())
            switch format {
            case .table: Output.out(report.table())
            case .json: Output.out(bytes: report.json())
            case .csv: Output.out(bytes: report.csv())
            }
            failed = !report.passed
        }
        if failed { throw ExitCode(1) }
    }
}
