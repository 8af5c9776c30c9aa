public import DNSWire

/// Why feeding a secondary failed, said as the log should say it.
public struct ReplicationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, with the names involved.
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    /// A secondary names a TSIG key that is not configured.
    public static func unknownKey(_ name: DNSName) -> Self { Self("no TSIG key named \(name) is configured") }

    /// A secondary's answer was not what RFC 1996 expects, or none came.
    public static func unexpectedAnswer(_ reason: String) -> Self { Self(reason) }

    public var description: String { reason }
}
