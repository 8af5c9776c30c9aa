import CairnTestSupport
import DNSWire

/// The queries of the differential test, generated deterministically (IDs count up from 1).
struct DifferentialQueries {
    private(set) var queries: [DifferentialQuery] = []
    private var nextID: UInt16 = 1

    static let typeUnknown = DNSRecordType(rawValue: 65280)

    /// Names of `diff.test.` worth asking about (relative; see ``DifferentialNames/absolute(_:)``).
    static let parentNames: [String] = [
        "@", "ns1", "ns2", "mail", "host", "txt", "big512", "big1232",
        "nx", "deeper.nx", "ent", "b.ent", "a.b.ent", "x.b.ent",
        "wild", "foo.wild", "x.y.wild", "*.wild", "x.*.wild", "exists.wild", "below.exists.wild",
        "deep.wild", "z.deep.wild", "y.deep.wild", "foo.wc", "wc", "target", "foo.wmx",
        "c1", "c2", "c3", "dangling", "out", "loop1", "self", "tosub", "tocut", "tokid", "tokidapex",
        "towild", "toapex", "toent",
        "sub", "x.sub", "ns.sub", "ns2.sub", "ext", "x.ext", "sib", "x.sib", "bigdel", "x.bigdel", "ns1.bigdel",
        "mxout", "mxglue", "mxwild", "mx10", "m1", "_sip._tcp", "_out._tcp", "_none._tcp", "caa", "unk",
        "a\\.b", "a.b", "\\200\\001bin", "\\200\\001BIN", "MiXeD", "mixed",
        String(repeating: "l", count: 63),
        String(repeating: "m", count: 63),
        longName,
    ]

    /// Names of the child zone `kid.diff.test.`, served by the same servers.
    static let childNames: [String] = [
        "kid", "ns1.kid", "www.kid", "nx.kid", "txt.kid", "alias.kid", "up.kid", "ent.kid", "b.ent.kid",
        "a.b.ent.kid", "foo.wild.kid",
    ]

    /// Names outside every served zone.
    static let outsideNames: [String] = ["www.elsewhere.invalid.", "test.", ".", "diff.test.invalid."]

    /// The 255-octet owner in the fixture: 52 + 3×64 + 11 octets.
    static let longName =
        ([String(repeating: "c", count: 51)] + Array(repeating: String(repeating: "a", count: 63), count: 3))
        .joined(separator: ".")

    static let types: [DNSRecordType] = [
        .a, .ns, .cname, .soa, .mx, .txt, .aaaa, .srv, .ds, .any, .caa, typeUnknown,
    ]

    /// (name, type) pairs asked with every EDNS variant and over TCP.
    static let variantTargets: [(String, DNSRecordType)] = [
        ("@", .soa), ("@", .any), ("@", .mx), ("@", .ns), ("txt", .txt), ("big512", .txt), ("big1232", .txt),
        ("x.bigdel", .a), ("bigdel", .ns), ("mx10", .mx), ("nx", .a), ("ent", .a), ("x.sub", .a), ("sib", .a),
        ("kid", .soa), ("kid", .ds), ("nx.kid", .a), ("c1", .a), ("foo.wild", .txt), ("tokid", .a),
        ("_sip._tcp", .srv), ("www.elsewhere.invalid.", .a),
    ]

    static let ednsVariants: [EDNSSpec?] = [
        nil,
        EDNSSpec(size: 512),
        EDNSSpec(size: 4096),
        EDNSSpec(dnssecOK: true),
        EDNSSpec(options: [EDNS.Option(code: EDNSOptionCode(rawValue: EDNSSpec.unknownOptionCode), data: [0xDE, 0xAD])]
        ),
        EDNSSpec(version: 1),
    ]

    static func all() -> [DifferentialQuery] {
        var list = DifferentialQueries()
        list.addNamesTimesTypes()
        list.addEDNSVariants()
        list.addTCP()
        list.addMixedCase()
        list.addMetaTypesAndClasses()
        list.addOpcodes()
        list.addMalformed()
        list.addServiceBindings()
        return list.queries
    }

    // MARK: Families

    /// Every interesting name × every relevant type, EDNS 1232, RD set, over UDP.
    mutating func addNamesTimesTypes() {
        for name in Self.parentNames + Self.childNames {
            for type in Self.types { add(name, type) }
        }
        for name in Self.outsideNames {
            for type in [DNSRecordType.a, .ns, .soa, .txt] { add(name, type) }
        }
    }

    /// The EDNS variants (none, 512, 4096, DO, an unknown option, version 1) on a selection.
    mutating func addEDNSVariants() {
        for (name, type) in Self.variantTargets {
            for edns in Self.ednsVariants { add(name, type, edns: edns, flags: 0) }
        }
        // Sizes below 512 count as 512 (RFC 6891 §6.2.5); Z bits and extended rcode bits in a query are ignored.
        for (name, type) in [("txt", DNSRecordType.txt), ("big512", .txt), ("x.bigdel", .a)] {
            add(name, type, edns: EDNSSpec(size: 0))
            add(name, type, edns: EDNSSpec(size: 100))
        }
        add("txt", .txt, edns: EDNSSpec(dnssecOK: true, zFlags: 0x7FFF))
        add("txt", .txt, edns: EDNSSpec(extendedResponseCodeBits: 1))
        add("nx", .a, edns: EDNSSpec(size: 512, dnssecOK: true))
        add("www.elsewhere.invalid.", .a, edns: EDNSSpec(dnssecOK: true, version: 1))
        add("txt", .txt, edns: EDNSSpec(dnssecOK: true, version: 1))
        add("txt", .txt, edns: EDNSSpec(version: 255))
    }

    /// A subset over TCP, with and without EDNS: full answers, no truncation.
    mutating func addTCP() {
        for (name, type) in Self.variantTargets {
            add(name, type, transport: .tcp)
            add(name, type, edns: nil, transport: .tcp)
        }
        for (name, type) in [("toapex", DNSRecordType.mx), ("tosub", .a), ("*.wild", .a), ("kid", .ns), ("host", .any)]
        {
            add(name, type, transport: .tcp)
        }
    }

    /// 0x20: names in random case, with a fixed seed.
    mutating func addMixedCase() {
        var random = SplitMix64(seed: 0x0020_0020)
        let names = [
            "@", "txt", "host", "mail", "c1", "foo.wild", "x.y.wild", "*.wild", "foo.wc", "tosub", "tokid", "x.sub",
            "sub", "ext", "sib", "x.bigdel", "nx", "b.ent", "a\\.b", "\\200\\001bin", "mixed", "kid", "www.kid",
            "nx.kid", "alias.kid", "dangling", "_sip._tcp", "mx10", "caa", "unk", "towild", "toapex",
            "www.elsewhere.invalid.",
        ]
        let types: [DNSRecordType] = [.a, .txt, .mx, .ns, .ds, .any, .aaaa]
        for (index, name) in names.enumerated() {
            let wire = DifferentialNames.absolute(name).wireBytes
            var mixed = wire
            repeat {
                var position = 0
                mixed = wire
                while position < mixed.count, mixed[position] != 0 {
                    let length = Int(mixed[position])
                    for offset in position + 1...position + length {
                        let byte = mixed[offset]
                        let isLetter = (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                        if isLetter, random.next() & 1 == 1 { mixed[offset] = byte ^ 0x20 }
                    }
                    position += 1 + length
                }
            } while mixed == wire && wire.count > 1
            for type in [types[index % types.count], .a] {
                let mixedName = try! DNSName(wireBytes: mixed)
                addRaw(name: mixedName, type: type, edns: .standard, oddity: .randomCase) { id in
                    DNSQueryWire.header(id: id, flags: DNSQueryWire.rd, qd: 1, ar: 1)
                        + DNSQueryWire.question(mixed, type.rawValue, 1) + EDNSSpec.standard.wire
                }
            }
        }
    }

    /// Meta and odd qtypes, zone transfers, and classes other than IN.
    mutating func addMetaTypesAndClasses() {
        let odd: [DNSRecordType] = [
            DNSRecordType(rawValue: 0), .opt, .tsig, .tkey, .mailb, .maila, .rrsig,
            DNSRecordType(rawValue: 47), DNSRecordType(rawValue: 48), DNSRecordType(rawValue: 128),
        ]
        for type in odd {
            add("txt", type)
            add("nx", type)
            add("@", type, edns: nil)
        }
        for edns in [EDNSSpec.standard, nil] as [EDNSSpec?] {
            add("@", .axfr, edns: edns)
            add("@", .ixfr, edns: edns)
            add("@", .axfr, edns: edns, transport: .tcp)
            add("@", .ixfr, edns: edns, transport: .tcp)
        }
        add("kid", .axfr, transport: .tcp)
        add("txt", .axfr, transport: .tcp)
        add("www.elsewhere.invalid.", .axfr, transport: .tcp)
        // Classes: CH (version.bind and friends), ANY, NONE, HS, 0.
        for (name, type) in [
            ("version.bind.", DNSRecordType.txt), ("id.server.", .txt), ("hostname.bind.", .txt),
            ("version.server.", .txt), ("authors.bind.", .txt), ("version.bind.", .a), ("version.bind.", .any),
            ("txt", .txt), ("@", .soa),
        ] {
            add(name, type, qclass: .chaos)
            add(name, type, qclass: .chaos, edns: nil)
        }
        add("version.bind.", .txt, qclass: .internet)
        for qclass in [DNSClass.any, .none, .hesiod, DNSClass(rawValue: 0), DNSClass(rawValue: 1000)] {
            for (name, type) in [("txt", DNSRecordType.txt), ("@", .soa), ("nx", .a), ("x.sub", .a)] {
                add(name, type, qclass: qclass)
            }
            add("txt", .txt, qclass: qclass, edns: nil)
        }
        // QCLASS * (RFC 1035 §3.2.5) is answered as IN: more shapes of answer than the other classes.
        for (name, type) in [
            ("c1", DNSRecordType.a), ("mx10", .mx), ("@", .any), ("ent", .a), ("kid", .ds), ("nx.kid", .a),
            ("svcalias", .https), ("www.elsewhere.invalid.", .a), ("@", .axfr),
        ] {
            add(name, type, qclass: .any)
        }
        add("@", .soa, qclass: .any, transport: .tcp)
    }

    /// Opcodes other than QUERY: STATUS, UPDATE, and also IQUERY, NOTIFY and DSO.
    mutating func addOpcodes() {
        for opcode: UInt8 in [1, 2, 4, 5, 6, 15] {
            for edns in [EDNSSpec.standard, nil] as [EDNSSpec?] {
                for transport in [DifferentialTransport.udp, .tcp] where transport == .udp || opcode == 2 {
                    add(
                        "txt", .txt, edns: edns, transport: transport, opcode: opcode,
                        flags: DNSQueryWire.rd | DNSQueryWire.cd)
                }
                add("@", .soa, edns: edns, opcode: opcode, flags: DNSQueryWire.rd | 0x0400)
            }
        }
        // STATUS and DSO (RFC 8490 §5.4: its messages carry no question) with QDCOUNT 0.
        for opcode: UInt8 in [2, 6] {
            for edns in [EDNSSpec.standard, nil] as [EDNSSpec?] {
                let flags = UInt16(opcode) << 11 | DNSQueryWire.rd
                addRaw(
                    name: nil, type: DNSRecordType(rawValue: 0), opcode: opcode, edns: edns, oddity: .questionCountZero
                ) { id in
                    DNSQueryWire.header(id: id, flags: flags, qd: 0, ar: edns == nil ? 0 : 1) + (edns?.wire ?? [])
                }
            }
        }
    }

    /// Malformed or unusual messages.
    mutating func addMalformed() {
        let txt = DifferentialNames.absolute("txt").wireBytes
        let question = DNSQueryWire.question(txt, DNSRecordType.txt.rawValue, 1)
        let opt = EDNSSpec.standard.wire
        let rd = DNSQueryWire.rd
        let txtName = DifferentialNames.absolute("txt")

        func malformed(
            _ oddity: Oddity, name: DNSName? = txtName, edns: EDNSSpec? = nil,
            transport: DifferentialTransport = .udp, _ build: @escaping (UInt16) -> [UInt8]
        ) {
            addRaw(name: name, type: .txt, edns: edns, transport: transport, oddity: oddity, build)
        }

        // Question counts.
        for transport in [DifferentialTransport.udp, .tcp] {
            malformed(.questionCountZero, name: nil, transport: transport) {
                DNSQueryWire.header(id: $0, flags: rd, qd: 0)
            }
            malformed(.questionCountTwo, transport: transport) {
                DNSQueryWire.header(id: $0, flags: rd, qd: 2) + question + question
            }
        }
        malformed(.questionCountZero, name: nil, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 0, ar: 1) + opt
        }
        malformed(.questionCountTwo, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 2, ar: 1) + question + question + opt
        }
        // Without a question but with an OPT (`dig +header-only`): the error carries an OPT
        // (RFC 6891 §6.1.1), DO copied, BADVERS for another version; not when the OPT is unsound.
        let optDO = EDNSSpec(dnssecOK: true)
        let optV1 = EDNSSpec(version: 1)
        malformed(.questionCountZero, name: nil, edns: .standard, transport: .tcp) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 0, ar: 1) + opt
        }
        malformed(.questionCountZero, name: nil, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: 0, qd: 0, ar: 1) + opt
        }
        malformed(.questionCountZero, name: nil, edns: optDO) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 0, ar: 1) + optDO.wire
        }
        malformed(.questionCountZero, name: nil, edns: optV1) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 0, ar: 1) + optV1.wire
        }
        malformed(.questionCountZero, name: nil, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 0, ar: 2) + DNSQueryWire.aRecord(owner: txt) + opt
        }
        malformed(.questionCountZeroBadOPT, name: nil, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 0, ar: 1) + opt + [0x00]
        }
        malformed(.questionCountZeroBadOPT, name: nil, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 0, ar: 2) + opt + opt
        }
        malformed(.headerOnly, name: nil) { DNSQueryWire.header(id: $0, flags: rd, qd: 1) }
        malformed(.questionCutOff, name: nil) { DNSQueryWire.header(id: $0, flags: rd, qd: 1) + txt }
        malformed(.questionCutOff, name: nil) { DNSQueryWire.header(id: $0, flags: rd, qd: 1) + Array(txt.prefix(5)) }

        // Trailing bytes.
        for transport in [DifferentialTransport.udp, .tcp] {
            malformed(.trailingAfterQuestion, transport: transport) {
                DNSQueryWire.header(id: $0, flags: rd, qd: 1) + question + [0xDE, 0xAD, 0xBE, 0xEF]
            }
            malformed(.trailingAfterOPT, edns: .standard, transport: transport) {
                DNSQueryWire.header(id: $0, flags: rd, qd: 1, ar: 1) + question + opt + [0x00]
            }
        }
        // OPT placement and contents.
        malformed(.twoOPTs, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1, ar: 2) + question + opt + opt
        }
        malformed(.optInAnswer, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1, an: 1) + question + opt
        }
        malformed(.optInAuthority, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1, ns: 1) + question + opt
        }
        malformed(.optOwnerNotRoot, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1, ar: 1) + question
                + DNSQueryWire.opt(.standard, owner: DifferentialNames.parent.wireBytes)
        }
        malformed(.optionOverrun, edns: .standard) {
            // One option announcing 8 octets of data with only 2 there.
            let rdata: [UInt8] = [0xFD, 0xE9, 0x00, 0x08, 0xAA, 0xBB]
            return DNSQueryWire.header(id: $0, flags: rd, qd: 1, ar: 1) + question
                + [0] + DNSQueryWire.u16(41) + DNSQueryWire.u16(1232) + DNSQueryWire.u32(0)
                + DNSQueryWire.u16(UInt16(rdata.count)) + rdata
        }
        // Records where a query has none.
        malformed(.recordInAnswer) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1, an: 1) + question + DNSQueryWire.aRecord(owner: txt)
        }
        malformed(.recordInAdditional, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1, ar: 2) + question + DNSQueryWire.aRecord(owner: txt) + opt
        }
        malformed(.badRDataInAdditional, edns: .standard) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1, ar: 2) + question + opt
                + DNSQueryWire.aRecord(owner: txt, rdata: [192, 0, 2])
        }
        // Bad names in the question.
        malformed(.label0x40, name: nil) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1) + [0x41] + Array(repeating: 0x61, count: 1) + [0]
                + DNSQueryWire.u16(1) + DNSQueryWire.u16(1)
        }
        malformed(.label0x40, name: nil, transport: .tcp) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1) + [0x40] + Array(repeating: 0x61, count: 64) + [0]
                + DNSQueryWire.u16(1) + DNSQueryWire.u16(1)
        }
        malformed(.label0x80, name: nil) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1) + [0x83, 0x61, 0x62, 0x63, 0]
                + DNSQueryWire.u16(1) + DNSQueryWire.u16(1)
        }
        malformed(.compressionPointerLoop, name: nil) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1) + [0xC0, 0x0C] + DNSQueryWire.u16(1) + DNSQueryWire.u16(1)
        }
        malformed(.forwardCompressionPointer, name: nil) {
            DNSQueryWire.header(id: $0, flags: rd, qd: 1) + [0xC0, 0x12] + DNSQueryWire.u16(1) + DNSQueryWire.u16(1)
                + txt
        }
        malformed(.nameOf256Octets, name: nil) {
            // 3 labels of 63 octets, one of 62 and the root: 256 octets, one over the limit.
            let labels = Array(repeating: [UInt8(63)] + Array(repeating: UInt8(0x61), count: 63), count: 3).flatMap {
                $0
            }
            let last: [UInt8] = [UInt8(62)] + Array(repeating: 0x62, count: 62)
            return DNSQueryWire.header(id: $0, flags: rd, qd: 1) + labels + last + [0]
                + DNSQueryWire.u16(1) + DNSQueryWire.u16(1)
        }
        // Header bits.
        malformed(.responseBit) { DNSQueryWire.header(id: $0, flags: 0x8000 | rd, qd: 1) + question }
        malformed(.shortPacket, name: nil) { Array(DNSQueryWire.header(id: $0, flags: rd, qd: 1).prefix(11)) }
        malformed(.rcodeInQuery) { DNSQueryWire.header(id: $0, flags: rd | 5, qd: 1) + question }
        malformed(.truncatedBitInQuery) { DNSQueryWire.header(id: $0, flags: rd | 0x0200, qd: 1) + question }
        malformed(.otherFlagsInQuery, edns: .standard) {
            // AA, RA, Z, AD and CD set: none is echoed.
            DNSQueryWire.header(id: $0, flags: rd | 0x0400 | 0x0080 | 0x0040 | 0x0020 | 0x0010, qd: 1, ar: 1) + question
                + opt
        }
    }

    /// HTTPS and SVCB answers (RFC 9460 §4.1): additional data for in-zone targets.
    mutating func addServiceBindings() {
        let names = [
            "svc", "svcalias", "svcalias2", "svcdot0", "svctarget", "svcsvc", "svcmulti", "_dns", "svcbdot",
            "svcbtohttps", "svcout", "svcwild", "svcglue", "host", "nx", "c1",
        ]
        for name in names {
            for type in [DNSRecordType.https, .svcb, .any] { add(name, type) }
        }
        for (name, type) in [("svc", DNSRecordType.https), ("svcmulti", .https), ("_dns", .svcb)] {
            add(name, type, transport: .tcp)
            add(name, type, edns: nil)
        }
    }

    // MARK: Building

    /// Adds an ordinary query for `name` (relative to `diff.test.`).
    mutating func add(
        _ name: String, _ type: DNSRecordType, qclass: DNSClass = .internet, edns: EDNSSpec? = .standard,
        transport: DifferentialTransport = .udp, opcode: UInt8 = 0, flags: UInt16 = DNSQueryWire.rd
    ) {
        let qname = DifferentialNames.absolute(name)
        let wire = qname.wireBytes
        let allFlags = flags | UInt16(opcode) << 11
        addRaw(name: qname, type: type, qclass: qclass, opcode: opcode, edns: edns, transport: transport) { id in
            DNSQueryWire.header(id: id, flags: allFlags, qd: 1, ar: edns == nil ? 0 : 1)
                + DNSQueryWire.question(wire, type.rawValue, qclass.rawValue) + (edns?.wire ?? [])
        }
    }

    mutating func addRaw(
        name: DNSName?, type: DNSRecordType, qclass: DNSClass = .internet, opcode: UInt8 = 0, edns: EDNSSpec?,
        transport: DifferentialTransport = .udp, oddity: Oddity? = nil, _ build: (UInt16) -> [UInt8]
    ) {
        let id = nextID
        nextID += 1
        queries.append(
            DifferentialQuery(
                id: id, bytes: build(id), transport: transport, name: name, type: type, qclass: qclass,
                opcode: opcode, edns: edns, oddity: oddity))
    }
}
