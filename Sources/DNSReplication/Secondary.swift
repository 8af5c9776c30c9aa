public import DNSWire

/// A secondary nameserver fed by this primary: allowed to transfer its zones, sent NOTIFY on
/// every serial change (RFC 1996), and asked for its serial before a change counts as served
/// everywhere (DESIGN decision 8).
public struct Secondary: Hashable, Sendable, CustomStringConvertible {
    /// Where it listens (NOTIFY and SOA checks go there) and transfers from: an IP address.
    public var address: String
    public var port: Int
    /// The TSIG key (RFC 8945) its transfers and this primary's NOTIFYs are signed with; `nil`:
    /// unsigned, allowed by address alone.
    public var keyName: DNSName?
    /// The zones it carries; `nil`: every zone served from files (a secondary must be configured
    /// for each zone it carries, so challenge zones synthesized at run time are not included).
    public var zones: Set<DNSName>?
    /// Whether it consumes the catalog zone (RFC 9432, ``ReplicationConfiguration/catalogZone``)
    /// and so carries every zone: the catalog, the zone files and the challenge zones synthesized
    /// at run time, which it learns of from the catalog. ``zones`` is ignored then.
    public var consumesCatalog: Bool

    public init(
        address: String, port: Int = 53, keyName: DNSName? = nil, zones: Set<DNSName>? = nil,
        consumesCatalog: Bool = false
    ) {
        self.address = address
        self.port = port
        self.keyName = keyName
        self.zones = zones
        self.consumesCatalog = consumesCatalog
    }

    public var description: String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// Whether it carries the zone at `apex`: every zone when it consumes the catalog, else one it
    /// names, or one of `fileZones` when it names none.
    func carries(_ apex: DNSName, fileZones: Set<DNSName>) -> Bool {
        consumesCatalog || (zones.map { $0.contains(apex) } ?? fileZones.contains(apex))
    }
}
