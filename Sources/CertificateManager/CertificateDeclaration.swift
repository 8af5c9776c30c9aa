package import ACMEClient
import DNSWire

/// A certificate `cairn serve` keeps issued and renewed: one entry of the configuration's
/// `certificates` list.
///
/// ```yaml
/// certificates:
///   - name: example.org
///     domains: [example.org, "*.example.org"]
///     issuers: [letsencrypt, zerossl]   # tried in this order
/// ```
package struct CertificateDeclaration: Hashable, Sendable {
    /// `name`: unique among the certificates (case-insensitively); the directory its files are in.
    package var name: String
    /// `domains`: the names on the certificate, lowercased, in the order written (the first is
    /// the subject); wildcards as `*.example.org`.
    package var domains: [String]
    /// `issuers`: the names of the issuers to order from, the first first, the next when one fails.
    package var issuers: [String]
    /// `keyType`: the certificate's key (default ec256).
    package var keyType: ACMEKeyType
    /// `profile`: the ACME profile to ask for when the CA offers it.
    package var profile: String?
    /// `preferredChain`: prefer the chain with an issuer of this common name.
    package var preferredChain: String?
    /// `deployHook`: a shell command run after new files are in place.
    package var deployHook: String?
    /// `deployHookTimeoutSeconds`: how long the hook may run (default 300 s).
    package var deployHookTimeout: Duration
    /// `group` as written: a group name or a numeric gid given read access to the key (0640).
    package var group: String?
    /// ``group`` resolved when the configuration was read.
    package var groupID: UInt32?
    /// `reuseKey`: keep the key across renewals (default false: a new key each time).
    package var reuseKey: Bool

    package init(
        name: String, domains: [String], issuers: [String], keyType: ACMEKeyType = .p256, profile: String? = nil,
        preferredChain: String? = nil, deployHook: String? = nil,
        deployHookTimeout: Duration = CertificateDeclaration.defaultDeployHookTimeout, group: String? = nil,
        groupID: UInt32? = nil, reuseKey: Bool = false
    ) {
        self.name = name
        self.domains = domains
        self.issuers = issuers
        self.keyType = keyType
        self.profile = profile
        self.preferredChain = preferredChain
        self.deployHook = deployHook
        self.deployHookTimeout = deployHookTimeout
        self.group = group
        self.groupID = groupID
        self.reuseKey = reuseKey
    }

    /// How long a deploy hook may run unless `deployHookTimeoutSeconds` says otherwise.
    package static let defaultDeployHookTimeout = Duration.seconds(300)

    /// Whether a certificate issued for `old` no longer fits this declaration: its set of names
    /// or its key type differ. Other changes (issuers, hook, group, …) apply from the next order.
    package func needsNewCertificate(comparedTo old: CertificateDeclaration) -> Bool {
        Set(domains) != Set(old.domains) || keyType != old.keyType
    }

    /// The keys of a certificate entry.
    static let keys = [
        "name", "domains", "issuers", "keyType", "profile", "preferredChain", "deployHook",
        "deployHookTimeoutSeconds", "group", "reuseKey",
    ]

    /// Reads and checks one entry; `knownIssuers` are the names declared under `issuers`.
    init(reading entry: DeclarationEntry, knownIssuers: [String]) throws(CertificateManagerError) {
        name = try entry.name(kind: "certificate")

        guard let domainItems = try entry.strings("domains"), !domainItems.isEmpty else {
            throw entry.problem(
                "domains", "missing: the names for the certificate, e.g. [example.org, \"*.example.org\"]")
        }
        var domains: [String] = []
        for (index, item) in domainItems.enumerated() {
            let domain = item.text.lowercased()
            if let problem = Self.domainProblem(domain) {
                throw entry.problem(
                    "domains", item: index, "\"\(item.text)\" is not a domain name (\(problem))", at: item.mark)
            }
            if let first = domains.firstIndex(of: domain) {
                throw entry.problem(
                    "domains", item: index, "\"\(domain)\" is listed twice (also domains[\(first)])", at: item.mark)
            }
            domains.append(domain)
        }
        self.domains = domains

        let declared = knownIssuers.isEmpty ? "none are declared" : "declared: \(knownIssuers.joined(separator: ", "))"
        guard let issuerItems = try entry.strings("issuers"), !issuerItems.isEmpty else {
            throw entry.problem("issuers", "missing: the names of the issuers to order from, in order (\(declared))")
        }
        var issuers: [String] = []
        for (index, item) in issuerItems.enumerated() {
            guard knownIssuers.contains(item.text) else {
                throw entry.problem(
                    "issuers", item: index, "\"\(item.text)\" is not the name of an issuer under issuers (\(declared))",
                    at: item.mark)
            }
            if let first = issuers.firstIndex(of: item.text) {
                throw entry.problem(
                    "issuers", item: index, "\"\(item.text)\" is listed twice (also issuers[\(first)])", at: item.mark)
            }
            issuers.append(item.text)
        }
        self.issuers = issuers

        keyType = .p256
        if let text = try entry.string("keyType") {
            guard let type = ACMEKeyType(parsing: text) else {
                let known = ACMEKeyType.allCases.map(\.rawValue).joined(separator: ", ")
                throw entry.problem("keyType", "\"\(text)\" is not a key type; expected \(known)")
            }
            keyType = type
        }

        profile = try Self.nonEmpty(entry, "profile", "the name of an ACME profile the CA lists")
        preferredChain = try Self.nonEmpty(entry, "preferredChain", "the common name of a chain's issuer")
        deployHook = try Self.nonEmpty(entry, "deployHook", "a shell command")

        deployHookTimeout = Self.defaultDeployHookTimeout
        if let seconds = try entry.int("deployHookTimeoutSeconds", meaning: "a whole number of seconds") {
            guard seconds > 0 else {
                throw entry.problem("deployHookTimeoutSeconds", "must be a positive number of seconds, got \(seconds)")
            }
            deployHookTimeout = .seconds(seconds)
        }

        group = try entry.string("group")
        groupID = nil
        if let group {
            guard let id = SystemGroup.groupID(for: group) else {
                throw entry.problem(
                    "group",
                    "no group \"\(group)\" on this system; expected a group name from /etc/group or a numeric gid")
            }
            groupID = id
        }

        reuseKey = try entry.bool("reuseKey") ?? false
    }

    private static func nonEmpty(
        _ entry: DeclarationEntry, _ key: String, _ meaning: String
    ) throws(CertificateManagerError) -> String? {
        guard let text = try entry.string(key) else { return nil }
        guard !text.isEmpty else { throw entry.problem(key, "is empty; expected \(meaning), or leave the key out") }
        return text
    }

    /// Why `domain` (lowercased) cannot be on a certificate validated by dns-01, or `nil`.
    ///
    /// A name is two or more labels of letters, digits and inner hyphens (LDH, RFC 1123 §2.1;
    /// internationalized names in their `xn--` form), at most 253 characters, with no trailing
    /// dot; a wildcard is `*.` before such a name and nowhere else (RFC 8555 §7.1.3).
    package static func domainProblem(_ domain: String) -> String? {
        let wildcardHint = "a wildcard may only be the first label: *.example.com"
        let base = domain.hasPrefix("*.") ? String(domain.dropFirst(2)) : domain
        if base.contains("*") { return wildcardHint }
        if base.isEmpty { return "empty" }
        if !base.allSatisfy(\.isASCII) {
            return "write an internationalized name in its ASCII form, xn--…"
        }
        if base.hasSuffix(".") { return "write it without the trailing dot" }
        if base.utf8.count > 253 { return "longer than 253 characters" }
        let labels = base.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "a certificate needs a name with at least two labels: example.com" }
        for label in labels {
            if label.isEmpty { return "an empty label: two dots in a row, or a leading dot" }
            if label.utf8.count > DNSName.maximumLabelLength {
                return "the label \"\(label)\" is longer than \(DNSName.maximumLabelLength) characters"
            }
            let ldh = label.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
            }
            if !ldh { return "the label \"\(label)\" may hold only letters, digits and hyphens" }
            if label.hasPrefix("-") || label.hasSuffix("-") {
                return "the label \"\(label)\" starts or ends with a hyphen"
            }
        }
        if labels.last!.allSatisfy(\.isNumber) { return "an IP address, which dns-01 cannot validate" }
        guard (try? DNSName(base)) != nil else { return "not a valid DNS name" }
        return nil
    }
}
