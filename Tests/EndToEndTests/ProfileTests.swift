import Foundation
import Testing

/// Two organizations, each on its own `keydash serve`, as two profiles of one config file.
extension EndToEnd {
    @Suite(.serialized) struct ProfileTests {
        struct TwoOrgs {
            let alpha: ServeProcess
            let beta: ServeProcess
            let env: [String: String]
            func stop() { alpha.stop(); beta.stop() }
            func keyId(_ server: ServeProcess) throws -> String { String(try String(contentsOfFile: server.keyFile, encoding: .utf8).prefix(10)) }
        }

        func twoOrgs(alphaExtra: [String] = []) throws -> TwoOrgs {
            let alpha = try ServeProcess(extra: ["--org", "org-alpha", "--log-requests"] + alphaExtra)
            let beta = try ServeProcess(extra: ["--org", "org-beta", "--log-requests"])
            let dir = TempDir.make()
            try FileManager.default.createDirectory(atPath: dir + "/config/keydash", withIntermediateDirectories: true)
            try """
                refresh = 30

                [profiles.alpha]
                endpoint = "\(alpha.endpoint)"
                api_key_file = "\(alpha.keyFile)"

                [profiles.beta]
                endpoint = "\(beta.endpoint)"
                api_key_file = "\(beta.keyFile)"
                read_only = true
                """.write(toFile: dir + "/config/keydash/config.toml", atomically: true, encoding: .utf8)
            return TwoOrgs(alpha: alpha, beta: beta, env: ["XDG_CONFIG_HOME": dir + "/config", "XDG_STATE_HOME": dir + "/state"])
        }

        func keyIds(in log: String) -> Set<String> {
            Set(log.split(separator: "\n").compactMap { line in line.split(separator: " ").last.flatMap { $0.hasPrefix("key=") ? String($0.dropFirst(4)) : nil } })
        }

        @Test func everyCommandTakesAProfile() throws {
            let orgs = try twoOrgs()
            defer { orgs.stop() }
            #expect(try keydash(["create", "--user", "u", "--alias", "beta-only", "--profile", "beta"], environment: orgs.env).status == 0)
            let alpha = try keydash(["list", "--profile", "alpha"], environment: orgs.env)
            let beta = try keydash(["list"], environment: orgs.env.merging(["KEYDASH_PROFILE": "beta"]) { $1 })
            #expect(alpha.status == 0 && beta.status == 0, "\(alpha.stderr) \(beta.stderr)")
            #expect(!alpha.stdout.contains("beta-only") && beta.stdout.contains("beta-only"))
            let wrong = try keydash(["list", "--profile", "gamma"], environment: orgs.env)
            #expect(wrong.status == 78 && wrong.stderr.contains("no profile 'gamma' (known: alpha, beta)"))

            let listed = try keydash(["profiles", "--check"], environment: orgs.env.merging(["KEYDASH_PROFILE": "alpha"]) { $1 })
            #expect(listed.status == 0, "\(listed.stderr)")
            let rows = listed.stdout.split(separator: "\n")
            #expect(rows.contains { $0.hasPrefix("*") && $0.contains("alpha") && $0.hasSuffix("ok") })
            #expect(rows.contains { $0.contains("beta") && $0.contains("read-only") && $0.hasSuffix("ok") })
            let keyText = try String(contentsOfFile: orgs.alpha.keyFile, encoding: .utf8)
            #expect(!listed.stdout.contains(String(keyText.prefix(30))), "never the key")

            // A profile whose key is refused says so, with the failure's exit code.
            try "abcdefghij.0123456789012345678901234567890123456789012345678901:org-beta".write(toFile: orgs.beta.keyFile, atomically: true, encoding: .utf8)
            chmod(orgs.beta.keyFile, 0o600)
            let refused = try keydash(["profiles", "--check"], environment: orgs.env)
            #expect(refused.status == 4, "\(refused.stdout) \(refused.stderr)")
            #expect(refused.stdout.contains("forbidden") || refused.stdout.contains("unauthorized"), "\(refused.stdout)")
        }

        @Test func theDashboardSwitchesBetweenOrgsAndBack() throws {
            // Alpha answers slowly: a revoke sent there is still in flight when the view is left.
            let orgs = try twoOrgs(alphaExtra: ["--latency", "1500"])
            defer { orgs.stop() }
            let made = try keydash(["create", "--user", "u", "--alias", "alpha-only", "--format", "json", "--profile", "alpha"], environment: orgs.env)
            let doomed = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["keyId"] as? String)
            #expect(try keydash(["create", "--user", "u", "--alias", "beta-only", "--profile", "beta"], environment: orgs.env).status == 0)

            // Alpha's key also sits in the environment, where it outranks alpha's
            // config: it must still never reach beta's endpoint.
            let alphaKey = try String(contentsOfFile: orgs.alpha.keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let tmux = try TmuxSession(["--profile", "alpha"], environment: orgs.env.merging(["WHYLABS_API_KEY": alphaKey]) { $1 })
            defer { tmux.kill() }
            let first = try #require(tmux.waitFor("alpha-only", timeout: 15))
            #expect(first.contains("[alpha] org-alpha"))

            // A revoke in alpha, confirmed; then straight to beta.
            tmux.send("/")
            tmux.type("alpha-only")
            tmux.send("Enter", "d")
            #expect(tmux.waitFor("REVOKE KEY \(doomed)") != nil)
            tmux.type(doomed)
            tmux.send("Enter", "P")
            #expect(tmux.waitFor("Profiles") != nil)
            tmux.send("j", "Enter")
            let beta = try #require(tmux.waitFor("beta-only"))
            #expect(beta.contains("[beta] org-beta") && beta.contains("read-only") && !beta.contains("alpha-only"))

            // Back: alpha's list at once (the revoke answered meanwhile, in the background).
            sleep(2)
            tmux.send("P", "k", "Enter")
            // Alpha takes 1.5 s to answer anything: a list within 1.2 s is the one kept.
            // Its filter still holds (the admin key hidden), and the revoke's answer, which came
            // while beta was shown, is there.
            let back = tmux.waitFor(timeout: 1.2) {
                $0.contains("[alpha] org-alpha") && $0.contains("alpha-only") && !$0.contains("keydash-admin") && $0.contains("revoked \(doomed)")
            }
            #expect(back != nil, "alpha's last list, with its own filter, at once: \(tmux.capture())")
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)

            // The revoke was sent once, to alpha, and audited under alpha's org.
            #expect(orgs.alpha.log.split(separator: "\n").filter { $0.hasPrefix("DELETE ") }.count == 1)
            #expect(!orgs.beta.log.contains("DELETE "))
            let audit = try String(contentsOfFile: orgs.env["XDG_STATE_HOME"]! + "/keydash/audit.jsonl", encoding: .utf8)
            let line = try #require(audit.split(separator: "\n").first { $0.contains(doomed) })
            #expect(line.contains("\"org\":\"org-alpha\"") && line.contains("\"result\":\"ok\""), "\(line)")

            // Each server saw only its own key.
            #expect(keyIds(in: orgs.alpha.log) == [try orgs.keyId(orgs.alpha)], "\(keyIds(in: orgs.alpha.log))")
            #expect(keyIds(in: orgs.beta.log) == [try orgs.keyId(orgs.beta)], "\(keyIds(in: orgs.beta.log))")
        }
    }
}
