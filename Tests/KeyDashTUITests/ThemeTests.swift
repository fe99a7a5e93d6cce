import Foundation
import Testing
@testable import KeyDashTUI

@Suite struct ThemeTests {
    static let themesDir: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("themes").path
    }()

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: themesDir)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
    }

    @Test func theBundledThemesAreAllThere() {
        #expect(Self.files == ["default.toml", "high-contrast.toml", "light.toml", "mono.toml", "solarized-dark.toml"])
    }

    @Test(arguments: files)
    func everyThemeLoadsDefinesEveryRoleAndDegrades(file: String) throws {
        let theme = try ThemeLoader.load(path: Self.themesDir + "/" + file)
        for role in ThemeRole.allCases {
            #expect(theme.styles[role] != nil, "\(file) lacks [\(role.rawValue)]")
            let eight = theme.resolve(role, for: .eight)
            #expect((0...7).contains(eight.fg ?? 0) && (0...7).contains(eight.bg ?? 0), "\(file) \(role)")
            if let fg = eight.fg, let bg = eight.bg { #expect(fg != bg, "\(file) \(role): text would vanish in 8 colours") }
            let sixteen = theme.resolve(role, for: .sixteen)
            #expect((0...15).contains(sixteen.fg ?? 0) && (0...15).contains(sixteen.bg ?? 0))
            let full = theme.resolve(role, for: .full256)
            #expect((0...255).contains(full.fg ?? 0) && (0...255).contains(full.bg ?? 0))
            let mono = theme.resolve(role, for: .monochrome)
            #expect(mono.fg == nil && mono.bg == nil)
        }
        // Without colour, what must stand out still does.
        for role in [ThemeRole.row_selected, .header, .status_error, .dialog_danger, .expired, .stale] {
            #expect(!theme.resolve(role, for: .monochrome).attrs.isEmpty, "\(file) \(role) is invisible in monochrome")
        }
        #expect(theme.resolve(.row_selected, for: .monochrome).attrs.contains(.reverse))
    }

    @Test func colourNamesNumbersAndHexParse() {
        #expect(ThemeColor.parse("bright_red") == .indexed(9))
        #expect(ThemeColor.parse("208") == .indexed(208))
        #expect(ThemeColor.parse("#268bd2") == .rgb(0x26, 0x8b, 0xd2))
        #expect(ThemeColor.parse("#12345") == nil)
        #expect(ThemeColor.parse("256") == nil)
        #expect(Palette.to256(.rgb(255, 0, 0)) == 196)
        #expect(Palette.to16(.rgb(0x26, 0x8b, 0xd2)) == 4 || Palette.to16(.rgb(0x26, 0x8b, 0xd2)) == 12)
    }

    @Test func brokenThemesNameTheFileAndLine() {
        func error(_ text: String) -> ThemeError? {
            do { _ = try ThemeLoader.parse(text, name: "x", path: "/t/x.toml"); return nil } catch { return error }
        }
        #expect(error("[header]\nfg = \"white\"\nbg = = 3\n")?.description.hasPrefix("/t/x.toml:3:") == true)
        #expect(error("name = \"x\"\n\n[headr]\nfg = \"red\"\n")?.description == "/t/x.toml:3: unknown role 'headr' (known: \(ThemeRole.allCases.map(\.rawValue).joined(separator: ", ")))")
        #expect(error("[header]\nfg = \"chartreuse\"\n")?.line == 2)
        #expect(error("[header]\nattrs = [\"blink\"]\n")?.line == 2)
        #expect(error("[header]\nfg = \"red\"\n")?.description == nil)
    }

    @Test func catalogFindsUserThemesAndCyclesInOrder() throws {
        let dir = NSTemporaryDirectory() + "keydash-themes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[header]\nfg = \"red\"\n".write(toFile: dir + "/mine.toml", atomically: true, encoding: .utf8)
        let catalog = ThemeCatalog(directories: [dir, Self.themesDir])
        #expect(catalog.names() == ["default", "light", "solarized-dark", "high-contrast", "mono", "mine"])
        let mine = try catalog.theme(named: "mine") as Theme
        #expect(mine.style(.header).fg == .indexed(1))
        #expect(mine.style(.row_selected) == Theme.builtin.style(.row_selected), "missing roles fall back")
        #expect(throws: ThemeError.self) { try catalog.theme(named: "nope") as Theme }
    }

    /// A lone binary has every shipped theme: built in, each the same as its
    /// file in themes/; a user's file of the same name still wins.
    @Test func theShippedThemesAreBuiltInAndAUserFileOverridesThem() throws {
        let builtIn = ThemeCatalog(directories: [])
        #expect(builtIn.names() == ["default", "light", "solarized-dark", "high-contrast", "mono"])
        for file in Self.files {
            let name = String(file.dropLast(5))
            let embedded = try builtIn.theme(named: name) as Theme
            let onDisk = try ThemeLoader.load(path: Self.themesDir + "/" + file)
            #expect(ThemeRole.allCases.allSatisfy { embedded.style($0) == onDisk.style($0) }, "\(name)")
        }
        let dir = NSTemporaryDirectory() + "keydash-themes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[header]\nfg = \"red\"\n".write(toFile: dir + "/solarized-dark.toml", atomically: true, encoding: .utf8)
        let overridden = try ThemeCatalog(directories: [dir]).theme(named: "solarized-dark") as Theme
        #expect(overridden.style(.header).fg == .indexed(1))
        #expect(ThemeCatalog(directories: [dir]).names().filter { $0 == "solarized-dark" }.count == 1)
    }
}
