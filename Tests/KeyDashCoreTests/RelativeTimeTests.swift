import Foundation
import Testing
@testable import KeyDashCore

@Suite struct RelativeTimeTests {
    /// `sameText` answers exactly what comparing the two texts answers: at
    /// every cut of `describe` (45 s, minutes, hours, days, a year, tenths
    /// of years, ten years), on both sides of the time, and at random.
    @Test func sameTextIsWhetherTheTwoTextsAreTheSame() {
        let time = 1_800_000_000.0
        var distances: [Double] = [0, 1, 44, 44.999, 45, 59.999, 60, 119, 120, 3599.999, 3600, 7199, 86_399, 86_400,
                                   86_400 * 364.999, 86_400 * 365, 86_400 * 365.25 * 1.05, 86_400 * 365.25 * 9.95,
                                   86_400 * 365.25 * 10, 86_400 * 365.25 * 40]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { distances.append(pow(10, Double.random(in: 0...9.5, using: &generator))) }
        let steps: [Double] = [0.001, 0.5, 1, 2, 15, 30, 59, 60, 600, 3_600, 86_400, 86_400 * 40]
        var checked = 0
        for distance in distances {
            for sign in [-1.0, 1.0] {
                let a = time + sign * distance
                for step in steps {
                    for b in [a + step, a - step] {
                        let texts = RelativeTime.describe(Date(timeIntervalSince1970: time), now: Date(timeIntervalSince1970: a))
                            == RelativeTime.describe(Date(timeIntervalSince1970: time), now: Date(timeIntervalSince1970: b))
                        let same = RelativeTime.sameText(for: time, at: a, and: b)
                        if same != texts {
                            Issue.record("seen at \(a - time) and \(b - time): sameText \(same), texts equal \(texts)")
                            return
                        }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 90_000)
    }
}
