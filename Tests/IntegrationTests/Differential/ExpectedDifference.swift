/// A difference between Cairn and a reference server that is accepted on purpose: which
/// queries it applies to, which peer(s) and field(s), and why Cairn answers differently.
struct ExpectedDifference: Sendable {
    /// A short identifier, printed when the entry never matches.
    var name: String
    var peers: Set<Peer>
    var fields: Set<Field>
    /// Why: the RFC section or DESIGN.md rule Cairn follows, and, where Knot and NSD
    /// disagree with each other, which of them Cairn follows.
    var justification: String
    var matches: @Sendable (DifferentialQuery) -> Bool

    init(
        _ name: String, _ peers: Set<Peer>, _ fields: Set<Field>, _ justification: String,
        when matches: @escaping @Sendable (DifferentialQuery) -> Bool
    ) {
        self.name = name
        self.peers = peers
        self.fields = fields
        self.justification = justification
        self.matches = matches
    }

    func covers(_ query: DifferentialQuery, peer: Peer, field: Field) -> Bool {
        peers.contains(peer) && fields.contains(field) && matches(query)
    }
}
