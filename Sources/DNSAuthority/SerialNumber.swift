/// Serial number arithmetic for SOA serials (RFC 1982 §3, with SERIAL_BITS = 32).
package enum SerialNumber {
    /// Whether `a` is greater than `b` in RFC 1982 §3.2 terms; undefined pairs (exactly 2³¹
    /// apart) count as not greater.
    package static func isGreater(_ a: UInt32, than b: UInt32) -> Bool {
        (a < b && b &- a > 0x8000_0000) || (a > b && a &- b < 0x8000_0000)
    }

    /// The serial to serve after a change when the zone last served `current`.
    package static func next(after current: UInt32) -> UInt32 { current &+ 1 }

    /// The serial to serve after a reload that read `loaded` from the file while `current` was
    /// being served: the file's serial if it advances; otherwise one past the current one when
    /// what the zone serves `changed`, else the current one (two servers with the same data
    /// answer the same serial, and secondaries transfer only what changed).
    package static func afterReload(loaded: UInt32, current: UInt32, changed: Bool) -> UInt32 {
        if isGreater(loaded, than: current) { return loaded }
        return changed ? next(after: current) : current
    }
}
