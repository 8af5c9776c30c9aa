package import DNSAuthority
package import DNSWire
import HookAPI

/// The static zones `cairn serve` serves — the master files and the auth zone (synthesized unless
/// a file gives it) — and the names synthesized zones use for themselves. The
/// `_acme-challenge.<domain>` zones of tokens made for NS delegation are synthesized by the
/// ``ChallengeWriter`` from the store ("Names Cairn answers for").
package struct ServeZones {
    package var zones: [Zone]
    /// The SOA and NS names of synthesized zones: `dns.nameservers`, or when that is not set, the
    /// NS names of the auth zone's own file, so NS records Cairn prints lead to a server it
    /// gives an address for.
    package var identity: NameserverIdentity
    /// The nameservers in ``identity`` that resolvers could not reach: an NS delegation to them
    /// fails.
    package var unreachableNameservers: [NameserverIdentity.UnreachableNameserver]

    package static func load(_ settings: ServeSettings) throws -> ServeZones {
        var zones = try ZoneDirectory.load(settings.zonesDirectory)
        var identity = settings.api.identity
        if !settings.api.nameserversConfigured, let authZone = settings.api.hook.authZone {
            let fromFile = NameserverIdentity.nameservers(ofZoneAt: authZone, in: zones)
            if !fromFile.isEmpty { identity.nameservers = fromFile }
        }
        if let authZone = settings.api.hook.authZone, !zones.contains(where: { $0.apex == authZone }) {
            zones.append(Zone.synthesized(apex: authZone, identity: identity, at: .now()))
        }
        return ServeZones(
            zones: zones, identity: identity,
            unreachableNameservers: identity.unreachableNameservers(
                in: zones, configured: settings.api.nameserversConfigured))
    }

    /// What to tell an operator about ``unreachableNameservers``, or `nil` when there are none.
    package var unreachableAdvice: String? {
        guard !unreachableNameservers.isEmpty else { return nil }
        let names = unreachableNameservers.map(\.description).joined(separator: "; ")
        return
            "NS delegation to Cairn would fail: \(names). Give each an A or AAAA record in the zone file that "
            + "serves it, or set dns.nameservers to host names of this server that resolve"
    }

    /// Whether a zone served here holds records at or below `name`: an NS-delegated challenge
    /// zone there would hide them.
    package func holdsData(atOrBelow name: DNSName) -> Bool {
        zones.contains { zone in
            zone.apex != name && name.isSubdomain(of: zone.apex)
                && zone.records.contains { $0.name.isSubdomain(of: name) }
        }
    }
}
