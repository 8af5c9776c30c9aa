/// The kinds of key Cairn makes for ACME accounts (RFC 8555 §6.2: ES256, ES384, RS256) and
/// for certificates.
public enum ACMEKeyType: String, Sendable, CaseIterable, CustomStringConvertible {
    case p256 = "ec256"
    case p384 = "ec384"
    case rsa2048 = "rsa2048"
    case rsa3072 = "rsa3072"
    case rsa4096 = "rsa4096"

    public var description: String { rawValue }

    /// Accepts the raw values and common spellings (`p256`, `ecdsa`, `rsa`, `es256`, `rs256`).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "ec256", "p256", "p-256", "ecdsa", "es256", "ec": self = .p256
        case "ec384", "p384", "p-384", "es384": self = .p384
        case "rsa2048", "rsa", "rs256", "rsa-2048": self = .rsa2048
        case "rsa3072", "rsa-3072": self = .rsa3072
        case "rsa4096", "rsa-4096": self = .rsa4096
        default: return nil
        }
    }
}
