/// An order object (RFC 8555 §7.1.3), with its URL (the `Location` of its creation).
public struct ACMEOrder: Codable, Hashable, Sendable {
    public var status: ACMEStatus
    public var expires: String?
    public var identifiers: [ACMEIdentifier]
    public var authorizations: [String]
    public var finalize: String
    public var certificate: String?
    public var error: ACMEProblem?
    /// The profile the order was placed with (draft-ietf-acme-profiles).
    public var profile: String?
    /// The certificate this order replaces (RFC 9773 §5).
    public var replaces: String?
    /// The order's own URL; not part of the JSON.
    public var url: String = ""

    enum CodingKeys: String, CodingKey {
        case status, expires, identifiers, authorizations, finalize, certificate, error, profile, replaces
    }

    public init(
        status: ACMEStatus, identifiers: [ACMEIdentifier], authorizations: [String], finalize: String,
        certificate: String? = nil, url: String = ""
    ) {
        self.status = status
        self.identifiers = identifiers
        self.authorizations = authorizations
        self.finalize = finalize
        self.certificate = certificate
        self.url = url
    }
}
