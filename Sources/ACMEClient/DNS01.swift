import Crypto
import Foundation

/// The dns-01 challenge (RFC 8555 §8.4).
public enum DNS01 {
    /// The TXT value: base64url(SHA-256(token "." thumbprint)) (RFC 8555 §8.1, §8.4).
    public static func txtValue(token: String, thumbprint: String) -> String {
        Data(SHA256.hash(data: Data(keyAuthorization(token: token, thumbprint: thumbprint).utf8)))
            .base64URLEncodedString()
    }

    /// The key authorization (RFC 8555 §8.1).
    public static func keyAuthorization(token: String, thumbprint: String) -> String {
        token + "." + thumbprint
    }

    /// Where the TXT goes for an identifier: `_acme-challenge.` + the name without `*.`
    /// (RFC 8555 §8.4), lower-cased, no trailing dot.
    public static func challengeName(for name: String) -> String {
        var base = name.lowercased()
        if base.hasPrefix("*.") { base.removeFirst(2) }
        if base.hasSuffix(".") { base.removeLast() }
        return "_acme-challenge." + base
    }
}
