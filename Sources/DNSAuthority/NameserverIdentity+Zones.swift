public import DNSWire
import HashTreeCollections

extension NameserverIdentity {
    /// A nameserver name that an NS record Cairn prints or serves would point resolvers to, but
    /// that leads nowhere (RFC 1034 §4.2.2: a resolver following the NS needs an address for it).
    public struct UnreachableNameserver: Hashable, Sendable, CustomStringConvertible {
        public var name: DNSName
        /// The zone Cairn serves the name in, when it is inside one: it must hold an A or AAAA
        /// record for the name there.
        public var zone: DNSName?

        public var description: String {
            if let zone {
                "\(name) has no A or AAAA record in the zone \(zone) that Cairn serves"
            } else {
                "\(name) is in no zone Cairn serves, and dns.nameservers does not name it"
            }
        }
    }

    /// The NS names of the zone at `apex` in `zones`, if Cairn serves one there.
    public static func nameservers(ofZoneAt apex: DNSName, in zones: [Zone]) -> [DNSName] {
        guard let zone = zones.first(where: { $0.apex == apex }), let ns = zone.nodes[apex]?.rrset(.ns) else {
            return []
        }
        return ns.rdata.compactMap { rdata in
            if case .ns(let value) = rdata { value.nameserver } else { nil }
        }
    }

    /// The nameservers that resolvers could not reach through `zones`: names inside a zone
    /// served here without an A or AAAA record, and names outside every zone unless
    /// `configured` (an operator who names an outside host vouches for its address).
    public func unreachableNameservers(in zones: [Zone], configured: Bool) -> [UnreachableNameserver] {
        nameservers.compactMap { name in
            let enclosing = zones.filter { name.isSubdomain(of: $0.apex) }.max { $0.apexLabelCount < $1.apexLabelCount }
            guard let zone = enclosing else {
                return configured ? nil : UnreachableNameserver(name: name, zone: nil)
            }
            let node = zone.nodes[name]
            // Glue below a cut counts too: it is the address a resolver is given.
            guard node?.rrset(.a) == nil, node?.rrset(.aaaa) == nil else { return nil }
            return UnreachableNameserver(name: name, zone: zone.apex)
        }
    }
}
