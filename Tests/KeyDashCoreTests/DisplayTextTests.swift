import Testing
@testable import KeyDashCore
import WhyLabsAPI

@Suite struct DisplayTextTests {
    @Test func controlCharactersBecomeVisiblePlaceholders() {
        let hostile = "evil\u{1B}[2J\u{07}\u{9B}31m\u{7F}"
        let clean = DisplayText.sanitize(hostile)
        #expect(!clean.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) })
        #expect(clean == "evil\u{241B}[2J\u{2407}\u{FFFD}31m\u{2421}")
        #expect(DisplayText.sanitize(hostile, ascii: true) == "evil^[[2J^G<U+9B>31m^?")
    }

    @Test func bidiOverridesAndInvisibleCharactersAreShown() {
        let spoof = "admin\u{202E}gnp.exe\u{200B}\u{2066}\u{FEFF}"
        let clean = DisplayText.sanitize(spoof)
        for bad: UInt32 in [0x202E, 0x200B, 0x2066, 0xFEFF] {
            #expect(!clean.unicodeScalars.contains { $0.value == bad })
        }
        #expect(clean.hasPrefix("admin\u{FFFD}gnp.exe"))
    }

    @Test func plainTextIsUntouched() {
        for text in ["prod-ingest", "日本語キー", "café", "🔑 key", "e\u{301}"] {
            #expect(DisplayText.sanitize(text) == text)
        }
    }

    @Test func widthCountsDisplayColumns() {
        #expect(DisplayText.width("abc") == 3)
        #expect(DisplayText.width("日本") == 4)
        #expect(DisplayText.width("e\u{301}") == 1)
        #expect(DisplayText.width("🔑") == 2)
        #expect(DisplayText.width("한글") == 4)
    }

    @Test func truncationRespectsColumnsAndWideCharacters() {
        #expect(DisplayText.truncate("prod-ingest", to: 6) == "prod-…")
        #expect(DisplayText.truncate("日本語キー", to: 6) == "日本…")
        #expect(DisplayText.width(DisplayText.truncate("日本語キー", to: 6)) <= 6)
        #expect(DisplayText.truncate("short", to: 10) == "short")
        #expect(DisplayText.truncate("abc", to: 0) == "")
        #expect(DisplayText.truncate("cafe\u{301}s", to: 5) == "cafe\u{301}s")
        #expect(DisplayText.truncate("abcdef", to: 4, ascii: true) == "abc~")
        #expect(DisplayText.pad("日本", to: 6) == "日本  ")
    }
}
