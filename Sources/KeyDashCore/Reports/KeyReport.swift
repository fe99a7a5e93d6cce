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

    /// `policy`: the rules whose breaches are listed as warnings (the config file's `[policy]`).
    public static func detail(_ key: UserApiKey, now: Date, policy: Policy = .hygieneDefaults) -> String {
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
        let rules = HygieneRules(policy: policy)
        let warnings = KeyHygiene.of(key, now: now, rules: rules).warnings(for: key, now: now, policy: policy)
        if !warnings.isEmpty { pairs.append(("Warnings", warnings.joined(separator: "; "))) }
        let width = pairs.map { DisplayText.width($0.0) }.max() ?? 0
        return pairs.map { DisplayText.pad($0.0 + ":", to: width + 1) + " " + $0.1 }.joined(separator: "\n") + "\n"
    }

    // MARK: CSV

    public static let csvHeader = ["keyId", "alias", "userId", "orgId", "scopes", "creationTime", "expirationTime", "lastUsedTime", "revoked", "resourceId"]

    public static func csv(_ keys: [UserApiKey]) -> String {
        String(decoding: csvBytes(keys), as: UTF8.self)
    }

    /// The CSV written straight into bytes: a field of plain printable ASCII
    /// that needs no quoting is copied as it is, times in the service's form
    /// are written from their milliseconds, anything else goes through
    /// `csvField`.
    public static func csvBytes(_ keys: [UserApiKey]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + keys.count * 160)
        out.append(contentsOf: csvHeader.joined(separator: ",").utf8)
        out.append(contentsOf: [0x0D, 0x0A])
        func field(_ text: String) {
            var copy = text
            let plain = copy.withUTF8 { utf8 -> Bool in
                guard let first = utf8.first, !csvFormulaBytes.contains(first) else { return utf8.isEmpty }
                for byte in utf8 where byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") {
                    return false
                }
                out.append(contentsOf: utf8)
                return true
            }
            if !plain { out.append(contentsOf: csvField(text).utf8) }
        }
        func time(_ value: APITime?) {
            guard let value else { return }
            if let ms = value.instantMilliseconds { APITime.write(epochMilliseconds: ms, into: &out) } else { field(value.text) }
        }
        for key in keys {
            field(key.keyId); out.append(UInt8(ascii: ","))
            field(key.alias ?? ""); out.append(UInt8(ascii: ","))
            field(key.userId); out.append(UInt8(ascii: ","))
            field(key.orgId); out.append(UInt8(ascii: ","))
            field((key.scopes ?? []).sorted().joined(separator: " ")); out.append(UInt8(ascii: ","))
            time(key.creationTime); out.append(UInt8(ascii: ","))
            time(key.expirationTime); out.append(UInt8(ascii: ","))
            time(key.lastUsedTime); out.append(UInt8(ascii: ","))
            out.append(contentsOf: (key.isRevoked ? "true" : "false").utf8); out.append(UInt8(ascii: ","))
            field(key.resourceId ?? "")
            out.append(contentsOf: [0x0D, 0x0A])
        }
        return out
    }

    static let csvFormulaBytes: Set<UInt8> = Set("=+-@\t\r".utf8)

    /// RFC 4180 quoting; control characters are made visible so that a CSV
    /// printed to a terminal can't carry escape sequences, and a field that a
    /// spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR first)
    /// gets a leading `'` (the OWASP advice), so it stays text.
    public static func csvField(_ raw: String) -> String {
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

    public static func clean(_ text: String) -> String { DisplayText.sanitize(text) }

    /// `2026-03-02 10:15 UTC (272d ago)`, or the server's text when unparseable.
    static func time(_ value: APITime, now: Date) -> String {
        guard let date = value.date else { return clean(value.text) }
        return "\(RelativeTime.absolute(date)) (\(RelativeTime.describe(date, now: now)))"
    }

    public static func layout(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = Array(repeating: 0, count: first.count)
        var cellWidths: [[Int]] = []
        cellWidths.reserveCapacity(rows.count)
        for row in rows {
            let measured = row.map { DisplayText.width($0) }
            for (i, w) in measured.enumerated() { widths[i] = max(widths[i], w) }
            cellWidths.append(measured)
        }
        // Written into one byte buffer: padding is spaces after each cell.
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (widths.reduce(0, +) + 2 * widths.count + 1))
        for (r, row) in rows.enumerated() {
            for (i, cell) in row.enumerated() {
                out.append(contentsOf: cell.utf8)
                if i < row.count - 1 {
                    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: widths[i] - cellWidths[r][i] + 2))
                }
            }
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// The string, or `replacement` when it is empty (for "-" and "(none)" cells).
    public func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
