import DNSAuthority
import DNSWire
import HookAPI
import Store

/// The zones `cairn serve` serves: the master files, the auth zone (synthesized unless a file
/// gives it), and a synthesized `_acme-challenge.<domain>` zone for each token made for NS
/// delegation ("Names Cairn answers for").
enum ServeZones {
    static func load(_ settings: ServeSettings, store: any ChallengeStore) async throws -> [Zone] {
        var zones = try ZoneDirectory.load(settings.zonesDirectory)
        var apexes = Set(zones.map(\.apex))
        let serial = UInt32(truncatingIfNeeded: UnixTime.now().rawValue)
        if let authZone = settings.api.hook.authZone, !apexes.contains(authZone) {
            zones.append(Zone.synthesized(apex: authZone, identity: settings.api.identity, serial: serial))
            apexes.insert(authZone)
        }
        zones += try await ChallengeRestore.synthesizedZones(
            store: store, identity: settings.api.identity, existing: apexes, serial: serial)
        return zones
    }
}
