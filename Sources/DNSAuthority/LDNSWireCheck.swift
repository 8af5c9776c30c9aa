import CLDNS

/// Checks that libldns, an independent DNS implementation, can parse a message Cairn wrote.
/// Tests run every response through it (a second opinion beside Cairn's own decoder).
package enum LDNSWireCheck {
    /// `nil` when `ldns_wire2pkt` parses `bytes`, else libldns's error text.
    package static func problem(parsing bytes: [UInt8]) -> String? {
        var packet: UnsafeMutablePointer<ldns_pkt>? = nil
        let status = bytes.withUnsafeBufferPointer { buffer in
            ldns_wire2pkt(&packet, buffer.baseAddress, buffer.count)
        }
        if let packet { ldns_pkt_free(packet) }
        guard status == LDNS_STATUS_OK else { return LDNSError(status: status).description }
        return nil
    }
}
