/// The allowed range of every numeric setting, whatever its source (flag,
/// environment, config file, server configuration): one rule each, so an
/// out-of-range or non-finite value is a clear error and never a trap at a
/// later conversion.
public struct SettingRange<Value: Comparable & Sendable>: Sendable {
    public let name: String
    public let range: ClosedRange<Value>
    public let unit: String

    public init(_ name: String, _ range: ClosedRange<Value>, unit: String = "") {
        self.name = name
        self.range = range
        self.unit = unit
    }

    /// Why the value is refused, or nil when it is in range (NaN and the
    /// infinities never are).
    public func error(for value: Value) -> SettingError? {
        if range.contains(value) { return nil }
        let unitText = unit.isEmpty ? "" : " " + unit
        return SettingError(name: name, message: "\(name) must be between \(show(range.lowerBound)) and \(show(range.upperBound))\(unitText) (got \(show(value)))")
    }

    private func show(_ value: Value) -> String {
        if let d = value as? Double, d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(value)"
    }
}

public struct SettingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let message: String
    public var description: String { message }
}

public enum Settings {
    /// Seconds between automatic refreshes of the dashboard; 0 = manual only.
    public static let refresh = SettingRange<Double>("refresh", 0...86_400, unit: "seconds")
    /// The whole of one request (connect, head, body), seconds.
    public static let requestTimeout = SettingRange<Double>("timeout", 1...3_600, unit: "seconds")
    /// `keydash serve --latency`, milliseconds.
    public static let latency = SettingRange<Int>("latency", 0...60_000, unit: "ms")
    /// `keydash serve --fail-rate`, a fraction.
    public static let failRate = SettingRange<Double>("fail-rate", 0...1)
    public static let port = SettingRange<Int>("port", 0...65_535)
    public static let seedDemo = SettingRange<Int>("seed-demo", 0...1_000_000, unit: "keys")
    /// Requests per minute per organization.
    public static let rateLimit = SettingRange<Int>("rate-limit", 1...10_000_000, unit: "requests per minute")
    public static let keyLimit = SettingRange<Int>("key-limit", 1...10_000_000, unit: "keys")
}
