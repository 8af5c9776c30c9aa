import DNSAuthority
public import DNSWire
import Foundation
public import Store

/// An acme-dns registration made on this server, the one way `POST /register` and
/// `cairn register` make one: a new username and subdomain (lowercase UUIDs, as acme-dns makes
/// them), a new key, the key's hash in the registration, and the label it owns under the auth
/// zone.
///
/// The key is in this value only: show it once, store ``change``.
public struct NewRegistration: Sendable {
    /// What the store keeps: username, the key's hash (never the key), subdomain, allowfrom.
    public let registration: Registration
    /// The label the registration owns, `<subdomain>.<auth zone>`.
    public let ownedName: OwnedName
    /// The key (acme-dns's `password`): 40 characters of `[A-Za-z0-9_-]`.
    public let key: String

    /// A new registration under `authZone` whose updates may come from `allowFrom` (CIDR
    /// prefixes, already checked; empty means anywhere).
    public init(authZone: DNSName, allowFrom: [String]) {
        let key = Credential.generateKey()
        let registration = Registration(
            username: UUID().uuidString.lowercased(), keyHash: Credential.hash(key),
            subdomain: UUID().uuidString.lowercased(), allowFrom: allowFrom, created: UnixTime.now().rawValue)
        self.registration = registration
        self.ownedName = OwnedName(
            name: "\(registration.subdomain).\(ChallengeName.storeText(authZone))", owner: registration.owner,
            kind: .label)
        self.key = key
    }

    /// acme-dns's `fulldomain`: the name to CNAME `_acme-challenge.<domain>` to.
    public var fullDomain: String { ownedName.name }

    /// The store change that adds the registration and its name.
    public var change: StoreChange { .addRegistration(registration, ownedName) }
}
