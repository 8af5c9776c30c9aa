/// A lego httpreq credential (HTTP Basic: the id is the user name, the key the password).
public struct Token: Hashable, Sendable {
    /// The Basic user name.
    public var id: String
    /// `sha256:<hex>` of the key; the key itself is shown once, at creation.
    public var keyHash: String
    /// The first domain the token was created for (`example.com`), if any; each of its names
    /// records the domain it serves in ``OwnedName/domain``.
    public var domain: String?
    /// Seconds since the Unix epoch.
    public var created: Int64

    public init(id: String, keyHash: String, domain: String?, created: Int64) {
        self.id = id
        self.keyHash = keyHash
        self.domain = domain
        self.created = created
    }

    /// The owner string its names are held under.
    public var owner: String { Self.owner(id: id) }

    /// The owner string of the token `id`.
    public static func owner(id: String) -> String { "token:\(id)" }
}
