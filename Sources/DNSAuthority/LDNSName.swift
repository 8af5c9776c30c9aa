import CLDNS
import DNSWire

/// A domain name owned in libldns form (an `ldns_rdf` of type DNAME), or none.
///
/// `ldns_rr_new_frm_fp_l` frees and replaces the origin and previous-owner names through
/// its out-parameters, so the pointer is a `var` that libldns may swap; whatever it holds
/// when this object goes away is freed.
final class LDNSName {
    var pointer: UnsafeMutablePointer<ldns_rdf>?

    /// Copies `name` into libldns form; none for `nil`.
    init(_ name: DNSName?) {
        self.pointer = name.flatMap(Self.makeRDF)
    }

    /// Takes ownership of a name libldns allocated.
    init(taking pointer: UnsafeMutablePointer<ldns_rdf>?) {
        self.pointer = pointer
    }

    deinit {
        if let pointer { ldns_rdf_deep_free(pointer) }
    }

    /// Frees the name held now and holds a copy of `name` instead.
    func replace(with name: DNSName?) {
        if let pointer { ldns_rdf_deep_free(pointer) }
        pointer = name.flatMap(Self.makeRDF)
    }

    /// The name's wire form (uncompressed labels ending in the root label), or `nil` for none.
    var wireBytes: [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeBufferPointer(start: ldns_rdf_data(pointer), count: ldns_rdf_size(pointer)))
    }

    private static func makeRDF(_ name: DNSName) -> UnsafeMutablePointer<ldns_rdf>? {
        // A valid DNSName is at most 255 octets, so the UInt16 size cannot overflow.
        name.wireBytes.withUnsafeBytes { ldns_dname_new_frm_data(UInt16($0.count), $0.baseAddress) }
    }
}
