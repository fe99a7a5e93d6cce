import Foundation
import FuzzSupport
import KeyDashCore
import WhyLabsAPI

/// Random action sequences through `reduce`, checked against a model:
/// a revoke effect only from Enter on a confirmation typed exactly (the key
/// id, or the count for several), exactly one per confirmed key and never a
/// second while one is in flight; no create but from a submitted form; the
/// selection always inside the list.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)
let ids = (0..<6).map { "KEY000000\($0)" }

func key(_ i: Int, revoked: Bool = false) -> UserApiKey {
    UserApiKey(keyId: ids[i], orgId: "org-f", userId: "user-\(i % 3)",
               creationTime: APITime(t0.addingTimeInterval(Double(-i) * 86_400)),
               expirationTime: i % 2 == 0 ? APITime(t0.addingTimeInterval(Double(i) * 86_400)) : nil,
               lastUsedTime: nil, scopes: [":user"], alias: "alias-\(i)", revoked: revoked ? true : nil)
}

struct Bytes {
    var data: [UInt8]
    var at = 0
    mutating func next() -> UInt8? {
        guard at < data.count else { return nil }
        defer { at += 1 }
        return data[at]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = Bytes(data: FuzzDriver.bytes(data, size))
    var state = DashboardState(orgId: "org-f", endpointHost: "h", readOnly: false, refreshPeriod: 30, ownKeyId: ids[0], now: t0)
    _ = reduce(&state, .resize(rows: 4, columns: 80))
    _ = state.start()
    _ = reduce(&state, .listLoaded(keys: ((0..<6).map { key($0) }), at: t0))
    var inFlight: Set<String> = []
    var steps = 0
    while let byte = input.next(), steps < 400 {
        steps += 1
        let arg = input.next() ?? 0
        let action: Action
        switch byte % 27 {
        case 0: action = .moveSelection(Int(arg % 5) - 2)
        case 1: action = .requestRevoke
        case 2: action = .toggleMark
        case 3: action = .confirm
        case 4: action = .confirmationInput(.insert(String(ids[Int(arg) % 6].prefix(Int(arg % 11)))))
        case 5: action = .confirmationInput(.insert(String(Int(arg % 7))))
        case 6: action = .confirmationInput(.backspace)
        case 7: action = .back
        case 8: action = .beginFilter
        case 9: action = .promptInput(.insert(["K", "1", "a", "user-1", "x"][Int(arg) % 5]))
        case 10: action = .promptCommit
        case 11: action = .cycleSortColumn
        case 12: action = .home
        case 13: action = .end
        case 14: action = .openCreate
        case 15: action = .submitCreate
        case 16: action = .pageDown
        case 17:
            guard let id = inFlight.sorted().first else { continue }
            let i = ids.firstIndex(of: id)!
            action = .revokeFinished(KeyRef(keyId: id, userId: key(i).userId),
                                     arg % 2 == 0 ? .success(KeyChange(key: key(i, revoked: true), requestId: nil))
                                                  : .failure(.transport(arg % 4 == 1 ? .readTimeout : .connectionRefused, detail: "")), at: t0)
        case 18: action = .listLoaded(keys: ((0..<6).filter { (arg >> $0) & 1 == 0 || $0 == 0 }.map { key($0) }), at: t0)
        case 19: action = .quit
        case 20: action = .quitWhenWritesFinish
        case 21: action = .toggleShowRevoked
        case 22: action = .resize(rows: Int(arg % 20) + 1, columns: 80)
        case 23: action = .openRotate
        case 24: action = .form(arg % 2 == 0 ? .nextField : .toggle)
        case 25:
            // The answer to a create (or a rotation's replacement) in flight.
            guard let request = state.createInFlight else { continue }
            let made = UserApiKey(keyId: "NEW\(String(format: "%07d", Int(arg)))", orgId: "org-f", userId: request.userId,
                                  creationTime: APITime(t0), key: "NEW.secret", scopes: request.scopes, alias: request.alias)
            action = .createFinished(arg % 3 == 0 ? .failure(.server(status: 500, message: "", requestId: nil)) : .success(KeyChange(key: made, requestId: nil)), at: t0)
        default: action = .tick(t0.addingTimeInterval(Double(arg)))
        }
        if state.quitting { break }

        // What the model allows this action to send.
        var allowed: [String] = []
        var createAllowed = false
        if case .confirm = action, !state.readOnly {
            switch state.pane {
            case .confirmRevoke(let c) where c.typed == c.keyId:
                if state.marks[c.keyId] != .revoking && state.marks[c.keyId] != .revoked { allowed = [c.keyId] }
            case .bulkRevoke(let b) where b.typed == String(b.keys.count):
                allowed = b.keys.map(\.keyId).filter { state.marks[$0] != .revoking && state.marks[$0] != .revoked }
            default: break
            }
        }
        if case .submitCreate = action, case .create(let form) = state.pane, !form.submitting { createAllowed = true }

        let effects = reduce(&state, action)
        let revoked = effects.compactMap { if case .revoke(let ref) = $0 { ref.keyId } else { nil } }
        if Set(revoked) != Set(allowed) || revoked.count != allowed.count {
            fatalError("step \(steps) \(action): revokes \(revoked), model allows \(allowed)")
        }
        for id in revoked {
            if inFlight.contains(id) { fatalError("a second revoke of \(id) while one is in flight") }
            inFlight.insert(id)
        }
        if case .revokeFinished(let ref, _, _) = action { inFlight.remove(ref.keyId) }
        if effects.contains(where: { if case .create = $0 { true } else { false } }) && !createAllowed {
            fatalError("step \(steps) \(action): a create nobody submitted")
        }
        if !state.visible.isEmpty && !state.visible.indices.contains(state.selectedIndex) {
            fatalError("selection \(state.selectedIndex) outside \(state.visible.count) rows")
        }
        if state.scroll < 0 || (state.scroll > 0 && state.scroll >= state.visible.count) {
            fatalError("scroll \(state.scroll) outside \(state.visible.count) rows")
        }
        if Set(state.revokesInFlight.keys) != inFlight { fatalError("in-flight revokes \(state.revokesInFlight.keys) != model \(inFlight)") }
    }
    return 0
}

FuzzDriver.run { data, size in fuzzOne(data, size) }
