import DNSAuthority
import DNSWire
import NIOCore
import Testing

/// The zone-data rules of DESIGN.md "DNS answer rules": RFC 1034 §4.3.2, RFC 2308, RFC 4592,
/// RFC 6604, RFC 8482.
@Suite struct AuthorityAnswerTests {
    let client: Client

    init() throws {
        client = Client(
            authority: try Authority(
                zones: [try TestZones.example(), try TestZones.child()],
                configuration: AuthorityConfiguration(maximumNegativeTTL: 30)))
    }

    @Test func positiveAnswerIsAuthoritativeWithBothValues() throws {
        let response = try client.ask("txt.example.test", .txt)
        #expect(response.responseCode == .noError)
        #expect(response.header.isAuthoritative)
        #expect(response.header.isResponse)
        #expect(!response.header.recursionAvailable)
        #expect(response.answers.count == 2)
        #expect(Set(response.answers.map(\.rdata)) == [TestZones.txt("one"), TestZones.txt("two")])
        #expect(response.answers.allSatisfy { $0.ttl == 600 })
        #expect(response.authority.isEmpty)
    }

    @Test func nodataCarriesSOAWithCappedNegativeTTL() throws {
        let response = try client.ask("txt.example.test", .aaaa)
        #expect(response.responseCode == .noError)
        #expect(response.header.isAuthoritative)
        #expect(response.answers.isEmpty)
        #expect(response.authorityTypes == [.soa])
        #expect(response.authority[0].name == "example.test")
        #expect(response.authority[0].ttl == 30)  // min(3600, 3600, cap 30)
    }

    @Test func nxdomainCarriesSOA() throws {
        let response = try client.ask("nothere.example.test", .a)
        #expect(response.responseCode == .nameError)
        #expect(response.header.isAuthoritative)
        #expect(response.authorityTypes == [.soa])
    }

    @Test func negativeTTLIsMinimumOfSOATTLAndMinimumWithoutCap() throws {
        let uncapped = Client(
            authority: try Authority(
                zones: [try TestZones.child()], configuration: AuthorityConfiguration(maximumNegativeTTL: .max)))
        let response = try uncapped.ask("nx.child.example.test", .a)
        #expect(response.authority.first?.ttl == 300)  // SOA TTL 7200, MINIMUM 300 (RFC 2308 §5)
    }

    @Test(arguments: ["ent.example.test", "b.ent.example.test", "wild.example.test"] as [DNSName])
    func emptyNonTerminalIsNodata(name: DNSName) throws {
        let response = try client.ask(name, .a)
        #expect(response.responseCode == .noError)
        #expect(response.answers.isEmpty)
        #expect(response.authorityTypes == [.soa])
    }

    @Test func wildcardSynthesizesWithQueryName() throws {
        let response = try client.ask("foo.wild.example.test", .a)
        #expect(response.responseCode == .noError)
        #expect(response.answers.map(\.name) == ["foo.wild.example.test"])
        #expect(response.answers.map(\.rdata) == [TestZones.a("192.0.2.20")])
    }

    @Test func wildcardCoversSeveralLabels() throws {
        let response = try client.ask("x.y.wild.example.test", .txt)
        #expect(response.answers.map(\.rdata) == [TestZones.txt("wild")])
        #expect(response.answers.first?.name == "x.y.wild.example.test")
    }

    @Test func wildcardNodata() throws {
        let response = try client.ask("foo.wild.example.test", .aaaa)
        #expect(response.responseCode == .noError)
        #expect(response.answers.isEmpty)
        #expect(response.authorityTypes == [.soa])
    }

    @Test func existingNameBlocksWildcard() throws {
        // RFC 4592 §2.2.1: sub.wild exists, so x.sub.wild's closest encloser is sub.wild,
        // which has no wildcard child.
        let exact = try client.ask("sub.wild.example.test", .txt)
        #expect(exact.answers.isEmpty && exact.responseCode == .noError)
        let below = try client.ask("x.sub.wild.example.test", .a)
        #expect(below.responseCode == .nameError)
    }

    @Test func literalWildcardOwnerAnswers() throws {
        let response = try client.ask("*.wild.example.test", .a)
        #expect(response.answers.first?.name == "*.wild.example.test")
    }

    @Test func wildcardCNAMEIsChased() throws {
        let response = try client.ask("foo.wc.example.test", .a)
        #expect(response.answerTypes == [.cname, .a])
        #expect(response.answers[0].name == "foo.wc.example.test")
        #expect(response.answers[1].name == "host.example.test")
    }

    @Test func cnameChainIsChasedInZone() throws {
        let response = try client.ask("c1.example.test", .a)
        #expect(response.answerTypes == [.cname, .cname, .a])
        #expect(response.answers.map(\.name) == ["c1.example.test", "c2.example.test", "host.example.test"])
        #expect(response.header.isAuthoritative)
    }

    @Test func cnameChainEndingInNodataHasSOA() throws {
        let response = try client.ask("c1.example.test", .txt)
        #expect(response.answerTypes == [.cname, .cname])
        #expect(response.authorityTypes == [.soa])
        #expect(response.responseCode == .noError)
    }

    @Test func danglingCNAMEIsNXDOMAIN() throws {
        // RFC 6604 §3: the rcode follows the last name of the chain.
        let response = try client.ask("dangling.example.test", .a)
        #expect(response.responseCode == .nameError)
        #expect(response.answerTypes == [.cname])
        #expect(response.authorityTypes == [.soa])
    }

    @Test func cnameOutOfZoneStops() throws {
        let response = try client.ask("out.example.test", .a)
        #expect(response.responseCode == .noError)
        #expect(response.answerTypes == [.cname])
        #expect(response.authority.isEmpty)
    }

    @Test func cnameLoopStopsWithEachCNAMEOnce() throws {
        let response = try client.ask("loop1.example.test", .a)
        #expect(response.responseCode == .noError)
        #expect(response.answers.map(\.name) == ["loop1.example.test", "loop2.example.test"])
    }

    @Test func cnameQueryReturnsOnlyTheCNAME() throws {
        let response = try client.ask("c1.example.test", .cname)
        #expect(response.answerTypes == [.cname])
    }

    @Test func cnameIntoDelegationGivesReferralInAuthorityAndKeepsAA() throws {
        let response = try client.ask("tosub.example.test", .a)
        #expect(response.header.isAuthoritative)
        #expect(response.answerTypes == [.cname])
        #expect(response.authorityTypes == [.ns])
        #expect(response.additionalTypes == [.a, .aaaa])
    }

    @Test func referralBelowCutHasGlueAndNoAA() throws {
        let response = try client.ask("x.sub.example.test", .a)
        #expect(response.responseCode == .noError)
        #expect(!response.header.isAuthoritative)
        #expect(response.answers.isEmpty)
        #expect(response.authority.map(\.name) == ["sub.example.test"])
        #expect(response.authorityTypes == [.ns])
        #expect(response.additional.map(\.name) == ["ns.sub.example.test", "ns.sub.example.test"])
        #expect(response.additionalTypes == [.a, .aaaa])
    }

    @Test(arguments: [DNSRecordType.ns, .soa, .a, .any])
    func queriesAtTheCutAreReferrals(type: DNSRecordType) throws {
        let response = try client.ask("sub.example.test", type)
        #expect(!response.header.isAuthoritative)
        #expect(response.answers.isEmpty)
        #expect(response.authorityTypes == [.ns])
    }

    @Test func glueNameIsReferral() throws {
        let response = try client.ask("ns.sub.example.test", .a)
        #expect(!response.header.isAuthoritative)
        #expect(response.answers.isEmpty)
    }

    @Test func dsAtCutAnsweredFromParent() throws {
        let response = try client.ask("sub.example.test", .ds)
        #expect(response.header.isAuthoritative)
        #expect(response.answerTypes == [.ds])
    }

    @Test func dsAtCutWithoutDSIsNodataFromParent() throws {
        let response = try client.ask("ext.example.test", .ds)
        #expect(response.header.isAuthoritative)
        #expect(response.answers.isEmpty)
        #expect(response.authority.first?.name == "example.test")
    }

    @Test func referralWithoutGlueHasEmptyAdditional() throws {
        let response = try client.ask("www.ext.example.test", .a)
        #expect(response.authorityTypes == [.ns])
        #expect(response.additional.isEmpty)
    }

    @Test func longestMatchingZoneAnswers() throws {
        let response = try client.ask("www.child.example.test", .a)
        #expect(response.header.isAuthoritative)
        #expect(response.answers.map(\.rdata) == [TestZones.a("192.0.2.80")])
        let negative = try client.ask("nx.child.example.test", .a)
        #expect(negative.responseCode == .nameError)
        #expect(negative.authority.first?.name == "child.example.test")
    }

    @Test func dsForServedChildApexComesFromParent() throws {
        let response = try client.ask("child.example.test", .ds)
        #expect(response.header.isAuthoritative)
        #expect(response.authority.first?.name == "example.test")  // NODATA from the parent side
    }

    @Test func apexAnswersSOAAndNSWithGlue() throws {
        let soa = try client.ask("example.test", .soa)
        #expect(soa.answerTypes == [.soa])
        let ns = try client.ask("example.test", .ns)
        #expect(ns.answerTypes == [.ns, .ns])
        #expect(Set(ns.additional.map(\.name)) == ["ns1.example.test", "ns2.example.test"])
    }

    @Test func mxAnswerAddsTargetAddress() throws {
        let response = try client.ask("example.test", .mx)
        #expect(response.answerTypes == [.mx])
        #expect(response.additional.map(\.name) == ["mail.example.test"])
    }

    @Test func anyIsMinimal() throws {
        // RFC 8482 §4.1: one RRset.
        let apex = try client.ask("example.test", .any)
        #expect(apex.answerTypes == [.mx])
        let txt = try client.ask("txt.example.test", .any)
        #expect(txt.answerTypes == [.txt, .txt])
        let cname = try client.ask("c1.example.test", .any)
        #expect(cname.answerTypes == [.cname])
        let tcp = try client.ask("example.test", .any, transport: .tcp)
        #expect(Set(tcp.answerTypes).count == 1)
    }

    @Test func caaAtApexAnswers() throws {
        let response = try client.ask("example.test", .caa)
        #expect(response.answerTypes == [.caa])
    }

    @Test(arguments: ["www.other.invalid", "test", "."] as [DNSName])
    func outsideEveryZoneIsRefusedWithoutAA(name: DNSName) throws {
        let response = try client.ask(name, .a)
        #expect(response.responseCode == .refused)
        #expect(!response.header.isAuthoritative)
        #expect(response.questions.first?.name == name)
        // RFC 8914 §4.21: Extended DNS Error 20, Not Authoritative.
        #expect(response.edns?.options == [EDNS.Option(code: .extendedError, data: [0, 20])])
    }

    @Test func classAnyIsAnsweredAsIN() throws {
        // RFC 1035 §3.2.5: QCLASS * matches every class, so IN data answers it, authoritatively;
        // the question keeps class 255 and the records are IN, as Knot answers.
        let txt = try client.ask("txt.example.test", .txt, class: .any)
        #expect(txt.responseCode == .noError)
        #expect(txt.header.isAuthoritative)
        #expect(txt.questions.first?.class == .any)
        #expect(txt.answers.count == 2)
        #expect(txt.answers.allSatisfy { $0.class == .internet })
        let nx = try client.ask("nothere.example.test", .a, class: .any)
        #expect(nx.responseCode == .nameError)
        #expect(nx.header.isAuthoritative)
        #expect(nx.authorityTypes == [.soa])
        #expect(nx.authority.allSatisfy { $0.class == .internet })
        let referral = try client.ask("x.sub.example.test", .a, class: .any)
        #expect(referral.responseCode == .noError)
        #expect(!referral.header.isAuthoritative)
        #expect(referral.authorityTypes == [.ns])
        let outside = try client.ask("www.other.invalid", .a, class: .any)
        #expect(outside.responseCode == .refused)
    }

    @Test(arguments: [DNSClass.chaos, .hesiod, .none, DNSClass(rawValue: 1000)])
    func otherClassesAreRefused(qclass: DNSClass) throws {
        let response = try client.ask("txt.example.test", .txt, class: qclass)
        #expect(response.responseCode == .refused)
        #expect(!response.header.isAuthoritative)
        #expect(response.answers.isEmpty)
    }

    @Test func unknownTypeIsNodata() throws {
        let response = try client.ask("txt.example.test", DNSRecordType(rawValue: 65280))
        #expect(response.responseCode == .noError)
        #expect(response.authorityTypes == [.soa])
    }

    @Test(arguments: [DNSRecordType.opt, .tsig, .tkey, .maila, .mailb, DNSRecordType(rawValue: 0)])
    func metaQueryTypesGetOrdinaryNegativeAnswers(type: DNSRecordType) throws {
        let response = try client.ask("txt.example.test", type)
        #expect(response.responseCode == .noError)
        #expect(response.answers.isEmpty)
        #expect(response.authorityTypes == [.soa])
    }

    @Test func zoneTransfersAreNotOffered() throws {
        #expect(try client.ask("example.test", .axfr, transport: .udp).responseCode == .notImplemented)
        #expect(try client.ask("example.test", .axfr, transport: .tcp).responseCode == .refused)
        #expect(try client.ask("example.test", .ixfr, transport: .tcp).responseCode == .refused)
    }
}
