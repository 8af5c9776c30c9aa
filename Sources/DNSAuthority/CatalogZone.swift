import Crypto
public import DNSWire

/// A catalog zone (RFC 9432, schema version 2): one PTR per member zone, which secondaries
/// that consume it (Knot's `catalog-role: interpret`, BIND's `catalog-zones`) add and drop as
/// zones come and go — the challenge zones synthesized for NS-delegated names among them, which
/// no operator could list in a secondary's configuration by hand.
public enum CatalogZone {
    /// `version.<catalog>` TXT "2" (RFC 9432 §4.2).
    public static let schemaVersion = "2"

    /// The member's unique label (RFC 9432 §4.3): the first 16 octets of SHA-256 of the
    /// lowercased wire name, in hex. It depends on the name alone, so a member keeps it from one
    /// catalog version to the next (a new label would tell consumers to reset the zone, §5.4).
    public static func memberLabel(_ member: DNSName) -> String {
        let digest = SHA256.hash(data: member.lowercased.wireBytes)
        return digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether member names fit below `apex` (`<32 hex>.zones.<apex>` within 255 octets, RFC 1035
    /// §2.3.4).
    public static func isUsableApex(_ apex: DNSName) -> Bool { apex.wireLength + 33 + 6 <= 255 }

    /// The catalog at `apex` listing `members`, with `serial`: SOA and NS `invalid.` (§4.1: a
    /// catalog is not meant to be resolved), TTL 0, the version TXT, and
    /// `<memberLabel>.zones.<apex> PTR <member>` for each member.
    ///
    /// - Precondition: ``isUsableApex(_:)``.
    public static func zone(apex: DNSName, members: some Sequence<DNSName>, serial: UInt32) -> Zone {
        precondition(isUsableApex(apex), "the catalog apex leaves no room for member names")
        let invalid = DNSName(stringLiteral: "invalid.")
        do {
            let zones = try apex.prepending(label: Array("zones".utf8))
            var records = [
                DNSRecord(
                    name: apex, ttl: 0,
                    rdata: .soa(
                        DNSRData.SOA(
                            primaryNameserver: invalid, responsibleMailbox: invalid, serial: serial, refresh: 3600,
                            retry: 600, expire: 2_147_483_646, minimum: 0))),
                DNSRecord(name: apex, ttl: 0, rdata: .ns(DNSRData.NS(nameserver: invalid))),
                DNSRecord(
                    name: try apex.prepending(label: Array("version".utf8)), ttl: 0,
                    rdata: .txt(DNSRData.TXT(schemaVersion))),
            ]
            for member in members {
                records.append(
                    DNSRecord(
                        name: try zones.prepending(label: Array(memberLabel(member).utf8)), ttl: 0,
                        rdata: .ptr(DNSRData.PTR(target: member))))
            }
            return try Zone(apex: apex, records: records)
        } catch {
            preconditionFailure("a catalog zone is valid by construction: \(error)")
        }
    }
}
