public import DNSWire

/// Names as the API and the credential commands accept them: letters, digits, `-` and `_` in
/// dot-separated labels, one optional trailing dot. Escapes (`\.`, `\046`), percent-encoding,
/// empty labels and anything else are refused rather than interpreted, so a name can never be
/// spelled to reach another owner's. Case is folded (DNS names compare case-insensitively,
/// RFC 4343).
public enum ChallengeName {
    /// The lowercase name, or `nil` when `text` is not a plain host name (at most 253
    /// characters, labels of 1 to 63).
    public static func parse(_ text: String) -> DNSName? {
        var text = Substring(text)
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty, text.utf8.count <= 253 else { return nil }
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63 else { return nil }
            guard label.utf8.allSatisfy({ isNameByte($0) }) else { return nil }
        }
        return (try? DNSName(text))?.lowercased
    }

    /// The form names take in the store and in ``OwnedName``: lowercase, no trailing dot
    /// (`_acme-challenge.example.com`).
    public static func storeText(_ name: DNSName) -> String {
        String(name.lowercased.description.dropLast())
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// Whether `text` is 43 characters of the base64url alphabet: a SHA-256 digest as dns-01
    /// publishes it (RFC 8555 §8.4), what acme-dns accepts as `txt`.
    package static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 43 && isKeyText(text)
    }

    /// Whether every character of `text` is in the base64url alphabet `[A-Za-z0-9_-]`.
    package static func isKeyText(_ text: String) -> Bool {
        text.utf8.allSatisfy { isNameByte($0) }
    }
}
