import DNSWire
public import NIOCore

extension TSIG {
    /// Verifies a request on a server (RFC 8945 §5.2).
    ///
    /// In the order of §5.2: the TSIG record must be the last record of the additional
    /// section and the only one (FORMERR otherwise, §5.1); the key must be in `keyring` with
    /// the algorithm the record names (BADKEY, §5.2.1); the MAC must be as long as §5.2.2.1
    /// allows (FORMERR) and verify (BADSIG, §5.2.2); `now` must be within the fudge of the time
    /// signed (BADTIME, §5.2.3); and the MAC must not be truncated (BADTRUNC, §5.2.4: Cairn's
    /// policy is the full length). Times signed are not remembered between requests (the
    /// replay check §5.2.3 says a server SHOULD make).
    ///
    /// - Parameters:
    ///   - message: the request as received, at its reader index.
    ///   - now: the server's time, in seconds since the epoch.
    /// - Returns: ``TSIGVerification/unsigned`` when the message has no TSIG record.
    public static func verifyRequest(_ message: ByteBuffer, keyring: TSIGKeyring, now: UInt64) -> TSIGVerification {
        let location: TSIGRecord.Location
        do {
            guard let found = try TSIGRecord.locate(in: message) else { return .unsigned }
            location = found
        } catch {
            return .rejected(
                TSIGFailure(code: .formatError, record: nil, key: nil, reason: "unusable TSIG record: \(error)"))
        }
        let record = location.record
        guard let key = keyring[record.keyName] else {
            return .rejected(TSIGFailure(code: .badKey, record: record, key: nil, reason: "no key has this name"))
        }
        guard key.algorithm.rawValue == record.algorithm else {
            return .rejected(
                TSIGFailure(
                    code: .badKey, record: record, key: nil,
                    reason: "the request names algorithm \(record.algorithm), the key is \(key.algorithm)"))
        }
        var digest = TSIGDigest()
        digest.appendMessage(message, signedAt: location)
        digest.appendVariables(of: record)
        if let failure = check(record, key: key, digest: digest, now: now) { return .rejected(failure) }
        return .verified(key: key, record: record)
    }

    /// Completes the response to a request that failed verification as RFC 8945 §5.2 and
    /// §5.3.2 prescribe. `response` is a complete response without a TSIG record, its RCODE set
    /// by the caller to the failure's ``TSIGFailure/responseCode``.
    ///
    /// - BADKEY, BADSIG (and any other code): an unsigned TSIG record, with an empty MAC and the
    ///   error, naming the request's key and algorithm (§5.3.2).
    /// - BADTIME: signed with the request's key over the request MAC, the time signed being the
    ///   request's and the other data this server's time, six octets (§5.2.3).
    /// - BADTRUNC: signed with the request's key over the (truncated) request MAC (§5.2.4).
    /// - FORMERR: nothing; the response carries no TSIG (§5.2).
    ///
    /// - Parameter now: the server's time, in seconds since the epoch.
    public static func appendErrorRecord(
        to response: inout ByteBuffer, for failure: TSIGFailure, keyring: TSIGKeyring, now: UInt64
    ) {
        guard let request = failure.record, failure.code != .formatError,
            response.readableBytes >= DNSMessage.headerLength
        else { return }
        if failure.code == .badTime || failure.code == .badTrunc,
            let key = failure.key ?? keyring[request.keyName], key.algorithm.rawValue == request.algorithm
        {
            let isBadTime = failure.code == .badTime
            sign(
                &response, key: key, time: isBadTime ? request.timeSigned : now, fudge: request.fudge,
                requestMAC: request.mac, error: failure.code, otherData: isBadTime ? timeOctets(now) : [])
            return
        }
        let unsigned = TSIGRecord(
            keyName: request.keyName, algorithm: request.algorithm, timeSigned: now, fudge: request.fudge, mac: [],
            originalID: response.getInteger(at: response.readerIndex, as: UInt16.self)!, error: failure.code.rawValue)
        append(unsigned, to: &response)
    }

    /// `time` as the six octets of a BADTIME response's other data (RFC 8945 §5.2.3).
    private static func timeOctets(_ time: UInt64) -> [UInt8] {
        (0..<6).reversed().map { UInt8(truncatingIfNeeded: time >> ($0 * 8)) }
    }
}
