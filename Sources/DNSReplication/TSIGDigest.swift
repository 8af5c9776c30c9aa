import DNSWire
import NIOCore

/// The octets a TSIG MAC covers (RFC 8945 §4.3; §5.3.1 for the messages after the first of a
/// stream), gathered in one buffer and then authenticated with swift-crypto's HMAC.
struct TSIGDigest {
    private var input = ByteBuffer()

    /// A MAC preceded by its 2-octet length: the request MAC a response covers (RFC 8945
    /// §4.3.1), or the prior MAC of a stream (RFC 8945 §5.3.1).
    mutating func appendMAC(_ mac: [UInt8]) {
        input.writeInteger(UInt16(truncatingIfNeeded: mac.count))
        input.writeBytes(mac)
    }

    /// A message as it stands: one about to be signed, or an unsigned message of a stream
    /// (RFC 8945 §4.3.2, §5.3.1).
    mutating func appendMessage(_ message: ByteBuffer) {
        input.writeImmutableBuffer(message)
    }

    /// A received message as it was before it was signed (RFC 8945 §4.3.2): without its TSIG
    /// RR, ARCOUNT one lower, and the ID replaced by the TSIG record's original ID.
    mutating func appendMessage(_ message: ByteBuffer, signedAt location: TSIGRecord.Location) {
        let start = message.readerIndex
        input.writeInteger(location.record.originalID)
        input.writeBytes(message.viewBytes(at: start + 2, length: 8)!)
        input.writeInteger(location.additionalCount - 1)
        input.writeBytes(message.viewBytes(at: start + 12, length: location.offset - 12)!)
    }

    /// The TSIG variables (RFC 8945 §4.3.3): key name and algorithm name in canonical form
    /// (lower case, uncompressed), CLASS ANY, TTL 0, time signed, fudge, error and other data.
    mutating func appendVariables(of record: TSIGRecord) {
        input.writeDNSName(record.keyName.lowercased)
        input.writeMultipleIntegers(DNSClass.any.rawValue, UInt32(0))
        input.writeDNSName(record.algorithm.lowercased)
        appendTimers(of: record)
        input.writeMultipleIntegers(record.error, UInt16(truncatingIfNeeded: record.otherData.count))
        input.writeBytes(record.otherData)
    }

    /// The TSIG timers alone (RFC 8945 §4.3.3, §5.3.1): time signed (48 bits) and fudge.
    mutating func appendTimers(of record: TSIGRecord) {
        let time = record.timeSigned & TSIGRecord.maximumTimeSigned
        input.writeMultipleIntegers(
            UInt16(truncatingIfNeeded: time >> 32), UInt32(truncatingIfNeeded: time), record.fudge)
    }

    /// The full-length MAC of the gathered octets under `key`.
    func authenticationCode(key: TSIGKey) -> [UInt8] {
        input.withUnsafeReadableBytes { key.algorithm.authenticationCode(for: $0, secret: key.secret) } ?? []
    }

    /// Whether `mac` authenticates the gathered octets under `key` (constant-time comparison).
    func isValid(_ mac: [UInt8], key: TSIGKey) -> Bool {
        input.withUnsafeReadableBytes { key.algorithm.isValidAuthenticationCode(mac, for: $0, secret: key.secret) }
    }
}
