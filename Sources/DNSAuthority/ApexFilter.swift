package import DNSWire
import NIOCore

/// The shapes of the served zones' apexes, kept by the writer as zones come and go, so the
/// answer path looks a suffix of a query name up in the zone map only when some apex has its
/// shape: its label count and a 6-bit digest of its first label.
///
/// There is one zone per NS-delegated challenge name, so millions are possible, and a lookup
/// that misses in a map that size costs several cache misses. The apexes of those zones all
/// begin with `_acme-challenge`, so the names of an auth zone (`<uuid>.auth.example`) with as
/// many labels pass the filter only when their first label's digest collides (1 in 64).
package struct ApexFilter: Sendable {
    /// How many apexes have each shape (`labels * 64 + digest`).
    private var counts: [Int: Int] = [:]
    /// For each label count n (a name has at most 127 labels besides the root, RFC 1035
    /// §2.3.4), bit d set when some apex with n labels has first-label digest d.
    package private(set) var masks = [UInt64](repeating: 0, count: 128)

    package init(_ zones: some Sequence<Zone>) {
        for zone in zones { add(zone) }
    }

    package mutating func add(_ zone: Zone) {
        let (labels, digest) = Self.shape(of: zone.apex)
        let key = labels * 64 + digest
        counts[key, default: 0] += 1
        if counts[key] == 1 { masks[labels] |= 1 << UInt64(digest) }
    }

    package mutating func remove(_ zone: Zone) {
        let (labels, digest) = Self.shape(of: zone.apex)
        let key = labels * 64 + digest
        guard let count = counts[key] else { return }
        if count > 1 {
            counts[key] = count - 1
        } else {
            counts[key] = nil
            masks[labels] &= ~(1 << UInt64(digest))
        }
    }

    /// Whether some apex may be `name`, which has `labelCount` labels.
    @inline(__always)
    package static func mayBeApex(_ name: DNSName, labelCount: Int, masks: [UInt64]) -> Bool {
        let labels = min(labelCount, 127)
        let mask = masks[labels]
        guard mask != 0 else { return false }
        return mask & (1 << UInt64(firstLabelDigest(of: name))) != 0
    }

    private static func shape(of name: DNSName) -> (labels: Int, digest: Int) {
        (min(name.labelCount, 127), firstLabelDigest(of: name))
    }

    /// 6 bits from the first label's length and its first and last octets, ASCII case folded
    /// (names compare case-insensitively, RFC 4343 §3); 0 for the root.
    @inline(__always)
    private static func firstLabelDigest(of name: DNSName) -> Int {
        name.wire.withUnsafeReadableBytes { bytes in
            let length = Int(bytes[0])
            guard length > 0 else { return 0 }
            var mixed = UInt32(truncatingIfNeeded: length) &* 0x9E37_79B1
            mixed ^= UInt32(folded(bytes[1])) &* 0x85EB_CA6B
            mixed ^= UInt32(folded(bytes[length])) &* 0xC2B2_AE35
            mixed ^= mixed >> 15
            mixed &*= 0x2C1B_3C6D
            return Int(mixed >> 26)
        }
    }

    @inline(__always)
    private static func folded(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }
}
