import DNSWire
import HashTreeCollections
package import NIOCore

extension AuthoritySnapshot {
    /// Answers one query message (the DNS answer rules of DESIGN.md).
    ///
    /// - Parameters:
    ///   - query: the query, from its reader index to its writer index.
    ///   - transport: bounds the response size.
    ///   - now: the time challenge expiries are compared with; read from the clock when `nil`
    ///     and a challenge name is answered.
    ///   - output: the buffer the response is appended to (a TCP front-end may have written
    ///     a length prefix already).
    /// - Returns: the response and a summary, or `nil` when the query must be dropped (no
    ///   readable header, or it is itself a response).
    package func answer(
        query: ByteBuffer, transport: DNSTransport, now: UnixTime?, output: consuming ByteBuffer
    ) -> (response: ByteBuffer, summary: AnswerSummary)? {
        let start = query.readerIndex
        var body = query
        guard let header = try? DNSMessageHeaderFields(reading: &body, messageStart: start) else { return nil }
        // Never answer a response (RFC 1035 §7.3 looks at QR to avoid answer loops).
        guard header.flags & 0x8000 == 0 else { return nil }
        let isQuery = header.flags & 0x7800 == 0
        let malformed: DNSResponseCode = isQuery ? .formatError : .notImplemented
        // Without exactly one readable question nothing can be echoed: a header alone. An
        // opcode Cairn does not implement is NOTIMP whatever its counts (Knot and NSD agree):
        // its message format is not QUERY's, so the counts cannot make it malformed.
        guard header.questionCount == 1,
            var parsed = try? DNSQuery(header: header, question: &body, messageStart: start)
        else {
            // QDCOUNT ≠ 1 with every question and record readable: an OPT the query carries is
            // answered with one (RFC 6891 §6.1.1, §7), and a version other than 0 is BADVERS
            // (§6.1.3), as Knot answers. After an unreadable question nothing can be trusted.
            let edns =
                header.questionCount == 1
                ? nil : try? DNSQuery.readEDNS(header: header, after: &body, messageStart: start)
            let code: DNSResponseCode = isQuery && (edns?.version ?? 0) != 0 ? .badVersion : malformed
            return headerOnly(header, responseCode: code, queryEDNS: edns, output: consume output)
        }
        // When the question is sound but the rest is not, the question is still echoed, with
        // no OPT (RFC 6891 §7 cannot apply to an OPT that failed to parse).
        let recordsValid = (try? parsed.readRecords(from: &body, messageStart: start)) != nil
        var context = AnswerContext(
            snapshot: self, query: parsed, ednsAllowed: recordsValid, transport: transport, now: now,
            output: consume output)
        if !recordsValid {
            context.fail(malformed)
        } else if isQuery {
            context.resolve()
        } else {
            // RFC 1035 §4.1.1; RFC 8906 §3.1.4: an opcode Cairn does not implement.
            context.fail(.notImplemented)
        }
        return context.finish()
    }

    /// A response with no question and no records, for a query without exactly one readable
    /// question; only the opcode and RD are copied, and an OPT is added when `queryEDNS` is set.
    private func headerOnly(
        _ header: DNSMessageHeaderFields, responseCode: DNSResponseCode, queryEDNS: DNSQuery.EDNSQueryFields?,
        output: consuming ByteBuffer
    ) -> (response: ByteBuffer, summary: AnswerSummary) {
        var builder = ResponseBuilder(
            buffer: consume output, limit: DNSMessage.headerLength + ResponseBuilder.optLength,
            reservingOPT: queryEDNS != nil)
        let response = builder.finish(
            id: header.id, queryFlags: header.flags, responseCode: responseCode, authoritative: false,
            questionCount: 0, edns: queryEDNS.map { responseEDNS(to: $0) })
        return (response, AnswerSummary(responseCode: responseCode))
    }

    /// The OPT record answering a query's: Cairn's UDP size, DO copied (RFC 3225 §3), version
    /// 0 and no options (RFC 6891 §6.1.3, §7).
    func responseEDNS(to queryEDNS: DNSQuery.EDNSQueryFields) -> EDNS {
        EDNS(udpPayloadSize: UInt16(configuration.maximumUDPPayload), dnssecOK: queryEDNS.dnssecOK)
    }
}

/// The state of answering one query whose question has been read.
private struct AnswerContext {
    let snapshot: AuthoritySnapshot
    let transport: DNSTransport
    let query: DNSQuery
    var now: UnixTime?
    var builder: ResponseBuilder
    var responseCode = DNSResponseCode.noError
    var authoritative = true
    let replyEDNS: Bool
    var extendedError: UInt16? = nil
    var touchedChallengeName = false
    var challengeValuesServed = 0

    /// Begins the response: the size limit follows the transport and the client's EDNS
    /// size (RFC 6891 §6.2.5), and the question is echoed.
    init(
        snapshot: AuthoritySnapshot, query: DNSQuery, ednsAllowed: Bool, transport: DNSTransport, now: UnixTime?,
        output: consuming ByteBuffer
    ) {
        self.snapshot = snapshot
        self.transport = transport
        self.query = query
        self.now = now
        self.replyEDNS = ednsAllowed && query.edns != nil
        let limit: Int
        switch transport {
        case .tcp:
            limit = 65535
        case .udp:
            if replyEDNS, let edns = query.edns {
                limit = min(max(Int(edns.udpPayloadSize), 512), snapshot.configuration.maximumUDPPayload)
            } else {
                limit = 512
            }
        }
        self.builder = ResponseBuilder(buffer: consume output, limit: limit, reservingOPT: replyEDNS)
        builder.writeQuestion(name: query.name, type: query.type, class: query.class)
    }

    var configuration: AuthorityConfiguration { snapshot.configuration }

    mutating func finish() -> (response: ByteBuffer, summary: AnswerSummary) {
        var edns: EDNS? = nil
        if replyEDNS, let queryEDNS = query.edns {
            edns = snapshot.responseEDNS(to: queryEDNS)
            if let extendedError {
                // RFC 8914 §2: INFO-CODE, no EXTRA-TEXT.
                edns!.options = [
                    EDNS.Option(code: .extendedError, data: [UInt8(extendedError >> 8), UInt8(extendedError & 0xFF)])
                ]
            }
        }
        let response = builder.finish(
            id: query.header.id, queryFlags: query.header.flags, responseCode: responseCode,
            authoritative: authoritative, questionCount: 1, edns: edns)
        let summary = AnswerSummary(
            responseCode: responseCode, questionType: query.type, truncated: builder.truncated,
            touchedChallengeName: touchedChallengeName, challengeValuesServed: challengeValuesServed,
            querySigned: query.isSigned)
        return (response, summary)
    }

    /// An error response: the question echoed, nothing else, AA clear.
    mutating func fail(_ code: DNSResponseCode) {
        responseCode = code
        authoritative = false
    }

    /// REFUSED for a name outside every zone, with Extended DNS Error 20, Not Authoritative
    /// (RFC 8914 §4.21), as Knot and NSD send.
    mutating func refuseNotAuthoritative() {
        if snapshot.restoring { return holdBackUntilRestored() }
        fail(.refused)
        extendedError = 20
    }

    /// SERVFAIL with Extended DNS Error 14, Not Ready (RFC 8914 §4.15), in place of a negative
    /// answer while the challenge table is restored: the name may be owned, and a resolver
    /// would cache an NXDOMAIN or NODATA (RFC 2308 §5) but not this.
    mutating func holdBackUntilRestored() {
        fail(.serverFailure)
        extendedError = 14
    }

    /// RFC 1034 §4.3.2, restricted to authoritative data, with RFC 4592 wildcards,
    /// RFC 6604 CNAME rcodes, RFC 8482 minimal ANY and RFC 2308 negative answers.
    mutating func resolve() {
        if let edns = query.edns, edns.version != 0 {
            // RFC 6891 §6.1.3: BADVERS, with our OPT saying version 0.
            return fail(.badVersion)
        }
        // Only IN is served (DESIGN.md); CH version.bind and id.server are not offered. QCLASS *
        // matches every class (RFC 1035 §3.2.5), so IN answers it: authoritative, the question
        // keeping class 255 and the records class IN, as Knot answers.
        guard query.class == .internet || query.class == .any else { return fail(.refused) }
        let type = query.type
        // Zone transfers are not offered: AXFR needs a stream (RFC 5936 §4.2), and a
        // transfer refused by policy is REFUSED (RFC 5936 §2.2.1).
        if type == .axfr, transport == .udp { return fail(.notImplemented) }
        if type == .axfr || type == .ixfr { return fail(.refused) }
        guard var zone = snapshot.zone(containing: query.name) else { return refuseNotAuthoritative() }
        // DS belongs to the parent side of a cut (RFC 4035 §3.1.4.1): at the apex of a
        // zone whose parent is also served here, answer from the parent.
        if type == .ds, query.name.wireLength == zone.apex.wireLength, let parentName = zone.apex.parent,
            let parent = snapshot.zone(containing: parentName)
        {
            zone = parent
        }

        var name = query.name
        var chained: [DNSName] = []
        while true {
            if let cut = zone.delegation(atOrAbove: name), !(type == .ds && cut.wireLength == name.wireLength) {
                if chained.isEmpty { authoritative = false }
                addReferral(zone: zone, cut: cut)
                return
            }
            let own = zone.nodes[name]
            let challenge =
                own?.mayBeOwned ?? true ? challengeRecords(at: name, in: zone, chased: !chained.isEmpty) : nil
            let found: ZoneNode?
            if let own {
                found = own
            } else if challenge != nil {
                found = ZoneNode()
            } else if zone.hasWildcards, let source = wildcardSource(for: name, in: zone) {
                found = source
            } else {
                found = nil
            }
            guard let node = found else {
                // RFC 6604 §3: the rcode follows the last name in a CNAME chain.
                responseCode = .nameError
                addNegativeSOA(zone)
                return
            }
            if challenge != nil { touchedChallengeName = true }
            if type != .cname, type != .any, let cname = node.rrset(.cname),
                case .cname(let target) = cname.rdata.first
            {
                builder.add(.answer, owner: name, type: .cname, ttl: cname.ttl, rdata: cname.rdata)
                chained.append(name)
                let next = target.target
                guard chained.count <= configuration.maximumCNAMEChain, next.isSubdomain(of: zone.apex),
                    !chained.contains(next), !builder.isFull
                else { return }
                name = next
                continue
            }
            answer(node: node, challenge: challenge, owner: name, zone: zone)
            return
        }
    }

    /// The challenge records at `name`, an owned name of `zone`. A name reached through a CNAME
    /// may lie in another zone served here, whose data this zone's answer does not include.
    func challengeRecords(at name: DNSName, in zone: Zone, chased: Bool) -> ChallengeRecords? {
        guard let records = snapshot.challenges[name] else { return nil }
        guard chased else { return records }
        return snapshot.zone(containing: name)?.apex == zone.apex ? records : nil
    }

    /// The source of synthesis for `name` (RFC 4592 §3.3.1): `*.<closest encloser>`.
    func wildcardSource(for name: DNSName, in zone: Zone) -> ZoneNode? {
        var current = name
        while let parent = current.parent, parent.wireLength >= zone.apex.wireLength {
            if zone.nodes[parent] != nil || snapshot.challenges[parent] != nil {
                guard let wildcard = zone.wildcardOwners[parent] else { return nil }
                return zone.nodes[wildcard]
            }
            current = parent
        }
        return nil
    }

    /// The answer at an existing node (or one synthesized from a wildcard) for `owner`, with the
    /// challenge records there if it is owned.
    mutating func answer(node: ZoneNode, challenge: ChallengeRecords?, owner: DNSName, zone: Zone) {
        let type = query.type
        if type == .any { return answerMinimalAny(node: node, challenge: challenge, owner: owner, zone: zone) }
        if let challenge, type == .txt, addChallengeValues(challenge, owner: owner) { return }
        if let rrset = node.rrset(type) {
            builder.add(.answer, owner: owner, type: type, ttl: rrset.ttl, rdata: rrset.rdata)
            addAdditionalData(for: rrset, owner: owner, zone: zone)
            return
        }
        addNegativeSOA(zone)
    }

    /// RFC 8482 §4.1: one RRset rather than all of them, the small and useful ones first
    /// (NSD's order: A, AAAA, MX, SOA, PTR), else the lowest type. Challenge values count as
    /// the TXT RRset, of which one record is sent ("return just one of them", RFC 8482 §4.1):
    /// up to 16 values would turn a 50-octet query into a 950-octet answer.
    mutating func answerMinimalAny(node: ZoneNode, challenge: ChallengeRecords?, owner: DNSName, zone: Zone) {
        let preferred: [DNSRecordType] = [.cname, .a, .aaaa, .mx, .soa, .ptr]
        let chosen = preferred.lazy.compactMap({ node.rrset($0) }).first ?? node.rrsets.first
        // The values come first unless a preferred RRset or a lower type is there (the SOA at
        // the apex of a challenge zone), or none is live.
        let valuesFirst = chosen.map { !preferred.contains($0.type) && $0.type > .txt } ?? true
        if let challenge, valuesFirst, addChallengeValues(challenge, owner: owner, limit: 1) {
            return
        }
        if let chosen {
            builder.add(.answer, owner: owner, type: chosen.type, ttl: chosen.ttl, rdata: chosen.rdata)
            return
        }
        addNegativeSOA(zone)
    }

    /// Adds the live challenge values at `owner` (at most `limit` of them) as TXT records.
    ///
    /// - Returns: whether the answer is complete: values were written, or the message is full.
    mutating func addChallengeValues(_ challenge: ChallengeRecords, owner: DNSName, limit: Int = .max) -> Bool {
        let served = builder.addChallengeValues(
            owner: owner, values: challenge.values, now: currentTime(),
            maximumTTL: configuration.maximumChallengeTTL, limit: limit)
        challengeValuesServed = served
        return served > 0 || builder.isFull
    }

    mutating func currentTime() -> UnixTime {
        if let now { return now }
        let time = UnixTime.now()
        now = time
        return time
    }

    /// The SOA for a negative answer, its TTL min(SOA TTL, MINIMUM, the configured cap)
    /// (RFC 2308 §3).
    mutating func addNegativeSOA(_ zone: Zone) {
        if snapshot.restoring { return holdBackUntilRestored() }
        let ttl = min(zone.soaTTL, zone.soa.minimum, configuration.maximumNegativeTTL)
        builder.add(.authority, owner: zone.apex, type: .soa, ttl: ttl, rdata: zone.soaRData)
    }

    /// A referral to the servers of `cut` (RFC 1034 §4.3.2 step 3b): its NS RRset, and the
    /// glue addresses, which are required for names at or below the cut (RFC 9471 §3).
    mutating func addReferral(zone: Zone, cut: DNSName) {
        guard let node = zone.nodes[cut], let nameservers = node.rrset(.ns) else { return }
        builder.add(.authority, owner: cut, type: .ns, ttl: nameservers.ttl, rdata: nameservers.rdata)
        for case .ns(let value) in nameservers.rdata {
            let target = value.nameserver
            guard target.isSubdomain(of: zone.apex), let glue = zone.nodes[target] else { continue }
            let required = target.isSubdomain(of: cut)
            for type in [DNSRecordType.a, .aaaa] {
                if let rrset = glue.rrset(type) {
                    builder.add(
                        .additional, owner: target, type: type, ttl: rrset.ttl, rdata: rrset.rdata,
                        required: required)
                }
            }
        }
    }

    /// Additional data for the answer RRset `rrset` at `owner`, added only if it fits, once
    /// per target: the addresses of in-zone NS, MX and SRV targets (RFC 1034 §3.6.2); for SVCB
    /// and HTTPS, the addresses and the SVCB or HTTPS RRset of each in-zone TargetName (RFC 9460
    /// §4.1), as Knot adds them.
    mutating func addAdditionalData(for rrset: RRSet, owner: DNSName, zone: Zone) {
        let isServiceBinding = rrset.type == .svcb || rrset.type == .https
        guard isServiceBinding || rrset.type == .ns || rrset.type == .mx || rrset.type == .srv else { return }
        func targetName(of rdata: DNSRData) -> DNSName? {
            guard isServiceBinding else { return rdata.additionalSectionTarget }
            guard let binding = rdata.serviceBinding else { return nil }
            guard binding.target == .root else { return binding.target }
            // "." is the owner in ServiceMode (RFC 9460 §2.5.2); in AliasMode it says the
            // service does not exist (§2.5.1).
            return binding.priority == 0 ? nil : owner
        }
        for (index, rdata) in rrset.rdata.enumerated() {
            guard let target = targetName(of: rdata), target.isSubdomain(of: zone.apex),
                let node = zone.nodes[target], !rrset.rdata[..<index].contains(where: { targetName(of: $0) == target })
            else { continue }
            // The target's own binding (for an AliasMode chain), unless it is the answer itself or
            // lies below a zone cut, where only glue addresses are served.
            let addsBinding = isServiceBinding && target != owner && zone.delegation(atOrAbove: target) == nil
            for type in [DNSRecordType.a, .aaaa, rrset.type] where type != rrset.type || addsBinding {
                if let additional = node.rrset(type) {
                    builder.add(
                        .additional, owner: target, type: type, ttl: additional.ttl, rdata: additional.rdata,
                        required: false)
                }
            }
        }
    }
}
