/// Who may publish at a challenge name: a registration, a token, or Cairn's own ACME client.
///
/// Every challenge name has exactly one owner; only that owner publishes or withdraws there.
///
/// The table keeps one owner per name, millions of them, so the usual owners —
/// `registration:<uuid>` and `token:<uuid>` with a lowercase UUID, as Cairn and acme-dns make
/// them — are held as 16 bytes rather than a 49-character string on the heap. Any other text is
/// kept as it is; ``rawValue`` always gives back the text the owner was made from.
public struct ChallengeOwner: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    private enum Storage: Hashable, Sendable {
        case registration(UUIDBytes)
        case token(UUIDBytes)
        case text(String)
    }

    /// A UUID in the one text form Cairn and acme-dns write — 36 characters, lowercase hex,
    /// hyphens after the 8th, 12th, 16th and 20th digit (RFC 9562 §4) — as two words. Any other
    /// spelling is not this form, so ``text`` always gives back the very text parsed.
    private struct UUIDBytes: Hashable, Sendable {
        var high: UInt64
        var low: UInt64

        init?(lowercase utf8: UnsafeBufferPointer<UInt8>) {
            guard utf8.count == 36 else { return nil }
            var words = (UInt64(0), UInt64(0))
            var digits = 0
            for offset in 0..<36 {
                let byte = utf8[offset]
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard byte == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let nibble: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
                default: return nil
                }
                if digits < 16 {
                    words.0 = words.0 << 4 | UInt64(nibble)
                } else {
                    words.1 = words.1 << 4 | UInt64(nibble)
                }
                digits += 1
            }
            (high, low) = words
        }

        var text: String {
            let digits = Array("0123456789abcdef".utf8)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(36)
            for index in 0..<32 {
                if index == 8 || index == 12 || index == 16 || index == 20 { bytes.append(UInt8(ascii: "-")) }
                let word = index < 16 ? high : low
                let shift = UInt64(60 - 4 * (index % 16))
                bytes.append(digits[Int(word >> shift & 0xF)])
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static let registrationPrefix = "registration:"
    private static let tokenPrefix = "token:"

    private let storage: Storage

    public init(rawValue: String) {
        // Over the contiguous UTF-8 octets, not `hasPrefix` (which compares characters) nor a
        // view's indices: a restore makes millions.
        var text = rawValue
        let parsed = text.withUTF8 { utf8 -> Storage? in
            func uuid(after prefix: String) -> UUIDBytes? {
                let count = prefix.utf8.count
                guard utf8.count > count, utf8.starts(with: prefix.utf8) else { return nil }
                return UUIDBytes(lowercase: UnsafeBufferPointer(rebasing: utf8[count...]))
            }
            if let bytes = uuid(after: Self.registrationPrefix) { return .registration(bytes) }
            if let bytes = uuid(after: Self.tokenPrefix) { return .token(bytes) }
            return nil
        }
        storage = parsed ?? .text(rawValue)
    }

    public var rawValue: String {
        switch storage {
        case .registration(let bytes): Self.registrationPrefix + bytes.text
        case .token(let bytes): Self.tokenPrefix + bytes.text
        case .text(let text): text
        }
    }

    public var description: String { rawValue }

    // Compared and hashed by what is stored: the standard library's defaults for a
    // RawRepresentable type go through `rawValue`, which spells a UUID out as a new string each
    // time. One text always parses to the same storage, and each storage gives back its text,
    // so equal storage is equal text.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.storage == rhs.storage }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}
