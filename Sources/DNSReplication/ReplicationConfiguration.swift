public import DNSWire

/// How Cairn feeds its secondaries (DESIGN decision 8).
public struct ReplicationConfiguration: Sendable {
    public var secondaries: [Secondary]
    /// The TSIG keys secondaries use (RFC 8945).
    public var keys: TSIGKeyring
    /// How long an acknowledgement (the hook API's 2xx) waits for every secondary to serve a
    /// change before it answers anyway and counts the lagging secondary.
    public var acknowledgeTimeout: Duration
    /// The shortest time between two NOTIFYs for one zone to one secondary: a burst of changes
    /// sends one NOTIFY, for the newest serial.
    public var notifyInterval: Duration
    /// How long a NOTIFY waits for its answer before it is sent again; later retries back off to
    /// ``maximumRetryInterval``.
    public var notifyTimeout: Duration
    public var maximumRetryInterval: Duration
    /// How often a secondary that acknowledged a NOTIFY is asked for its serial until it serves
    /// the new one.
    public var serialPollInterval: Duration
    /// How often the NOTIFY is sent again while the secondary does not serve the new serial.
    public var renotifyInterval: Duration
    /// The catalog zone (RFC 9432) the secondaries that consume one transfer, listing every zone
    /// served; `nil` when no secondary consumes it. The ``Authority`` serves it
    /// (``AuthorityConfiguration/catalogZone``).
    public var catalogZone: DNSName?

    public init(
        secondaries: [Secondary] = [], keys: TSIGKeyring = TSIGKeyring(), acknowledgeTimeout: Duration = .seconds(5),
        notifyInterval: Duration = .milliseconds(20), notifyTimeout: Duration = .seconds(1),
        maximumRetryInterval: Duration = .seconds(60), serialPollInterval: Duration = .milliseconds(20),
        renotifyInterval: Duration = .milliseconds(250), catalogZone: DNSName? = nil
    ) {
        self.catalogZone = catalogZone
        self.secondaries = secondaries
        self.keys = keys
        self.acknowledgeTimeout = acknowledgeTimeout
        self.notifyInterval = notifyInterval
        self.notifyTimeout = notifyTimeout
        self.maximumRetryInterval = maximumRetryInterval
        self.serialPollInterval = serialPollInterval
        self.renotifyInterval = renotifyInterval
    }
}
