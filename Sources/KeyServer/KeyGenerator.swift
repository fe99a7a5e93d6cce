import Foundation
import WhyLabsAPI

/// Makes keys in the service's format: a 10-character id, a dot, 53 more
/// characters (64 in all); create answers append `:<orgId>`.
enum KeyGenerator {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    static func randomString<G: RandomNumberGenerator>(_ count: Int, using rng: inout G) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        for _ in 0..<count { bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A new key id and secret from the system's secure random source.
    static func newKey() -> (keyId: String, secret: String) {
        var rng = SystemRandomNumberGenerator()
        let id = randomString(APIKeyFormat.idLength, using: &rng)
        let rest = randomString(APIKeyFormat.keyLength - APIKeyFormat.idLength - 1, using: &rng)
        return (id, id + "." + rest)
    }
}
