import Foundation
import WhyLabsAPI

extension DashboardState {
    mutating func openCreate() -> [Effect] {
        if readOnly {
            say("read-only: creating keys is disabled", .warning)
            return []
        }
        guard pane == .list else { return [] }
        pane = .create(CreateForm(user: filter.user ?? selectedKey?.userId ?? ""))
        return []
    }

    /// The replacement form for the selected key.
    mutating func openRotate() -> [Effect] {
        if readOnly {
            say("read-only: rotating keys is disabled", .warning)
            return []
        }
        let key: UserApiKey?
        switch pane {
        case .list: key = selectedKey
        case .detail(let id): key = self.key(id)
        default: return []
        }
        guard let key else { return [] }
        if key.isRevoked || marks[key.keyId] == .revoked || marks[key.keyId] == .revoking {
            say("\(key.keyId) is revoked: nothing to rotate", .warning)
            return []
        }
        if let pending = rotations.first(where: { $0.oldKeyId == key.keyId }) {
            say("\(key.keyId) is already replaced by \(pending.newKeyId)", .info)
            return []
        }
        pane = .create(CreateForm(rotating: key))
        return []
    }

    mutating func editForm(_ edit: FormEdit) {
        guard case .create(var form) = pane, !form.submitting else { return }
        let fields = form.fields
        let at = fields.firstIndex(of: form.focus) ?? 0
        switch edit {
        case .nextField:
            form.focus = fields[(at + 1) % fields.count]
        case .previousField:
            form.focus = fields[(at + fields.count - 1) % fields.count]
        case .text(let text):
            switch form.focus {
            case .user where form.rotation == nil: form.user.apply(text, limit: 128)
            case .alias where form.rotation == nil: form.alias.apply(text, limit: 128)
            case .expiry where form.expiryChoices[form.expiryIndex] == "date": form.expiryDate.apply(text, limit: 10)
            default: break
            }
        case .toggle:
            if form.focus == .after { form.rotation?.revokeNow.toggle() }
            if form.focus == .scopes, form.rotation == nil {
                let scope = KeyScope.all[form.scopeCursor]
                if form.scopes.contains(scope) { form.scopes.remove(scope) } else { form.scopes.insert(scope) }
            }
        case .left, .right:
            let step = edit == .left ? -1 : 1
            if form.focus == .scopes {
                form.scopeCursor = (form.scopeCursor + step + KeyScope.all.count) % KeyScope.all.count
            } else if form.focus == .expiry {
                form.expiryIndex = (form.expiryIndex + step + form.expiryChoices.count) % form.expiryChoices.count
            } else if form.focus == .after {
                form.rotation?.revokeNow.toggle()
            }
        }
        form.error = nil
        pane = .create(form)
    }

    mutating func submitCreate() -> [Effect] {
        guard case .create(var form) = pane, !form.submitting, !readOnly else { return [] }
        switch form.request(now: now) {
        case .failure(let error):
            form.error = error.message
            pane = .create(form)
            return []
        case .success(let request):
            form.submitting = true
            pane = .create(form)
            createInFlight = request
            rotationInFlight = form.rotation
            return [.create(request)]
        }
    }

    mutating func createFinished(_ result: Result<KeyChange, APIError>, at: Date) -> [Effect] {
        // An answer for a create already given up on (recorded as unknown) changes nothing.
        guard let request = createInFlight else { return [] }
        createInFlight = nil
        let plan = rotationInFlight
        rotationInFlight = nil
        switch result {
        case .success(let change) where plan != nil:
            return replacementCreated(change, plan: plan!, at: at)
        case .success(let change):
            let key = change.key.withoutSecret
            let old = keys[key.keyId]
            keys.upsert(key)
            knownUsers.insert(key.userId)
            marks[key.keyId] = .new
            log(ActivityEntry(at: at, kind: .created, keyId: key.keyId, alias: key.alias, userId: key.userId))
            keyChanged(key.keyId, from: old)
            if let index = visible.firstIndex(of: key.keyId) { select(index: index) }
            showSecret(of: change.key)
            return [.audit(audit("create", KeyRef(keyId: key.keyId, userId: key.userId), alias: key.alias, result: "ok", requestId: change.requestId, at: at))]
        case .failure(let error):
            if case .create(var form) = pane {
                form.submitting = false
                form.error = error.description
                pane = .create(form)
            }
            let unknown = error.outcomeUnknown
            say(unknown ? "create: outcome unknown (\(error.description)); a key may have been made, r refreshes to see"
                        : "create failed: \(error.description)", .error)
            // A rotation whose create failed leaves nothing pending.
            return [.audit(audit(plan == nil ? "create" : "rotate", plan?.old, user: request.userId, alias: request.alias,
                                 result: unknown ? "unknown" : "error", requestId: error.requestId, at: at, detail: error.description))]
        }
    }

    /// The new key's secret, once, whole; or why there is none.
    private mutating func showSecret(of key: UserApiKey) {
        if let secret = key.key {
            pane = .secret(OnceSecret(keyId: key.keyId, secret: secret))
        } else {
            pane = .list
            say("created \(key.keyId), but the server sent no secret", .warning)
        }
    }

    /// The replacement exists: the rotation is pending (recorded before
    /// anything else happens), the secret is shown, and a "revoke now"
    /// opens the usual typed confirmation once the secret pane closes.
    private mutating func replacementCreated(_ change: KeyChange, plan: RotationPlan, at: Date) -> [Effect] {
        let key = change.key.withoutSecret
        let old = keys[key.keyId]
        keys.upsert(key)
        knownUsers.insert(key.userId)
        marks[key.keyId] = .new
        let rotation = PendingRotation(org: orgId, oldKeyId: plan.old.keyId, newKeyId: key.keyId, userId: key.userId,
                                       alias: key.alias, rotatedAt: at)
        rotations.removeAll { $0.oldKeyId == rotation.oldKeyId }
        rotations.append(rotation)
        rotationsChangedAt = at
        rotationStates[rotation.oldKeyId] = .waiting
        log(ActivityEntry(at: at, kind: .created, keyId: key.keyId, alias: key.alias, userId: key.userId, detail: "replaces \(plan.old.keyId)"))
        keyChanged(key.keyId, from: old)
        if let index = visible.firstIndex(of: key.keyId) { select(index: index) }
        showSecret(of: change.key)
        if plan.revokeNow { afterSecret = RevokeConfirmation(keyId: plan.old.keyId, userId: plan.old.userId) }
        return [.recordRotation(.add(rotation)),
                .audit(audit("rotate", KeyRef(keyId: key.keyId, userId: key.userId), alias: key.alias, result: "ok",
                             requestId: change.requestId, at: at, detail: "replaces \(plan.old.keyId)"))]
    }
}
