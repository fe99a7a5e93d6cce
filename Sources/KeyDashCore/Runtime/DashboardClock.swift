import Foundation

/// Time as the effect runner sees it; tests pass a clock they control.
public protocol DashboardClock: Sendable {
    func now() -> Date
    func sleep(for seconds: TimeInterval) async throws
}

public struct SystemClock: DashboardClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for seconds: TimeInterval) async throws {
        // Clamped: a conversion of a huge or non-finite value would trap.
        try await Task.sleep(nanoseconds: UInt64(min(max(0, seconds.isNaN ? 0 : seconds), 86_400 * 365) * 1_000_000_000))
    }
}
