import DNSWire
public import NIOCore

/// Verifies the response to a signed request on a client (RFC 8945 §5.4): one message, or the
/// messages of an AXFR or IXFR over TCP (RFC 8945 §5.3.1).
///
/// The first message must be signed, over the request MAC; each later signed message is checked
/// over the previous MAC, the unsigned messages since it and its TSIG timers. Up to 99 unsigned
/// messages in a row are accepted, as §5.3.1 permits; the last message must be signed, which
/// ``finish()`` checks once the response is complete. After a failure every call throws it
/// again: the client must close the connection (§5.3.1).
public struct TSIGStreamVerifier: Sendable {
    /// The most unsigned messages §5.3.1 allows between two signed ones.
    public static let maximumUnsignedRun = 99

    /// The key the request was signed with.
    public let key: TSIGKey
    /// The messages verified so far, unsigned ones included.
    public private(set) var messageCount = 0
    private let requestMAC: [UInt8]
    private var priorMAC: [UInt8]?
    private var unsignedMessages = ByteBuffer()
    private var unsignedRun = 0
    private var failure: TSIGFailure?

    /// - Parameter requestMAC: the MAC ``TSIG/sign(_:key:time:fudge:requestMAC:error:otherData:)``
    ///   returned for the request.
    public init(key: TSIGKey, requestMAC: [UInt8]) {
        self.key = key
        self.requestMAC = requestMAC
    }

    /// Verifies the next message of the response.
    ///
    /// - Parameter now: the client's time, in seconds since the epoch.
    /// - Throws: ``TSIGFailure``: FORMERR for a malformed or misplaced TSIG record, or an
    ///   unsigned first message or too long a run of unsigned ones; BADKEY for another key or
    ///   algorithm; the server's error (BADSIG, BADKEY, BADTIME, BADTRUNC) when it reports one;
    ///   or the failed check (BADSIG, BADTIME, BADTRUNC, FORMERR for a MAC size out of range).
    public mutating func verify(_ message: ByteBuffer, now: UInt64) throws(TSIGFailure) {
        if let failure { throw failure }
        do {
            try verifyNext(message, now: now)
            messageCount += 1
        } catch {
            failure = error
            throw error
        }
    }

    /// Checks that the response ended well: at least one message, the last one signed
    /// (RFC 8945 §5.3.1), and no failure.
    public func finish() throws(TSIGFailure) {
        if let failure { throw failure }
        guard priorMAC != nil else {
            throw TSIGFailure(code: .formatError, record: nil, key: key, reason: "no signed response was received")
        }
        guard unsignedRun == 0 else {
            throw TSIGFailure(
                code: .formatError, record: nil, key: key,
                reason: "the last \(unsignedRun) messages of the response are not signed")
        }
    }

    private mutating func verifyNext(_ message: ByteBuffer, now: UInt64) throws(TSIGFailure) {
        let location: TSIGRecord.Location?
        do {
            location = try TSIGRecord.locate(in: message)
        } catch {
            throw TSIGFailure(
                code: .formatError, record: nil, key: key,
                reason: "message \(messageCount + 1) has an unusable TSIG record: \(error)")
        }
        guard let location else {
            guard priorMAC != nil else {
                throw TSIGFailure(
                    code: .formatError, record: nil, key: key, reason: "the first message of the response is not signed"
                )
            }
            guard unsignedRun < Self.maximumUnsignedRun else {
                throw TSIGFailure(
                    code: .formatError, record: nil, key: key,
                    reason: "more than \(Self.maximumUnsignedRun) unsigned messages in a row")
            }
            unsignedMessages.writeImmutableBuffer(message)
            unsignedRun += 1
            return
        }
        let record = location.record
        guard record.keyName == key.name, record.algorithm == key.algorithm.rawValue else {
            throw TSIGFailure(
                code: .badKey, record: record, key: key,
                reason: "signed with key \(record.keyName) \(record.algorithm), expected \(key.name) \(key.algorithm)")
        }
        let reported = TSIGErrorCode(rawValue: record.error)
        if record.mac.isEmpty, reported != .noError {
            throw TSIGFailure(
                code: reported, record: record, key: key, reason: "the server refused the request: \(reported)")
        }
        var digest = TSIGDigest()
        if let priorMAC {
            digest.appendMAC(priorMAC)
            digest.appendMessage(unsignedMessages)
            digest.appendMessage(message, signedAt: location)
            digest.appendTimers(of: record)
        } else {
            digest.appendMAC(requestMAC)
            digest.appendMessage(message, signedAt: location)
            digest.appendVariables(of: record)
        }
        if let failure = TSIG.check(record, key: key, digest: digest, now: now) { throw failure }
        guard reported == .noError else {
            let serverTime = record.serverTime.map { "; its time is \($0)" } ?? ""
            throw TSIGFailure(
                code: reported, record: record, key: key,
                reason: "the server refused the request: \(reported)\(serverTime)")
        }
        priorMAC = record.mac
        unsignedMessages.clear()
        unsignedRun = 0
    }
}
