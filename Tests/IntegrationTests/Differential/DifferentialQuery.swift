import DNSWire

/// The transport a differential query is sent over.
enum DifferentialTransport: String, Hashable, Sendable {
    case udp, tcp
}

/// The OPT record a differential query carries.
struct EDNSSpec: Hashable, Sendable {
    var size: UInt16 = 1232
    var dnssecOK = false
    var version: UInt8 = 0
    var extendedResponseCodeBits: UInt8 = 0
    var zFlags: UInt16 = 0
    var options: [EDNS.Option] = []

    /// The usual EDNS(0) of a modern resolver: 1232 octets, no DO.
    static let standard = EDNSSpec()

    /// An option code no one has registered (RFC 6891 §6.1.2: unknown options are ignored).
    static let unknownOptionCode: UInt16 = 65001

    var label: String {
        var parts = ["edns\(size)"]
        if dnssecOK { parts.append("do") }
        if version != 0 { parts.append("v\(version)") }
        if extendedResponseCodeBits != 0 { parts.append("ext\(extendedResponseCodeBits)") }
        if zFlags != 0 { parts.append("z\(zFlags)") }
        for option in options { parts.append("opt\(option.code.rawValue)") }
        return parts.joined(separator: "+")
    }

    var wire: [UInt8] { DNSQueryWire.opt(self) }
}

/// What is unusual about a query beyond its name, type, class and EDNS (the odd cases).
enum Oddity: String, Hashable, Sendable {
    case questionCountZero, questionCountTwo, headerOnly, questionCutOff
    /// No question, and an OPT in records that do not parse.
    case questionCountZeroBadOPT
    case trailingAfterQuestion, trailingAfterOPT
    case twoOPTs, optInAnswer, optInAuthority, optOwnerNotRoot, optionOverrun
    case recordInAnswer, recordInAdditional, badRDataInAdditional
    case label0x40, label0x80, compressionPointerLoop, forwardCompressionPointer, nameOf256Octets
    case responseBit, shortPacket
    case rcodeInQuery, truncatedBitInQuery, otherFlagsInQuery
    case randomCase
}

/// One query of the differential test: its exact bytes, and what it asks, for the
/// predicates of the expected-difference table.
struct DifferentialQuery: Sendable, CustomStringConvertible {
    var id: UInt16
    var bytes: [UInt8]
    var transport: DifferentialTransport
    /// The question name as sent (0x20 case kept); `nil` when the query has no readable question.
    var name: DNSName?
    var type: DNSRecordType
    var qclass: DNSClass
    var opcode: UInt8
    var edns: EDNSSpec?
    var oddity: Oddity?

    var description: String {
        var text = "#\(id) "
        if let name { text += "\(name) " } else { text += "<no question> " }
        text += "\(type) \(qclass.rawValue == 1 ? "IN" : "CLASS\(qclass.rawValue)")"
        if opcode != 0 { text += " opcode=\(opcode)" }
        text += " " + (edns?.label ?? "noedns")
        if let oddity { text += " [\(oddity.rawValue)]" }
        text += " \(transport.rawValue)"
        return text
    }

    // MARK: Predicate helpers

    /// An ordinary QUERY in class IN, or QCLASS * (RFC 1035 §3.2.5: answered as IN), with
    /// nothing malformed (EDNS version may vary).
    var isPlain: Bool {
        opcode == 0 && (qclass == .internet || qclass == .any) && (oddity == nil || oddity == .randomCase)
    }

    /// Whether the question name is one of `names`, given relative to `diff.test.`
    /// ("@" is the apex, a trailing dot makes a name absolute); compared case-insensitively.
    func isName(_ names: String...) -> Bool {
        guard let name else { return false }
        return names.contains { name == DifferentialNames.absolute($0) }
    }

    /// Whether the question name is at or below `relative` (relative to `diff.test.`).
    func isAtOrBelow(_ relative: String) -> Bool {
        guard let name else { return false }
        return name.isSubdomain(of: DifferentialNames.absolute(relative))
    }

    var hasEDNS: Bool { edns != nil }
    var ednsVersion: UInt8? { edns?.version }
    /// The UDP size limit a server applies: 512 without EDNS, else max(size, 512) (RFC 6891 §6.2.5).
    var udpLimit: Int {
        guard transport == .udp else { return 65535 }
        guard let edns else { return 512 }
        return min(max(Int(edns.size), 512), 1232)
    }
}

/// Names of the differential fixtures.
enum DifferentialNames {
    static let parent: DNSName = "diff.test."
    static let child: DNSName = "kid.diff.test."

    /// `relative` under `diff.test.`: "@" is the apex; a name ending in "." is absolute.
    static func absolute(_ relative: String) -> DNSName {
        if relative == "@" { return parent }
        if relative.hasSuffix(".") { return try! DNSName(relative) }
        return try! DNSName(relative + ".diff.test.")
    }
}

/// Builds query messages octet by octet, so malformed ones can be built as easily as good ones.
enum DNSQueryWire {
    static let rd: UInt16 = 0x0100
    static let cd: UInt16 = 0x0010

    static func header(
        id: UInt16, flags: UInt16, qd: UInt16, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0
    ) -> [UInt8] {
        [id, flags, qd, an, ns, ar].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    static func question(_ name: [UInt8], _ type: UInt16, _ qclass: UInt16) -> [UInt8] {
        name + u16(type) + u16(qclass)
    }

    static func opt(_ spec: EDNSSpec, owner: [UInt8] = [0]) -> [UInt8] {
        var rdata: [UInt8] = []
        for option in spec.options {
            rdata += u16(option.code.rawValue) + u16(UInt16(option.data.count)) + option.data
        }
        let ttl =
            UInt32(spec.extendedResponseCodeBits) << 24 | UInt32(spec.version) << 16 | (spec.dnssecOK ? 0x8000 : 0)
            | UInt32(spec.zFlags & 0x7FFF)
        return owner + u16(DNSRecordType.opt.rawValue) + u16(spec.size) + u32(ttl) + u16(UInt16(rdata.count)) + rdata
    }

    /// An A record; `rdata` may have the wrong length on purpose.
    static func aRecord(owner: [UInt8], rdata: [UInt8] = [192, 0, 2, 1]) -> [UInt8] {
        owner + u16(DNSRecordType.a.rawValue) + u16(1) + u32(300) + u16(UInt16(rdata.count)) + rdata
    }

    static func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func u32(_ value: UInt32) -> [UInt8] { u16(UInt16(value >> 16)) + u16(UInt16(value & 0xFFFF)) }
}
