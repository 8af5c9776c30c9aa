import DNSAuthority
public import DNSWire

/// What the hook API serves and whom it trusts.
public struct HookAPIConfiguration: Sendable {
    /// acme-dns's `general.domain`: each registration owns `<uuid>.<authZone>`. `/register`
    /// and `/update` answer 404 while it is `nil`.
    public var authZone: DNSName?
    /// Peers allowed to call `/register` without the admin token; loopback by default. A
    /// loopback peer that forwards for others (it sends `X-Forwarded-For` or `Forwarded`) is a
    /// reverse proxy, and its clients match only if it is in ``trustedProxies``.
    public var registerNetworks: [IPNetwork]
    /// `sha256:<hex>` of the bearer token that opens `/register` from anywhere, if any.
    public var adminTokenHash: String?
    /// Proxies whose `X-Forwarded-For` (or, without it, `Forwarded: for=`) is believed; the
    /// client is then the right-most address in it that is not itself a trusted proxy. Empty by
    /// default: the headers are ignored, and a loopback peer sending them is a proxy whose clients
    /// get no loopback privilege (see ``RequestSource``).
    public var trustedProxies: [IPNetwork]
    /// Seconds a published value is served before it expires on its own (clients such as
    /// acme.sh and lego's acme-dns provider never clean up). Default one day.
    public var valueLifetime: Int64
    /// The largest request body accepted; larger ones get 413.
    public var maximumBodySize: Int
    /// Authentication failures one client address, or one credential, may have per minute;
    /// further failures get 429. A correct key is never refused for them.
    public var authFailuresPerMinute: Int
    /// `/register` calls one source (an IPv4 address, an IPv6 /64) may make per minute before
    /// it gets 429.
    public var registerPerMinute: Int
    /// Writes (`/update`, `/present`, `/cleanup`) one credential may make per minute once
    /// authenticated before it gets 429 with `Retry-After`: generous for a certificate of 100
    /// names renewed now and then, a wall for a client in a loop.
    public var updatesPerMinute: Int
    /// Registrations the store may hold before `/register` answers 403 (`cairn register` on the
    /// server is not limited).
    public var maximumRegistrations: Int
    /// How long a client may take to send its request body; then 408.
    public var bodyTimeout: Duration
    public init(
        authZone: DNSName? = nil, registerNetworks: [IPNetwork] = IPNetwork.loopback, adminTokenHash: String? = nil,
        trustedProxies: [IPNetwork] = [], valueLifetime: Int64 = 86_400, maximumBodySize: Int = 4096,
        authFailuresPerMinute: Int = 30, registerPerMinute: Int = 10, updatesPerMinute: Int = 600,
        maximumRegistrations: Int = 10_000,
        bodyTimeout: Duration = .seconds(10)
    ) {
        self.authZone = authZone
        self.registerNetworks = registerNetworks
        self.adminTokenHash = adminTokenHash
        self.trustedProxies = trustedProxies
        self.valueLifetime = max(1, valueLifetime)
        self.maximumBodySize = max(256, maximumBodySize)
        self.authFailuresPerMinute = max(1, authFailuresPerMinute)
        self.registerPerMinute = max(1, registerPerMinute)
        self.updatesPerMinute = max(1, updatesPerMinute)
        self.maximumRegistrations = max(0, maximumRegistrations)
        self.bodyTimeout = bodyTimeout
    }
}
