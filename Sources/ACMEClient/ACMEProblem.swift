/// A problem document (RFC 7807) as ACME servers send them (RFC 8555 §6.7), with
/// subproblems per identifier (§6.7.1). Unknown members are ignored.
public struct ACMEProblem: Codable, Hashable, Sendable, CustomStringConvertible {
    public var type: ACMEProblemType
    public var detail: String?
    public var status: Int?
    public var identifier: ACMEIdentifier?
    public var subproblems: [ACMEProblem]?

    public init(
        type: ACMEProblemType, detail: String? = nil, status: Int? = nil, identifier: ACMEIdentifier? = nil,
        subproblems: [ACMEProblem]? = nil
    ) {
        self.type = type
        self.detail = detail
        self.status = status
        self.identifier = identifier
        self.subproblems = subproblems
    }

    enum CodingKeys: String, CodingKey { case type, detail, status, identifier, subproblems }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type =
            try container.decodeIfPresent(ACMEProblemType.self, forKey: .type)
            ?? ACMEProblemType(rawValue: "about:blank")
        detail = try? container.decodeIfPresent(String.self, forKey: .detail)
        status = try? container.decodeIfPresent(Int.self, forKey: .status)
        identifier = try? container.decodeIfPresent(ACMEIdentifier.self, forKey: .identifier)
        subproblems = try? container.decodeIfPresent([ACMEProblem].self, forKey: .subproblems)
    }

    /// `type: detail`, then each subproblem as `identifier: type: detail`.
    public var description: String {
        var text = identifier.map { "\($0.value): " } ?? ""
        text += "\(type)"
        if let detail, !detail.isEmpty { text += ": \(detail)" }
        for problem in subproblems ?? [] { text += "; \(problem)" }
        return text
    }
}
