import DNSAuthority
import DNSWire
import FuzzSupport
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The codec on arbitrary bytes (RFC 1035 §4.1): decoding never traps, whatever decodes
/// re-encodes to a message that decodes to the same value, and neither the full decoder nor
/// the answer path's query parser depends on where the message sits in its buffer.
///
/// Checks, for each input:
/// 1. `DNSMessage(decoding:)` either throws a `DNSWireError` or returns a message `m`.
/// 2. The same bytes behind a prefix (reader index moved past it) give the same result: the
///    same message, or an error with the same code and message-relative offset.
/// 3. Round trip: `decode(m.encoded()) == m`, and encoding that again gives the same octets
///    (compressed and uncompressed); the uncompressed form keeps every name's case.
/// 4. The query parser behind `Authority.answer` (`DNSQuery`, which is `package` API) agrees
///    with the full decoder: with one question and opcode QUERY, a FORMERR response comes
///    exactly when `DNSMessage(decoding:)` throws; and the response does not depend on the
///    query's or the output's offset in its buffer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let plain = ByteBuffer(bytes: bytes)
    let decoded = decode(plain)

    // 2. At a non-zero reader index. The prefix is a well-formed name followed by a pointer
    //    to it, so a decoder that let pointers reach before the message start would read it.
    var shifted = ByteBuffer()
    shifted.writeBytes(messagePrefix)
    shifted.writeBytes(bytes)
    shifted.moveReaderIndex(forwardBy: messagePrefix.count)
    let decodedShifted = decode(shifted)
    switch (decoded, decodedShifted) {
    case (.success(let a), .success(let b)):
        require(a == b, "decode at reader index \(messagePrefix.count) differs: \(hex(bytes))")
    case (.failure(let a), .failure(let b)):
        require(
            a.code == b.code && a.offset == b.offset,
            "decode error at reader index \(messagePrefix.count) differs: \(a) vs \(b): \(hex(bytes))")
    default:
        require(false, "decode at reader index \(messagePrefix.count) disagrees: \(decoded) vs \(decodedShifted)")
    }

    // 3. Round trip.
    if case .success(let message) = decoded {
        roundTrip(message, compress: true, input: bytes)
        roundTrip(message, compress: false, input: bytes)
    }

    // 4. The answer path's parser.
    checkQueryParser(plain, decoded: decoded, input: bytes)
    return 0
}

private let messagePrefix: [UInt8] = [3, 0x66, 0x6f, 0x6f, 0, 0xC0, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

/// Decodes `buffer`; anything thrown but a `DNSWireError` breaks the codec's contract.
private func decode(_ buffer: ByteBuffer) -> Result<DNSMessage, DNSWireError> {
    do {
        return .success(try DNSMessage(decoding: buffer))
    } catch let error as DNSWireError {
        return .failure(error)
    } catch {
        fatalError("decoder threw something other than DNSWireError: \(error)")
    }
}

/// Encodes `message`, decodes it back and encodes again.
private func roundTrip(_ message: DNSMessage, compress: Bool, input: UnsafeRawBufferPointer) {
    let wire: ByteBuffer
    do {
        wire = try message.encoded(compress: compress)
    } catch let error as DNSWireError {
        // Decompressing pointers can make a message outgrow 65535 octets; nothing else may fail.
        require(error.code == .messageTooLarge, "encode(compress: \(compress)) threw \(error): \(hex(input))")
        return
    } catch {
        fatalError("encode threw something other than DNSWireError: \(error)")
    }
    let again: DNSMessage
    do {
        again = try DNSMessage(decoding: wire)
    } catch {
        fatalError(
            "encoded message does not decode (compress: \(compress)): \(error)\n input \(hex(input))\n encoded \(hex(wire.readableBytesView))"
        )
    }
    require(
        again == message,
        "round trip changed the message (compress: \(compress))\n input \(hex(input))\n encoded \(hex(wire.readableBytesView))\n first \(message)\n second \(again)"
    )
    let rewire: ByteBuffer
    do {
        rewire = try again.encoded(compress: compress)
    } catch {
        fatalError("re-encoding a decoded encoding failed (compress: \(compress)): \(error)")
    }
    require(
        rewire == wire,
        "encoding is not stable (compress: \(compress))\n input \(hex(input))\n first \(hex(wire.readableBytesView))\n second \(hex(rewire.readableBytesView))"
    )
    if !compress {
        // Without compression every name is written as stored: case must survive exactly.
        let names = { (m: DNSMessage) in
            m.questions.map(\.name.wireBytes) + (m.answers + m.authority + m.additional).map(\.name.wireBytes)
        }
        require(names(again) == names(message), "uncompressed round trip changed a name's case: \(hex(input))")
    }
}

/// An authority with no zones: every sound query gets REFUSED (or BADVERS, NOTIMP), so the
/// response code shows only what the query parser thought of the message.
private let emptyAuthority: Authority = {
    do {
        return try Authority(zones: [])
    } catch {
        fatalError("cannot build an empty authority: \(error)")
    }
}()

private let fixedNow = UnixTime(secondsSinceEpoch: 1_800_000_000)

private func checkQueryParser(
    _ query: ByteBuffer, decoded: Result<DNSMessage, DNSWireError>, input: UnsafeRawBufferPointer
) {
    let answer = emptyAuthority.answer(query: query, transport: .udp, now: fixedNow, output: ByteBuffer())
    guard input.count >= 12, input[2] & 0x80 == 0 else {
        require(answer == nil, "answered a query shorter than a header or with QR set: \(hex(input))")
        return
    }
    guard let (response, summary) = answer else {
        require(false, "dropped a query with a header and QR clear: \(hex(input))")
        return
    }
    let questionCount = Int(input[4]) << 8 | Int(input[5])
    let opcode = (input[2] >> 3) & 0x0F
    if questionCount == 1, opcode == 0 {
        let formerr = summary.responseCode == .formatError
        switch decoded {
        case .success:
            require(!formerr, "query parser rejects a message the decoder accepts: \(hex(input))")
        case .failure(let error):
            require(formerr, "query parser accepts a message the decoder rejects (\(error)): \(hex(input))")
        }
    }

    // The same query at a non-zero reader index, answered into a buffer that already holds
    // a TCP length prefix, must give the same octets after the prefix.
    var shifted = ByteBuffer()
    shifted.writeBytes(messagePrefix)
    shifted.writeImmutableBuffer(query)
    shifted.moveReaderIndex(forwardBy: messagePrefix.count)
    var output = ByteBuffer()
    output.writeInteger(UInt16(0xABCD))
    guard
        let (shiftedResponse, _) = emptyAuthority.answer(query: shifted, transport: .udp, now: fixedNow, output: output)
    else {
        require(false, "dropped a query at a non-zero reader index: \(hex(input))")
        return
    }
    require(
        shiftedResponse.getInteger(at: shiftedResponse.readerIndex, as: UInt16.self) == 0xABCD
            && shiftedResponse.getSlice(at: shiftedResponse.readerIndex + 2, length: shiftedResponse.readableBytes - 2)
                == response,
        "response depends on the query's or the output's position in its buffer: \(hex(input))")
}

#if !CAIRN_LIBFUZZER
    @main enum Replay {
        static func main() { replay(fuzz) }
    }
#endif
