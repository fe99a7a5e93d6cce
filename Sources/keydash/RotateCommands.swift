import ArgumentParser
import Foundation
import KeyDashCore
import WhyLabsAPI

/// What `rotate` and `rotations` share: the pending store and the audit log.
enum RotationCommands {
    static var store: RotationStore { RotationStore(path: RotationStore.defaultPath()) }

    static func pending(org: String) throws -> [PendingRotation] {
        do {
            return try store.load().filter { $0.org == org }
        } catch {
            throw CommandFailure(error.description, code: ExitStatus.config)
        }
    }

    /// One audit line per step; a failure to write it is said, not fatal
    /// (the step itself already happened).
    static func audit(_ client: WhyLabsClient, action: String, keyId: String?, user: String, alias: String?,
                      result: String, requestId: String?, detail: String? = nil) {
        let entry = AuditEntry(time: Date(), org: client.configuration.orgId, endpointHost: client.configuration.endpoint.host ?? "",
                               action: action, keyId: keyId, user: user, alias: alias, result: result, requestId: requestId, detail: detail)
        do {
            try AuditLog(path: AuditLog.defaultPath()).append(entry)
        } catch {
            Output.err("\(error)")
        }
    }

    static func revoke(_ client: WhyLabsClient, _ rotation: PendingRotation) async throws {
        do throws(APIError) {
            let change = try await client.revokeKey(userId: rotation.userId, keyId: rotation.oldKeyId)
            audit(client, action: "revoke", keyId: rotation.oldKeyId, user: rotation.userId, alias: rotation.alias, result: "ok",
                  requestId: change.requestId, detail: "rotation to \(rotation.newKeyId) complete")
        } catch {
            audit(client, action: "revoke", keyId: rotation.oldKeyId, user: rotation.userId, alias: rotation.alias,
                  result: error.outcomeUnknown ? "unknown" : "error", requestId: error.requestId, detail: error.description)
            throw error
        }
        do {
            try store.remove(org: rotation.org, oldKeyId: rotation.oldKeyId)
        } catch {
            throw CommandFailure("revoked \(rotation.oldKeyId), but \(error)", code: ExitStatus.config)
        }
    }
}

struct RotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace a key: a new key with the same user, scopes, alias and lifetime; its secret is printed once.",
        discussion: """
            The old key keeps working until it is revoked: with --revoke-old now \
            at once, otherwise later with `keydash rotations --finish` once the new \
            key is in use and the old one is not. Pending rotations are kept in \
            $XDG_STATE_HOME/keydash/rotations.json (no secrets).
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The key id to replace.")
    var keyId: String

    @Option(help: "The user the key belongs to.")
    var user: String

    @Option(help: "90d, 12h, 1y, a date (2027-01-31) or never (default: the old key's lifetime, counted from now).")
    var expires: String?

    @Option(help: "now: revoke the old key as soon as the new one exists.")
    var revokeOld: String?

    @Option(help: "table or json.")
    var format: KeyReport.Format = .table

    func validate() throws {
        if format == .csv { throw ValidationError("--format must be table or json for rotate") }
        if let expires, ExpirySpec.parse(expires) == nil {
            throw ValidationError("--expires must look like 90d, 12h, 1y, 2027-01-31 or never (got '\(Excerpt.of(expires))')")
        }
        if let revokeOld, revokeOld != "now" { throw ValidationError("--revoke-old takes only 'now' (got '\(Excerpt.of(revokeOld))')") }
        if keyId.isEmpty || user.isEmpty { throw ValidationError("KEY_ID and --user must not be empty") }
    }

    func run() async throws {
        try await withClient(connection) { client in
            let org = client.configuration.orgId
            let old = try await client.getKey(keyId: keyId)
            guard old.userId == user else {
                throw CommandFailure("key \(keyId) belongs to \(old.userId), not \(user)", code: ExitStatus.usage)
            }
            guard !old.isRevoked else { throw CommandFailure("key \(keyId) is already revoked", code: ExitStatus.usage) }
            let now = Date()
            let expiration = expires.flatMap { ExpirySpec.parse($0) }.map { $0.date(from: now) } ?? PendingRotation.replacementExpiry(of: old, now: now)
            let request = CreateKeyRequest(userId: user, alias: old.alias, scopes: old.scopes ?? [], expiration: expiration)
            let change: KeyChange
            do throws(APIError) {
                change = try await client.createKey(request)
            } catch {
                // Nothing was created (or nothing is known to be): nothing is pending.
                RotationCommands.audit(client, action: "rotate", keyId: keyId, user: user, alias: old.alias,
                                       result: error.outcomeUnknown ? "unknown" : "error", requestId: error.requestId, detail: error.description)
                throw error
            }
            let new = change.key
            let rotation = PendingRotation(org: org, oldKeyId: keyId, newKeyId: new.keyId, userId: user, alias: old.alias, rotatedAt: now)
            // Recorded before anything else can fail, so a crash from here on leaves it pending.
            var storeFailure: Error?
            do { try RotationCommands.store.add(rotation) } catch { storeFailure = error }
            RotationCommands.audit(client, action: "rotate", keyId: new.keyId, user: user, alias: old.alias, result: "ok",
                                   requestId: change.requestId, detail: "replaces \(keyId)")
            var oldRevoked = false
            var revokeFailure: Error?
            // The secret first: whatever happens next, it is not lost.
            switch format {
            case .json: break
            default:
                Output.out(KeyReport.detail(new.withoutSecret, now: now))
                if let secret = new.key { Output.out("\nSecret (shown once, store it now):\n\(DisplayText.sanitize(secret))\n") }
            }
            if storeFailure == nil, revokeOld == "now" {
                do {
                    try await RotationCommands.revoke(client, rotation)
                    oldRevoked = true
                } catch {
                    revokeFailure = error
                }
            }
            switch format {
            case .json:
                var w = KeyJSONWriter(style: .pretty)
                w.object { w in
                    w.member("key"); w.key(new)
                    w.member("oldKeyRevoked"); w.bool(oldRevoked)
                    w.member("replaces"); w.string(keyId)
                }
                w.finish()
                Output.out(bytes: w.bytes)
            default:
                if oldRevoked {
                    Output.out("\nrevoked \(DisplayText.sanitize(keyId)): rotation complete\n")
                } else if storeFailure == nil && revokeFailure == nil {
                    Output.out("\n\(DisplayText.sanitize(keyId)) still works: revoke it with `keydash rotations --finish` once it is unused\n")
                }
            }
            if let storeFailure {
                throw CommandFailure("the new key \(new.keyId) exists, but the rotation could not be recorded: \(storeFailure)", code: ExitStatus.config)
            }
            if let revokeFailure {
                Output.err("the new key \(new.keyId) exists and the rotation is pending; revoking \(keyId) failed")
                throw revokeFailure
            }
        }
    }
}

struct RotationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotations",
        abstract: "Pending rotations and where each stands; --finish revokes the old keys that are ready.",
        discussion: """
            States: replaced (the new key has not been used yet), ready to revoke \
            (the new key is in use and the old one has not been used since), still \
            in use (the old key was used after the new one started being used), \
            replacement revoked or gone, old key gone.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Revoke every old key that is ready to revoke (asks on a terminal unless --yes).")
    var finish = false

    @Flag(help: "With --finish: do not ask; required when not on a terminal.")
    var yes = false

    @Option(help: "table or json.")
    var format: KeyReport.Format = .table

    func validate() throws {
        if format == .csv { throw ValidationError("--format must be table or json for rotations") }
        if yes && !finish { throw ValidationError("--yes goes with --finish") }
    }

    func run() async throws {
        if finish && !yes && !TerminalPrompt.isInteractive {
            try await reportingFailures {
                throw CommandFailure("not on a terminal: pass --yes to revoke without asking", code: ExitStatus.usage)
            }
        }
        try await withClient(connection) { client in
            let org = client.configuration.orgId
            var rotations = try RotationCommands.pending(org: org)
            let listed = try await client.listKeys(userId: nil)
            var keys = Dictionary(listed.map { ($0.keyId, $0) }, uniquingKeysWith: { a, _ in a })
            // The org-wide list leaves revoked keys out: ask for the missing ones.
            for id in Set(rotations.flatMap { [$0.oldKeyId, $0.newKeyId] }) where keys[id] == nil {
                do {
                    keys[id] = try await client.getKey(keyId: id)
                } catch APIError.notFound {
                    continue
                }
            }
            var states: [RotationState] = []
            for (i, rotation) in rotations.enumerated() {
                let (state, noted) = rotation.state(old: keys[rotation.oldKeyId], new: keys[rotation.newKeyId])
                if noted != rotation {
                    rotations[i] = noted
                    do { try RotationCommands.store.update(noted) } catch { Output.err("\(error)") }
                }
                states.append(state)
            }
            let now = Date()
            switch format {
            case .json: Output.out(bytes: Self.json(rotations, states))
            default: Output.out(Self.table(rotations, states, now: now))
            }
            guard finish else { return }
            // Done ones (old key revoked elsewhere) are just cleared.
            for (rotation, state) in zip(rotations, states) where state == .done {
                do { try RotationCommands.store.remove(org: org, oldKeyId: rotation.oldKeyId) } catch { Output.err("\(error)") }
            }
            let ready = zip(rotations, states).filter { $0.1 == .readyToRevoke }.map(\.0)
            guard !ready.isEmpty else {
                if format != .json { Output.out("nothing is ready to revoke\n") }
                return
            }
            if !yes {
                Output.out("\nRevoking stops every program using these keys at once:\n")
                for r in ready { Output.out("  \(DisplayText.sanitize(r.oldKeyId)) (\(DisplayText.sanitize(r.userId))), replaced by \(DisplayText.sanitize(r.newKeyId))\n") }
                let answer = TerminalPrompt.readLine(prompt: "Type \(ready.count) to revoke \(ready.count == 1 ? "it" : "all \(ready.count)"): ")
                guard answer?.trimmingCharacters(in: .whitespaces) == String(ready.count) else {
                    throw CommandFailure("not revoked", code: ExitStatus.declined)
                }
            }
            var failures = 0
            for rotation in ready {
                do {
                    try await RotationCommands.revoke(client, rotation)
                    if format != .json { Output.out("revoked \(DisplayText.sanitize(rotation.oldKeyId)): rotation to \(DisplayText.sanitize(rotation.newKeyId)) complete\n") }
                } catch {
                    failures += 1
                    Output.err("revoking \(rotation.oldKeyId) failed: \(error); it stays pending")
                }
            }
            if failures > 0 { throw CommandFailure("\(failures) of \(ready.count) revokes failed", code: ExitStatus.serverError) }
        }
    }

    static func table(_ rotations: [PendingRotation], _ states: [RotationState], now: Date) -> String {
        guard !rotations.isEmpty else { return "(no pending rotations)\n" }
        var rows = [["OLD KEY", "NEW KEY", "USER", "ALIAS", "ROTATED", "STATE"]]
        for (r, state) in zip(rotations, states) {
            rows.append([KeyReport.clean(r.oldKeyId), KeyReport.clean(r.newKeyId), KeyReport.clean(r.userId), KeyReport.clean(r.alias ?? "-"),
                         RelativeTime.describe(r.rotatedAt, now: now), state.rawValue])
        }
        return KeyReport.layout(rows)
    }

    static func json(_ rotations: [PendingRotation], _ states: [RotationState]) -> [UInt8] {
        var w = KeyJSONWriter(style: .pretty)
        w.object { w in
            w.member("rotations")
            w.array(zip(rotations, states)) { w, pair in
                let (r, state) = pair
                w.object { w in
                    if let alias = r.alias { w.member("alias"); w.string(alias) }
                    w.member("newKeyId"); w.string(r.newKeyId)
                    w.member("oldKeyId"); w.string(r.oldKeyId)
                    w.member("rotatedAt"); w.string(APITime.format(r.rotatedAt) + "Z")
                    w.member("state"); w.string(state.rawValue)
                    w.member("userId"); w.string(r.userId)
                }
            }
        }
        w.finish()
        return w.bytes
    }
}
