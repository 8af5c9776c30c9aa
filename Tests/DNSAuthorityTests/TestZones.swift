import DNSAuthority
import DNSWire
import NIOCore

/// Zones built in code for the answer-logic tests.
enum TestZones {
    static func soa(serial: UInt32 = 1, minimum: UInt32 = 3600) -> DNSRData {
        .soa(
            DNSRData.SOA(
                primaryNameserver: "ns1.example.test", responsibleMailbox: "hostmaster.example.test", serial: serial,
                refresh: 7200, retry: 3600, expire: 1_209_600, minimum: minimum))
    }

    static func a(_ text: String) -> DNSRData { .a(DNSRData.A(address: IPv4Address(text)!)) }
    static func aaaa(_ text: String) -> DNSRData { .aaaa(DNSRData.AAAA(address: IPv6Address(text)!)) }
    static func txt(_ text: String) -> DNSRData { .txt(DNSRData.TXT(text)) }
    static func ns(_ name: DNSName) -> DNSRData { .ns(DNSRData.NS(nameserver: name)) }
    static func cname(_ name: DNSName) -> DNSRData { .cname(DNSRData.CNAME(target: name)) }

    static func record(_ name: DNSName, _ rdata: DNSRData, ttl: UInt32 = 3600) -> DNSRecord {
        DNSRecord(name: name, ttl: ttl, rdata: rdata)
    }

    /// `example.test`: every shape the answer rules distinguish.
    static func example(serial: UInt32 = 1) throws -> Zone {
        try Zone(
            apex: "example.test",
            records: [
                record("example.test", soa(serial: serial)),
                record("example.test", ns("ns1.example.test")),
                record("example.test", ns("ns2.example.test")),
                record("example.test", .mx(DNSRData.MX(preference: 10, exchange: "mail.example.test"))),
                record("ns1.example.test", a("192.0.2.1")),
                record("ns1.example.test", aaaa("2001:db8::1")),
                record("ns2.example.test", a("192.0.2.2")),
                record("mail.example.test", a("192.0.2.25")),
                record("txt.example.test", txt("one"), ttl: 600),
                record("txt.example.test", txt("two"), ttl: 600),
                record("a.b.ent.example.test", a("192.0.2.30")),
                record("*.wild.example.test", a("192.0.2.20")),
                record("*.wild.example.test", txt("wild")),
                record("sub.wild.example.test", a("192.0.2.21")),
                record("*.wc.example.test", cname("host.example.test")),
                record("c1.example.test", cname("c2.example.test")),
                record("c2.example.test", cname("host.example.test")),
                record("host.example.test", a("192.0.2.40")),
                record("dangling.example.test", cname("nothere.example.test")),
                record("out.example.test", cname("www.other.invalid")),
                record("loop1.example.test", cname("loop2.example.test")),
                record("loop2.example.test", cname("loop1.example.test")),
                record("tosub.example.test", cname("x.sub.example.test")),
                record("sub.example.test", ns("ns.sub.example.test")),
                record(
                    "sub.example.test", .ds(DNSRData.DS(keyTag: 1, algorithm: 13, digestType: 2, digest: [1, 2, 3]))),
                record("ns.sub.example.test", a("192.0.2.53")),
                record("ns.sub.example.test", aaaa("2001:db8::53")),
                record("ext.example.test", ns("ns.elsewhere.invalid")),
                record(
                    "example.test",
                    .caa(DNSRData.CAA(flags: 0, tag: "issue", value: Array("letsencrypt.org".utf8))!)),
            ] + (0..<20).map { record("big.example.test", txt(String(repeating: Character("x"), count: 60) + "\($0)")) }
        )
    }

    /// `child.example.test`, served beside its parent to test longest match.
    static func child() throws -> Zone {
        try Zone(
            apex: "child.example.test",
            records: [
                record("child.example.test", soa(serial: 7, minimum: 300), ttl: 7200),
                record("child.example.test", ns("ns1.example.test")),
                record("www.child.example.test", a("192.0.2.80")),
            ])
    }

    static let identity = NameserverIdentity(
        nameservers: ["ns1.cairn.test", "ns2.cairn.test"], hostmaster: "hostmaster.cairn.test")
}

/// Builds queries and sends them through an ``Authority``.
struct Client {
    var authority: Authority

    func ask(
        _ name: DNSName, _ type: DNSRecordType, class qclass: DNSClass = .internet, edns: EDNS? = EDNS(),
        transport: DNSTransport = .udp, now: UnixTime? = nil, configure: (inout DNSMessage) -> Void = { _ in }
    ) throws -> DNSMessage {
        var query = DNSMessage(
            header: DNSHeader(id: 0x1234), questions: [DNSQuestion(name: name, type: type, class: qclass)], edns: edns)
        configure(&query)
        guard let response = try authority.answer(query, transport: transport, now: now) else {
            throw TestFailure("query was dropped")
        }
        return response
    }

    /// Sends raw bytes; returns the raw response or nil when dropped.
    func send(_ bytes: [UInt8], transport: DNSTransport = .udp) -> ByteBuffer? {
        authority.answer(query: ByteBuffer(bytes: bytes), transport: transport, output: ByteBuffer())?.response
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension DNSMessage {
    var answerTypes: [DNSRecordType] { answers.map(\.type) }
    var authorityTypes: [DNSRecordType] { authority.map(\.type) }
    var additionalTypes: [DNSRecordType] { additional.map(\.type) }
}
