import Foundation

extension Data {
    /// The unpadded base64url form (RFC 4648 §5) that JOSE and ACME use (RFC 7515 §2), through
    /// Foundation's base64.
    func base64URLEncodedString() -> String {
        var text = base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.last == "=" { text.removeLast() }
        return text
    }

    /// Decodes unpadded base64url (RFC 4648 §5, RFC 7515 §2); `nil` for any other character.
    init?(base64URLEncoded text: String) {
        if text.contains(where: { $0 == "+" || $0 == "/" || $0 == "=" }) { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        self.init(base64Encoded: standard)
    }
}
