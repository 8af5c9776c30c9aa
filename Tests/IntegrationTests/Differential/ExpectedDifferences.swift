import DNSWire

/// Every accepted difference between Cairn and Knot 3.2.6 / NSD 4.6.1 (Debian 12), with the
/// rule Cairn follows. A difference not covered here fails the test, and so does an entry that
/// no longer matches anything. Where Knot and NSD disagree with each other, the entry says
/// which one Cairn sides with.
enum ExpectedDifferences {
    /// Queries whose question could not be read.
    static let unreadable: Set<Oddity> = [
        .headerOnly, .questionCutOff, .label0x40, .label0x80, .compressionPointerLoop, .forwardCompressionPointer,
        .nameOf256Octets,
    ]
    /// Queries with a question count other than 1.
    static let questionCountWrong: Set<Oddity> = [.questionCountZero, .questionCountZeroBadOPT, .questionCountTwo]
    /// Queries with a sound question and something wrong or unusual after it.
    static let oddAfterQuestion: Set<Oddity> = [
        .twoOPTs, .optInAnswer, .optInAuthority, .optOwnerNotRoot, .optionOverrun, .badRDataInAdditional,
        .recordInAnswer, .recordInAdditional, .rcodeInQuery,
    ]

    static let table: [ExpectedDifference] = [
        ExpectedDifference(
            "minimal ANY picks a different RRset", [.knot, .nsd], [.answer, .additional],
            """
            RFC 8482 §4.1: a server may answer ANY with one RRset of its choice. Cairn picks by the \
            fixed preference CNAME, A, AAAA, MX, SOA, PTR (DESIGN.md) and adds no additional data \
            to it; Knot returns its first RRset (NS here) with glue, NSD the SOA.
            """
        ) { $0.type == .any && $0.isPlain },

        ExpectedDifference(
            "additional data for MX, SRV, SVCB and HTTPS targets", [.nsd], [.additional],
            """
            RFC 1035 §3.3.9, RFC 2782 and RFC 9460 §4.1: the addresses of MX, SRV, SVCB and HTTPS \
            targets (and a binding target's own SVCB or HTTPS RRset) go in the additional section; \
            Cairn adds them as Knot does. NSD runs with minimal-responses (the survey's setting) and \
            leaves them out. Both are allowed: additional data is optional.
            """
        ) { [.mx, .srv, .svcb, .https].contains($0.type) && $0.isPlain },

        ExpectedDifference(
            "a ServiceMode target \".\" adds the owner's addresses", [.knot], [.additional],
            """
            RFC 9460 §2.5.2: in ServiceMode a TargetName of "." is the owner name, and §4.1 asks for \
            the A and AAAA records of an in-zone TargetName as additional data. Cairn adds the \
            owner's addresses (svc, svcbdot); Knot 3.2 adds nothing for "." (it does for every other \
            in-zone target, as Cairn does).
            """
        ) { $0.isName("svc", "svcbdot") && [.svcb, .https].contains($0.type) && $0.isPlain },

        ExpectedDifference(
            "no additional data synthesized from a wildcard", [.knot], [.additional],
            """
            mxwild's MX target and svcwild's HTTPS target match *.wild. Knot synthesizes the \
            target's A record from the wildcard for the additional section; Cairn adds only records \
            that exist by name. Additional data is optional (RFC 1035 §4.3.2 step 6); NSD adds \
            nothing either.
            """
        ) { $0.isName("mxwild", "svcwild") && [.mx, .https, .any].contains($0.type) },

        ExpectedDifference(
            "CNAME chasing stops at the zone's edge", [.nsd], [.answer, .authority, .additional],
            """
            Cairn follows a CNAME only inside the zone that holds it (DESIGN.md), as Knot does: \
            tokid.diff.test → www.kid.diff.test ends in diff.test's referral to kid, and \
            up.kid.diff.test → host.diff.test ends at the CNAME. NSD, authoritative for both zones, \
            continues into the other zone. RFC 1034 §4.3.2 step 3a lets the resolver restart with \
            the target itself; RFC 6604 §3 keeps the rcode of the first step.
            """
        ) { $0.isName("tokid", "tokidapex", "up.kid") },

        ExpectedDifference(
            "a referral whose in-domain glue does not fit is truncated", [.knot, .nsd],
            [.tc, .authority, .additional],
            """
            RFC 9471 §3: if all glue for in-domain name servers does not fit, the TC flag MUST be \
            set. bigdel has ten in-domain servers with A and AAAA glue, more than 512 octets; Knot \
            and NSD (both older than RFC 9471) send a referral with part of the glue and no TC.
            """
        ) { $0.isAtOrBelow("bigdel") && $0.transport == .udp && $0.udpLimit == 512 },

        ExpectedDifference(
            "type 0 is answered as any unknown type", [.knot], [.rcode, .aa, .authority],
            """
            Type 0 is reserved (RFC 6895 §3.1) but a query for it is still a query: Cairn treats \
            it as an unknown type (RFC 3597 §2) and answers NODATA or NXDOMAIN with the SOA, as \
            NSD does; Knot answers NOTIMP.
            """
        ) { $0.type.rawValue == 0 && $0.isPlain },

        ExpectedDifference(
            "zone transfers are refused", [.knot, .nsd], [.rcode, .optOptions],
            """
            Cairn serves no zone transfers: AXFR and IXFR get REFUSED (RFC 5936 §4.2: a server \
            that does not allow the transfer answers REFUSED). Knot and NSD answer NOTAUTH, NSD \
            with Extended DNS Error 18 (Prohibited), which RFC 8914 makes optional.
            """
        ) { [.axfr, .ixfr].contains($0.type) },

        ExpectedDifference(
            "classes other than IN are refused", [.knot, .nsd], [.rcode, .aa, .answer, .authority, .additional],
            """
            Cairn serves class IN only and refuses every other QCLASS but * (DESIGN.md), and it \
            tells no version or host name over CHAOS (version.bind and friends are a convention, \
            RFC 4892 §2, not a requirement). Knot and NSD answer CH identity queries.
            """
        ) { ![.internet, .any].contains($0.qclass) && $0.opcode == 0 && $0.oddity == nil },

        ExpectedDifference(
            "NSD's refusal of other classes omits the question", [.nsd], [.question, .optOptions],
            """
            Cairn echoes the question in every response that has a readable one (RFC 1035 §4.1.2; \
            Knot does the same) and adds no Extended DNS Error to REFUSED for a class (RFC 8914: \
            optional). NSD drops the question and adds EDE 21 (Not Supported).
            """
        ) { ![.internet, .any].contains($0.qclass) && $0.opcode == 0 && $0.oddity == nil },

        ExpectedDifference(
            "NSD answers QCLASS * without AA or negative SOA", [.nsd], [.aa, .authority],
            """
            RFC 1035 §3.2.5: QCLASS * matches any class. Cairn answers it from its IN data exactly \
            as a class IN query, authoritative, with the SOA in negative answers (RFC 2308 §3), as \
            Knot does; NSD clears AA and leaves the SOA out.
            """
        ) { $0.qclass == .any && $0.opcode == 0 && $0.oddity == nil },

        ExpectedDifference(
            "opcodes other than QUERY are not implemented", [.knot, .nsd],
            [.rcode, .aa, .question, .opt, .otherFlags],
            """
            Cairn implements QUERY only: every other opcode gets NOTIMP with the question and, \
            when the query had one, an OPT (RFC 1035 §4.1.1; RFC 6891 §7), no AA, only RD copied \
            (DESIGN.md). Knot implements NOTIFY and UPDATE and answers them NOTAUTH or FORMERR; \
            NSD answers NOTIFY as a query, echoes the flags and omits question and OPT.
            """
        ) { $0.opcode != 0 && $0.oddity == nil },

        ExpectedDifference(
            "a query whose question cannot be read gets a bare FORMERR", [.knot, .nsd],
            [.dropped, .rcode, .opt, .rd],
            """
            RFC 1035 §4.1.1: FORMERR for a query the server cannot interpret. Cairn answers with \
            the header alone (no question can be echoed, and the OPT is not read), RD copied, so \
            the client stops retrying at once. Knot drops these; NSD resets such a TCP connection \
            and clears RD.
            """
        ) { $0.oddity.map(unreadable.contains) ?? false },

        ExpectedDifference(
            "Knot drops a query with two questions", [.knot], [.dropped],
            """
            RFC 1035 §4.1.1: FORMERR for a query the server cannot interpret. Cairn answers a \
            query with two readable questions with FORMERR and no question, with an OPT when the \
            query had one (RFC 6891 §6.1.1), RD copied, as Knot answers a query with none. Knot \
            drops a query with two.
            """
        ) { $0.oddity == .questionCountTwo },

        ExpectedDifference(
            "NSD answers a query without one question its own way", [.nsd], [.dropped, .rcode, .opt, .rd],
            """
            Cairn answers QDCOUNT ≠ 1 with FORMERR, or NOTIMP for an opcode other than QUERY, \
            RD copied, with an OPT when every record parses and one is there (RFC 6891 §6.1.1; \
            BADVERS for another EDNS version, §6.1.3), as Knot does. NSD answers NOERROR when \
            the rest is an OPT with or without trailing octets, omits the OPT from its FORMERR, \
            NOTIMP and BADVERS answers, clears RD and resets such a TCP connection.
            """
        ) { $0.oddity.map(questionCountWrong.contains) ?? false },

        ExpectedDifference(
            "octets after the last record are FORMERR", [.nsd], [.rcode, .aa, .answer, .opt],
            """
            A message longer than its sections is malformed (RFC 1035 §4.1.1 FORMERR); Cairn \
            answers it with the question and no OPT, as Knot does. NSD ignores the excess octets.
            """
        ) { [.trailingAfterQuestion, .trailingAfterOPT].contains($0.oddity) },

        ExpectedDifference(
            "NSD's FORMERR omits the question", [.nsd], [.question],
            """
            Cairn echoes a readable question in a FORMERR (RFC 1035 §4.1.2), as Knot does; NSD \
            sends its FORMERR without it.
            """
        ) { $0.oddity.map(oddAfterQuestion.contains) ?? false },

        ExpectedDifference(
            "records and an rcode in a query are tolerated", [.nsd], [.rcode, .aa, .answer, .opt],
            """
            RFC 1035 does not forbid records in a query's answer or additional section, nor a \
            non-zero RCODE; Cairn ignores them and answers, as Knot does. NSD answers FORMERR.
            """
        ) { [.recordInAnswer, .recordInAdditional, .rcodeInQuery].contains($0.oddity) },

        ExpectedDifference(
            "an OPT whose owner is not the root is FORMERR", [.knot], [.rcode, .aa, .answer, .opt],
            """
            RFC 6891 §6.1.2: the OPT owner MUST be the root. Cairn answers FORMERR, as NSD does; \
            Knot ignores the owner.
            """
        ) { $0.oddity == .optOwnerNotRoot },

        ExpectedDifference(
            "BADVERS keeps DO", [.nsd], [.optDO],
            """
            RFC 3225 §3: the DO bit of the query is copied into the response, BADVERS included; \
            Knot does the same, NSD clears it.
            """
        ) { $0.ednsVersion == 1 && $0.edns?.dnssecOK == true },
    ]
}
