import Foundation
import Testing

/// The built binary in a real terminal (tmux) against `keydash serve` on loopback.
extension EndToEnd {
    @Suite(.serialized) struct DashboardTests {
        func startServer(_ extra: [String] = []) throws -> ServeProcess {
            try ServeProcess(extra: ["--seed-demo", "40", "--log-requests"] + extra)
        }

        func requests(_ server: ServeProcess, _ method: String) -> [String] {
            server.log.split(separator: "\n").map(String.init).filter { $0.hasPrefix(method + " ") }
        }

        @Test func browseFilterAndInspect() throws {
            let server = try startServer()
            defer { server.stop() }
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection)
            defer { tmux.kill() }
            let list = try #require(tmux.waitForList(), "the list was painted")
            #expect(list.contains("org-e2e @ 127.0.0.1"))
            #expect(list.contains("ALIAS") && list.contains("KEY ID") && list.contains("SCOPES"))
            #expect(list.contains("keydash-admin"))

            // Filter: live as typed, Enter keeps it and selects the first match.
            tmux.send("/")
            tmux.type("keydash-adm")
            tmux.send("Enter")
            let filtered = try #require(tmux.waitFor("1 of "))
            #expect(filtered.contains("filter \"keydash-adm\""))
            tmux.send("Enter")
            let detail = try #require(tmux.waitFor("never expires"))
            #expect(detail.contains("this is the key keydash is using"))
            #expect(detail.contains("never expires"))
            tmux.send("Escape")
            #expect(tmux.waitFor { !$0.contains("Key ID ") && $0.contains("1 of ") } != nil)
            tmux.send("Escape")  // clears the filter
            #expect(tmux.waitFor { $0.contains(" keys · by created") && !$0.contains(" of ") } != nil)

            // Help comes from the key table.
            tmux.send("?")
            let help = try #require(tmux.waitFor("cycle hygiene filters"))
            #expect(help.contains("mark for bulk revoke"))
            tmux.send("Escape")
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
            #expect(tmux.exitStatus == 0)
        }

        @Test func revokeNeedsTheTypedIdAndIsSentOnce() throws {
            let server = try startServer()
            defer { server.stop() }
            let created = try keydash(["create", "--user", "user-e2e", "--alias", "doomed-key", "--format", "json"] + server.connection)
            let keyId = try #require((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["keyId"] as? String)
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection)
            defer { tmux.kill() }
            #expect(tmux.waitForList() != nil)
            tmux.send("/")
            tmux.type("doomed")
            tmux.send("Enter")
            #expect(tmux.waitFor("1 of ") != nil)

            // d opens the modal; stray keys and Enter don't revoke.
            tmux.send("d")
            #expect(tmux.waitFor("REVOKE KEY \(keyId)") != nil)
            tmux.send("Enter")
            tmux.type("qqq")
            tmux.send("Enter")
            #expect(tmux.waitFor("does not match") != nil)
            tmux.send("C-u")
            tmux.type(keyId)
            tmux.send("Enter", "Enter", "Enter")  // key repeat after the confirmation
            #expect(tmux.waitFor("revoked \(keyId)") != nil)
            tmux.send("Escape", "q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)

            let deletes = requests(server, "DELETE")
            #expect(deletes.count == 1, "the server saw \(deletes)")
            let onServer = try keydash(["get", keyId, "--format", "json"] + server.connection)
            #expect(onServer.stdout.contains("\"revoked\" : true"))
        }

        @Test func cancelledRevokeSendsNothing() throws {
            let server = try startServer()
            defer { server.stop() }
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection)
            defer { tmux.kill() }
            #expect(tmux.waitForList() != nil)
            tmux.send("j", "d")
            let modal = try #require(tmux.waitFor("Type the key id to confirm"))
            #expect(modal.contains("Type the key id to confirm"))
            tmux.type("abc")
            tmux.send("Escape")
            #expect(tmux.waitFor("revoke cancelled") != nil)
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
            #expect(requests(server, "DELETE").isEmpty)
        }

        /// Left open as a monitor: refreshes that bring the same keys write
        /// nothing to the terminal, and one that takes longer than its quiet
        /// period is announced, then cleared when it answers.
        @Test func theMonitorIsSilentUntilARefreshIsSlow() throws {
            let fast = try startServer()
            defer { fast.stop() }
            let tmux = try TmuxSession(["--refresh", "1"] + fast.connection)
            defer { tmux.kill() }
            #expect(tmux.waitForList() != nil)
            Thread.sleep(forTimeInterval: 1.5)  // past the first refresh, which marks the key keydash uses as used
            let bytes = TempDir.make() + "/pane.bytes"
            _ = try tmux.tmux(["pipe-pane", "-o", "-t", tmux.name, "cat >> " + TmuxSession.quote(bytes)], capture: false)
            let before = requests(fast, "GET").count
            Thread.sleep(forTimeInterval: 4.5)
            _ = try tmux.tmux(["pipe-pane", "-t", tmux.name], capture: false)
            let refreshes = requests(fast, "GET").count - before
            let written = (try? Data(contentsOf: URL(fileURLWithPath: bytes)))?.count ?? 0
            #expect(refreshes >= 3, "the monitor kept refreshing")
            #expect(written < 40, "\(written) bytes reached the terminal over \(refreshes) refreshes of the same keys")
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)

            let slow = try startServer(["--latency", "1500"])
            defer { slow.stop() }
            let watched = try TmuxSession(["--refresh", "1"] + slow.connection)
            defer { watched.kill() }
            #expect(watched.waitForList() != nil)
            #expect(watched.waitFor("refreshing", timeout: 8) != nil, "a slow refresh is announced after its quiet period")
            #expect(watched.waitFor(timeout: 8) { !$0.contains("refreshing") && $0.contains("updated") } != nil)
            watched.send("q")
            #expect(watched.waitFor("KEYDASH-EXITED") != nil)
        }

        @Test func resizesAndSmallTerminals() throws {
            let server = try startServer()
            defer { server.stop() }
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection, width: 160, height: 50)
            defer { tmux.kill() }
            #expect(tmux.waitFor("SCOPES") != nil)
            tmux.resize(width: 80, height: 24)
            let narrow = try #require(tmux.waitFor { !$0.contains("SCOPES") && $0.contains("STATUS") })
            let lines = narrow.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count >= 24)
            #expect(lines.allSatisfy { $0.count <= 80 })
            tmux.resize(width: 50, height: 10)
            #expect(tmux.waitFor("Terminal too small") != nil)
            tmux.resize(width: 120, height: 40)
            #expect(tmux.waitFor { $0.contains("SCOPES") && !$0.contains("too small") } != nil)
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
        }

        @Test(arguments: ["TERM", "HUP", "INT"])
        func signalsRestoreTheTerminal(signal: String) throws {
            let server = try startServer()
            defer { server.stop() }
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection)
            defer { tmux.kill() }
            #expect(tmux.waitForList() != nil)
            let pid = try #require(tmux.programPid())
            let sig: Int32 = switch signal { case "TERM": SIGTERM; case "HUP": SIGHUP; default: SIGINT }
            kill(pid, sig)
            let after = try #require(tmux.waitFor("KEYDASH-EXITED"))
            // Back on the normal screen: the dashboard is gone.
            #expect(!after.contains("KEY ID"))
            #expect(tmux.exitStatus == 0)
            tmux.expectRestored("SIG\(signal)")
        }

        @Test func ctrlCAtTheNoEchoKeyPromptLeavesEchoOn() throws {
            let tmux = try TmuxSession(["list", "--endpoint", "http://127.0.0.1:9", "--org", "org-x"])
            defer { tmux.kill() }
            #expect(tmux.waitFor("WhyLabs API key:") != nil)
            tmux.type("secret-half-typed")
            tmux.send("C-c")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
            #expect(tmux.exitStatus == 130, "ended by SIGINT as a shell expects")
            #expect(tmux.sttyFlags.contains("echo"), "echo is back on: \(tmux.sttyAfterExit)")
            #expect(!tmux.capture().contains("secret-half-typed"))
        }

        @Test func aHangupWithoutSIGHUPEndsTheDashboardAtOnceWithoutSpinning() throws {
            let server = try startServer()
            defer { server.stop() }
            let pty = try PseudoTerminal(width: 100, height: 30)
            let child = try pty.spawn(try Binary.keydash, ["--refresh", "0"] + server.connection,
                                      environment: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                                                    "XDG_STATE_HOME": TempDir.shared.path + "/state", "XDG_CONFIG_HOME": TempDir.shared.path + "/config",
                                                    "PATH": "/usr/bin:/bin", "HOME": TempDir.shared.path])
            #expect(pty.waitForOutput(containing: "updated", timeout: 15), "the dashboard came up")
            let cpuBefore = try #require(ProcessCPU.seconds(of: child))
            let closedAt = Date()
            pty.closeMaster()
            let ended = ProcessCPU.waitForExit(child, timeout: 5)
            let exitedAfter = Date().timeIntervalSince(closedAt)
            let usage = try #require(ended, "keydash did not exit after its terminal went away")
            #expect(exitedAfter < 1, "exited \(exitedAfter)s after the hangup")
            #expect(usage.cpuSeconds - cpuBefore < 0.1, "used \(usage.cpuSeconds - cpuBefore)s of CPU after the hangup")
        }

        func auditLines(_ stateHome: String) -> [[String: Any]] {
            let text = (try? String(contentsOfFile: stateHome + "/keydash/audit.jsonl", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        @Test func quittingWithACreateInFlightAsksThenRecordsItAsUnknown() throws {
            let server = try startServer(["--latency", "4000"])
            defer { server.stop() }
            let stateHome = TempDir.make()
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection, environment: ["XDG_STATE_HOME": stateHome])
            defer { tmux.kill() }
            #expect(tmux.waitForList(timeout: 20) != nil)
            tmux.send("n")
            #expect(tmux.waitFor("New API key") != nil)
            tmux.send("Enter")
            #expect(tmux.waitFor("creating") != nil)
            tmux.send("Escape")  // the form closes; the create is still out
            #expect(tmux.waitFor("still creating") != nil)
            tmux.send("q")
            let asked = try #require(tmux.waitFor("Waiting for the server"))
            #expect(asked.contains("create a key for"))
            let quitAt = Date()
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED", timeout: 10) != nil)
            let waited = Date().timeIntervalSince(quitAt)
            #expect(waited < 6, "a bounded wait (\(waited)s)")
            let lines = auditLines(stateHome)
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?["action"] as? String == "create")
            #expect(lines.first?["result"] as? String == "unknown")
            tmux.expectRestored("after quitting with a write in flight")
        }

        @Test func sigtermWaitsForARevokeInFlightAndAuditsItsAnswer() throws {
            let server = try startServer(["--latency", "1500"])
            defer { server.stop() }
            let created = try keydash(["create", "--user", "user-e2e", "--alias", "term-doomed", "--format", "json"] + server.connection)
            let keyId = try #require((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["keyId"] as? String)
            let stateHome = TempDir.make()
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection, environment: ["XDG_STATE_HOME": stateHome])
            defer { tmux.kill() }
            #expect(tmux.waitForList(timeout: 20) != nil)
            tmux.send("/")
            tmux.type("term-doomed")
            tmux.send("Enter")
            #expect(tmux.waitFor("1 of ") != nil)
            tmux.send("d")
            #expect(tmux.waitFor("Type the key id") != nil)
            tmux.type(keyId)
            tmux.send("Enter")
            kill(try #require(tmux.programPid()), SIGTERM)
            #expect(tmux.waitFor("KEYDASH-EXITED", timeout: 10) != nil)
            let lines = auditLines(stateHome)
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?["keyId"] as? String == keyId)
            #expect(lines.first?["result"] as? String == "ok", "the answer came within the grace period")
            #expect(requests(server, "DELETE").count == 1)
        }

        @Test func aCrashRestoresTheTerminalModes() throws {
            let server = try startServer()
            defer { server.stop() }
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection, environment: ["KEYDASH_TEST_CRASH": "after-first-frame"])
            defer { tmux.kill() }
            let after = try #require(tmux.waitFor("KEYDASH-EXITED", timeout: 20))
            #expect(!after.contains("KEY ID"), "the dashboard is gone")
            let status = try #require(tmux.exitStatus)
            #expect(status > 128, "died of a signal (\(status))")
            tmux.expectRestored("after a trap")
        }

        @Test func quittingNormallyRestoresTheTerminalModes() throws {
            let server = try startServer()
            defer { server.stop() }
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection)
            defer { tmux.kill() }
            #expect(tmux.waitForList() != nil)
            // Holding a key, it can leave no core dump.
            let pid = try #require(tmux.programPid())
            let limits = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? ""
            let core = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }.map(String.init) ?? ""
            #expect(core.split(separator: " ").filter { $0 == "0" }.count == 2, "core dumps off: \(core)")
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
            tmux.expectRestored("after q")
        }

        @Test(arguments: ["C-c", "HUP"])
        func withoutAnAlternateScreenTheSecretIsErasedBeforeExit(how: String) throws {
            let server = try startServer()
            defer { server.stop() }
            let tmux = try TmuxSession(["--refresh", "0"] + server.connection, width: 100, height: 30,
                                       environment: ["TERM": "vt100", "LANG": "C", "LC_ALL": "C"])
            defer { tmux.kill() }
            #expect(tmux.waitForList() != nil)
            tmux.send("n")
            #expect(tmux.waitFor("New API key") != nil)
            tmux.send("Enter")
            let shown = try #require(tmux.waitFor("only time the key is shown"))
            let secretLine = try #require(shown.split(separator: "\n").first { $0.contains(":org-e2e") })
            let secret = try #require(secretLine.split(separator: " ").first { $0.contains(":org-e2e") })
            if how == "HUP" {
                kill(try #require(tmux.programPid()), SIGHUP)
            } else {
                tmux.send("C-c")
            }
            let after = try #require(tmux.waitFor("KEYDASH-EXITED"))
            #expect(!after.contains(String(secret.prefix(20))), "the secret is gone from the terminal")
            #expect(!after.contains("only time the key is shown"))
            tmux.expectRestored("vt100 after \(how)")
        }

        @Test func plainTerminalsNoColourAndNonUTF8() throws {
            let server = try startServer()
            defer { server.stop() }
            for env in [["TERM": "xterm", "NO_COLOR": "1"], ["TERM": "vt100", "LANG": "C", "LC_ALL": "C"], ["TERM": "screen"]] {
                let tmux = try TmuxSession(["--refresh", "0"] + server.connection, width: 100, height: 30, environment: env)
                defer { tmux.kill() }
                let screen = try #require(tmux.waitForList(), "\(env)")
                #expect(screen.contains("keydash-admin"))
                if env["LANG"] == "C" {
                    // No UTF-8 from keydash: its own glyphs fall back to ASCII.
                    #expect(!screen.contains("·") && !screen.contains("↓") && !screen.contains("…"), "\(env)")
                }
                tmux.send("q")
                #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
                #expect(tmux.exitStatus == 0)
            }
        }

        @Test func unreachableServerIsShownAndRetried() throws {
            let tmux = try TmuxSession(["--endpoint", "http://127.0.0.1:9", "--org", "org-x", "--api-key-file", try keyFile()])
            defer { tmux.kill() }
            let screen = try #require(tmux.waitFor("offline"))
            #expect(screen.contains("connection refused"))
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
        }

        @Test func demoModeNeedsNoAccount() throws {
            let tmux = try TmuxSession(["--demo"])
            defer { tmux.kill() }
            let screen = try #require(tmux.waitForList(timeout: 20))
            #expect(screen.contains("org-demo"))
            #expect(screen.contains("expiring"))
            tmux.send("q")
            #expect(tmux.waitFor("KEYDASH-EXITED") != nil)
            #expect(tmux.exitStatus == 0)
        }

        func keyFile() throws -> String {
            let path = TempDir.make() + "/k.key"
            _ = FileManager.default.createFile(atPath: path, contents: Data(("ABCDEFGHIJ." + String(repeating: "a", count: 53)).utf8),
                                               attributes: [.posixPermissions: 0o600])
            return path
        }
    }
}
