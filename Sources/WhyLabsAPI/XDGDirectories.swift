import Foundation

/// The XDG base directories keydash reads and writes, one rule for every
/// file it keeps: `$XDG_CONFIG_HOME` (else `~/.config`) and
/// `$XDG_STATE_HOME` (else `~/.local/state`), each with a `keydash` folder.
public enum XDGDirectories {
    /// `$XDG_CONFIG_HOME/keydash`.
    public static func config(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        base("XDG_CONFIG_HOME", fallback: "/.config", environment) + "/keydash"
    }

    /// `$XDG_STATE_HOME/keydash`: the audit log, pending rotations, serve's admin keys.
    public static func state(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        base("XDG_STATE_HOME", fallback: "/.local/state", environment) + "/keydash"
    }

    private static func base(_ name: String, fallback: String, _ environment: [String: String]) -> String {
        if let value = environment[name], !value.isEmpty { return value }
        return (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + fallback
    }
}
