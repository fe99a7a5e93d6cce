import Foundation
import ScriptedServer
import Testing

/// Rotation, the policy check and the change stream, as an admin runs them:
/// the built binary against `keydash serve` on loopback.
extension EndToEnd {
    @Suite(.serialized) struct WorkflowTests {
        func requests(_ server: ServeProcess, _ method: String) -> [String] {
            server.log.split(separator: "\n").map(String.init).filter { $0.hasPrefix(method + " ") }
        }

        func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
        }

        /// Its own state directory, so rotations of one test are not another's.
        func environment() -> [String: String] {
            let dir = TempDir.make()
            return ["XDG_STATE_HOME": dir + "/state", "XDG_CONFIG_HOME": dir + "/config"]
        }

        /// Uses a key the way a deployed program would: any authenticated request.
        func use(_ secret: String, server: ServeProcess, user: String) throws {
            let used = try keydash(["list", "--user", user, "--endpoint", server.endpoint, "--api-key-file", try secretFile(secret)])
            #expect(used.status == 0, "\(used.stderr)")
        }

        func secretFile(_ secret: String) throws -> String {
            let path = TempDir.make() + "/key"
            try secret.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o600)
            return path
        }

        func created(_ server: ServeProcess, user: String, alias: String, env: [String: String]) throws -> String {
            let made = try keydash(["create", "--user", user, "--alias", alias, "--scope", ":write_data", "--expires", "30d", "--format", "json"]
                                   + server.connection, environment: env)
            return try #require(try json(made.stdout)["keyId"] as? String)
        }

        @Test func rotateInTheDashboardThenRevokeTheOldKeyWhenReady() throws {
            let server = try ServeProcess(extra: ["--log-requests"])
            defer { server.stop() }
            let env = environment()
            let oldId = try created(server, user: "user-rot", alias: "nightly-etl", env: env)
            let postsBefore = requests(server, "POST").count
            let tmux = try TmuxSession(["--refresh", "1", "--user", "user-rot"] + server.connection, environment: env)
            defer { tmux.kill() }
            #expect(tmux.waitFor("nightly-etl") != nil)
            tmux.send("o")
            // The whole form, not its first painted line: on a busy machine a
            // capture can land while curses is still writing the box.
            let form = try #require(tmux.waitFor { $0.contains("Replace key \(oldId)") && $0.contains("the old key's lifetime") })
            #expect(form.contains("30 days from now, the old key's lifetime"))
            #expect(form.contains(":write_data"))
            tmux.send("Enter")
            let shown = try #require(tmux.waitFor(":org-e2e"))
            let secret = try #require(shown.split(separator: " ").map(String.init).first { $0.hasSuffix(":org-e2e") && $0.contains(".") })
            let newId = String(secret.prefix(10))
            tmux.send("Escape")
            #expect(tmux.waitFor { $0.contains(newId) && !$0.contains(secret) } != nil, "the secret is gone from the screen")
            #expect(tmux.waitFor("replaced") != nil)

            // The new key goes into use; the old one falls quiet: ready.
            try use(secret, server: server, user: "user-rot")
            #expect(tmux.waitFor("ready") != nil)
            tmux.send("/")
            tmux.type(oldId)
            tmux.send("Enter", "Enter")
            #expect(tmux.waitFor("replaced by \(newId); ready to revoke") != nil)
            tmux.send("Escape", "d")
            #expect(tmux.waitFor("REVOKE KEY \(oldId)") != nil)
            tmux.type(oldId)
            tmux.send("Enter", "Enter")
            #expect(tmux.waitFor("rotation to \(newId) complete") != nil)
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)

            #expect(requests(server, "POST").count - postsBefore == 1, "exactly one create")
            #expect(requests(server, "DELETE").count == 1, "exactly one revoke: \(requests(server, "DELETE"))")
            let pending = try keydash(["rotations", "--format", "json"] + server.connection, environment: env)
            #expect((try json(pending.stdout)["rotations"] as? [Any])?.isEmpty == true)
            let audit = try String(contentsOfFile: env["XDG_STATE_HOME"]! + "/keydash/audit.jsonl", encoding: .utf8)
            #expect(audit.contains("\"action\":\"rotate\"") && audit.contains("replaces \(oldId)"))
            #expect(!audit.contains(secret))
        }

        @Test func rotateFromTheCommandLineAndFinishWhenReady() throws {
            let server = try ServeProcess(extra: ["--log-requests"])
            defer { server.stop() }
            let env = environment()
            let oldId = try created(server, user: "user-cli", alias: "ingest", env: env)
            let wrongUser = try keydash(["rotate", oldId, "--user", "someone-else"] + server.connection, environment: env)
            #expect(wrongUser.status == 64 && wrongUser.stderr.contains("belongs to user-cli"))

            let rotated = try keydash(["rotate", oldId, "--user", "user-cli", "--format", "json"] + server.connection, environment: env)
            #expect(rotated.status == 0, "\(rotated.stderr)")
            let answer = try json(rotated.stdout)
            let newKey = try #require(answer["key"] as? [String: Any])
            let secret = try #require(newKey["key"] as? String)
            let newId = try #require(newKey["keyId"] as? String)
            #expect(answer["replaces"] as? String == oldId && answer["oldKeyRevoked"] as? Bool == false)
            #expect(newKey["alias"] as? String == "ingest" && newKey["scopes"] as? [String] == [":write_data"])
            let stored = try String(contentsOfFile: env["XDG_STATE_HOME"]! + "/keydash/rotations.json", encoding: .utf8)
            #expect(stored.contains(oldId) && stored.contains(newId) && !stored.contains(secret), "pending, without the secret")

            var table = try keydash(["rotations"] + server.connection, environment: env)
            #expect(table.stdout.contains("replaced"))
            let nothing = try keydash(["rotations", "--finish", "--yes"] + server.connection, environment: env)
            #expect(nothing.stdout.contains("nothing is ready to revoke"))
            #expect(requests(server, "DELETE").isEmpty)

            try use(secret, server: server, user: "user-cli")
            table = try keydash(["rotations"] + server.connection, environment: env)
            #expect(table.stdout.contains("ready to revoke"), "\(table.stdout)")
            let refused = try keydash(["rotations", "--finish"] + server.connection, environment: env)
            #expect(refused.status == 64 && refused.stderr.contains("--yes"), "not on a terminal: it asks for --yes")
            let finished = try keydash(["rotations", "--finish", "--yes"] + server.connection, environment: env)
            #expect(finished.status == 0, "\(finished.stderr)")
            #expect(finished.stdout.contains("revoked \(oldId): rotation to \(newId) complete"))
            #expect(requests(server, "DELETE").count == 1)
            #expect(try keydash(["rotations"] + server.connection, environment: env).stdout.contains("(no pending rotations)"))
        }

        /// A failure between the create and the revoke leaves the rotation
        /// pending with an audit line for each step; a failed create leaves nothing.
        @Test func aFailureBetweenTheStepsLeavesACorrectPendingRecord() throws {
            let db = TempDir.make() + "/keys.sqlite"
            let env = environment()
            let setup = try ServeProcess(extra: [], db: db)
            let oldId = try created(setup, user: "user-f", alias: "fragile", env: env)
            let keyFile = setup.keyFile
            setup.stop()

            // Two requests a minute: the get and the create pass, the revoke is refused.
            let limited = try ServeProcess(dir: (keyFile as NSString).deletingLastPathComponent, extra: ["--rate-limit", "2"], db: db)
            defer { limited.stop() }
            let rotated = try keydash(["rotate", oldId, "--user", "user-f", "--revoke-old", "now"] + limited.connection, environment: env)
            #expect(rotated.status == 5, "rate limited: \(rotated.stderr)")
            #expect(rotated.stdout.contains("Secret (shown once"), "the secret is printed before the revoke is tried")
            #expect(rotated.stderr.contains("the rotation is pending"))
            let stored = try String(contentsOfFile: env["XDG_STATE_HOME"]! + "/keydash/rotations.json", encoding: .utf8)
            #expect(stored.contains(oldId))
            let audit = try String(contentsOfFile: env["XDG_STATE_HOME"]! + "/keydash/audit.jsonl", encoding: .utf8)
            let lines = audit.split(separator: "\n").filter { $0.contains(oldId) }
            #expect(lines.contains { $0.contains("\"action\":\"rotate\"") && $0.contains("\"result\":\"ok\"") })
            #expect(lines.contains { $0.contains("\"action\":\"revoke\"") && $0.contains("\"result\":\"error\"") })

            // Now the create is refused: nothing new is pending.
            let before = stored
            let failed = try keydash(["rotate", oldId, "--user", "user-f"] + limited.connection, environment: env)
            #expect(failed.status != 0)
            #expect(try String(contentsOfFile: env["XDG_STATE_HOME"]! + "/keydash/rotations.json", encoding: .utf8) == before)
        }

        @Test func checkFailsOnTheDemoDataAndPassesOnceFixed() throws {
            let server = try ServeProcess(extra: ["--seed-demo", "60"])
            defer { server.stop() }
            let env = environment()
            try FileManager.default.createDirectory(atPath: env["XDG_CONFIG_HOME"]! + "/keydash", withIntermediateDirectories: true)
            let config = env["XDG_CONFIG_HOME"]! + "/keydash/config.toml"
            try "[policy]\nexpiry_required = true\nscopes_only_for = { \":administrator\" = [\"admin\"] }\n"
                .write(toFile: config, atomically: true, encoding: .utf8)

            let failing = try keydash(["check", "--format", "json"] + server.connection, environment: env)
            #expect(failing.status == 1, "\(failing.stderr)")
            let report = try json(failing.stdout)
            let violations = try #require(report["violations"] as? [[String: Any]])
            #expect(!violations.isEmpty)
            #expect(Set(violations.compactMap { $0["rule"] as? String }).isSubset(of: ["expiry-required", "restricted-scope"]))
            let table = try keydash(["check"] + server.connection, environment: env)
            #expect(table.status == 1 && table.stdout.contains("violation"))
            let csv = try keydash(["check", "--format", "csv"] + server.connection, environment: env)
            #expect(csv.stdout.hasPrefix("keyId,userId,alias,rule,setting,detail"))

            // Fix what it reports: revoke every key it names (but the admin's own key, which the policy then allows).
            try "[policy]\nscopes_only_for = { \":administrator\" = [\"admin\"] }\n".write(toFile: config, atomically: true, encoding: .utf8)
            let scoped = try json(try keydash(["check", "--format", "json"] + server.connection, environment: env).stdout)
            for v in try #require(scoped["violations"] as? [[String: Any]]) {
                let id = try #require(v["keyId"] as? String), user = try #require(v["userId"] as? String)
                #expect(try keydash(["revoke", "--yes", "--user", user, id] + server.connection, environment: env).status == 0)
            }
            let passing = try keydash(["check"] + server.connection, environment: env)
            #expect(passing.status == 0, "\(passing.stdout)")
            #expect(passing.stdout.hasPrefix("ok: "))

            try "[policy]\nmax_age_days = -3\n".write(toFile: config, atomically: true, encoding: .utf8)
            let broken = try keydash(["check"] + server.connection, environment: env)
            #expect(broken.status == 78 && broken.stderr.contains("max_age_days") && broken.stdout.isEmpty)
        }

        @Test func watchPrintsTheChangesMadeElsewhere() throws {
            let server = try ServeProcess()
            defer { server.stop() }
            let env = environment()
            let doomed = try created(server, user: "user-w", alias: "doomed", env: env)
            let rotating = try created(server, user: "user-w", alias: "rotating", env: env)
            let rotated = try json(try keydash(["rotate", rotating, "--user", "user-w", "--format", "json"] + server.connection, environment: env).stdout)
            let secret = try #require((rotated["key"] as? [String: Any])?["key"] as? String)
            let out = TempDir.make() + "/watch.out"
            let watch = Process()
            watch.executableURL = URL(fileURLWithPath: try Binary.keydash)
            watch.arguments = ["watch", "--refresh", "1", "--polls", "4", "--format", "jsonl"] + server.connection
            var full = ProcessInfo.processInfo.environment
            for (k, v) in env { full[k] = v }
            watch.environment = full
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            watch.standardOutput = FileHandle(forWritingAtPath: out)
            watch.standardError = FileHandle.nullDevice
            try watch.run()
            defer { if watch.isRunning { watch.terminate() } }
            usleep(300_000)  // the first poll: prints nothing
            let made = try created(server, user: "user-w", alias: "fresh", env: env)
            #expect(try keydash(["revoke", "--yes", "--user", "user-w", doomed] + server.connection, environment: env).status == 0)
            try use(secret, server: server, user: "user-w")
            let deadline = Date().addingTimeInterval(20)
            while watch.isRunning && Date() < deadline { usleep(50_000) }
            #expect(!watch.isRunning, "--polls 4 ends it")
            let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { try json(String($0)) }
            let events = lines.map { "\($0["event"] as? String ?? "?") \($0["keyId"] as? String ?? "?")" }
            #expect(events.contains("appeared \(made)"), "\(events)")
            #expect(events.contains("revoked \(doomed)"), "\(events)")
            #expect(lines.contains { $0["event"] as? String == "rotation" && $0["keyId"] as? String == rotating
                    && ($0["detail"] as? String)?.hasSuffix("ready to revoke") == true }, "\(lines)")
            let ownKeyId = String(try String(contentsOfFile: server.keyFile, encoding: .utf8).prefix(10))
            #expect(!events.contains("used \(ownKeyId)"), "its own polling is not news: \(events)")
            #expect(lines.allSatisfy { $0["time"] is String && $0["userId"] as? String != nil })
        }

        /// A failed poll is one line on stderr and a retry with backoff; the
        /// watch goes on and prints nothing wrong meanwhile.
        @Test func watchSurvivesAFailingServer() async throws {
            let server = try await ScriptedServer(keys: 5)
            defer { server.stop() }
            server.fault = .error500
            let result = try await onOwnThread { () throws -> RunResult in
                let dir = TempDir.make()
                let keyFile = dir + "/key"
                try "fault-key:org-fault".write(toFile: keyFile, atomically: true, encoding: .utf8)
                chmod(keyFile, 0o600)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: try Binary.keydash)
                process.arguments = ["watch", "--refresh", "1", "--polls", "2", "--endpoint", "http://127.0.0.1:\(server.port)",
                                     "--org", "org-fault", "--api-key-file", keyFile, "--timeout", "2"]
                let out = Pipe(), errPath = dir + "/stderr"
                _ = FileManager.default.createFile(atPath: errPath, contents: nil)
                process.standardOutput = out
                process.standardError = FileHandle(forWritingAtPath: errPath)
                try process.run()
                let outData = ReadAll(out.fileHandleForReading)
                func stderr() -> String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
                // The first poll fails (after the client's own retries); then the server recovers.
                let deadline = Date().addingTimeInterval(40)
                while !stderr().contains("poll failed") && Date() < deadline { usleep(50_000) }
                server.fault = .none
                while process.isRunning && Date() < deadline { usleep(50_000) }
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                return RunResult(status: process.terminationStatus, stdout: outData.text(), stderr: stderr())
            }
            #expect(result.status == 0, "\(result.stderr)")
            let failures = result.stderr.split(separator: "\n")
            #expect(!failures.isEmpty && failures.allSatisfy { $0.hasPrefix("keydash: poll failed: server error (500)") && $0.contains("retrying in ") },
                    "\(result.stderr)")
            #expect(!result.stderr.contains("\u{1B}"), "server text reaches stderr sanitized")
            #expect(result.stdout.isEmpty, "the first good poll prints nothing, the second finds no change: \(result.stdout)")
        }

        /// `--notify`: the bell and both desktop notification sequences, in the
        /// raw bytes the terminal receives.
        @Test func notifyRingsAndSendsOSC9And777() throws {
            let server = try ServeProcess()
            defer { server.stop() }
            let env = environment()
            let pty = try PseudoTerminal(width: 100, height: 30)
            defer { pty.closeMaster() }
            var full = ProcessInfo.processInfo.environment
            for (k, v) in env { full[k] = v }
            full["TERM"] = "xterm-256color"
            let pid = try pty.spawn(try Binary.keydash, ["--notify", "--refresh", "1"] + server.connection, environment: full)
            defer { kill(pid, SIGTERM); _ = ProcessCPU.waitForExit(pid, timeout: 5) }
            #expect(pty.waitForOutput(containing: "keydash-admin", timeout: 10))
            let made = try created(server, user: "user-n", alias: "announced", env: env)
            #expect(pty.waitForOutput(containing: "\u{07}\u{1B}]9;keydash org-e2e: \(made) appeared\u{07}", timeout: 10))
            #expect(pty.waitForOutput(containing: "\u{1B}]777;notify;keydash;keydash org-e2e: \(made) appeared\u{07}", timeout: 2))
        }
    }
}
