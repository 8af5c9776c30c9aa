public import DNSAuthority
public import DNSWire

/// A change the store committed that the authority cannot serve: the name is outside every
/// zone, below a cut or beside static data (``AuthorityError`` says which).
public struct ChallengeWriterError: Error, CustomStringConvertible, Sendable {
    public var name: DNSName
    public var reason: AuthorityError

    public var description: String { "committed but not served: \(reason)" }
}
