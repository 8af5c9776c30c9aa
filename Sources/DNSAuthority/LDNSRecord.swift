import CLDNS
import DNSWire
import NIOCore

/// A resource record libldns parsed, owned until this object goes away.
final class LDNSRecord {
    private let pointer: UnsafeMutablePointer<ldns_rr>

    init(taking pointer: UnsafeMutablePointer<ldns_rr>) {
        self.pointer = pointer
    }

    deinit {
        ldns_rr_free(pointer)
    }

    /// The CLASS as libldns read it.
    var classCode: UInt32 { ldns_rr_get_class(pointer).rawValue }

    /// The TYPE as libldns read it. libldns keeps it in a C enum, wider than 16 bits:
    /// `TYPE99999` arrives as 99999, and a mnemonic it does not know as 0.
    var typeCode: UInt32 { ldns_rr_get_type(pointer).rawValue }

    /// The TTL, explicit or the default libldns applied.
    var ttl: UInt32 { ldns_rr_ttl(pointer) }

    /// The wire form of the owner and of every domain-name field in the RDATA.
    var nameFields: [[UInt8]] {
        var names: [[UInt8]] = []
        if let owner = ldns_rr_owner(pointer) { names.append(Self.bytes(of: owner)) }
        for index in 0..<ldns_rr_rd_count(pointer) {
            if let field = ldns_rr_rdf(pointer, index), ldns_rdf_get_type(field) == LDNS_RDF_TYPE_DNAME {
                names.append(Self.bytes(of: field))
            }
        }
        return names
    }

    /// The owner name, decoded from its wire form.
    func owner() throws -> DNSName {
        guard let owner = ldns_rr_owner(pointer) else { throw DNSWireError(.truncated, at: 0) }
        return try DNSName(wireBytes: Self.bytes(of: owner))
    }

    /// The RDATA, written to wire form by libldns and decoded by DNSWire.
    ///
    /// - Parameter buffer: scratch space, reused between records.
    func rdata(as type: DNSRecordType, scratch buffer: LDNSBuffer) throws -> DNSRData {
        var wire = try buffer.write { ldns_rr_rdata2buffer_wire($0, pointer) }
        // libldns writes names uncompressed, so no pointer can reach outside this buffer.
        return try DNSRData.read(type: type, from: &wire, length: wire.readableBytes, messageStart: wire.readerIndex)
    }

    private static func bytes(of field: UnsafeMutablePointer<ldns_rdf>) -> [UInt8] {
        Array(UnsafeBufferPointer(start: ldns_rdf_data(field), count: ldns_rdf_size(field)))
    }
}
