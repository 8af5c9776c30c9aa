package import NIOCore

/// The RDATA of a resource record: a typed value for the types Cairn reads and writes,
/// opaque octets for every other type (RFC 3597).
public enum DNSRData: Hashable, Sendable {
    case a(A)
    case aaaa(AAAA)
    case ns(NS)
    case cname(CNAME)
    /// Boxed: its two names and five integers (68 bytes) would otherwise size every RDATA
    /// value, and a zone holds one SOA and many records of the other types.
    indirect case soa(SOA)
    case ptr(PTR)
    case mx(MX)
    case txt(TXT)
    case srv(SRV)
    case caa(CAA)
    case ds(DS)
    /// RDATA of a type without a typed form here, kept as octets (RFC 3597 §3).
    case opaque(Opaque)

    /// The record type this RDATA belongs to.
    public var type: DNSRecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .ns: .ns
        case .cname: .cname
        case .soa: .soa
        case .ptr: .ptr
        case .mx: .mx
        case .txt: .txt
        case .srv: .srv
        case .caa: .caa
        case .ds: .ds
        case .opaque(let opaque): opaque.type
        }
    }
}

/// How one RDATA type is read from and written to a message.
protocol DNSRDataCodable: Hashable, Sendable {
    /// Reads exactly `length` octets of RDATA at the reader index; names may point
    /// anywhere earlier in the message that starts at `messageStart`.
    init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws
    /// Writes the RDATA (without RDLENGTH); names are compressed only where RFC 3597 §4 allows.
    func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?)
}

extension DNSRData {
    /// Reads RDATA of `type` occupying `length` octets at the reader index.
    package static func read(
        type: DNSRecordType, from buffer: inout ByteBuffer, length: Int, messageStart: Int
    ) throws -> DNSRData {
        let start = buffer.readerIndex
        guard length <= buffer.readableBytes else {
            throw DNSWireError(.rdataBeyondMessage, at: start - messageStart)
        }
        let rdata: DNSRData
        switch type {
        case .a: rdata = .a(try A(from: &buffer, length: length, messageStart: messageStart))
        case .aaaa: rdata = .aaaa(try AAAA(from: &buffer, length: length, messageStart: messageStart))
        case .ns: rdata = .ns(try NS(from: &buffer, length: length, messageStart: messageStart))
        case .cname: rdata = .cname(try CNAME(from: &buffer, length: length, messageStart: messageStart))
        case .soa: rdata = .soa(try SOA(from: &buffer, length: length, messageStart: messageStart))
        case .ptr: rdata = .ptr(try PTR(from: &buffer, length: length, messageStart: messageStart))
        case .mx: rdata = .mx(try MX(from: &buffer, length: length, messageStart: messageStart))
        case .txt: rdata = .txt(try TXT(from: &buffer, length: length, messageStart: messageStart))
        case .srv: rdata = .srv(try SRV(from: &buffer, length: length, messageStart: messageStart))
        case .caa: rdata = .caa(try CAA(from: &buffer, length: length, messageStart: messageStart))
        case .ds: rdata = .ds(try DS(from: &buffer, length: length, messageStart: messageStart))
        default:
            let bytes = try buffer.readDNSBytes(length: length, messageStart: messageStart)
            rdata = .opaque(Opaque(type: type, bytes: bytes))
        }
        guard buffer.readerIndex == start + length else {
            throw DNSWireError(.rdataLengthMismatch, at: start - messageStart)
        }
        return rdata
    }

    /// Writes the RDATA (without RDLENGTH).
    package func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
        switch self {
        case .a(let value): value.write(to: &buffer, compressor: &compressor)
        case .aaaa(let value): value.write(to: &buffer, compressor: &compressor)
        case .ns(let value): value.write(to: &buffer, compressor: &compressor)
        case .cname(let value): value.write(to: &buffer, compressor: &compressor)
        case .soa(let value): value.write(to: &buffer, compressor: &compressor)
        case .ptr(let value): value.write(to: &buffer, compressor: &compressor)
        case .mx(let value): value.write(to: &buffer, compressor: &compressor)
        case .txt(let value): value.write(to: &buffer, compressor: &compressor)
        case .srv(let value): value.write(to: &buffer, compressor: &compressor)
        case .caa(let value): value.write(to: &buffer, compressor: &compressor)
        case .ds(let value): value.write(to: &buffer, compressor: &compressor)
        case .opaque(let value): value.write(to: &buffer, compressor: &compressor)
        }
    }

    /// The names this RDATA refers to for additional-section processing (RFC 1034 §3.6.2:
    /// NS, MX and SRV targets).
    public var additionalSectionTarget: DNSName? {
        switch self {
        case .ns(let value): value.nameserver
        case .mx(let value): value.exchange
        case .srv(let value): value.target
        default: nil
        }
    }
}

extension ByteBuffer {
    /// Writes a name inside RDATA, compressed only when `compressible` and a compressor is given.
    @inline(__always)
    mutating func writeRDataName(_ name: DNSName, compressor: inout DNSNameCompressor?, compressible: Bool) {
        if compressible, compressor != nil {
            compressor!.write(name, into: &self)
        } else {
            writeDNSName(name)
        }
    }
}
