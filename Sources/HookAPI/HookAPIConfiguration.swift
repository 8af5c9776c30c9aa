public import DNSAuthority
public import DNSWire

/// What the hook API serves and whom it trusts.
public struct HookAPIConfiguration: Sendable {
    /// acme-dns's `general.domain`: each registration owns `<uuid>.<authZone>`. `/register`
    /// and `/update` answer 404 while it is `nil`.
    public var authZone: DNSName?
    /// Peers allowed to call `/register` without the admin token; loopback by default.
    public var registerNetworks: [IPNetwork]
    /// `sha256:<hex>` of the bearer token that opens `/register` from anywhere, if any.
    public var adminTokenHash: String?
    /// Proxies whose `X-Forwarded-For` is believed; the client is then the right-most address in
    /// it that is not itself a trusted proxy. Empty by default: the header is ignored.
    public var trustedProxies: [IPNetwork]
    /// Seconds a published value is served before it expires on its own (clients such as
    /// acme.sh and lego's acme-dns provider never clean up). Default one day.
    public var valueLifetime: Int64
    /// The largest request body accepted; larger ones get 413.
    public var maximumBodySize: Int
    /// Authentication failures one client address, or one credential, may have per minute
    /// before it gets 429.
    public var authFailuresPerMinute: Int
    /// How long a client may take to send its request body; then 408.
    public var bodyTimeout: Duration
    /// Names used for the SOA and NS of challenge zones synthesized for tokens created while
    /// the server runs; `nil` when none can be made.
    public var nameserverIdentity: NameserverIdentity?

    public init(
        authZone: DNSName? = nil, registerNetworks: [IPNetwork] = IPNetwork.loopback, adminTokenHash: String? = nil,
        trustedProxies: [IPNetwork] = [], valueLifetime: Int64 = 86_400, maximumBodySize: Int = 4096,
        authFailuresPerMinute: Int = 30, bodyTimeout: Duration = .seconds(10),
        nameserverIdentity: NameserverIdentity? = nil
    ) {
        self.authZone = authZone
        self.registerNetworks = registerNetworks
        self.adminTokenHash = adminTokenHash
        self.trustedProxies = trustedProxies
        self.valueLifetime = max(1, valueLifetime)
        self.maximumBodySize = max(256, maximumBodySize)
        self.authFailuresPerMinute = max(1, authFailuresPerMinute)
        self.bodyTimeout = bodyTimeout
        self.nameserverIdentity = nameserverIdentity
    }
}
