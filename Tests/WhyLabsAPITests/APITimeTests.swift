import Foundation
import Testing
@testable import WhyLabsAPI

@Suite struct APITimeTests {
    @Test(arguments: [
        ("2020-01-01T00:00:00", 1_577_836_800.0),
        ("2023-11-14T22:13:20.5", 1_700_000_000.5),
        ("2023-11-14T22:13:20.78", 1_700_000_000.78),
        ("2023-11-14T22:13:20.789", 1_700_000_000.789),
        ("2023-11-14T22:13:20Z", 1_700_000_000.0),
        ("2023-11-14T22:13:20.789Z", 1_700_000_000.789),
        ("2023-11-15T00:13:20+02:00", 1_700_000_000.0),
        ("2023-11-14T17:13:20-0500", 1_700_000_000.0),
        ("2024-02-29T12:00:00", 1_709_208_000.0),
    ])
    func parsesZoneLessAndZonedForms(text: String, epoch: Double) throws {
        let date = try #require(APITime.parse(text))
        #expect(abs(date.timeIntervalSince1970 - epoch) < 0.0005)
    }

    @Test(arguments: ["", "yesterday", "2023-13-01T00:00:00", "2023-02-30T00:00:00", "2023-11-14T25:00:00",
                      "2023-11-14", "2023-11-14T22:13:20.", "2023-11-14T22:13:20 junk", "2023-11-14T22:13:20+99:00",
                      // Found by the fuzzer: instants the zone-less form can't write back.
                      "9999-12-31T23:59:60.999", "9999-12-31T23:59:59.9999", "9999-12-31T20:00:00-05:00", "0000-01-01T00:00:00+01:00"])
    func rejectsWhatIsNotATime(text: String) {
        #expect(APITime.parse(text) == nil)
    }

    @Test func formatsLikeTheServiceTrimmingTrailingZeros() {
        #expect(APITime.format(Date(timeIntervalSince1970: 1_577_836_800)) == "2020-01-01T00:00:00")
        #expect(APITime.format(Date(timeIntervalSince1970: 1_700_000_000.5)) == "2023-11-14T22:13:20.5")
        #expect(APITime.format(Date(timeIntervalSince1970: 1_700_000_000.78)) == "2023-11-14T22:13:20.78")
        #expect(APITime.format(Date(timeIntervalSince1970: 1_700_000_000.789)) == "2023-11-14T22:13:20.789")
        #expect(APITime(epochMilliseconds: 1_700_000_000_010).text == "2023-11-14T22:13:20.01")
    }

    @Test func roundTripsThroughFormatAndParse() {
        for ms in stride(from: Int64(-86_400_000), to: 4_102_444_800_000, by: 37_000_000_123) {
            let time = APITime(epochMilliseconds: ms)
            #expect(time.epochMilliseconds == ms, "\(time.text)")
        }
    }

    @Test func keepsUnparseableTextInsteadOfFailing() throws {
        let json = #"{"keyId":"AAAAAAAAAA","orgId":"org-1","userId":"u","creationTime":"last tuesday"}"#
        let key = try JSONDecoder().decode(UserApiKey.self, from: Data(json.utf8))
        #expect(key.creationTime.text == "last tuesday")
        #expect(key.creationTime.date == nil)
        let again = String(decoding: try JSONEncoder().encode(key), as: UTF8.self)
        #expect(again.contains(#""creationTime":"last tuesday""#))
    }
}
