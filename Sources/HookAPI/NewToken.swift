import DNSAuthority
public import DNSWire
import Foundation
public import Store

/// A lego httpreq token made on this server (`cairn token create`): a new key, the key's hash
/// in the token, and the names the token owns, added one by one.
///
/// The key is in this value only: show it once, store ``change``.
public struct NewToken: Sendable {
    /// What the store keeps: id, the key's hash (never the key), first domain.
    public let token: Token
    /// The key (the HTTP Basic password): 40 characters of `[A-Za-z0-9_-]`.
    public let key: String
    /// The names the token owns so far.
    public private(set) var names: [OwnedName] = []

    /// A token owning no names yet. `id` is the Basic user name, by default a new lowercase UUID;
    /// `domain` is the first domain it is for, if any.
    public init(id: String? = nil, domain: String?) {
        let key = Credential.generateKey()
        self.token = Token(
            id: id ?? UUID().uuidString.lowercased(), keyHash: Credential.hash(key), domain: domain,
            created: UnixTime.now().rawValue)
        self.key = key
    }

    /// Makes the token own `name` (lowercase, no trailing dot) as `kind`, standing for the
    /// `_acme-challenge` name of `domain` when given.
    public mutating func own(_ name: String, as kind: OwnedName.Kind, for domain: String? = nil) {
        names.append(OwnedName(name: name, owner: token.owner, kind: kind, domain: domain))
    }

    /// Makes the token own a new label under `authZone`, `<uuid>.<auth zone>` (CNAME delegation
    /// of `domain`), and returns it.
    @discardableResult
    public mutating func ownLabel(under authZone: DNSName, for domain: String) -> String {
        let label = "\(UUID().uuidString.lowercased()).\(ChallengeName.storeText(authZone))"
        own(label, as: .label, for: domain)
        return label
    }

    /// The store change that adds the token and its names.
    public var change: StoreChange { .addToken(token, names) }
}
