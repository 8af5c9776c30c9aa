import DNSWire
import Foundation
import NIOCore
import Testing

@testable import DNSReplication

// TSIG (RFC 8945) without a network: signing, the server's checks (§5.2), error responses
// (§5.2, §5.3.2), streams (§5.3.1) and the client's checks (§5.4). Times are injected.

private let now: UInt64 = 1_700_000_000
private let secret: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }

private func key(
    _ algorithm: TSIGAlgorithm = .hmacSHA256, name: DNSName = "xfr-key.", secret: [UInt8] = secret
)
    -> TSIGKey
{
    TSIGKey(name: name, algorithm: algorithm, secret: secret)
}

private func keyring(_ keys: TSIGKey...) throws -> TSIGKeyring { try TSIGKeyring(keys) }

/// An SOA (or `type`) query for example.com.: 29 octets without EDNS.
private func query(id: UInt16 = 0xBEEF, type: DNSRecordType = .soa, edns: Bool = false) throws -> ByteBuffer {
    try DNSMessage(
        header: DNSHeader(id: id), questions: [DNSQuestion(name: "example.com.", type: type)],
        edns: edns ? EDNS() : nil
    ).encoded()
}

/// A response with `count` TXT answers whose text starts with `tag`.
private func response(
    id: UInt16 = 0xBEEF, rcode: DNSResponseCode = .noError, tag: String = "m", count: Int = 3
)
    throws -> ByteBuffer
{
    var header = DNSHeader(id: id)
    header.isResponse = true
    header.isAuthoritative = true
    header.responseCodeBits = rcode.headerBits
    let answers = (0..<count).map {
        DNSRecord(name: "example.com.", ttl: 300, rdata: .txt(DNSRData.TXT("\(tag)-\($0)")))
    }
    return try DNSMessage(
        header: header, questions: [DNSQuestion(name: "example.com.", type: .axfr)], answers: answers
    ).encoded()
}

private func location(_ message: ByteBuffer) throws -> TSIGRecord.Location {
    try #require(try TSIGRecord.locate(in: message))
}

private func additionalCount(_ message: ByteBuffer) -> UInt16? {
    message.getInteger(at: message.readerIndex + 10, as: UInt16.self)
}

/// `message` with the octet at `offset` XORed with `mask`.
private func flipped(_ message: ByteBuffer, at offset: Int, mask: UInt8 = 0x01) -> ByteBuffer {
    var copy = message
    let byte = copy.getInteger(at: copy.readerIndex + offset, as: UInt8.self)!
    copy.setInteger(byte ^ mask, at: copy.readerIndex + offset)
    return copy
}

/// `message` (signed) with its TSIG record replaced by `change(record)`.
private func rewritingTSIG(_ message: ByteBuffer, _ change: (inout TSIGRecord) -> Void) throws -> ByteBuffer {
    let found = try location(message)
    var record = found.record
    change(&record)
    var copy = message.getSlice(at: message.readerIndex, length: found.offset)!
    copy.writeTSIGRecord(record)
    return copy
}

extension TSIGVerification {
    fileprivate var failure: TSIGFailure? {
        if case .rejected(let failure) = self { return failure }
        return nil
    }

    fileprivate var verifiedKey: TSIGKey? {
        if case .verified(let key, _) = self { return key }
        return nil
    }
}

/// The failure `body` throws, `nil` when it throws none.
private func thrownFailure(_ body: () throws -> Void) -> TSIGFailure? {
    do {
        try body()
        return nil
    } catch {
        return error as? TSIGFailure
    }
}

@Suite struct TSIGTests {
    // MARK: - Sign and verify (RFC 8945 §4.3, §5.2)

    @Test(arguments: [TSIGAlgorithm.hmacSHA256, .hmacSHA512, .hmacSHA384, .hmacSHA1])
    func signedRequestVerifies(algorithm: TSIGAlgorithm) throws {
        let signingKey = key(algorithm)
        for edns in [false, true] {
            var message = try query(edns: edns)
            let unsignedLength = message.readableBytes
            let arcount = additionalCount(message)!
            let mac = TSIG.sign(&message, key: signingKey, time: now)
            #expect(mac.count == algorithm.macLength)
            #expect(additionalCount(message) == arcount + 1)
            #expect(message.readableBytes == unsignedLength + TSIG.recordLength(key: signingKey))
            let record = try location(message).record
            #expect(record.mac == mac)
            #expect(record.originalID == 0xBEEF)
            #expect(record.keyName == "xfr-key.")
            #expect(record.algorithm == algorithm.rawValue)
            #expect(record.fudge == 300)
            #expect(record.timeSigned == now)
            guard
                case .verified(let verifiedKey, let verifiedRecord) = TSIG.verifyRequest(
                    message, keyring: try keyring(signingKey), now: now)
            else {
                Issue.record("a message signed with \(algorithm) did not verify")
                continue
            }
            #expect(verifiedKey == signingKey)
            #expect(verifiedRecord == record)
        }
    }

    @Test func unsignedRequestIsUnsigned() throws {
        guard case .unsigned = TSIG.verifyRequest(try query(edns: true), keyring: try keyring(key()), now: now) else {
            Issue.record("an unsigned request was not reported unsigned")
            return
        }
    }

    @Test func keyNamesCompareCaseInsensitivelyInCanonicalForm() throws {
        var message = try query()
        TSIG.sign(&message, key: key(name: "XFR-Key."), time: now)
        #expect(TSIG.verifyRequest(message, keyring: try keyring(key()), now: now).verifiedKey == key())
    }

    @Test func signedResponseVerifiesOnTheClient() throws {
        var request = try query(type: .axfr)
        let requestMAC = TSIG.sign(&request, key: key(), time: now)
        guard
            case .verified(let serverKey, let record) = TSIG.verifyRequest(
                request, keyring: try keyring(key()), now: now)
        else {
            Issue.record("request did not verify")
            return
        }
        var answer = try response()
        TSIG.sign(&answer, key: serverKey, time: now + 1, requestMAC: record.mac)
        var verifier = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        try verifier.verify(answer, now: now + 2)
        try verifier.finish()
        // Signed without the request MAC, or over another one: BADSIG.
        for otherMAC in [nil, Array(requestMAC.reversed())] {
            var wrong = try response()
            TSIG.sign(&wrong, key: serverKey, time: now, requestMAC: otherMAC)
            var other = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
            #expect(thrownFailure { try other.verify(wrong, now: now) }?.code == .badSig)
        }
    }

    // MARK: - Server checks (RFC 8945 §5.2)

    @Test func tamperedOctetIsBADSIG() throws {
        var message = try query()
        TSIG.sign(&message, key: key(), time: now)
        let ring = try keyring(key())
        let found = try location(message)
        let rdata = found.offset + found.record.keyName.wireLength + 10
        let time = rdata + found.record.algorithm.wireLength
        let mac = time + 10
        let afterMAC = mac + found.record.mac.count
        // Flags, the question (but its label lengths), and the TSIG fields the MAC covers: time,
        // fudge, MAC, original ID, error.
        let labelLengths = [12, 20, 24]  // example.com.
        let covered =
            Array(2..<4) + Array(12..<found.offset).filter { !labelLengths.contains($0) } + Array(time..<(time + 8))
            + Array(mac..<afterMAC)
            + Array(afterMAC..<(afterMAC + 4))
        for offset in covered {
            let failure = TSIG.verifyRequest(flipped(message, at: offset), keyring: ring, now: now).failure
            #expect(failure?.code == .badSig, "octet \(offset) changed: \(failure.map { "\($0)" } ?? "verified")")
            #expect(failure?.key == key())
        }
        // The counts and label lengths: malformed, never verified.
        for offset in Array(4..<12) + labelLengths {
            #expect(TSIG.verifyRequest(flipped(message, at: offset), keyring: ring, now: now).failure != nil)
        }
        // The header's ID is not covered: the original ID is (RFC 8945 §4.3.2).
        #expect(TSIG.verifyRequest(flipped(message, at: 0, mask: 0xFF), keyring: ring, now: now).verifiedKey == key())
        // Another secret: BADSIG.
        var otherSecret = secret
        otherSecret[0] ^= 1
        let other = try keyring(key(secret: otherSecret))
        #expect(TSIG.verifyRequest(message, keyring: other, now: now).failure?.code == .badSig)
    }

    @Test func unknownKeyOrAlgorithmIsBADKEY() throws {
        var message = try query()
        TSIG.sign(&message, key: key(name: "other-key."), time: now)
        let unknown = try #require(TSIG.verifyRequest(message, keyring: try keyring(key()), now: now).failure)
        #expect(unknown.code == .badKey)
        #expect(unknown.responseCode == .notAuth)
        #expect(unknown.record?.keyName == "other-key.")
        #expect(unknown.key == nil)
        #expect(TSIG.verifyRequest(message, keyring: TSIGKeyring(), now: now).failure?.code == .badKey)

        var sha512 = try query()
        TSIG.sign(&sha512, key: key(.hmacSHA512), time: now)
        #expect(TSIG.verifyRequest(sha512, keyring: try keyring(key()), now: now).failure?.code == .badKey)

        // A name Cairn does not compute (HMAC-SHA224) or know at all.
        for algorithm in [TSIGAlgorithm.hmacSHA224, TSIGAlgorithm(rawValue: "hmac-md5.sig-alg.reg.int.")] {
            let renamed = try rewritingTSIG(sha512) { $0.algorithm = algorithm.rawValue }
            #expect(TSIG.verifyRequest(renamed, keyring: try keyring(key()), now: now).failure?.code == .badKey)
        }
    }

    @Test func timeOutsideTheFudgeIsBADTIME() throws {
        var message = try query()
        TSIG.sign(&message, key: key(), time: now, fudge: 300)
        let ring = try keyring(key())
        for accepted in [now - 300, now, now + 300] {
            #expect(TSIG.verifyRequest(message, keyring: ring, now: accepted).verifiedKey != nil)
        }
        for refused in [now - 301, now + 301, 0, TSIGRecord.maximumTimeSigned] {
            let failure = TSIG.verifyRequest(message, keyring: ring, now: refused).failure
            #expect(failure?.code == .badTime)
            #expect(failure?.key == key())
        }
        // A tampered MAC on a stale request is BADSIG: the MAC is checked first (RFC 8945 §5.2).
        let found = try location(message)
        let macOffset = found.offset + found.record.keyName.wireLength + 10 + found.record.algorithm.wireLength + 10
        #expect(
            TSIG.verifyRequest(flipped(message, at: macOffset), keyring: ring, now: now + 1000).failure?.code == .badSig
        )
    }

    @Test func macSizesFollowRFC8945Section5221() throws {
        var message = try query()
        let mac = TSIG.sign(&message, key: key(), time: now)
        let ring = try keyring(key())
        // Truncated to 16 octets (the least for SHA-256): verified, then refused by policy.
        let truncated = try rewritingTSIG(message) { $0.mac = Array(mac.prefix(16)) }
        let badTrunc = TSIG.verifyRequest(truncated, keyring: ring, now: now).failure
        #expect(badTrunc?.code == .badTrunc)
        #expect(badTrunc?.responseCode == .notAuth)
        // A truncated MAC that is wrong is BADSIG, and BADSIG comes before BADTIME and BADTRUNC.
        let wrongTruncated = try rewritingTSIG(message) { $0.mac = Array(mac.prefix(15)) + [mac[15] ^ 1] }
        #expect(TSIG.verifyRequest(wrongTruncated, keyring: ring, now: now).failure?.code == .badSig)
        #expect(TSIG.verifyRequest(truncated, keyring: ring, now: now + 1000).failure?.code == .badTime)
        // Shorter than 16, empty, or longer than the hash: FORMERR.
        for bad in [Array(mac.prefix(15)), Array(mac.prefix(10)), [], mac + [0]] {
            let sized = try rewritingTSIG(message) { $0.mac = bad }
            let failure = TSIG.verifyRequest(sized, keyring: ring, now: now).failure
            #expect(failure?.code == .formatError, "MAC of \(bad.count) octets")
            #expect(failure?.responseCode == .formatError)
        }
    }

    @Test func misplacedTSIGIsFORMERR() throws {
        var message = try query()
        TSIG.sign(&message, key: key(), time: now)
        // Another additional record after the TSIG record.
        var extra = message
        extra.writeBytes([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1])
        extra.setInteger(additionalCount(message)! + 1, at: extra.readerIndex + 10)
        // Two TSIG records.
        var twice = message
        TSIG.sign(&twice, key: key(), time: now)
        for misplaced in [extra, twice] {
            let failure = try #require(TSIG.verifyRequest(misplaced, keyring: try keyring(key()), now: now).failure)
            #expect(failure.code == .formatError)
            #expect(failure.responseCode == .formatError)
            #expect(failure.record == nil)
            #expect("\(failure)".contains("not the last record"))
        }
    }

    // MARK: - Error responses (RFC 8945 §5.2, §5.3.2)

    @Test(arguments: [TSIGErrorCode.badSig, .badKey])
    func keyAndMACErrorsAreAnsweredUnsigned(code: TSIGErrorCode) throws {
        var request = try query(id: 0x4242)
        let requestMAC = TSIG.sign(
            &request, key: key(name: code == .badKey ? "unknown-key." : "xfr-key."), time: now - 5)
        var serverKey = key()
        serverKey.secret[3] ^= 0x80
        let serverRing = try keyring(serverKey)
        let failure = try #require(TSIG.verifyRequest(request, keyring: serverRing, now: now).failure)
        #expect(failure.code == code)

        var answer = try response(id: 0x4242, rcode: failure.responseCode, count: 0)
        let arcount = additionalCount(answer)!
        TSIG.appendErrorRecord(to: &answer, for: failure, keyring: serverRing, now: now)
        #expect(additionalCount(answer) == arcount + 1)
        let record = try location(answer).record
        #expect(record.mac.isEmpty)
        #expect(record.error == code.rawValue)
        #expect(record.keyName == (code == .badKey ? "unknown-key." : "xfr-key."))
        #expect(record.algorithm == TSIGAlgorithm.hmacSHA256.rawValue)
        #expect(record.originalID == 0x4242)
        #expect(record.otherData.isEmpty)

        // The client learns the server's error (RFC 8945 §5.4.1).
        if code == .badSig {
            var verifier = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
            let reported = thrownFailure { try verifier.verify(answer, now: now) }
            #expect(reported?.code == .badSig)
            #expect(thrownFailure { try verifier.finish() }?.code == .badSig)
        }
    }

    @Test func badTimeIsAnsweredSignedWithTheServerTime() throws {
        let requestTime = now - 1000
        var request = try query(id: 0x0102)
        let requestMAC = TSIG.sign(&request, key: key(), time: requestTime)
        let ring = try keyring(key())
        let failure = try #require(TSIG.verifyRequest(request, keyring: ring, now: now).failure)
        #expect(failure.code == .badTime)

        var answer = try response(id: 0x0102, rcode: .notAuth, count: 0)
        TSIG.appendErrorRecord(to: &answer, for: failure, keyring: ring, now: now)
        let record = try location(answer).record
        #expect(record.error == TSIGErrorCode.badTime.rawValue)
        #expect(record.timeSigned == requestTime)
        #expect(record.otherData == [0, 0, 0x65, 0x53, 0xF1, 0x00])
        #expect(record.serverTime == now)
        #expect(record.mac.count == 32)

        // The client (whose clock is the request's) verifies the MAC and learns BADTIME.
        var verifier = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        let reported = try #require(thrownFailure { try verifier.verify(answer, now: requestTime + 1) })
        #expect(reported.code == .badTime)
        #expect(reported.record?.serverTime == now)
        // Tampered on the way: BADSIG.
        var tampered = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        #expect(thrownFailure { try tampered.verify(flipped(answer, at: 3), now: requestTime) }?.code == .badSig)
    }

    @Test func badTruncIsAnsweredSignedOverTheTruncatedMAC() throws {
        var request = try query(id: 7)
        let fullMAC = TSIG.sign(&request, key: key(), time: now)
        let truncatedMAC = Array(fullMAC.prefix(20))
        let truncated = try rewritingTSIG(request) { $0.mac = truncatedMAC }
        let ring = try keyring(key())
        let failure = try #require(TSIG.verifyRequest(truncated, keyring: ring, now: now).failure)
        #expect(failure.code == .badTrunc)

        var answer = try response(id: 7, rcode: .notAuth, count: 0)
        TSIG.appendErrorRecord(to: &answer, for: failure, keyring: ring, now: now)
        let record = try location(answer).record
        #expect(record.error == TSIGErrorCode.badTrunc.rawValue)
        #expect(record.mac.count == 32)
        var verifier = TSIGStreamVerifier(key: key(), requestMAC: truncatedMAC)
        #expect(thrownFailure { try verifier.verify(answer, now: now) }?.code == .badTrunc)
    }

    @Test func formatErrorsGetNoTSIGRecord() throws {
        var answer = try response(rcode: .formatError, count: 0)
        let before = answer
        let failure = TSIGFailure(code: .formatError, record: nil, key: nil, reason: "test")
        TSIG.appendErrorRecord(to: &answer, for: failure, keyring: try keyring(key()), now: now)
        #expect(answer == before)
    }

    // MARK: - Streams (RFC 8945 §5.3.1) and the client (§5.4)

    private func signedStream(count: Int = 3, requestMAC: [UInt8]) throws -> [ByteBuffer] {
        var signer = TSIGStreamSigner(key: key(), requestMAC: requestMAC, time: now)
        return try (0..<count).map { index in
            var message = try response(tag: "part\(index)", count: 2 + index)
            signer.sign(&message, time: now + UInt64(index))
            return message
        }
    }

    @Test func streamOfThreeMessagesVerifies() throws {
        var request = try query(type: .axfr)
        let requestMAC = TSIG.sign(&request, key: key(), time: now)
        let messages = try signedStream(requestMAC: requestMAC)
        var previousMAC: [UInt8] = []
        for message in messages {
            let record = try location(message).record
            #expect(record.mac.count == 32)
            #expect(record.mac != previousMAC)
            previousMAC = record.mac
        }
        // The first message is a plain signed response (RFC 8945 §5.3.1).
        var single = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        try single.verify(messages[0], now: now)
        try single.finish()

        var verifier = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        for message in messages { try verifier.verify(message, now: now + 2) }
        try verifier.finish()
        #expect(verifier.messageCount == 3)
    }

    @Test func streamOutOfOrderOrIncompleteFails() throws {
        var request = try query(type: .axfr)
        let requestMAC = TSIG.sign(&request, key: key(), time: now)
        let messages = try signedStream(requestMAC: requestMAC)
        for order in [[0, 2], [1, 0, 2], [0, 2, 1], [0, 1, 1]] {
            var verifier = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
            var caught: TSIGFailure? = nil
            for index in order where caught == nil {
                caught = thrownFailure { try verifier.verify(messages[index], now: now) }
            }
            #expect(caught?.code == .badSig, "order \(order)")
            // Once failed, always failed.
            #expect(thrownFailure { try verifier.verify(messages[0], now: now) }?.code == .badSig)
            #expect(thrownFailure { try verifier.finish() }?.code == .badSig)
        }
        // A message of the stream tampered with.
        var verifier = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        try verifier.verify(messages[0], now: now)
        #expect(thrownFailure { try verifier.verify(flipped(messages[1], at: 44), now: now) }?.code == .badSig)
        // Each message carries its own time: the client checks it.
        var late = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        try late.verify(messages[0], now: now + 300)
        #expect(thrownFailure { try late.verify(messages[1], now: now + 302) }?.code == .badTime)
        // No response at all.
        #expect(
            thrownFailure { try TSIGStreamVerifier(key: key(), requestMAC: requestMAC).finish() }?.code == .formatError)
    }

    @Test func streamAcceptsUnsignedMessagesBetweenSignedOnes() throws {
        var request = try query(type: .axfr)
        let requestMAC = TSIG.sign(&request, key: key(), time: now)
        // First signed; second unsigned; third signed over the prior MAC and both (RFC 8945 §5.3.1).
        var first = try response(tag: "a")
        let firstMAC = TSIG.sign(&first, key: key(), time: now, requestMAC: requestMAC)
        let second = try response(tag: "b")
        var third = try response(tag: "c")
        var record = TSIGRecord(
            keyName: "xfr-key.", algorithm: "hmac-sha256.", timeSigned: now, fudge: 300, mac: [], originalID: 0xBEEF)
        var digest = TSIGDigest()
        digest.appendMAC(firstMAC)
        digest.appendMessage(second)
        digest.appendMessage(third)
        digest.appendTimers(of: record)
        record.mac = digest.authenticationCode(key: key())
        TSIG.append(record, to: &third)

        var verifier = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        try verifier.verify(first, now: now)
        try verifier.verify(second, now: now)
        #expect(thrownFailure { try verifier.finish() }?.code == .formatError)  // the last one seen is unsigned
        try verifier.verify(third, now: now)
        try verifier.finish()

        // Without the unsigned message, the third does not verify.
        var skipping = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        try skipping.verify(first, now: now)
        #expect(thrownFailure { try skipping.verify(third, now: now) }?.code == .badSig)

        // An unsigned first message, or 100 unsigned in a row: FORMERR.
        var unsignedFirst = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        #expect(thrownFailure { try unsignedFirst.verify(second, now: now) }?.code == .formatError)
        var long = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        try long.verify(first, now: now)
        for _ in 0..<TSIGStreamVerifier.maximumUnsignedRun { try long.verify(second, now: now) }
        #expect(thrownFailure { try long.verify(second, now: now) }?.code == .formatError)
    }

    @Test func clientRefusesAnotherKeyOrAMisplacedTSIG() throws {
        var request = try query(type: .axfr)
        let requestMAC = TSIG.sign(&request, key: key(), time: now)
        var otherKey = try response()
        TSIG.sign(&otherKey, key: key(name: "other."), time: now, requestMAC: requestMAC)
        var verifier = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        #expect(thrownFailure { try verifier.verify(otherKey, now: now) }?.code == .badKey)

        var twice = try response()
        TSIG.sign(&twice, key: key(), time: now, requestMAC: requestMAC)
        TSIG.sign(&twice, key: key(), time: now, requestMAC: requestMAC)
        var misplaced = TSIGStreamVerifier(key: key(), requestMAC: requestMAC)
        #expect(thrownFailure { try misplaced.verify(twice, now: now) }?.code == .formatError)
    }

    // MARK: - Keys (RFC 8945 §3, §6)

    @Test func keyDescriptionHidesTheSecret() throws {
        let generated = TSIGKey.generate(name: "xfr-key.", algorithm: .hmacSHA512)
        let parsed = try TSIGKey(name: "xfr-key", algorithm: "hmac-sha256", base64Secret: key().base64Secret)
        for sample in [generated, parsed] {
            var dumped = ""
            dump(sample, to: &dumped)
            let failure = TSIGFailure(code: .badSig, record: nil, key: sample, reason: "test")
            let texts = [
                "\(sample)", String(reflecting: sample), dumped, "\(try keyring(sample))", "\(failure)",
                String(reflecting: failure), "\([sample])",
            ]
            for text in texts {
                #expect(!text.contains(sample.base64Secret), "\(text)")
                #expect(!text.contains(sample.secret.map(String.init).joined(separator: ", ")), "\(text)")
                #expect(!text.contains(Data(sample.secret).base64EncodedString().prefix(8)), "\(text)")
            }
            #expect("\(sample)".contains("xfr-key."))
        }
    }

    @Test func keysFromConfiguration() throws {
        let parsed = try TSIGKey(name: "Xfr-Key.", algorithm: "HMAC-SHA512.", base64Secret: key().base64Secret)
        #expect(parsed.name == "xfr-key.")
        #expect(parsed.algorithm == .hmacSHA512)
        #expect(parsed.secret == secret)
        #expect(try TSIGKey(name: "k", algorithm: "hmac-sha1", base64Secret: "AAEC").secret == [0, 1, 2])

        let cases: [(String, String, String, TSIGError.Code)] = [
            ("bad..name", "hmac-sha256", "AAEC", .invalidKeyName),
            (".", "hmac-sha256", "AAEC", .invalidKeyName),
            ("k", "hmac-md5", "AAEC", .unknownAlgorithm),
            ("k", "sha256", "AAEC", .unknownAlgorithm),
            ("k", "hmac-sha224", "AAEC", .unsupportedAlgorithm),
            ("k", "hmac-sha256", "not base64!", .invalidSecret),
            ("k", "hmac-sha256", "", .invalidSecret),
        ]
        for (name, algorithm, secret, code) in cases {
            #expect(throws: TSIGError(code, keyName: name, reason: "")) {
                try TSIGKey(name: name, algorithm: algorithm, base64Secret: secret)
            }
        }
        let error = try #require(throws: TSIGError.self) {
            try TSIGKey(name: "k", algorithm: "hmac-sha256", base64Secret: "not base64!")
        }
        #expect(error.description == "TSIG key k: invalid secret: the secret is not valid base64")
    }

    @Test func generatedKeysAreRandomAndAsLongAsTheHash() {
        for algorithm in [TSIGAlgorithm.hmacSHA256, .hmacSHA384, .hmacSHA512, .hmacSHA1] {
            let first = TSIGKey.generate(name: "a.", algorithm: algorithm)
            let second = TSIGKey.generate(name: "a.", algorithm: algorithm)
            #expect(first.secret.count == algorithm.macLength)
            #expect(first.secret != second.secret)
            #expect(Data(base64Encoded: first.base64Secret).map(Array.init) == first.secret)
        }
    }

    @Test func algorithmMnemonics() {
        for (text, algorithm) in [
            ("hmac-sha256", TSIGAlgorithm.hmacSHA256), ("HMAC-SHA256.", .hmacSHA256), ("hmac-sha384", .hmacSHA384),
            ("hmac-sha512.", .hmacSHA512), ("Hmac-Sha224", .hmacSHA224), ("hmac-sha1", .hmacSHA1),
        ] {
            #expect(TSIGAlgorithm(mnemonic: text) == algorithm, "\(text)")
        }
        #expect(TSIGAlgorithm(mnemonic: "hmac-md5") == nil)
        #expect(TSIGAlgorithm(mnemonic: "") == nil)
        #expect(TSIGAlgorithm(mnemonic: "a..b") == nil)
        #expect(TSIGAlgorithm.hmacSHA256.mnemonic == "hmac-sha256")
        #expect(TSIGAlgorithm(rawValue: "HMAC-SHA512.").mnemonic == "hmac-sha512")
        #expect(TSIGAlgorithm(rawValue: "HMAC-SHA512.") == .hmacSHA512)
        #expect(TSIGAlgorithm.hmacSHA256.isSupported)
        #expect(TSIGAlgorithm.hmacSHA1.isSupported)
        #expect(!TSIGAlgorithm.hmacSHA224.isSupported)
        #expect(!TSIGAlgorithm(rawValue: "gss-tsig.").isSupported)
        #expect(TSIGAlgorithm.hmacSHA512.macLength == 64)
    }

    @Test func keyringFindsKeysCaseInsensitively() throws {
        let ring = try keyring(key(), key(.hmacSHA512, name: "b-key."))
        #expect(ring["XFR-KEY."] == key())
        #expect(ring["b-key."]?.algorithm == .hmacSHA512)
        #expect(ring["c-key."] == nil)
        #expect(ring.count == 2)
        #expect(ring.keys.map(\.name) == ["b-key.", "xfr-key."])
        #expect(throws: TSIGError(.duplicateKey, keyName: "", reason: "")) {
            try TSIGKeyring([key(), key(.hmacSHA512, name: "Xfr-Key.")])
        }
    }
}
