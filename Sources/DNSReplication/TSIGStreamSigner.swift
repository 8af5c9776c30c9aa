import DNSWire
public import NIOCore

/// Signs the messages of a multi-message response (AXFR or IXFR over TCP) to a signed request
/// (RFC 8945 §5.3.1).
///
/// The first message is signed like any response, over the request MAC and the full TSIG
/// variables; each following one over the previous message's MAC, the message and the TSIG
/// timers only. Every message is signed (§5.3.1 allows gaps of up to 99; Cairn leaves none).
public struct TSIGStreamSigner: Sendable {
    /// The key of the request.
    public let key: TSIGKey
    /// The time signed written into the next message, in seconds since the epoch.
    public var time: UInt64
    /// The fudge written into every message.
    public var fudge: UInt16
    private let requestMAC: [UInt8]
    private var priorMAC: [UInt8]?

    /// - Parameters:
    ///   - requestMAC: the MAC of the verified request (``TSIGRecord/mac`` of its record).
    ///   - time: the time signed, in seconds since the epoch; update ``time`` (or pass one to
    ///     ``sign(_:time:)``) as a long transfer goes on, so the receiver's time check holds.
    public init(key: TSIGKey, requestMAC: [UInt8], time: UInt64, fudge: UInt16 = TSIG.defaultFudge) {
        self.key = key
        self.requestMAC = requestMAC
        self.time = time
        self.fudge = fudge
    }

    /// Signs the next message of the stream, a complete message without a TSIG record:
    /// appends the TSIG RR and increments ARCOUNT. Leave ``TSIG/recordLength(key:otherDataLength:)``
    /// octets of room for it.
    ///
    /// - Parameter time: the time signed for this message and the following ones; `nil` keeps ``time``.
    public mutating func sign(_ message: inout ByteBuffer, time: UInt64? = nil) {
        if let time { self.time = time }
        guard let priorMAC else {
            priorMAC = TSIG.sign(&message, key: key, time: self.time, fudge: fudge, requestMAC: requestMAC)
            return
        }
        var record = TSIGRecord(
            keyName: key.name, algorithm: key.algorithm.rawValue, timeSigned: self.time, fudge: fudge, mac: [],
            originalID: message.getInteger(at: message.readerIndex, as: UInt16.self)!)
        var digest = TSIGDigest()
        digest.appendMAC(priorMAC)
        digest.appendMessage(message)
        digest.appendTimers(of: record)
        record.mac = digest.authenticationCode(key: key)
        TSIG.append(record, to: &message)
        self.priorMAC = record.mac
    }
}
