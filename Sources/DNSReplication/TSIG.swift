import DNSWire
public import NIOCore

/// Transaction signatures (RFC 8945): signing messages and verifying signed ones with a shared
/// key, for zone transfers and NOTIFY between Cairn and its secondaries.
///
/// Times are seconds since 1 January 1970 UTC, passed in by the caller so tests choose them.
/// MACs are computed with swift-crypto's HMAC and compared in constant time.
public enum TSIG {
    /// The fudge Cairn signs with: seconds of clock difference a receiver accepts (RFC 8945 §10
    /// recommends 300).
    public static let defaultFudge: UInt16 = 300

    /// Signs `message`, a complete message without a TSIG record: appends a TSIG RR
    /// (RFC 8945 §4.2) as the last additional record and increments ARCOUNT.
    ///
    /// The MAC covers, in order (RFC 8945 §4.3): `requestMAC` preceded by its length when the
    /// message answers a signed request (§4.3.1), the message (§4.3.2), and the TSIG variables
    /// (§4.3.3). The message's ID becomes the record's original ID.
    ///
    /// Leave ``recordLength(key:otherDataLength:)`` octets of room for the record.
    ///
    /// - Parameters:
    ///   - time: the time signed, in seconds since the epoch (48 bits).
    ///   - requestMAC: the MAC of the signed request this message answers (RFC 8945 §5.3).
    ///   - error: the TSIG error; non-zero only in a signed error response (RFC 8945 §5.3.2).
    ///   - otherData: the server's time in a BADTIME response (RFC 8945 §5.2.3), otherwise empty.
    /// - Returns: the MAC, which signs the next message of a stream (RFC 8945 §5.3.1) or verifies
    ///   the response to a request.
    /// - Precondition: `message` holds at least a 12-octet header and ARCOUNT is below 65535.
    @discardableResult
    public static func sign(
        _ message: inout ByteBuffer, key: TSIGKey, time: UInt64, fudge: UInt16 = defaultFudge,
        requestMAC: [UInt8]? = nil, error: TSIGErrorCode = .noError, otherData: [UInt8] = []
    ) -> [UInt8] {
        precondition(message.readableBytes >= DNSMessage.headerLength, "a DNS message needs a 12-octet header")
        var record = TSIGRecord(
            keyName: key.name, algorithm: key.algorithm.rawValue, timeSigned: time, fudge: fudge, mac: [],
            originalID: message.getInteger(at: message.readerIndex, as: UInt16.self)!, error: error.rawValue,
            otherData: otherData)
        var digest = TSIGDigest()
        if let requestMAC { digest.appendMAC(requestMAC) }
        digest.appendMessage(message)
        digest.appendVariables(of: record)
        record.mac = digest.authenticationCode(key: key)
        append(record, to: &message)
        return record.mac
    }

    /// The octets the TSIG RR of a message signed with `key` takes: what a message must leave
    /// free of its 65535 (TCP) or payload-size (UDP) limit before it is signed.
    public static func recordLength(key: TSIGKey, otherDataLength: Int = 0) -> Int {
        TSIGRecord(
            keyName: key.name, algorithm: key.algorithm.rawValue, timeSigned: 0, fudge: 0,
            mac: [UInt8](repeating: 0, count: key.algorithm.macLength ?? 0), originalID: 0,
            otherData: [UInt8](repeating: 0, count: otherDataLength)
        ).wireLength
    }

    /// Appends `record` to `message` and increments ARCOUNT.
    static func append(_ record: TSIGRecord, to message: inout ByteBuffer) {
        let countIndex = message.readerIndex + 10
        let additionalCount = message.getInteger(at: countIndex, as: UInt16.self)!
        precondition(additionalCount < .max, "no room for a TSIG record in the additional section")
        message.writeTSIGRecord(record)
        message.setInteger(additionalCount + 1, at: countIndex)
    }

    /// The checks of RFC 8945 §5.2.2–§5.2.4 (and §5.4 on a client) on `record`, whose key is
    /// known to be `key`, in the order §5.2 prescribes: MAC size, MAC, time, truncation policy.
    ///
    /// Cairn's truncation policy accepts only full-length MACs: a MAC shorter than that but as
    /// long as §5.2.2.1 allows is verified, and then refused with BADTRUNC.
    ///
    /// - Returns: `nil` when the record passes.
    static func check(_ record: TSIGRecord, key: TSIGKey, digest: TSIGDigest, now: UInt64) -> TSIGFailure? {
        let fullLength = key.algorithm.macLength ?? 0
        let minimumLength = key.algorithm.minimumMACLength ?? 0
        guard record.mac.count <= fullLength, record.mac.count >= minimumLength else {
            return TSIGFailure(
                code: .formatError, record: record, key: key,
                reason:
                    "a MAC of \(record.mac.count) octets is outside the \(minimumLength)–\(fullLength) "
                    + "RFC 8945 §5.2.2.1 allows for \(key.algorithm)")
        }
        guard digest.isValid(record.mac, key: key) else {
            return TSIGFailure(code: .badSig, record: record, key: key, reason: "the MAC does not verify")
        }
        let skew = now > record.timeSigned ? now - record.timeSigned : record.timeSigned - now
        guard skew <= UInt64(record.fudge) else {
            return TSIGFailure(
                code: .badTime, record: record, key: key,
                reason: "signed at \(record.timeSigned), \(skew) s from the time here (\(now)); fudge \(record.fudge) s"
            )
        }
        guard record.mac.count == fullLength else {
            return TSIGFailure(
                code: .badTrunc, record: record, key: key,
                reason: "the MAC is truncated to \(record.mac.count) octets; the full \(fullLength) are required")
        }
        return nil
    }
}
