import DNSWire

/// The reference servers Cairn is compared with.
enum Peer: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case knot = "Knot"
    case nsd = "NSD"
    var description: String { rawValue }
}

/// The parts of a response that are compared.
enum Field: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Answered by one side, dropped (no response in time) by the other.
    case dropped
    /// A response that does not decode as a DNS message.
    case decoding
    case id, opcode
    /// The 12-bit response code: header bits plus OPT extended bits (RFC 6891 §6.1.3).
    case rcode
    case aa, tc, rd
    /// RA, Z, AD and CD.
    case otherFlags = "ra/z/ad/cd"
    /// The question section, names compared octet for octet (0x20 case included).
    case question
    /// Record sections, compared as multisets of (owner case-insensitively, type, class, TTL, RDATA).
    case answer, authority, additional
    /// Whether the response carries an OPT record at all.
    case opt
    case optUDPSize = "opt.udp"
    case optVersion = "opt.version"
    case optDO = "opt.do"
    case optZ = "opt.z"
    case optOptions = "opt.options"

    var description: String { rawValue }
}

/// What a server did with one query.
enum Outcome: Sendable {
    case dropped(String)
    case response([UInt8])
}

/// One field on which Cairn and a peer differ for one query.
struct Difference: Sendable {
    var field: Field
    var cairn: String
    var peer: String
}

enum ResponseComparison {
    private enum Observed {
        case dropped(String)
        case undecodable(String)
        case message(DNSMessage)

        init(_ outcome: Outcome) {
            switch outcome {
            case .dropped(let reason): self = .dropped(reason)
            case .response(let bytes):
                do { self = .message(try DNSMessage(decoding: bytes)) } catch {
                    self = .undecodable("\(bytes.count) octets that do not decode: \(error)")
                }
            }
        }

        var summary: String {
            switch self {
            case .dropped(let reason): "dropped (\(reason))"
            case .undecodable(let reason): reason
            case .message(let message): "answered \(ResponseComparison.summary(message))"
            }
        }
    }

    /// Every field on which `cairn` and `peer` differ.
    static func compare(cairn: Outcome, peer: Outcome) -> [Difference] {
        let left = Observed(cairn)
        let right = Observed(peer)
        switch (left, right) {
        case (.dropped, .dropped):
            return []
        case (.dropped, _), (_, .dropped):
            return [Difference(field: .dropped, cairn: left.summary, peer: right.summary)]
        case (.message(let mine), .message(let theirs)):
            return compare(mine, theirs)
        default:
            return [Difference(field: .decoding, cairn: left.summary, peer: right.summary)]
        }
    }

    private static func compare(_ mine: DNSMessage, _ theirs: DNSMessage) -> [Difference] {
        var differences: [Difference] = []
        func check<T: Equatable>(_ field: Field, _ a: T, _ b: T, _ show: (T) -> String = { "\($0)" }) {
            if a != b { differences.append(Difference(field: field, cairn: show(a), peer: show(b))) }
        }
        check(.id, mine.header.id, theirs.header.id)
        check(.opcode, mine.header.opcode.rawValue, theirs.header.opcode.rawValue)
        check(.rcode, mine.responseCode, theirs.responseCode)
        check(.aa, mine.header.isAuthoritative, theirs.header.isAuthoritative)
        check(.tc, mine.header.isTruncated, theirs.header.isTruncated)
        check(.rd, mine.header.recursionDesired, theirs.header.recursionDesired)
        check(.otherFlags, mine.header.flags & 0x00F0, theirs.header.flags & 0x00F0) { flagNames($0) }
        check(.question, mine.questions.map(QuestionKey.init), theirs.questions.map(QuestionKey.init)) {
            $0.isEmpty ? "(none)" : $0.map(\.text).joined(separator: "; ")
        }
        for (field, a, b) in [
            (Field.answer, mine.answers, theirs.answers), (.authority, mine.authority, theirs.authority),
            (.additional, mine.additional, theirs.additional),
        ] {
            let left = multiset(a)
            let right = multiset(b)
            if left != right {
                differences.append(
                    Difference(
                        field: field, cairn: describe(a, missingFrom: right), peer: describe(b, missingFrom: left)))
            }
        }
        switch (mine.edns, theirs.edns) {
        case (nil, nil): break
        case (let a?, let b?):
            check(.optUDPSize, a.udpPayloadSize, b.udpPayloadSize)
            check(.optVersion, a.version, b.version)
            check(.optDO, a.dnssecOK, b.dnssecOK)
            check(.optZ, a.zFlags, b.zFlags)
            check(.optOptions, a.options.sorted(by: optionOrder), b.options.sorted(by: optionOrder)) {
                $0.isEmpty ? "(none)" : $0.map(optionText).joined(separator: ", ")
            }
        case (let a, let b):
            check(.opt, a != nil, b != nil) { $0 ? "OPT" : "no OPT" }
        }
        return differences
    }

    /// The question as sent: the name octet for octet, so 0x20 case must match.
    private struct QuestionKey: Equatable {
        var wire: [UInt8]
        var type: UInt16
        var qclass: UInt16
        var text: String
        init(_ question: DNSQuestion) {
            wire = question.name.wireBytes
            type = question.type.rawValue
            qclass = question.class.rawValue
            text = "\(question.name) \(question.type) \(question.class)"
        }
        static func == (a: Self, b: Self) -> Bool { a.wire == b.wire && a.type == b.type && a.qclass == b.qclass }
    }

    /// `DNSRecord` equality compares owners and RDATA names case-insensitively, TTLs and
    /// RDATA exactly: what a multiset of (owner, type, class, TTL, RDATA) needs.
    private static func multiset(_ records: [DNSRecord]) -> [DNSRecord: Int] {
        records.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    private static func describe(_ records: [DNSRecord], missingFrom other: [DNSRecord: Int]) -> String {
        var remaining = other
        var extra: [DNSRecord] = []
        for record in records {
            if let count = remaining[record], count > 0 {
                remaining[record] = count - 1
            } else {
                extra.append(record)
            }
        }
        var text = "\(records.count) record\(records.count == 1 ? "" : "s")"
        if !extra.isEmpty {
            let shown = extra.prefix(12).map(recordText).joined(separator: " | ")
            text += "; only here: " + shown + (extra.count > 12 ? " | … \(extra.count - 12) more" : "")
        }
        return text
    }

    static func summary(_ message: DNSMessage) -> String {
        var text = "\(message.responseCode) flags=\(flagNames(message.header.flags & 0x07F0))"
        text += " qd=\(message.questions.count) an=\(message.answers.count) ns=\(message.authority.count)"
        text += " ar=\(message.additional.count)\(message.edns == nil ? "" : "+OPT")"
        return text
    }

    static func flagNames(_ flags: UInt16) -> String {
        let names: [(UInt16, String)] = [
            (0x0400, "aa"), (0x0200, "tc"), (0x0100, "rd"), (0x0080, "ra"), (0x0040, "z"), (0x0020, "ad"),
            (0x0010, "cd"),
        ]
        let set = names.filter { flags & $0.0 != 0 }.map(\.1)
        return set.isEmpty ? "(none)" : set.joined(separator: " ")
    }

    private static func optionOrder(_ a: EDNS.Option, _ b: EDNS.Option) -> Bool {
        a.code.rawValue != b.code.rawValue
            ? a.code.rawValue < b.code.rawValue : a.data.lexicographicallyPrecedes(b.data)
    }

    private static func optionText(_ option: EDNS.Option) -> String {
        "\(option.code)=\(hex(option.data))"
    }

    static func recordText(_ record: DNSRecord) -> String {
        let classText = record.class == .internet ? "IN" : "CLASS\(record.class.rawValue)"
        return "\(record.name) \(record.ttl) \(classText) \(record.type) \(rdataText(record.rdata))"
    }

    static func rdataText(_ rdata: DNSRData) -> String {
        switch rdata {
        case .a(let value): "\(value.address)"
        case .aaaa(let value): "\(value.address)"
        case .ns(let value): "\(value.nameserver)"
        case .cname(let value): "\(value.target)"
        case .ptr(let value): "\(value.target)"
        case .mx(let value): "\(value.preference) \(value.exchange)"
        case .soa(let value):
            "\(value.primaryNameserver) \(value.responsibleMailbox) \(value.serial) \(value.refresh) \(value.retry) \(value.expire) \(value.minimum)"
        case .txt(let value):
            value.strings.map { string in
                let text = String(decoding: string.prefix(24), as: UTF8.self)
                return "\"\(text)\(string.count > 24 ? "…(\(string.count))" : "")\""
            }.joined(separator: " ")
        case .srv(let value): "\(value.priority) \(value.weight) \(value.port) \(value.target)"
        case .caa(let value):
            "\(value.flags) \(String(decoding: value.tag, as: UTF8.self)) \"\(String(decoding: value.value, as: UTF8.self))\""
        case .ds(let value): "\(value.keyTag) \(value.algorithm) \(value.digestType) \(hex(value.digest))"
        case .opaque(let value): "\\# \(value.bytes.count) \(hex(value.bytes))"
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }
}
