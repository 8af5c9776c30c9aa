/// The directory (RFC 8555 §7.1.1): the URL of each resource. Unknown members are ignored.
public struct ACMEDirectory: Codable, Hashable, Sendable {
    public var newNonce: String
    public var newAccount: String
    public var newOrder: String
    public var newAuthz: String?
    public var revokeCert: String?
    public var keyChange: String?
    /// ARI (RFC 9773 §3).
    public var renewalInfo: String?
    public var meta: Meta?

    public struct Meta: Codable, Hashable, Sendable {
        public var termsOfService: String?
        public var website: String?
        public var caaIdentities: [String]?
        public var externalAccountRequired: Bool?
        /// Profile name → description (draft-ietf-acme-profiles §3).
        public var profiles: [String: String]?

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            termsOfService = try? container.decodeIfPresent(String.self, forKey: .termsOfService)
            website = try? container.decodeIfPresent(String.self, forKey: .website)
            caaIdentities = try? container.decodeIfPresent([String].self, forKey: .caaIdentities)
            externalAccountRequired = try? container.decodeIfPresent(Bool.self, forKey: .externalAccountRequired)
            profiles = try? container.decodeIfPresent([String: String].self, forKey: .profiles)
        }
    }
}
