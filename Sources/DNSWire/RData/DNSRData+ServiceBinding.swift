import NIOCore

extension DNSRData {
    /// The SvcPriority and TargetName of SVCB or HTTPS RDATA (RFC 9460 §2.2), read from the
    /// octets these types are kept as (RFC 3597 §3); the SvcParams are not decoded.
    ///
    /// `nil` for other types, and when the octets do not start with a priority and an
    /// uncompressed name (RFC 9460 §2.2 forbids compressing TargetName). A TargetName of
    /// `.` is returned as it is: its meaning depends on the mode (RFC 9460 §2.5).
    package var serviceBinding: (priority: UInt16, target: DNSName)? {
        guard case .opaque(let opaque) = self, opaque.type == .svcb || opaque.type == .https else { return nil }
        var buffer = ByteBuffer(bytes: opaque.bytes)
        guard let priority = buffer.readInteger(as: UInt16.self),
            let (_, wireLength, compressed) = try? buffer.scanDNSName(
                at: buffer.readerIndex, messageStart: buffer.readerIndex),
            !compressed, let wire = buffer.getSlice(at: buffer.readerIndex, length: wireLength)
        else { return nil }
        return (priority, DNSName(uncheckedWire: wire))
    }
}
