/// A small seeded generator (Steele, Lea and Flood's SplitMix64), so names and values are
/// the same in every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    /// A version-4 UUID in its lower-case 8-4-4-4-12 text form (RFC 9562 §5.4).
    mutating func uuidString() -> String {
        var octets = bytes(16)
        octets[6] = octets[6] & 0x0F | 0x40
        octets[8] = octets[8] & 0x3F | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for (index, octet) in octets.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append(UInt8(ascii: "-")) }
            text.append(hex[Int(octet >> 4)])
            text.append(hex[Int(octet & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `byteCount` random octets in base64url without padding (RFC 4648 §5); 32 octets give
    /// the 43 characters of a dns-01 digest.
    mutating func base64URL(byteCount: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let input = bytes(byteCount)
        var output: [UInt8] = []
        var index = 0
        while index < input.count {
            let chunk = input[index..<min(index + 3, input.count)]
            var word: UInt32 = 0
            for (offset, octet) in chunk.enumerated() { word |= UInt32(octet) << (16 - 8 * UInt32(offset)) }
            for position in 0..<(chunk.count + 1) {
                output.append(alphabet[Int((word >> (18 - 6 * UInt32(position))) & 0x3F)])
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
