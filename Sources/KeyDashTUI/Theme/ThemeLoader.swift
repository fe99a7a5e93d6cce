import Foundation
import TOMLKit
import WhyLabsAPI

public struct ThemeError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let line: Int?
    public let reason: String
    public var description: String { line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)" }
}

/// Reads `themes/*.toml`: one table per role, each with optional `fg`, `bg`,
/// `attrs` and `mono`.
public enum ThemeLoader {
    public static func parse(_ text: String, name: String, path: String) throws(ThemeError) -> Theme {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ThemeError(path: path, line: error.source.begin.line, reason: error.description)
        } catch {
            throw ThemeError(path: path, line: nil, reason: "not valid TOML")
        }
        var styles: [ThemeRole: RoleStyle] = [:]
        for key in table.keys {
            if key == "name" || key == "description" { continue }
            let line = lineOf("[\(key)]", in: text)
            guard let role = ThemeRole(rawValue: key) else {
                throw ThemeError(path: path, line: line, reason: "unknown role '\(key)' (known: \(ThemeRole.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let entry = table[key]?.table else {
                throw ThemeError(path: path, line: line, reason: "'\(key)' must be a table such as [\(key)] with fg, bg, attrs")
            }
            var style = RoleStyle()
            for field in entry.keys {
                let fieldLine = lineOf(field, in: text, after: line) ?? line
                switch field {
                case "fg", "bg":
                    guard let value = entry[field]?.string ?? entry[field]?.int.map(String.init), let color = ThemeColor.parse(value) else {
                        throw ThemeError(path: path, line: fieldLine, reason: "\(key).\(field) must be an ANSI colour name, 0-255 or #RRGGBB")
                    }
                    if field == "fg" { style.fg = color } else { style.bg = color }
                case "attrs", "mono":
                    guard let array = entry[field]?.array else {
                        throw ThemeError(path: path, line: fieldLine, reason: "\(key).\(field) must be a list such as [\"bold\"]")
                    }
                    var attrs: Set<TextAttribute> = []
                    for item in array {
                        guard let s = item.string, let a = TextAttribute(rawValue: s) else {
                            throw ThemeError(path: path, line: fieldLine, reason: "\(key).\(field): attributes are bold, dim, underline, reverse")
                        }
                        attrs.insert(a)
                    }
                    if field == "attrs" { style.attrs = attrs } else { style.mono = attrs }
                default:
                    throw ThemeError(path: path, line: fieldLine, reason: "unknown field '\(field)' in [\(key)] (fg, bg, attrs, mono)")
                }
            }
            styles[role] = style
        }
        return Theme(name: table["name"]?.string ?? name, styles: styles)
    }

    public static func load(path: String) throws(ThemeError) -> Theme {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ThemeError(path: path, line: nil, reason: "cannot read the theme file")
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(text, name: name, path: path)
    }

    static func lineOf(_ needle: String, in text: String, after: Int? = nil) -> Int? {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let after, i + 1 <= after { continue }
            if line.trimmingCharacters(in: .whitespaces).hasPrefix(needle) { return i + 1 }
        }
        return nil
    }
}

/// Where themes come from: the user's `$XDG_CONFIG_HOME/keydash/themes`
/// and `KEYDASH_THEME_DIR` first (a file there overrides a shipped theme of
/// the same name), then the shipped themes, built into the binary.
public struct ThemeCatalog: Sendable {
    public var directories: [String]
    /// (name, TOML text) of the themes built in.
    public var embedded: [(name: String, text: String)]

    public init(directories: [String], embedded: [(name: String, text: String)] = EmbeddedThemes.files) {
        self.directories = directories
        self.embedded = embedded
    }

    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ThemeCatalog {
        var dirs = [XDGDirectories.config(environment: environment) + "/themes"]
        if let dir = environment["KEYDASH_THEME_DIR"], !dir.isEmpty { dirs.append(dir) }
        return ThemeCatalog(directories: dirs)
    }

    /// Theme names found, shipped order first (default, light, …), then the rest.
    public func names() -> [String] {
        var found: [String] = []
        for dir in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for file in files.sorted() where file.hasSuffix(".toml") {
                let name = String(file.dropLast(5))
                if !found.contains(name) { found.append(name) }
            }
        }
        for theme in embedded where !found.contains(theme.name) { found.append(theme.name) }
        let preferred = ["default", "light", "solarized-dark", "high-contrast", "mono"]
        return preferred.filter(found.contains) + found.filter { !preferred.contains($0) }
    }

    /// A theme by name (first directory wins) or by path.
    public func theme(named nameOrPath: String) throws(ThemeError) -> Theme {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            return try ThemeLoader.load(path: nameOrPath)
        }
        for dir in directories {
            let path = dir + "/" + nameOrPath + ".toml"
            if FileManager.default.fileExists(atPath: path) { return try ThemeLoader.load(path: path) }
        }
        if let shipped = embedded.first(where: { $0.name == nameOrPath }) {
            return try ThemeLoader.parse(shipped.text, name: shipped.name, path: "(built-in) \(shipped.name).toml")
        }
        if nameOrPath == "default" || nameOrPath == "builtin" { return .builtin }
        throw ThemeError(path: nameOrPath, line: nil, reason: "no such theme (available: \(names().joined(separator: ", ")))")
    }
}
