public import DNSWire

/// Why feeding a secondary failed, said as the log should say it.
public struct ReplicationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, with the names involved.
    public var reason: String

    /// Whether the secondary answered that it does not carry the zone (NOTAUTH or REFUSED to a
    /// NOTIFY): a consumer of the catalog that has not yet added a new member.
    public var secondaryLacksZone = false

    public init(_ reason: String) { self.reason = reason }

    /// The secondary refused a NOTIFY with `code`.
    public static func notifyRefused(_ code: DNSResponseCode) -> Self {
        var error = Self("NOTIFY answered \(code)")
        error.secondaryLacksZone = code == .notAuth || code == .refused
        return error
    }

    /// A secondary names a TSIG key that is not configured.
    public static func unknownKey(_ name: DNSName) -> Self { Self("no TSIG key named \(name) is configured") }

    /// A secondary's answer was not what RFC 1996 expects, or none came.
    public static func unexpectedAnswer(_ reason: String) -> Self { Self(reason) }

    public var description: String { reason }
}
