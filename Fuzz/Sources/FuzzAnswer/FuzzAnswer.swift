import DNSAuthority
import DNSWire
import FuzzSupport
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The answer logic on arbitrary queries: `Authority.answer(query:transport:now:output:)`
/// over UDP and TCP, against zones with every shape the answer rules distinguish
/// (``FuzzZones``). It must never trap, and every response must keep these properties:
///
/// - `nil` exactly for input shorter than a header or with QR set (RFC 1035 §7.3);
/// - the response decodes with `DNSMessage(decoding:)`;
/// - its ID is the query's first two octets, QR is set, OPCODE and RD are copied (RFC 1035 §4.1.1);
/// - over UDP it is at most 1232 octets, and at most 512 unless the query carried an OPT
///   record (RFC 1035 §4.2.1, RFC 6891 §6.2.5); over TCP at most 65535 (RFC 1035 §4.2.2);
/// - it has an OPT record only if the query had one (RFC 6891 §7);
/// - a question in it is the query's question octet for octet, case included (RFC 1035
///   §4.1.2, and 0x20 case randomisation relies on it);
/// - a TC response has empty answer, authority and additional sections (RFC 2181 §9 as
///   Cairn implements it);
/// - a UDP response without TC has the TCP response's answer and authority sections and
///   response code (only optional additional data may be dropped), AXFR aside;
/// - answering into a buffer that already holds a TCP length prefix appends the same octets.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let query = ByteBuffer(bytes: input)
    let authority = FuzzZones.authority
    let queryHasOPT = (try? DNSMessage(decoding: query))?.edns != nil

    var responses: [DNSTransport: DNSMessage] = [:]
    for transport in [DNSTransport.udp, .tcp] {
        let answer = authority.answer(query: query, transport: transport, now: FuzzZones.now, output: ByteBuffer())
        guard input.count >= 12, input[2] & 0x80 == 0 else {
            require(answer == nil, "answered a query shorter than a header or with QR set: \(hex(input))")
            return 0
        }
        guard let (response, summary) = answer else {
            require(false, "dropped a \(transport) query with a header and QR clear: \(hex(input))")
            return 0
        }
        let bytes = Array(response.readableBytesView)
        let message: DNSMessage
        do {
            message = try DNSMessage(decoding: response)
        } catch {
            fatalError(
                "\(transport) response does not decode (\(error))\n query \(hex(input))\n response \(hex(bytes))")
        }
        let context = "\n query \(hex(input))\n \(transport) response \(hex(bytes))"

        require(bytes[0] == input[0] && bytes[1] == input[1], "ID not copied" + context)
        require(message.header.isResponse, "QR not set" + context)
        require(message.header.flags & 0x7900 == UInt16(input[2] & 0x79) << 8, "OPCODE or RD not copied" + context)
        require(message.responseCode == summary.responseCode, "summary's response code is not the one sent" + context)
        require(message.header.isTruncated == summary.truncated, "summary's TC is not the one sent" + context)
        switch transport {
        case .udp:
            require(bytes.count <= 1232, "UDP response over 1232 octets (\(bytes.count))" + context)
            require(queryHasOPT || bytes.count <= 512, "UDP response over 512 octets without EDNS" + context)
        case .tcp:
            require(bytes.count <= 65535, "TCP response over 65535 octets" + context)
            require(!message.header.isTruncated, "TC set over TCP" + context)
        }
        require(queryHasOPT || message.edns == nil, "OPT in the response to a query without one" + context)

        // The question, octet for octet.
        require(message.questions.count <= 1, "more than one question" + context)
        if message.questions.count == 1 {
            require(input[4] == 0 && input[5] == 1, "question echoed for a query without exactly one" + context)
            let length = message.questions[0].name.wireLength + 4
            require(
                input.count >= 12 + length && bytes[12..<12 + length].elementsEqual(input[12..<12 + length]),
                "question not echoed octet for octet" + context)
        }

        if message.header.isTruncated {
            require(
                message.answers.isEmpty && message.authority.isEmpty && message.additional.isEmpty,
                "TC response with records" + context)
        }

        // Into a buffer holding a TCP length prefix: the same octets after it.
        var prefixed = ByteBuffer()
        prefixed.writeInteger(UInt16(0xABCD))
        let again = authority.answer(query: query, transport: transport, now: FuzzZones.now, output: prefixed)
        require(
            again.map { Array($0.response.readableBytesView) } == [0xAB, 0xCD] + bytes,
            "answering after a length prefix gives other octets" + context)

        responses[transport] = message
    }

    if let udp = responses[.udp], let tcp = responses[.tcp], !udp.header.isTruncated,
        udp.questions.first?.type != .axfr
    {
        require(
            udp.responseCode == tcp.responseCode && udp.answers == tcp.answers && udp.authority == tcp.authority,
            "an untruncated UDP response differs from the TCP one beyond additional data: \(hex(input))")
    }
    return 0
}

#if !CAIRN_LIBFUZZER
    @main enum Replay {
        static func main() { replay(fuzz) }
    }
#endif
