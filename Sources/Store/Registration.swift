/// An acme-dns style registration: a credential that owns one label under the auth zone.
public struct Registration: Hashable, Sendable {
    /// The `X-Api-User` value, a lowercase UUID.
    public var username: String
    /// The hash of the `X-Api-Key` value: `sha256:<hex>` for keys Cairn made, or a bcrypt
    /// hash (`$2a$…`) imported from acme-dns until its first successful use.
    public var keyHash: String
    /// The label under the auth zone (a lowercase UUID).
    public var subdomain: String
    /// Networks (CIDR text) updates may come from; empty means anywhere.
    public var allowFrom: [String]
    /// Seconds since the Unix epoch.
    public var created: Int64

    public init(username: String, keyHash: String, subdomain: String, allowFrom: [String], created: Int64) {
        self.username = username
        self.keyHash = keyHash
        self.subdomain = subdomain
        self.allowFrom = allowFrom
        self.created = created
    }

    /// The owner string its names are held under.
    public var owner: String { Self.owner(username: username) }

    /// The owner string of the registration `username`.
    public static func owner(username: String) -> String { "registration:\(username)" }
}
