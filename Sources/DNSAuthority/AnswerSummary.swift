public import DNSWire

/// What ``Authority`` did with one query, for counters and logs.
public struct AnswerSummary: Hashable, Sendable {
    /// The response code sent (12-bit, extended bits included).
    public var responseCode: DNSResponseCode
    /// The question's type, when a question could be read.
    public var questionType: DNSRecordType?
    /// Whether TC was set.
    public var truncated: Bool
    /// Whether the answer touched an owned challenge name (these queries are logged).
    public var touchedChallengeName: Bool
    /// How many challenge TXT values were served.
    public var challengeValuesServed: Int
    /// Whether the query carried a TSIG record (RFC 8945), which this answer neither checked nor
    /// signed: a front-end with keys answers such a query itself.
    public var querySigned: Bool

    public init(
        responseCode: DNSResponseCode, questionType: DNSRecordType? = nil, truncated: Bool = false,
        touchedChallengeName: Bool = false, challengeValuesServed: Int = 0, querySigned: Bool = false
    ) {
        self.responseCode = responseCode
        self.questionType = questionType
        self.truncated = truncated
        self.touchedChallengeName = touchedChallengeName
        self.challengeValuesServed = challengeValuesServed
        self.querySigned = querySigned
    }
}
