import Crypto
import Foundation
import HummingbirdBcrypt

/// Making and checking API keys. Keys Cairn makes carry 240 random bits, so an unsalted
/// SHA-256 compared in constant time is enough; bcrypt hashes imported from acme-dns are
/// checked with bcrypt and replaced after their first successful use.
package enum Credential {
    /// A new key: 30 random bytes as base64url, 40 characters of `[A-Za-z0-9_-]` (acme-dns's
    /// password alphabet and length).
    package static func generateKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<30).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(bytes)
    }

    /// `sha256:<hex>` of `key`.
    package static func hash(_ key: String) -> String {
        "sha256:" + SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compared against when the user is unknown, so an unknown user costs what a known one does.
    package static let unknownUserHash = hash(generateKey())

    /// Whether `key` matches `stored` (`sha256:<hex>` or a bcrypt hash).
    package static func verify(_ key: String, against stored: String) -> Bool {
        if stored.hasPrefix("sha256:") {
            guard let expected = Self.hexBytes(stored.dropFirst("sha256:".count)), expected.count == 32 else {
                return false
            }
            // swift-crypto compares a digest with bytes in constant time.
            return SHA256.hash(data: Data(key.utf8)) == expected
        }
        if stored.hasPrefix("$2") { return Bcrypt.verify(key, hash: stored) }
        return false
    }

    /// Whether checking a key against `stored` is costly: a bcrypt hash (about 90 ms of CPU at
    /// cost 10), not one SHA-256.
    package static func isCostly(_ stored: String) -> Bool { stored.hasPrefix("$2") }

    /// Whether `stored` is a bcrypt hash that should be replaced after a successful check.
    package static func needsRehash(_ stored: String) -> Bool { !stored.hasPrefix("sha256:") }

    /// base64url without padding (RFC 4648 §5), through Foundation's base64.
    package static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The dns-01 TXT value for a key authorization: base64url(SHA-256(keyAuth)) (RFC 8555 §8.4).
    package static func dns01Digest(keyAuthorization: String) -> String {
        base64URL(SHA256.hash(data: Data(keyAuthorization.utf8)))
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
