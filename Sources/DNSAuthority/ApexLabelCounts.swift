/// How many served zones have an apex of each label count, kept by the writer as zones come
/// and go, so a snapshot gets its filter of possible apex lengths without walking every zone
/// (there is one zone per NS-delegated challenge name: millions are possible).
package struct ApexLabelCounts: Sendable {
    /// A name has at most 127 labels besides the root (255 octets, RFC 1035 §2.3.4).
    private var counts = [Int](repeating: 0, count: 128)

    package init(_ zones: some Sequence<Zone>) {
        for zone in zones { add(zone) }
    }

    package mutating func add(_ zone: Zone) { counts[min(zone.apexLabelCount, 127)] += 1 }

    package mutating func remove(_ zone: Zone) { counts[min(zone.apexLabelCount, 127)] -= 1 }

    /// Bit n set when some apex has n labels.
    package var mask: (UInt64, UInt64) {
        var mask: (UInt64, UInt64) = (0, 0)
        for (labels, count) in counts.enumerated() where count > 0 {
            if labels < 64 { mask.0 |= 1 << UInt64(labels) } else { mask.1 |= 1 << UInt64(labels - 64) }
        }
        return mask
    }
}
