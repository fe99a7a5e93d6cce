import ArgumentParser
import Foundation
import KeyDashCore
import WhyLabsAPI

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Poll the keys like the dashboard and print one line per change.",
        discussion: """
            Events: appeared, changed (with the fields), used, vanished, revoked, \
            expiring (within 7 days), expired, and rotation (a pending rotation's \
            state moved on). The first poll prints nothing unless --initial. A \
            failed poll is reported on stderr and retried with backoff; watching \
            goes on until interrupted (or --polls is reached).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, jsonl }

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Seconds between polls (default 30, or refresh in the config file).")
    var refresh: Double?

    @Option(help: "text or jsonl.")
    var format: Format = .text

    @Flag(help: "Print every key present at the first poll as appeared.")
    var initial = false

    @Option(help: "Stop after this many successful polls (default: never).")
    var polls: Int?

    static let period = SettingRange<Double>("refresh", 1...86_400, unit: "seconds")

    func validate() throws {
        if let refresh, let error = Self.period.error(for: refresh) { throw ValidationError("--" + error.message) }
        if let polls, polls < 1 { throw ValidationError("--polls must be at least 1 (got \(polls))") }
    }

    func run() async throws {
        try await withClient(connection) { client in
            let configured = try connection.configFile()?.refresh
            let period = refresh ?? configured.flatMap { $0 >= 1 ? $0 : nil } ?? 30
            let ownKeyId = APIKeyFormat.keyId(of: APIKeyFormat.split(client.configuration.apiKey).key)
            var watcher = Watcher(org: client.configuration.orgId, ownKeyId: ownKeyId, initial: initial)
            var jitter = SplitMix64(seed: UInt64(UInt32(truncatingIfNeeded: getpid())))
            var done = 0
            var failures = 0
            while polls.map({ done < $0 }) ?? true {
                do {
                    let events = try await watcher.poll(client)
                    for (time, event) in events { emit(event, at: time) }
                    failures = 0
                    done += 1
                    if let polls, done >= polls { break }
                    try await Task.sleep(nanoseconds: UInt64(period * 1e9))
                } catch let error as APIError {
                    failures += 1
                    let delay = RefreshBackoff.delay(afterFailures: failures, jitter: Double(jitter.next() >> 11) / Double(1 << 53))
                    Output.err("poll failed: \(error.description); retrying in \(Int(delay.rounded()))s")
                    try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                }
            }
        }
    }

    private func emit(_ event: KeyEvent, at time: Date) {
        switch format {
        case .text: Output.out(APITime.format(time) + "Z " + event.text + "\n")
        case .jsonl: Output.out(bytes: event.jsonLine(at: time))
        }
    }
}

/// The state between polls: the last list and the rotations' last states.
struct Watcher {
    let org: String
    /// Watching uses this key on every poll: its own use is not news.
    let ownKeyId: String?
    let initial: Bool
    var previous: (keys: KeyRecords, at: Date)?
    var rotationStates: [String: RotationState] = [:]

    init(org: String, ownKeyId: String?, initial: Bool) {
        self.org = org
        self.ownKeyId = ownKeyId
        self.initial = initial
    }

    /// The events since the last poll (on the first poll, only with `initial`).
    mutating func poll(_ client: WhyLabsClient) async throws -> [(Date, KeyEvent)] {
        let records = try await client.readList(userId: nil, into: KeyRecords.self)
        let now = Date()
        var events: [KeyEvent]
        if let previous {
            events = KeyEvents.between(previous.keys, at: previous.at, records, at: now).filter { !($0.kind == .used && $0.keyId == ownKeyId) }
            // The org-wide list leaves revoked keys out: a vanished key may be a revoked one.
            var asked = 0
            for (i, event) in events.enumerated() where event.kind == .vanished && asked < 20 {
                asked += 1
                if let key = try? await client.getKey(keyId: event.keyId), key.isRevoked { events[i].kind = .revoked }
            }
        } else {
            events = initial ? records.slotRange.map { KeyEvent(kind: .appeared, keyId: records.keyId(at: $0), userId: records.userId(at: $0), alias: records.alias(at: $0)) }
                .sorted { $0.keyId < $1.keyId } : []
        }
        events += await rotationEvents(records, client, first: previous == nil)
        previous = (records, now)
        return events.map { (now, $0) }
    }

    private mutating func rotationEvents(_ records: KeyRecords, _ client: WhyLabsClient, first: Bool) async -> [KeyEvent] {
        guard var rotations = try? RotationCommands.pending(org: org) else { return [] }
        var events: [KeyEvent] = []
        for (i, rotation) in rotations.enumerated() {
            func key(_ id: String) async -> UserApiKey? {
                if let slot = records.slot(of: id) { return records.key(at: slot) }
                return try? await client.getKey(keyId: id)
            }
            let (state, noted) = rotation.state(old: await key(rotation.oldKeyId), new: await key(rotation.newKeyId))
            if noted != rotation {
                rotations[i] = noted
                try? RotationCommands.store.update(noted)
            }
            if rotationStates[rotation.oldKeyId] != state && (!first || initial) { events.append(KeyEvents.rotation(rotation, state)) }
            rotationStates[rotation.oldKeyId] = state
        }
        return events
    }
}
