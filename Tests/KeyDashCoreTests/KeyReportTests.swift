import Foundation
import Testing
import WhyLabsAPI
@testable import KeyDashCore

@Suite struct KeyReportTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func key(_ id: String, alias: String?, user: String = "user-1", created: TimeInterval = -86_400 * 3,
             expires: TimeInterval? = nil, used: TimeInterval? = nil, revoked: Bool? = nil) -> UserApiKey {
        UserApiKey(keyId: id, orgId: "org-1", userId: user,
                   creationTime: APITime(now.addingTimeInterval(created)),
                   expirationTime: expires.map { APITime(now.addingTimeInterval($0)) },
                   lastUsedTime: used.map { APITime(now.addingTimeInterval($0)) },
                   scopes: [":write_data", ":user"], alias: alias, revoked: revoked)
    }

    @Test func tableSizesColumnsToContentAndShowsRelativeAndAbsoluteTimes() {
        let text = KeyReport.table([
            key("AAAAAAAAAA", alias: "prod", expires: 3 * 86_400, used: -600),
            key("BBBBBBBBBB", alias: "a-much-longer-alias", expires: -86_400, revoked: true),
        ], now: now)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("KEY ID      ALIAS                USER"))
        #expect(lines[1].contains("2027-01-12 08:00 UTC (3d ago)"))
        #expect(lines[1].contains("(in 3d)"))
        #expect(lines[1].hasSuffix("expiring"))
        #expect(lines[1].contains(":user,:write_data"))
        #expect(lines[2].hasSuffix("revoked"))
        #expect(lines[2].contains("never"))
    }

    @Test func hostileStringsAreSanitizedInEveryFormat() {
        let evil = key("AAAAAAAAAA", alias: "x\u{1B}[2Jy\u{202E}z", user: "u\u{07}")
        for text in [KeyReport.table([evil], now: now), KeyReport.detail(evil, now: now), KeyReport.csv([evil])] {
            #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
        }
        // JSON escapes control characters itself and keeps the data exact.
        let json = String(decoding: KeyReport.json(list: [evil]), as: UTF8.self)
        #expect(json.contains("\\u001b[2J"))
    }

    @Test func jsonEscapesDELC1AndBidiButKeepsTheDataExact() throws {
        let alias = "a\u{7F}b\u{9B}c\u{202E}d\u{200B}e\u{E0041}f"
        let json = String(decoding: KeyReport.json(list: [key("AAAAAAAAAA", alias: alias)]), as: UTF8.self)
        for bad: UInt32 in [0x7F, 0x9B, 0x202E, 0x200B, 0xE0041] {
            #expect(!json.unicodeScalars.contains { $0.value == bad })
        }
        #expect(json.contains("\\u007f") && json.contains("\\u009b") && json.contains("\\u202e"))
        #expect(json.contains("\\udb40\\udc41"), "astral characters become a surrogate pair")
        let back = try JSONDecoder().decode(ListUserApiKeys.self, from: Data(json.utf8))
        #expect(back.items.first?.alias == alias)
    }

    @Test func csvNeutralizesFormulas() {
        for start in ["=", "+", "-", "@", "\t", "\r"] {
            let text = KeyReport.csv([key("AAAAAAAAAA", alias: start + "HYPERLINK(\"http://x\")", user: start + "cmd")])
            let row = text.split(separator: "\r\n", omittingEmptySubsequences: false)[1]
            let fields = csvFields(String(row))
            #expect(fields[1].hasPrefix("'"), "alias beginning with \(start.debugDescription): \(fields[1])")
            #expect(fields[2].hasPrefix("'"), "user beginning with \(start.debugDescription): \(fields[2])")
        }
        let plain = KeyReport.csv([key("AAAAAAAAAA", alias: "prod-1")])
        #expect(plain.contains(",prod-1,"))
    }

    @Test func csvQuotesFieldsThatNeedIt() {
        let text = KeyReport.csv([key("AAAAAAAAAA", alias: "a,\"b\"")])
        #expect(text.hasPrefix("keyId,alias,userId,orgId,scopes,creationTime"))
        #expect(text.contains("AAAAAAAAAA,\"a,\"\"b\"\"\",user-1,org-1,:user :write_data,"))
    }

    @Test func detailListsHygieneWarnings() {
        let text = KeyReport.detail(key("AAAAAAAAAA", alias: nil, used: -120 * 86_400), now: now)
        #expect(text.contains("never expires"))
        #expect(text.contains("unused for 120 days"))
        #expect(text.contains("Alias:"))
    }

    @Test func detailNamesTheRulesOfTheConfiguredPolicy() {
        let text = KeyReport.detail(key("AAAAAAAAAA", alias: nil, used: -120 * 86_400), now: now, policy: Policy(unusedDays: 200))
        #expect(!text.contains("never expires"), "a rule the policy leaves out is off")
        #expect(!text.contains("unused for"), "120 days is within 200")
        let strict = KeyReport.detail(key("AAAAAAAAAA", alias: nil, used: -120 * 86_400), now: now, policy: Policy(unusedDays: 30))
        #expect(strict.contains("unused for 120 days (unused_days = 30)"))
    }

    @Test func expirySpecsParseAsPeopleWriteThem() {
        #expect(ExpirySpec.parse("never") == .never)
        #expect(ExpirySpec.parse("90d")?.date(from: now) == now.addingTimeInterval(90 * 86_400))
        #expect(ExpirySpec.parse("12h")?.date(from: now) == now.addingTimeInterval(12 * 3600))
        #expect(ExpirySpec.parse("2027-01-31")?.date(from: now) == APITime.parse("2027-01-31T00:00:00"))
        #expect(ExpirySpec.parse("soon") == nil)
        #expect(ExpirySpec.parse("0d") == nil)
    }

    @Test func relativeTimesReadNaturally() {
        #expect(RelativeTime.describe(now.addingTimeInterval(-10), now: now) == "just now")
        // Past 45 seconds it is a minute: never "0m".
        #expect(RelativeTime.describe(now.addingTimeInterval(-45), now: now) == "1m ago")
        #expect(RelativeTime.describe(now.addingTimeInterval(-59.9), now: now) == "1m ago")
        #expect(RelativeTime.describe(now.addingTimeInterval(50), now: now) == "in 1m")
        #expect(RelativeTime.describe(now.addingTimeInterval(-119), now: now) == "1m ago")
        #expect(RelativeTime.describe(now.addingTimeInterval(-120), now: now) == "2m ago")
        #expect(RelativeTime.describe(now.addingTimeInterval(-7200), now: now) == "2h ago")
        #expect(RelativeTime.describe(now.addingTimeInterval(5 * 86_400), now: now) == "in 5d")
        #expect(RelativeTime.describe(now.addingTimeInterval(-400 * 86_400), now: now) == "1.1y ago")
    }

    /// Years below ten keep one decimal, exactly as "%.1f" writes it.
    @Test func yearsReadAsPrintfWritesThem() {
        for hours in stride(from: 365 * 24, through: 3653 * 24, by: 7) {
            let seconds = Double(hours) * 3600 + 0.25
            let years = seconds / (86_400 * 365.25)
            let expected = years < 10 ? String(format: "%.1fy", years) : "\(Int(years))y"
            #expect(RelativeTime.describe(now.addingTimeInterval(-seconds), now: now) == expected + " ago", "\(hours) hours")
        }
    }
}

/// RFC 4180 fields of one record, unquoted.
func csvFields(_ line: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var chars = Array(line)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { quoted = false }
            } else {
                current.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            fields.append(current)
            current = ""
        } else {
            current.append(c)
        }
    }
    fields.append(current)
    return fields
}

