public import DNSWire

/// Why feeding a secondary failed.
public enum ReplicationError: Error, CustomStringConvertible {
    /// A secondary names a TSIG key that is not configured.
    case unknownKey(DNSName)
    /// A secondary's answer was not what RFC 1996 expects.
    case unexpectedAnswer(String)

    public var description: String {
        switch self {
        case .unknownKey(let name): "no TSIG key named \(name) is configured"
        case .unexpectedAnswer(let reason): reason
        }
    }
}
