import DNSAuthority
import DNSWire
import NIOCore
import Testing

/// UDP size limits and truncation (RFC 1035 §4.2.1, RFC 6891 §6.2.5, RFC 2181 §9, RFC 7766).
@Suite struct AuthorityTruncationTests {
    let client: Client

    init() throws {
        client = Client(authority: try Authority(zones: [try TestZones.example()]))
    }

    @Test func largeAnswerWithoutEDNSIsTruncatedToEmptySections() throws {
        let response = try client.ask("big.example.test", .txt, edns: nil)
        #expect(response.header.isTruncated)
        #expect(response.header.isAuthoritative)
        #expect(response.answers.isEmpty && response.authority.isEmpty && response.additional.isEmpty)
        #expect(response.questions.count == 1)
        #expect(try response.encoded().readableBytes <= 512)
    }

    @Test func clientSizeIsHonouredAndCappedAt1232() throws {
        // The 20-value TXT RRset is about 1.5 kB: it fits no UDP limit, whatever the client offers.
        for size: UInt16 in [0, 512, 1232, 4096, 65535] {
            let response = try client.ask("big.example.test", .txt, edns: EDNS(udpPayloadSize: size))
            #expect(response.header.isTruncated, "udp size \(size)")
            #expect(response.edns?.udpPayloadSize == 1232)
            #expect(response.answers.isEmpty)
        }
    }

    @Test func sameQueryOverTCPReturnsEverything() throws {
        let response = try client.ask("big.example.test", .txt, edns: nil, transport: .tcp)
        #expect(!response.header.isTruncated)
        #expect(response.answers.count == 20)
        #expect(try response.encoded().readableBytes > 1232)
    }

    @Test func limitIsTheWholeMessageIncludingOPT() throws {
        let sized = Client(
            authority: try Authority(zones: [
                try Zone(
                    apex: "sized.test",
                    records: [
                        TestZones.record("sized.test", TestZones.soa()),
                        TestZones.record("sized.test", TestZones.ns("ns.sized.test")),
                        TestZones.record("sized.test", TestZones.txt(String(repeating: "v", count: 700))),
                    ])
            ]))
        let full = try sized.ask("sized.test", .txt, edns: EDNS(), transport: .tcp)
        let size = try full.encoded().readableBytes
        #expect(size > 512 && size < 1232)
        let fits = try sized.ask("sized.test", .txt, edns: EDNS(udpPayloadSize: UInt16(size)))
        #expect(!fits.header.isTruncated)
        #expect(fits.answers.count == 1)
        let oneShort = try sized.ask("sized.test", .txt, edns: EDNS(udpPayloadSize: UInt16(size - 1)))
        #expect(oneShort.header.isTruncated)
        #expect(oneShort.answers.isEmpty)
        #expect(oneShort.edns != nil)
    }

    @Test func sizesBelow512AreTreatedAs512() throws {
        let response = try client.ask("txt.example.test", .txt, edns: EDNS(udpPayloadSize: 100))
        #expect(!response.header.isTruncated)
        #expect(response.answers.count == 2)
    }

    @Test func additionalDataThatDoesNotFitIsDroppedWithoutTC() throws {
        var records = [
            TestZones.record("many.test", TestZones.soa()),
            TestZones.record("many.test", TestZones.ns("ns.many.test")),
            TestZones.record("ns.many.test", TestZones.a("192.0.2.1")),
        ]
        for index in 0..<12 {
            let host: DNSName = try DNSName("mx-host-\(index).many.test")
            records.append(TestZones.record("many.test", .mx(DNSRData.MX(preference: UInt16(index), exchange: host))))
            records.append(TestZones.record(host, TestZones.aaaa("2001:db8::\(index + 1)")))
        }
        let many = Client(authority: try Authority(zones: [try Zone(apex: "many.test", records: records)]))
        let response = try many.ask("many.test", .mx, edns: nil)
        #expect(!response.header.isTruncated)
        #expect(response.answers.count == 12)
        #expect(response.additional.count < 12)
        #expect(try response.encoded().readableBytes <= 512)
    }

    @Test func referralWhoseRequiredGlueDoesNotFitSetsTC() throws {
        // RFC 9471 §3: in-domain glue is required; if it does not fit, TC.
        var records = [
            TestZones.record("parent.test", TestZones.soa()),
            TestZones.record("parent.test", TestZones.ns("ns.parent.test")),
            TestZones.record("ns.parent.test", TestZones.a("192.0.2.1")),
        ]
        for index in 0..<10 {
            let host: DNSName = try DNSName("nameserver-number-\(index).kid.parent.test")
            records.append(TestZones.record("kid.parent.test", TestZones.ns(host)))
            records.append(TestZones.record(host, TestZones.a("192.0.2.\(index + 10)")))
            records.append(TestZones.record(host, TestZones.aaaa("2001:db8::\(index + 10)")))
        }
        let parent = Client(authority: try Authority(zones: [try Zone(apex: "parent.test", records: records)]))
        let udp = try parent.ask("www.kid.parent.test", .a, edns: nil)
        #expect(udp.header.isTruncated)
        let tcp = try parent.ask("www.kid.parent.test", .a, edns: nil, transport: .tcp)
        #expect(!tcp.header.isTruncated)
        #expect(tcp.authority.count == 10)
        #expect(tcp.additional.count == 20)
    }
}
