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

    mutating func editForm(_ edit: FormEdit) {
        guard case .create(var form) = pane, !form.submitting else { return }
        let fields = CreateForm.Field.allCases
        switch edit {
        case .nextField:
            form.focus = fields[(form.focus.rawValue + 1) % fields.count]
        case .previousField:
            form.focus = fields[(form.focus.rawValue + fields.count - 1) % fields.count]
        case .text(let text):
            switch form.focus {
            case .user: form.user.apply(text, limit: 128)
            case .alias: form.alias.apply(text, limit: 128)
            case .expiry where CreateForm.expiryChoices[form.expiryIndex] == "date": form.expiryDate.apply(text, limit: 10)
            default: break
            }
        case .toggle:
            if form.focus == .scopes {
                let scope = KeyScope.all[form.scopeCursor]
                if form.scopes.contains(scope) { form.scopes.remove(scope) } else { form.scopes.insert(scope) }
            }
        case .left, .right:
            let step = edit == .left ? -1 : 1
            if form.focus == .scopes {
                form.scopeCursor = (form.scopeCursor + step + KeyScope.all.count) % KeyScope.all.count
            } else if form.focus == .expiry {
                form.expiryIndex = (form.expiryIndex + step + CreateForm.expiryChoices.count) % CreateForm.expiryChoices.count
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
            return [.create(request)]
        }
    }

    mutating func createFinished(_ result: Result<KeyChange, APIError>, at: Date) -> [Effect] {
        // An answer for a create already given up on (recorded as unknown) changes nothing.
        guard let request = createInFlight else { return [] }
        createInFlight = nil
        switch result {
        case .success(let change):
            let key = change.key.withoutSecret
            let old = keys[key.keyId]
            keys.upsert(key)
            knownUsers.insert(key.userId)
            marks[key.keyId] = .new
            log(ActivityEntry(at: at, kind: .created, keyId: key.keyId, alias: key.alias, userId: key.userId))
            keyChanged(key.keyId, from: old)
            if let index = visible.firstIndex(of: key.keyId) { select(index: index) }
            if let secret = change.key.key {
                pane = .secret(OnceSecret(keyId: key.keyId, secret: secret))
            } else {
                pane = .list
                say("created \(key.keyId), but the server sent no secret", .warning)
            }
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
            return [.audit(audit("create", nil, user: request.userId, alias: request.alias, result: unknown ? "unknown" : "error",
                                 requestId: error.requestId, at: at, detail: error.description))]
        }
    }
}
