public import DNSAuthority
public import DNSWire
public import Logging
public import Store

/// Rebuilds the authority's challenge data from the store: at start (DESIGN decision 4:
/// expired values dropped) and after a reload, when names may have been added by the CLI.
public enum ChallengeRestore {
    /// What a restore did.
    public struct Summary: Sendable, CustomStringConvertible {
        public var names = 0
        public var zones = 0
        public var values = 0
        public var skipped = 0
        public var description: String {
            "\(names) names, \(zones) synthesized zones, \(values) values, \(skipped) skipped"
        }
    }

    /// The challenge zones (`_acme-challenge.<domain>`, kind ``OwnedName/Kind/challengeZone``)
    /// the store holds, synthesized, except those at an apex in `existing`.
    public static func synthesizedZones(
        store: any ChallengeStore, identity: NameserverIdentity, existing: Set<DNSName>, serial: UInt32
    ) async throws -> [Zone] {
        var zones: [Zone] = []
        for owned in try await store.ownedNames() where owned.kind == .challengeZone {
            guard let apex = try? DNSName(owned.name), !existing.contains(apex) else { continue }
            zones.append(Zone.synthesized(apex: apex, identity: identity, serial: serial))
        }
        return zones
    }

    /// Releases the names the authority holds for registrations and tokens that the store no
    /// longer has (deleted with the CLI), so a reload can drop their synthesized zones.
    ///
    /// - Returns: how many names were released.
    @discardableResult
    public static func releaseDeleted(
        store: any ChallengeStore, authority: Authority, logger: Logger
    ) async throws -> Int {
        let stored = Set(try await store.ownedNames().map(\.name))
        var released = 0
        for (name, record) in authority.challengeTable.entries {
            let owner = record.owner.rawValue
            guard owner.hasPrefix("registration:") || owner.hasPrefix("token:"),
                !stored.contains(ChallengeName.storeText(name))
            else { continue }
            do {
                try authority.release(name, owner: record.owner)
                released += 1
            } catch {
                logger.warning("cannot release a deleted name", metadata: ["name": "\(name)", "error": "\(error)"])
            }
        }
        return released
    }

    /// Drops expired values from the store, then claims every owned name and publishes every
    /// live value in `authority`. Names that cannot be served (their zone is gone, say) are
    /// logged and skipped; the store keeps them.
    @discardableResult
    public static func restore(
        store: any ChallengeStore, authority: Authority, identity: NameserverIdentity?, now: UnixTime = .now(),
        logger: Logger
    ) async throws -> Summary {
        var summary = Summary()
        try await store.apply([.removeExpired(now: now.rawValue)])
        var owners: [String: ChallengeOwner] = [:]
        let table = authority.challengeTable
        for owned in try await store.ownedNames() {
            do {
                let name = try DNSName(owned.name)
                // Held already (a reload): the API keeps its values current; republishing stored
                // values here could undo a withdrawal made since they were read.
                if table.owner(of: name) == ChallengeOwner(rawValue: owned.owner) {
                    summary.names += 1
                    continue
                }
                if owned.kind == .challengeZone, authority.zone(at: name) == nil, let identity {
                    let serial = UInt32(truncatingIfNeeded: now.rawValue)
                    try authority.addZone(Zone.synthesized(apex: name, identity: identity, serial: serial))
                    summary.zones += 1
                }
                let owner = ChallengeOwner(rawValue: owned.owner)
                try authority.claim(name, owner: owner)
                owners[owned.name] = owner
                summary.names += 1
            } catch {
                summary.skipped += 1
                logger.warning("owned name not served", metadata: ["name": "\(owned.name)", "error": "\(error)"])
            }
        }
        let ttl = authority.configuration.maximumChallengeTTL
        for value in try await store.liveValues(after: now.rawValue) {
            guard let owner = owners[value.name], let name = try? DNSName(value.name) else { continue }
            do {
                try authority.publish(
                    ChallengeValue(value.text, ttl: ttl, expires: UnixTime(rawValue: value.expires)), at: name,
                    owner: owner)
                summary.values += 1
            } catch {
                logger.warning("stored value not served", metadata: ["name": "\(value.name)", "error": "\(error)"])
            }
        }
        return summary
    }
}
