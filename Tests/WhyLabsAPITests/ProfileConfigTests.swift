import Foundation
import Testing
@testable import WhyLabsAPI

/// `[profiles.NAME]` tables: read, laid over the top level, checked.
@Suite struct ProfileConfigTests {
    static let text = """
        endpoint = "https://api.whylabsapp.com"
        refresh = 30
        theme = "default"
        api_key_file = "~/keys/top.key"

        [profiles.prod]
        org = "org-prod"
        api_key_file = "/keys/prod.key"
        read_only = true

        [profiles.staging]
        endpoint = "http://127.0.0.1:8080"
        org = "org-staging"
        refresh = 5
        theme = "light"
        """

    @Test func aProfileOverridesTheTopLevel() throws {
        let file = try ConfigFile.parse(Self.text, path: "/c.toml", mode: 0o644)
        #expect(file.profileNames == ["prod", "staging"])
        let prod = try file.selecting(profile: "prod")
        #expect(prod.profile == "prod")
        #expect(prod.endpoint == "https://api.whylabsapp.com" && prod.org == "org-prod" && prod.readOnly == true)
        #expect(prod.apiKeyFile == "/keys/prod.key" && prod.refresh == 30 && prod.theme == "default")
        let staging = try file.selecting(profile: "staging")
        #expect(staging.endpoint == "http://127.0.0.1:8080" && staging.refresh == 5 && staging.theme == "light")
        #expect(staging.apiKeyFile == "~/keys/top.key", "the top level's key file when the profile names none")
        #expect(staging.readOnly == nil)
        #expect(try file.selecting(profile: nil) == file)
        #expect(throws: ConfigError.invalid(path: "/c.toml", line: nil, reason: "no profile 'qa' (known: prod, staging)")) {
            try file.selecting(profile: "qa")
        }
    }

    @Test func aKeyInAProfileNeedsAPrivateFile() throws {
        let text = "[profiles.p]\norg = \"o\"\napi_key = \"k\"\n"
        #expect(throws: ConfigError.tooOpen(path: "/c.toml", mode: 0o640)) { try ConfigFile.parse(text, path: "/c.toml", mode: 0o640) }
        let file = try ConfigFile.parse(text, path: "/c.toml", mode: 0o600)
        // An inline key in the profile replaces the top level's key file.
        let withTop = try ConfigFile.parse("api_key_file = \"/top\"\n" + text, path: "/c.toml", mode: 0o600)
        let chosen = try withTop.selecting(profile: "p")
        #expect(chosen.apiKey == "k" && chosen.apiKeyFile == nil)
        #expect(try file.selecting(profile: "p").apiKey == "k")
    }

    @Test func mistakesInAProfileAreOneClearLine() {
        let cases: [(String, String)] = [
            ("[profiles.p]\nendpont = \"x\"\n", "[profiles.p] unknown setting 'endpont'"),
            ("[profiles.p]\napi_key = \"k\"\napi_key_file = \"f\"\n", "give api_key or api_key_file, not both"),
            ("[profiles.p]\nread_only = \"yes\"\n", "'read_only' must be true or false"),
            ("[profiles.p]\nrefresh = -1\n", "refresh must be between 0 and 86400"),
            ("profiles = 3\n", "'profiles' must hold tables"),
            ("[profiles]\np = 3\n", "'profiles.p' must be a table"),
            ("[profiles.\"a b\"]\norg = \"o\"\n", "profile name 'a b'"),
        ]
        for (text, expected) in cases {
            let message: String
            do {
                _ = try ConfigFile.parse(text, path: "/c.toml", mode: 0o600)
                message = "accepted"
            } catch {
                message = error.description
            }
            #expect(message.contains(expected), "\(text): \(message)")
        }
    }

    @Test func theKeyFileOfTheConfigIsReadWithHomeExpanded() throws {
        let file = try ConfigFile.parse(Self.text, path: "/c.toml", mode: 0o644).selecting(profile: "staging")
        var read: [String] = []
        let resolved = try ConnectionResolver.resolve(
            flags: ConnectionFlags(), environment: ["HOME": "/home/ada"], configFile: file,
            readKeyFile: { path throws(ConfigError) in read.append(path); return "abcdefghij.0123456789012345678901234567890123456789012345678901:org-x" })
        #expect(read == ["/home/ada/keys/top.key"])
        #expect(resolved.keySource == "/home/ada/keys/top.key")
        #expect(resolved.orgId == "org-x", "a key works only for its own org: its suffix wins over a configured org, as everywhere")
    }
}
