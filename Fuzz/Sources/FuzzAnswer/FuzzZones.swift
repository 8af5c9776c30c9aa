import DNSAuthority
import DNSWire

/// The data ``fuzz(_:_:)`` answers from, built once: `example.test` as in
/// `/work/survey/zones/example.test.zone` (so the captured seed queries hit real names), a
/// served child zone `sub2.example.test` (DS at its apex comes from the parent), `neg.test`,
/// and the challenge table: a name claimed with live values, one claimed and empty, one whose
/// only value has expired, one beside a wildcard, and one in the child zone.
enum FuzzZones {
    /// The clock every answer uses, so runs are reproducible.
    static let now = UnixTime(secondsSinceEpoch: 1_800_000_000)

    static let authority: Authority = {
        do {
            return try build()
        } catch {
            fatalError("cannot build the fuzzing zones: \(error)")
        }
    }()

    private static func build() throws -> Authority {
        let authority = try Authority(zones: [try example(), try sub2(), try neg()])
        let owner = ChallengeOwner(rawValue: "registration:fuzz")
        let live: DNSName = "_acme-challenge.host.example.test"
        try authority.claim(live, owner: owner)
        try authority.publish(
            ChallengeValue("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0", ttl: 60, expires: now.adding(seconds: 3600)),
            at: live, owner: owner)
        try authority.publish(
            ChallengeValue("gfj9Xq-w2Q4bE5L1QPvS3f0Wb1o2J4cVnPTiC3Yx7kA", ttl: 20, expires: now.adding(seconds: 600)),
            at: live, owner: owner)
        // A value over 255 octets is split into several character-strings.
        try authority.publish(
            ChallengeValue(String(repeating: "z", count: 300), ttl: 60, expires: now.adding(seconds: 60)), at: live,
            owner: owner)
        try authority.claim("_acme-challenge.empty.example.test", owner: owner)
        let expired: DNSName = "_acme-challenge.old.example.test"
        try authority.claim(expired, owner: owner)
        try authority.publish(
            ChallengeValue("expired", ttl: 60, expires: now.adding(seconds: -1)), at: expired, owner: owner)
        // Creates the empty non-terminal foo.wild.example.test, which hides *.wild for it.
        let besideWildcard: DNSName = "_acme-challenge.foo.wild.example.test"
        try authority.claim(besideWildcard, owner: owner)
        try authority.publish(
            ChallengeValue("beside-wildcard", ttl: 60, expires: now.adding(seconds: 60)), at: besideWildcard,
            owner: owner)
        let inChild: DNSName = "_acme-challenge.www.sub2.example.test"
        try authority.claim(inChild, owner: ChallengeOwner(rawValue: "registration:other"))
        try authority.publish(
            ChallengeValue("child", ttl: 30, expires: now.adding(seconds: 60)), at: inChild,
            owner: ChallengeOwner(rawValue: "registration:other"))
        // Filling one name past the per-name maximum drops the oldest values.
        let busy: DNSName = "_acme-challenge.busy.example.test"
        try authority.claim(busy, owner: owner)
        for index in 0..<20 {
            try authority.publish(
                ChallengeValue(
                    "value-\(index)-" + String(repeating: "b", count: 40), ttl: 60, expires: now.adding(seconds: 60)),
                at: busy, owner: owner)
        }
        return authority
    }

    static func record(_ name: DNSName, _ rdata: DNSRData, ttl: UInt32 = 3600) -> DNSRecord {
        DNSRecord(name: name, ttl: ttl, rdata: rdata)
    }

    static func soa(_ apex: DNSName, serial: UInt32, minimum: UInt32) throws -> DNSRData {
        .soa(
            DNSRData.SOA(
                primaryNameserver: try apex.prepending(label: Array("ns1".utf8)),
                responsibleMailbox: try apex.prepending(label: Array("hostmaster".utf8)), serial: serial,
                refresh: 7200, retry: 3600, expire: 1_209_600, minimum: minimum))
    }

    static func a(_ text: String) -> DNSRData { .a(DNSRData.A(address: IPv4Address(text)!)) }
    static func aaaa(_ text: String) -> DNSRData { .aaaa(DNSRData.AAAA(address: IPv6Address(text)!)) }
    static func txt(_ text: String) -> DNSRData { .txt(DNSRData.TXT(text)) }
    static func ns(_ name: DNSName) -> DNSRData { .ns(DNSRData.NS(nameserver: name)) }
    static func cname(_ name: DNSName) -> DNSRData { .cname(DNSRData.CNAME(target: name)) }
    static func mx(_ preference: UInt16, _ name: DNSName) -> DNSRData {
        .mx(DNSRData.MX(preference: preference, exchange: name))
    }
    static func ds(_ keyTag: UInt16, _ digest: [UInt8]) -> DNSRData {
        .ds(DNSRData.DS(keyTag: keyTag, algorithm: 13, digestType: 2, digest: digest))
    }

    static func example() throws -> Zone {
        let apex: DNSName = "example.test"
        var records: [DNSRecord] = [
            record(apex, try soa(apex, serial: 2_024_010_101, minimum: 3600)),
            record(apex, ns("ns1.example.test")),
            record(apex, mx(10, "mail.example.test")),
            record(apex, .caa(DNSRData.CAA(flags: 0, tag: "issue", value: Array("ca.example.net".utf8))!)),
            record(apex, txt("apex-txt"), ttl: 300),
            record("ns1.example.test", a("192.0.2.1")),
            record("ns1.example.test", aaaa("2001:db8::1")),
            record("mail.example.test", a("192.0.2.60")),
            record("mail.example.test", aaaa("2001:db8::60")),
            record(
                "_sip._tcp.example.test",
                .srv(DNSRData.SRV(priority: 10, weight: 20, port: 5060, target: "sip.example.test"))),
            record("sip.example.test", a("192.0.2.61")),
            record("sip.example.test", aaaa("2001:db8::61")),
            record("txt.example.test", txt("first value"), ttl: 600),
            record("txt.example.test", txt("second value"), ttl: 600),
            record("a.b.ent.example.test", a("192.0.2.10")),
            record("*.wild.example.test", a("192.0.2.20")),
            record("*.wild.example.test", txt("wildcard-txt")),
            record("*.wc.example.test", cname("target.example.test")),
            record("target.example.test", a("192.0.2.30")),
            record("c1.example.test", cname("c2.example.test")),
            record("c2.example.test", cname("host.example.test")),
            record("host.example.test", a("192.0.2.40")),
            record("host.example.test", aaaa("2001:db8::40")),
            record("dangling.example.test", cname("nothere.example.test")),
            record("out.example.test", cname("www.other.invalid")),
            record("loop1.example.test", cname("loop2.example.test")),
            record("loop2.example.test", cname("loop1.example.test")),
            record("self.example.test", cname("self.example.test")),
            record("sub.example.test", ns("ns.sub.example.test"), ttl: 86400),
            record("sub.example.test", ds(12345, Array(0..<32))),
            record("ns.sub.example.test", a("192.0.2.50")),
            record("ns.sub.example.test", aaaa("2001:db8::50")),
            record("ext.example.test", ns("ns.elsewhere.invalid")),
            record("sub2.example.test", ns("ns1.sub2.example.test")),
            record("sub2.example.test", ds(54321, Array((0..<32).reversed()))),
            record("ns1.sub2.example.test", a("192.0.2.70")),
            record(try DNSName(wireBytes: [3, 0x61, 0x2E, 0x62] + apex.wireBytes), txt("escaped-dot-label")),
            record(try DNSName(wireBytes: [5, 0x80, 0x01, 0x62, 0x69, 0x6E] + apex.wireBytes), a("192.0.2.80")),
            record("MiXeD.example.test", a("192.0.2.81")),
            record("sib.example.test", ns("ns.sub.example.test")),
            record("sib.example.test", ns("host.example.test")),
            record("sub3.example.test", ns("ns1.sub3.example.test")),
            record("ns1.sub3.example.test", a("192.0.2.90")),
            record("tosub.example.test", cname("x.sub.example.test")),
            record("towild.example.test", cname("foo.wild.example.test")),
            record("tobar.example.test", cname("bar.wild.example.test")),
            record("tosub2.example.test", cname("www.sub2.example.test")),
            record("toapex.example.test", cname(apex)),
            record("tochallenge.example.test", cname("_acme-challenge.host.example.test")),
            record("*.challenge-wild.example.test", cname("_acme-challenge.host.example.test")),
            record("ptr.example.test", .ptr(DNSRData.PTR(target: "host.example.test"))),
            record(
                "opaque.example.test", .opaque(DNSRData.Opaque(type: DNSRecordType(rawValue: 65280), bytes: [1, 2, 3]))),
        ]
        // A 255-octet owner name.
        let long = try DNSName(
            wireBytes: [48] + Array(repeating: UInt8(ascii: "b"), count: 48) + [63]
                + Array(repeating: UInt8(ascii: "a"), count: 63) + [63] + Array(repeating: UInt8(ascii: "a"), count: 63)
                + [63] + Array(repeating: UInt8(ascii: "a"), count: 63) + apex.wireBytes)
        records.append(record(long, txt("name-of-255-octets")))
        // Large RRsets: 20 TXT values (about 1.5 kB), 8 mid-sized ones, and TXT RDATA just
        // around the 512 and 1232 limits.
        for index in 0..<20 {
            records.append(record("big.example.test", txt("v\(index)-" + String(repeating: "x", count: 56))))
        }
        for index in 0..<8 {
            records.append(record("mid.example.test", txt("m\(index)-" + String(repeating: "z", count: 56))))
        }
        for (owner, size) in [
            ("t1232.example.test", 1150), ("t1233.example.test", 1151), ("r512.example.test", 430),
            ("r513.example.test", 431),
        ] {
            records.append(record(DNSName(stringLiteral: owner), txt(String(repeating: "y", count: size))))
        }
        // Ten MX targets and a delegation with ten glued servers: additional data that stops
        // fitting part way.
        for index in 1...10 {
            let target: DNSName = try DNSName("m\(index).example.test")
            records.append(record("mx10.example.test", mx(UInt16(index * 10), target)))
            records.append(record(target, a("192.0.2.\(100 + index)")))
            records.append(record(target, aaaa("2001:db8::\(100 + index)")))
            let server: DNSName = try DNSName("ns\(index).bigdel.example.test")
            records.append(record("bigdel.example.test", ns(server)))
            records.append(record(server, a("192.0.2.\(150 + index)")))
            records.append(record(server, aaaa("2001:db8::\(150 + index)")))
        }
        // A CNAME chain longer than the limit of 8.
        for index in 0..<12 {
            records.append(
                record(try DNSName("chain\(index).example.test"), cname(try DNSName("chain\(index + 1).example.test"))))
        }
        records.append(record("chain12.example.test", a("192.0.2.12")))
        return try Zone(apex: apex, records: records)
    }

    static func sub2() throws -> Zone {
        let apex: DNSName = "sub2.example.test"
        return try Zone(
            apex: apex,
            records: [
                record(apex, try soa(apex, serial: 1, minimum: 300), ttl: 7200),
                record(apex, ns("ns1.sub2.example.test")),
                record("ns1.sub2.example.test", a("192.0.2.70")),
                record("www.sub2.example.test", a("192.0.2.71")),
                record("back.sub2.example.test", cname("host.example.test")),
            ])
    }

    static func neg() throws -> Zone {
        let apex: DNSName = "neg.test"
        return try Zone(
            apex: apex,
            records: [
                record(apex, try soa(apex, serial: 1, minimum: 7200), ttl: 300),
                record(apex, ns("ns1.neg.test")),
                record("ns1.neg.test", a("192.0.2.90")),
            ])
    }
}
