public import DNSAuthority
public import DNSWire
public import NIOCore

/// The data every answer benchmark runs against, built once per process.
///
/// - `auth.example.test`: SOA, NS `ns1`/`ns2` (with A and AAAA), and a challenge table of
///   `challengeNameCount` owned names `<uuid>.auth.example.test`, each holding one 43-octet
///   base64url value (the shape of an RFC 8555 §8.4 dns-01 digest). Everything is claimed and
///   published through the public API, one snapshot swap per call, as the control plane does.
///   `big.auth.example.test` holds 16 values, more than fit in 512 octets.
/// - `static.example.test`: the same shape built as static data with `Zone(apex:records:)`,
///   one TXT record per name, and `big.static.example.test` with 16 TXT records.
///
/// Names and values come from a seeded generator, so every run measures the same bytes.
public struct AnswerFixture: Sendable {
    /// The time every query is answered at; values expire an hour later.
    public static let now = UnixTime(secondsSinceEpoch: 1_800_000_000)
    public static let owner = ChallengeOwner(rawValue: "benchmark")
    public static let challengeApex: DNSName = "auth.example.test"
    public static let staticApex: DNSName = "static.example.test"

    /// Serves `auth.example.test` with the challenge table.
    public let challengeAuthority: Authority
    /// Serves `static.example.test`, no challenge data.
    public let staticAuthority: Authority
    /// The owned names, in the order they were claimed.
    public let challengeNames: [DNSName]
    /// The value published at each owned name, same order.
    public let challengeValues: [ChallengeValue]
    /// One query per ``AnswerCase``, as a client sends it.
    public let queries: [AnswerCase: ByteBuffer]
    /// Seconds spent building the challenge table through `claim` and `publish`.
    public let tableBuildSeconds: Double

    /// The fixture with 10,000 names in each zone, built on first use.
    public static let shared = AnswerFixture(nameCount: 10_000)

    public init(nameCount: Int) {
        var random = SplitMix64(seed: 0xCA12_2026)

        // The challenge zone: apex data only, challenge names added through the Authority.
        let challengeZone = try! Zone(apex: Self.challengeApex, records: Self.apexRecords(Self.challengeApex))
        let challengeAuthority = try! Authority(zones: [challengeZone])
        var names: [DNSName] = []
        var values: [ChallengeValue] = []
        names.reserveCapacity(nameCount)
        values.reserveCapacity(nameCount)
        let expires = Self.now.adding(seconds: 3600)
        let started = MonotonicClock.nanoseconds()
        for _ in 0..<nameCount {
            let name = try! Self.challengeApex.prepending(label: Array(random.uuidString().utf8))
            let value = ChallengeValue(text: Array(random.base64URL(byteCount: 32).utf8), ttl: 60, expires: expires)
            try! challengeAuthority.claim(name, owner: Self.owner)
            try! challengeAuthority.publish(value, at: name, owner: Self.owner)
            names.append(name)
            values.append(value)
        }
        let bigChallenge: DNSName = "big.auth.example.test"
        try! challengeAuthority.claim(bigChallenge, owner: Self.owner)
        for _ in 0..<16 {
            let value = ChallengeValue(text: Array(random.base64URL(byteCount: 32).utf8), ttl: 60, expires: expires)
            try! challengeAuthority.publish(value, at: bigChallenge, owner: Self.owner)
        }
        self.tableBuildSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9

        // The static zone: the same number of TXT names, loaded in one go.
        var staticRecords = Self.apexRecords(Self.staticApex)
        var staticNames: [DNSName] = []
        staticRecords.reserveCapacity(staticRecords.count + nameCount + 16)
        for _ in 0..<nameCount {
            let name = try! Self.staticApex.prepending(label: Array(random.uuidString().utf8))
            staticRecords.append(
                DNSRecord(
                    name: name, ttl: 60, rdata: .txt(DNSRData.TXT(value: Array(random.base64URL(byteCount: 32).utf8)))))
            staticNames.append(name)
        }
        let bigStatic: DNSName = "big.static.example.test"
        for _ in 0..<16 {
            staticRecords.append(
                DNSRecord(
                    name: bigStatic, ttl: 60,
                    rdata: .txt(DNSRData.TXT(value: Array(random.base64URL(byteCount: 32).utf8)))))
        }
        let staticAuthority = try! Authority(zones: [try! Zone(apex: Self.staticApex, records: staticRecords)])

        // A name in the zone that nobody claimed: NXDOMAIN with the SOA.
        let missing = try! Self.challengeApex.prepending(label: Array(random.uuidString().utf8))
        let middle = nameCount / 2
        self.queries = [
            .challengeHit: Self.query(names[middle], type: .txt, edns: true),
            .challengeNXDOMAIN: Self.query(missing, type: .txt, edns: true),
            .challengeTruncated: Self.query(bigChallenge, type: .txt, edns: false),
            .staticHit: Self.query(staticNames[middle], type: .txt, edns: true),
            .staticTruncated: Self.query(bigStatic, type: .txt, edns: false),
        ]
        self.challengeAuthority = challengeAuthority
        self.staticAuthority = staticAuthority
        self.challengeNames = names
        self.challengeValues = values
        self.check()
    }

    /// The authority a case is answered by.
    public func authority(for answerCase: AnswerCase) -> Authority {
        switch answerCase {
        case .challengeHit, .challengeNXDOMAIN, .challengeTruncated: challengeAuthority
        case .staticHit, .staticTruncated: staticAuthority
        }
    }

    /// Traps unless every case takes the path its name promises, so a benchmark cannot
    /// silently measure a REFUSED or a FORMERR.
    private func check() {
        for answerCase in AnswerCase.allCases {
            guard
                let (response, summary) = authority(for: answerCase).answer(
                    query: queries[answerCase]!, transport: .udp, now: Self.now, output: ByteBuffer())
            else { preconditionFailure("\(answerCase): query dropped") }
            let message = try! DNSMessage(decoding: response)
            switch answerCase {
            case .challengeHit:
                precondition(summary.responseCode == .noError && summary.challengeValuesServed == 1)
                precondition(message.answers.count == 1 && message.edns != nil)
            case .staticHit:
                precondition(summary.responseCode == .noError && message.answers.count == 1 && message.edns != nil)
            case .challengeNXDOMAIN:
                precondition(summary.responseCode == .nameError && message.authority.count == 1)
            case .challengeTruncated, .staticTruncated:
                precondition(summary.truncated && message.header.isTruncated && message.answers.isEmpty)
                precondition(message.edns == nil && response.readableBytes <= 512)
            }
        }
    }

    /// SOA, NS `ns1` and `ns2` below the apex, and their A and AAAA records.
    static func apexRecords(_ apex: DNSName) -> [DNSRecord] {
        let ns1 = try! apex.prepending(label: Array("ns1".utf8))
        let ns2 = try! apex.prepending(label: Array("ns2".utf8))
        let soa = DNSRData.SOA(
            primaryNameserver: ns1, responsibleMailbox: try! apex.prepending(label: Array("hostmaster".utf8)),
            serial: 2026_01_01_00, refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)
        return [
            DNSRecord(name: apex, ttl: 3600, rdata: .soa(soa)),
            DNSRecord(name: apex, ttl: 3600, rdata: .ns(DNSRData.NS(nameserver: ns1))),
            DNSRecord(name: apex, ttl: 3600, rdata: .ns(DNSRData.NS(nameserver: ns2))),
            DNSRecord(name: ns1, ttl: 3600, rdata: .a(DNSRData.A(address: IPv4Address(192, 0, 2, 1)))),
            DNSRecord(name: ns1, ttl: 3600, rdata: .aaaa(DNSRData.AAAA(address: IPv6Address("2001:db8::1")!))),
            DNSRecord(name: ns2, ttl: 3600, rdata: .a(DNSRData.A(address: IPv4Address(192, 0, 2, 2)))),
            DNSRecord(name: ns2, ttl: 3600, rdata: .aaaa(DNSRData.AAAA(address: IPv6Address("2001:db8::2")!))),
        ]
    }

    /// A query as `dig` (BIND 9.18) sends it: RD and AD set, and with EDNS an OPT record
    /// advertising 1232 octets and carrying an 8-octet client COOKIE (RFC 7873).
    static func query(_ name: DNSName, type: DNSRecordType, edns: Bool) -> ByteBuffer {
        var message = DNSMessage(
            header: DNSHeader(id: 0x4C2A, flags: 0x0120), questions: [DNSQuestion(name: name, type: type)])
        if edns {
            message.edns = EDNS(
                udpPayloadSize: 1232,
                options: [EDNS.Option(code: .cookie, data: [0x5F, 0x1D, 0x2E, 0x93, 0x04, 0xA7, 0x6B, 0xC8])])
        }
        return try! message.encoded()
    }
}

/// The query shapes measured.
public enum AnswerCase: String, CaseIterable, Sendable {
    /// TXT at an owned challenge name: NOERROR, one value (EDNS, 1232).
    case challengeHit = "challenge-hit"
    /// TXT at an unclaimed uuid name in the challenge zone: NXDOMAIN with the SOA (EDNS).
    case challengeNXDOMAIN = "challenge-nxdomain"
    /// TXT at a challenge name with 16 values, no EDNS, over UDP: TC, empty sections.
    case challengeTruncated = "challenge-tc"
    /// TXT at a static name of a 10,000-name zone: NOERROR, one record (EDNS, 1232).
    case staticHit = "static-hit"
    /// TXT at a static name with 16 records, no EDNS, over UDP: TC, empty sections.
    case staticTruncated = "static-tc"
}
