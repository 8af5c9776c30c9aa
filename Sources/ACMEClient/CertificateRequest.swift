/// What to ask the CA for.
public struct CertificateRequest: Sendable {
    /// DNS names, wildcards as `*.example.com`; the first is the subject common name.
    public var names: [String]
    /// The certificate's key (a new one, or one kept from the last certificate).
    public var key: ACMEKey
    /// An ACME profile (draft-ietf-acme-profiles); sent only when the CA lists it.
    public var profile: String?
    /// The certificate this one replaces (RFC 9773 §5).
    public var replaces: ARICertificateID?
    /// Prefer the chain (default or alternate) with an issuer of this common name.
    public var preferredChain: String?

    public init(
        names: [String], key: ACMEKey, profile: String? = nil, replaces: ARICertificateID? = nil,
        preferredChain: String? = nil
    ) {
        self.names = names
        self.key = key
        self.profile = profile
        self.replaces = replaces
        self.preferredChain = preferredChain
    }
}
