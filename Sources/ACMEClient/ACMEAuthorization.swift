/// An authorization object (RFC 8555 §7.1.4). Challenges of types this client cannot decode
/// are still decoded, by their type name; unknown members are ignored.
public struct ACMEAuthorization: Codable, Hashable, Sendable {
    public var identifier: ACMEIdentifier
    public var status: ACMEStatus
    public var expires: String?
    public var challenges: [ACMEChallenge]
    /// True when the authorization is for a wildcard name (the identifier omits the `*.`).
    public var wildcard: Bool?

    public init(
        identifier: ACMEIdentifier, status: ACMEStatus, expires: String? = nil, challenges: [ACMEChallenge],
        wildcard: Bool? = nil
    ) {
        self.identifier = identifier
        self.status = status
        self.expires = expires
        self.challenges = challenges
        self.wildcard = wildcard
    }

    /// The name as it was ordered: `*.example.com` for a wildcard authorization.
    public var orderedName: String { wildcard == true ? "*." + identifier.value : identifier.value }

    /// The first `dns-01` challenge, if the CA offers one.
    public var dns01: ACMEChallenge? { challenges.first { $0.type == .dns01 } }

    /// The problem of the challenge that failed, when the authorization is invalid.
    public var failure: ACMEProblem? { challenges.lazy.compactMap(\.error).first }
}
