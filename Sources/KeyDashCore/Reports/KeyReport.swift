import Foundation
import WhyLabsAPI

/// The command line's output: tables for people (sanitized, columns sized to
/// content, times relative and absolute), CSV and the API's own JSON for scripts.
public enum KeyReport {
    public enum Format: String, Sendable, CaseIterable {
        case table, json, csv
    }

    // MARK: Table

    public static func table(_ keys: [UserApiKey], now: Date) -> String {
        let header = ["KEY ID", "ALIAS", "USER", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "STATUS"]
        var rows: [[String]] = [header]
        for key in keys {
            rows.append([
                clean(key.keyId),
                clean(key.alias ?? "-"),
                clean(key.userId),
                clean((key.scopes ?? []).sorted().joined(separator: ",")).ifEmpty("-"),
                time(key.creationTime, now: now),
                key.expirationTime.map { time($0, now: now) } ?? "never",
                key.lastUsedTime.map { time($0, now: now) } ?? "never",
                KeyStatus.of(key, now: now).rawValue,
            ])
        }
        return layout(rows) + (keys.isEmpty ? "(no keys)\n" : "")
    }

    public static func detail(_ key: UserApiKey, now: Date) -> String {
        var pairs: [(String, String)] = [
            ("Key ID", clean(key.keyId)),
            ("Alias", clean(key.alias ?? "-")),
            ("User", clean(key.userId)),
            ("Org", clean(key.orgId)),
            ("Scopes", clean((key.scopes ?? []).sorted().joined(separator: ", ")).ifEmpty("(none)")),
            ("Created", time(key.creationTime, now: now)),
            ("Expires", key.expirationTime.map { time($0, now: now) } ?? "never"),
            ("Last used", key.lastUsedTime.map { time($0, now: now) } ?? "never"),
            ("Status", KeyStatus.of(key, now: now).rawValue),
        ]
        if let resource = key.resourceId { pairs.insert(("Resource", clean(resource)), at: 4) }
        let warnings = KeyHygiene.of(key, now: now).warnings(for: key, now: now)
        if !warnings.isEmpty { pairs.append(("Warnings", warnings.joined(separator: "; "))) }
        let width = pairs.map { DisplayText.width($0.0) }.max() ?? 0
        return pairs.map { DisplayText.pad($0.0 + ":", to: width + 1) + " " + $0.1 }.joined(separator: "\n") + "\n"
    }

    // MARK: CSV

    public static let csvHeader = ["keyId", "alias", "userId", "orgId", "scopes", "creationTime", "expirationTime", "lastUsedTime", "revoked", "resourceId"]

    public static func csv(_ keys: [UserApiKey]) -> String {
        var out = csvHeader.joined(separator: ",") + "\r\n"
        for key in keys {
            let fields = [
                key.keyId, key.alias ?? "", key.userId, key.orgId, (key.scopes ?? []).sorted().joined(separator: " "),
                key.creationTime.text, key.expirationTime?.text ?? "", key.lastUsedTime?.text ?? "",
                key.isRevoked ? "true" : "false", key.resourceId ?? "",
            ]
            out += fields.map(csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// RFC 4180 quoting; control characters are made visible so that a CSV
    /// printed to a terminal can't carry escape sequences, and a field that a
    /// spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR first)
    /// gets a leading `'` (the OWASP advice), so it stays text.
    static func csvField(_ raw: String) -> String {
        var value = DisplayText.sanitize(raw)
        if let first = raw.unicodeScalars.first, formulaStarts.contains(first) { value = "'" + value }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }

    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    // MARK: JSON

    /// The API's own shapes, laid out for people and scripts alike, with
    /// DEL, C1, bidi and invisible characters written as `\uXXXX`.
    public static func json(list keys: [UserApiKey]) -> [UInt8] { KeyJSONWriter.list(keys, style: .pretty) }
    public static func json(response key: UserApiKey?) -> [UInt8] { KeyJSONWriter.keyResponse(key, style: .pretty) }
    public static func json(key: UserApiKey) -> [UInt8] { KeyJSONWriter.key(key, style: .pretty) }

    // MARK: Helpers

    static func clean(_ text: String) -> String { DisplayText.sanitize(text) }

    /// `2026-03-02 10:15 UTC (272d ago)`, or the server's text when unparseable.
    static func time(_ value: APITime, now: Date) -> String {
        guard let date = value.date else { return clean(value.text) }
        return "\(RelativeTime.absolute(date)) (\(RelativeTime.describe(date, now: now)))"
    }

    static func layout(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = Array(repeating: 0, count: first.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], DisplayText.width(cell)) }
        }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : DisplayText.pad(cell, to: widths[i]) + "  "
            }
            out += line + "\n"
        }
        return out
    }
}

extension String {
    /// The string, or `replacement` when it is empty (for "-" and "(none)" cells).
    public func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
