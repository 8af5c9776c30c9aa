/// A DNS message (RFC 1035 §4.1): header, question, answer, authority and additional
/// sections, with EDNS(0) kept apart from the additional section (RFC 6891 §6.1.1).
public struct DNSMessage: Hashable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authority: [DNSRecord]
    /// Additional records, without the OPT pseudo-record.
    public var additional: [DNSRecord]
    /// The OPT pseudo-record's contents, if the message has one.
    public var edns: EDNS?

    public init(
        header: DNSHeader = DNSHeader(), questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
        authority: [DNSRecord] = [], additional: [DNSRecord] = [], edns: EDNS? = nil
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    /// The full response code: header bits, plus the OPT record's extended bits when present
    /// (RFC 6891 §6.1.3).
    public var responseCode: DNSResponseCode {
        get {
            DNSResponseCode(
                rawValue: UInt16(edns?.extendedResponseCodeBits ?? 0) << 4 | UInt16(header.responseCodeBits))
        }
        set {
            header.responseCodeBits = newValue.headerBits
            if edns != nil { edns!.extendedResponseCodeBits = newValue.extendedBits }
        }
    }
}
