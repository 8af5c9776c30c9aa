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

    public init(
        responseCode: DNSResponseCode, questionType: DNSRecordType? = nil, truncated: Bool = false,
        touchedChallengeName: Bool = false, challengeValuesServed: Int = 0
    ) {
        self.responseCode = responseCode
        self.questionType = questionType
        self.truncated = truncated
        self.touchedChallengeName = touchedChallengeName
        self.challengeValuesServed = challengeValuesServed
    }
}
