public import DNSWire

/// A zone whose contents break the rules of RFC 1034/1035/2181 as Cairn enforces them at
/// load: no SOA or NS at the apex, CNAME beside other data, data outside the zone.
public struct ZoneError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong. Open for additions: match with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case missingSOA = "no SOA record at the zone apex"
            case multipleSOA = "more than one SOA record"
            case soaNotAtApex = "SOA record below the zone apex"
            case missingNS = "no NS records at the zone apex"
            case cnameAndOtherData = "CNAME beside other data"
            case multipleCNAME = "more than one CNAME record at one name"
            case outOfZone = "record outside the zone"
            case unsupportedClass = "record class other than IN"
            case unsupportedType = "record type not served"
            case occludedData = "data below a zone cut that is not glue"
            case cnameAtApex = "CNAME at the zone apex"
        }

        fileprivate var base: Base

        /// The apex has no SOA record (RFC 1035 §5.2).
        public static let missingSOA = Self(base: .missingSOA)
        /// The zone has more than one SOA record (RFC 1035 §5.2).
        public static let multipleSOA = Self(base: .multipleSOA)
        /// An SOA record sits below the apex.
        public static let soaNotAtApex = Self(base: .soaNotAtApex)
        /// The apex has no NS records (RFC 1035 §5.2).
        public static let missingNS = Self(base: .missingNS)
        /// A CNAME shares its owner with other data (RFC 1034 §3.6.2; RFC 2181 §10.1).
        public static let cnameAndOtherData = Self(base: .cnameAndOtherData)
        /// A name has more than one CNAME (RFC 2181 §10.1).
        public static let multipleCNAME = Self(base: .multipleCNAME)
        /// A record's owner lies outside the zone (RFC 1035 §5.2).
        public static let outOfZone = Self(base: .outOfZone)
        /// A record of a class other than IN.
        public static let unsupportedClass = Self(base: .unsupportedClass)
        /// A record type Cairn refuses to serve (DNAME, whose semantics it does not implement).
        public static let unsupportedType = Self(base: .unsupportedType)
        /// A record below a delegation that is not address glue (RFC 1034 §4.2.1).
        public static let occludedData = Self(base: .occludedData)
        /// A CNAME at the apex, which must hold SOA and NS (RFC 1034 §3.6.2).
        public static let cnameAtApex = Self(base: .cnameAtApex)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The zone being loaded.
    public var zone: DNSName
    /// The owner name concerned, if one is.
    public var name: DNSName?
    /// The file and line of the offending record, when the zone came from a file.
    public var file: String?
    public var line: Int?

    public init(_ code: Code, zone: DNSName, name: DNSName? = nil, file: String? = nil, line: Int? = nil) {
        self.code = code
        self.zone = zone
        self.name = name
        self.file = file
        self.line = line
    }

    /// `file:line: message` when the record came from a file, else `zone Z: message`.
    public var description: String {
        let subject = name.map { "\(code) (\($0))" } ?? "\(code)"
        if let file, let line { return "\(file):\(line): \(subject)" }
        if let file { return "\(file): zone \(zone): \(subject)" }
        return "zone \(zone): \(subject)"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
