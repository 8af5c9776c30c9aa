public import DNSWire

/// A change the ``Authority`` refused: a claim, publish or withdraw that breaks the
/// ownership rules, or a zone set that would orphan owned names.
public struct AuthorityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong. Open for additions: match with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case duplicateZone = "two zones with the same apex"
            case nameOutsideZones = "name is in no zone served here"
            case nameBelowDelegation = "name is below a zone cut"
            case nameHasOtherData = "name already holds zone data"
            case wildcardName = "a challenge name cannot start with the * label"
            case ownedByAnother = "name belongs to another owner"
            case notOwned = "name is not owned"
            case valueTooLong = "TXT value too long"
        }

        fileprivate var base: Base

        /// Two zones share an apex.
        public static let duplicateZone = Self(base: .duplicateZone)
        /// The name lies in no zone served here.
        public static let nameOutsideZones = Self(base: .nameOutsideZones)
        /// The name lies at or below a delegation, where this server is not authoritative.
        public static let nameBelowDelegation = Self(base: .nameBelowDelegation)
        /// The name holds static records (a CNAME, say); a CNAME beside a challenge TXT would break
        /// RFC 1034 §3.6.2.
        public static let nameHasOtherData = Self(base: .nameHasOtherData)
        /// The name's first label is `*`, which would make it a wildcard (RFC 4592).
        public static let wildcardName = Self(base: .wildcardName)
        /// Another owner holds the name.
        public static let ownedByAnother = Self(base: .ownedByAnother)
        /// No one owns the name (claim it first).
        public static let notOwned = Self(base: .notOwned)
        /// The value does not fit a TXT RDATA comfortably (more than 1024 octets).
        public static let valueTooLong = Self(base: .valueTooLong)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The name or zone apex concerned.
    public var name: DNSName

    public init(_ code: Code, name: DNSName) {
        self.code = code
        self.name = name
    }

    public var description: String { "\(name): \(code)" }
}
