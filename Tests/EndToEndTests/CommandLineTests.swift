import Foundation
import Testing

extension EndToEnd {
    @Suite(.serialized) struct CommandLineTests {
        @Test func listGetCreateRevokeFromTheCommandLine() throws {
            let server = try ServeProcess(extra: ["--seed-demo", "30"])
            defer { server.stop() }

            let table = try keydash(["list"] + server.connection)
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.hasPrefix("KEY ID"))
            #expect(table.stdout.contains("keydash-admin"))

            let created = try keydash(["create", "--user", "user-cli", "--alias", "cli-made", "--scope", ":user", "--scope", ":write_data",
                                       "--expires", "90d", "--format", "json"] + server.connection)
            #expect(created.status == 0, "\(created.stderr)")
            let key = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as! [String: Any]
            let keyId = try #require(key["keyId"] as? String)
            #expect((key["key"] as? String)?.hasSuffix(":org-e2e") == true)
            #expect(key["alias"] as? String == "cli-made")

            let got = try keydash(["get", keyId, "--format", "json"] + server.connection)
            #expect(got.status == 0)
            let wrapper = try JSONSerialization.jsonObject(with: Data(got.stdout.utf8)) as! [String: Any]
            let inner = try #require(wrapper["key"] as? [String: Any])
            #expect(inner["keyId"] as? String == keyId)
            #expect(inner["key"] == nil)

            let detail = try keydash(["get", keyId] + server.connection)
            #expect(detail.stdout.contains("Alias:"))
            #expect(detail.stdout.contains("cli-made"))

            let csv = try keydash(["list", "--format", "csv", "--user", "user-cli"] + server.connection)
            #expect(csv.stdout.hasPrefix("keyId,alias,userId"))
            #expect(csv.stdout.contains(keyId))

            // A second key keeps user-cli discoverable for --include-revoked (the
            // API has no list of users, only the org-wide list of active keys).
            #expect(try keydash(["create", "--user", "user-cli"] + server.connection).status == 0)

            // Not on a terminal: revoke must be told --yes, and nothing changes.
            let refused = try keydash(["revoke", "--user", "user-cli", keyId] + server.connection)
            #expect(refused.status == 64)
            #expect(refused.stderr.contains("--yes"))
            #expect(try keydash(["list"] + server.connection).stdout.contains(keyId))

            let revoked = try keydash(["revoke", "--user", "user-cli", keyId, "--yes"] + server.connection)
            #expect(revoked.status == 0, "\(revoked.stderr)")
            #expect(revoked.stdout.contains("revoked \(keyId)"))
            #expect(!(try keydash(["list"] + server.connection)).stdout.contains(keyId))
            let withRevoked = try keydash(["list", "--include-revoked"] + server.connection)
            #expect(withRevoked.stdout.contains(keyId))
        }

        @Test func createPrintsTheSecretOnceInTheTable() throws {
            let server = try ServeProcess()
            defer { server.stop() }
            let created = try keydash(["create", "--user", "user-t"] + server.connection)
            #expect(created.status == 0)
            #expect(created.stdout.components(separatedBy: ":org-e2e").count == 2)
            #expect(created.stdout.contains("shown once"))
        }

        @Test func failuresAreOneLineWithDocumentedExitCodes() throws {
            let server = try ServeProcess()
            let wrongKey = TempDir.make() + "/wrong.key"
            _ = FileManager.default.createFile(atPath: wrongKey, contents: Data(("ABCDEFGHIJ." + String(repeating: "q", count: 53) + ":org-e2e").utf8), attributes: [.posixPermissions: 0o600])

            let denied = try keydash(["list", "--endpoint", server.endpoint, "--api-key-file", wrongKey])
            #expect(denied.status == 4)
            #expect(denied.stderr.hasPrefix("keydash: forbidden (403)"))
            #expect(denied.stderr.split(separator: "\n").count == 1)

            let notFound = try keydash(["get", "NOPENOPE00"] + server.connection)
            #expect(notFound.status == 3)
            #expect(notFound.stderr.contains("not found"))

            let badScope = try keydash(["create", "--user", "u", "--scope", ":root"] + server.connection)
            #expect(badScope.status == 64)
            #expect(badScope.stderr.contains("unknown scope"))

            let badFlag = try keydash(["list", "--frobnicate"] + server.connection)
            #expect(badFlag.status == 64)

            let openKey = TempDir.make() + "/open.key"
            _ = FileManager.default.createFile(atPath: openKey, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
            let tooOpen = try keydash(["list", "--endpoint", server.endpoint, "--api-key-file", openKey])
            #expect(tooOpen.status == 78)
            #expect(tooOpen.stderr.contains("chmod 600"))

            let connection = server.connection
            server.stop()
            let stopped = try keydash(["list"] + connection)
            #expect(stopped.status == 7)
            #expect(stopped.stderr.contains("cannot reach the server: connection refused"))
            #expect(stopped.stderr.split(separator: "\n").count == 1)

            let insecure = try keydash(["list", "--endpoint", "http://keys.example.com", "--api-key-file", wrongKey])
            #expect(insecure.status == 78)
        }

        @Test func rateLimitsAndServerErrorsHaveTheirOwnCodes() throws {
            let failing = try ServeProcess(extra: ["--fail-rate", "1"])
            defer { failing.stop() }
            let five = try keydash(["list"] + failing.connection)
            #expect(five.status == 6)
            #expect(five.stderr.contains("server error (500)"))

            let limited = try ServeProcess(extra: ["--rate-limit", "1"])
            defer { limited.stop() }
            _ = try keydash(["list"] + limited.connection)
            let four29 = try keydash(["create", "--user", "u"] + limited.connection)
            #expect(four29.status == 5)
            #expect(four29.stderr.contains("rate limited (429)"))
        }

        @Test func anAcknowledgedWriteSurvivesKill9() throws {
            let dir = TempDir.make()
            let db = dir + "/keys.sqlite"
            let first = try ServeProcess(dir: dir, db: db)
            let created = try keydash(["create", "--user", "user-durable", "--alias", "survivor", "--format", "json"] + first.connection)
            #expect(created.status == 0)
            let keyId = try #require((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["keyId"] as? String)
            let revokeTarget = try keydash(["create", "--user", "user-durable", "--format", "json"] + first.connection)
            let revokeId = try #require((try JSONSerialization.jsonObject(with: Data(revokeTarget.stdout.utf8)) as? [String: Any])?["keyId"] as? String)
            #expect(try keydash(["revoke", "--user", "user-durable", revokeId, "--yes"] + first.connection).status == 0)
            first.kill9()

            let second = try ServeProcess(dir: dir, db: db)
            defer { second.stop() }
            let listed = try keydash(["list", "--user", "user-durable", "--include-revoked", "--format", "json"] + second.connection)
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(listed.stdout.contains(keyId))
            #expect(listed.stdout.contains("survivor"))
            let revoked = try keydash(["get", revokeId, "--format", "json"] + second.connection)
            #expect(revoked.stdout.contains("\"revoked\" : true"))
        }

        @Test func serveRejectsBadOptions() throws {
            let bad = try keydash(["serve", "--fail-rate", "2"])
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("--fail-rate"))
            // Plain http beyond loopback is said out loud (TEST-NET: nothing binds, nothing is sent).
        let open = try keydash(["serve", "--host", "192.0.2.1", "--port", "0", "--admin-key-file", TempDir.make() + "/a.key"])
        #expect(open.stderr.contains("warning: --host 192.0.2.1 serves plain http beyond this machine"))
        let huge = try keydash(["serve", "--latency", "9223372036854775807"])
            #expect(huge.status == 64, "a huge latency is refused, not a trap (\(huge.status))")
            #expect(huge.stderr.contains("latency must be between 0 and 60000 ms"))
        }

        @Test func anOutOfRangeConfigValueIsAClearErrorBeforeTheScreenIsTouched() throws {
            let dir = TempDir.make()
            try FileManager.default.createDirectory(atPath: dir + "/keydash", withIntermediateDirectories: true)
            for value in ["inf", "1.8e10"] {
                try "refresh = \(value)\n".write(toFile: dir + "/keydash/config.toml", atomically: true, encoding: .utf8)
                let result = try keydash(["dash", "--endpoint", "http://127.0.0.1:9", "--org", "o"],
                                         environment: ["XDG_CONFIG_HOME": dir, "WHYLABS_API_KEY": "k"])
                #expect(result.status == 78, "refresh = \(value): \(result.stderr)")
                #expect(result.stderr.contains("refresh must be between 0 and 86400 seconds"))
                #expect(result.stderr.split(separator: "\n").count == 1)
            }
        }
    }
}
