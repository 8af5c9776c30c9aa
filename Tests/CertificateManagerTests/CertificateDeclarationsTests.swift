import ACMEClient
import CairnTestSupport
import Foundation
import Testing

@testable import CertificateManager

/// The `issuers` and `certificates` lists of the configuration file: decoded with defaults,
/// refused with the file, line, entry and key named, and compared across reloads.
@Suite struct CertificateDeclarationsTests {
    /// A typical cairn.yaml with both lists among the keys swift-configuration reads.
    static let fullFile = """
        dns:
          listen: ["127.0.0.1:10053", "[::1]:10053"]
          tcp:
            maxConnections: 1024
        api:
          listen: "127.0.0.1:8053"
          registerNetworks: ["127.0.0.0/8"]
        zones:
          directory: zones
        issuers:
          - name: letsencrypt
            directory: production
            email: hostmaster@example.org
          - name: pebble
            directory: https://127.0.0.1:14000/dir
            caBundle: /etc/cairn/pebble.minica.pem
            accountKeyType: rsa2048
            eab:
              kid: kid-1
              hmacKeyFile: /etc/cairn/pebble.hmac
        certificates:
          - name: example.org
            domains: [Example.ORG, "*.example.org"]
            issuers: [letsencrypt, pebble]
          - name: mail
            domains:
              - mail.example.org
            issuers: [pebble]
            keyType: rsa4096
            profile: shortlived
            preferredChain: ISRG Root X1
            deployHook: systemctl reload postfix
            deployHookTimeoutSeconds: 30
            group: "0"
            reuseKey: true
          - name: www
            domains: [www.example.net]
            issuers: [letsencrypt]
            group: root
        state:
          directory: .cairn
        log:
          level: info
        """

    @Test func aFullFileDecodesWithDefaultsApplied() throws {
        let declarations = try CertificateDeclarations.decode(yaml: Self.fullFile, source: "cairn.yaml")

        #expect(declarations.issuers.map(\.name) == ["letsencrypt", "pebble"])
        let letsEncrypt = try #require(declarations.issuer(named: "letsencrypt"))
        #expect(
            letsEncrypt
                == IssuerDeclaration(
                    name: "letsencrypt", directoryURL: "https://acme-v02.api.letsencrypt.org/directory",
                    email: "hostmaster@example.org"))
        #expect(letsEncrypt.accountKeyType == .p256)
        #expect(letsEncrypt.contact == ["mailto:hostmaster@example.org"])
        let pebble = try #require(declarations.issuer(named: "pebble"))
        #expect(pebble.directoryURL == "https://127.0.0.1:14000/dir")
        #expect(pebble.caBundle == "/etc/cairn/pebble.minica.pem")
        #expect(pebble.accountKeyType == .rsa2048)
        #expect(pebble.email == nil)
        #expect(
            pebble.externalAccountBinding
                == ExternalAccountBindingDeclaration(keyID: "kid-1", hmacKeyFile: "/etc/cairn/pebble.hmac"))

        #expect(declarations.certificates.map(\.name) == ["example.org", "mail", "www"])
        let example = try #require(declarations.certificate(named: "example.org"))
        #expect(
            example
                == CertificateDeclaration(
                    name: "example.org", domains: ["example.org", "*.example.org"],
                    issuers: ["letsencrypt", "pebble"]))
        #expect(example.keyType == .p256)
        #expect(example.deployHookTimeout == .seconds(300))
        #expect(example.reuseKey == false)
        #expect(example.group == nil && example.groupID == nil)
        #expect(declarations.issuers(of: example).map(\.name) == ["letsencrypt", "pebble"])

        let mail = try #require(declarations.certificate(named: "mail"))
        #expect(
            mail
                == CertificateDeclaration(
                    name: "mail", domains: ["mail.example.org"], issuers: ["pebble"], keyType: .rsa4096,
                    profile: "shortlived", preferredChain: "ISRG Root X1", deployHook: "systemctl reload postfix",
                    deployHookTimeout: .seconds(30), group: "0", groupID: 0, reuseKey: true))
        let www = try #require(declarations.certificate(named: "www"))
        #expect(www.group == "root" && www.groupID == 0)
    }

    @Test func theRestOfTheFileIsIgnored() throws {
        let rest = """
            dns:
              listen: ["127.0.0.1:10053"]
              nameservers: ["ns1.auth.example.net"]
            api:
              authZone: auth.example.net
              tls: {certificate: /etc/cairn/api.pem, privateKey: /etc/cairn/api.key}
            zones:
              directory: zones
            certificate: this top-level key belongs to no one here
            """
        #expect(try CertificateDeclarations.decode(yaml: rest, source: "cairn.yaml") == .empty)
        #expect(try CertificateDeclarations.decode(yaml: "", source: "cairn.yaml") == .empty)
        #expect(try CertificateDeclarations.decode(yaml: "# only a comment\n", source: "cairn.yaml") == .empty)
        #expect(try CertificateDeclarations.decode(yaml: "issuers:\ncertificates: ~\n", source: "cairn.yaml") == .empty)
    }

    @Test func aMissingFileDeclaresNothingAndAFileIsReadByPath() async throws {
        #expect(try CertificateDeclarations.load(fromYAMLFile: "/nonexistent/cairn.yaml") == .empty)
        try await withTemporaryDirectory { directory in
            let path = try directory.write("cairn.yaml", Self.fullFile)
            #expect(try CertificateDeclarations.load(fromYAMLFile: path).certificates.count == 3)
            let broken = try directory.write("broken.yaml", "certificates:\n  - name: [\n")
            let error = #expect(throws: CertificateManagerError(.configuration)) {
                try CertificateDeclarations.load(fromYAMLFile: broken)
            }
            #expect(error?.reason.hasPrefix("\(broken):") == true)
        }
    }

    @Test func theExampleConfigurationDeclaresNothingUntilUncommented() throws {
        let contrib = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("contrib/cairn.yaml").path
        #expect(try CertificateDeclarations.load(fromYAMLFile: contrib) == .empty)

        // The documented example is valid once its "# " prefixes are removed.
        let text = try String(contentsOfFile: contrib, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "# issuers:"))
        let example = lines[start...]
            .map { line in line == "#" ? "" : line.hasPrefix("# ") ? String(line.dropFirst(2)) : String(line) }
            .joined(separator: "\n")
        let declarations = try CertificateDeclarations.decode(yaml: example, source: "contrib/cairn.yaml")
        #expect(declarations.issuers.map(\.name) == ["letsencrypt", "zerossl"])
        #expect(declarations.certificates.map(\.name) == ["example.org", "mail"])
        #expect(declarations.certificates[0].domains == ["example.org", "*.example.org", "www.example.net"])
    }

    @Test func anchorsAndMergeKeysShareSettingsBetweenEntries() throws {
        let yaml = """
            issuers:
              - {name: le, directory: staging}
            certificates:
              - &defaults
                name: a
                domains: [a.example.org]
                issuers: [le]
                keyType: ec384
              - <<: *defaults
                name: b
                domains: [b.example.org]
            """
        let declarations = try CertificateDeclarations.decode(yaml: yaml, source: "cairn.yaml")
        #expect(declarations.certificates.map(\.keyType) == [.p384, .p384])
        #expect(declarations.certificates[1].domains == ["b.example.org"])
        #expect(declarations.issuers[0].directoryURL == IssuerDeclaration.letsEncryptStagingURL)
    }

    // MARK: Errors

    /// The reason `yaml` is refused with, or `nil` when it is accepted.
    private func refusal(_ yaml: String) -> String? {
        do {
            _ = try CertificateDeclarations.decode(yaml: yaml, source: "cairn.yaml")
            return nil
        } catch {
            #expect(error.code == .configuration)
            return error.reason
        }
    }

    /// An issuer `le` and one certificate `web` with `lines` added to it.
    private func certificate(_ lines: String, domains: String = "[example.org]", issuers: String = "[le]") -> String {
        """
        issuers:
          - name: le
            directory: staging
        certificates:
          - name: web
            domains: \(domains)
            issuers: \(issuers)
        \(lines.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))
        """
    }

    /// An issuer `le` with `lines` added to it.
    private func issuer(_ lines: String, directory: String = "staging") -> String {
        """
        issuers:
          - name: le
            directory: \(directory)
        \(lines.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))
        """
    }

    @Test func aProblemNamesTheFileTheLineTheEntryAndTheKey() {
        let yaml = """
            issuers:
              - name: le
                directory: staging
            certificates:
              - name: web
                domains:
                  - example.com
                  - "*.*.example.com"
                issuers: [le]
            """
        #expect(
            refusal(yaml)
                == "cairn.yaml:8: certificates[web] domains[1]: \"*.*.example.com\" is not a domain name "
                + "(a wildcard may only be the first label: *.example.com)")
    }

    @Test func anEntryWithoutANameIsNamedByItsIndex() {
        let yaml = """
            issuers:
              - name: le
                directory: staging
            certificates:
              - name: web
                domains: [example.org]
                issuers: [le]
              - domains: [example.net]
                issuers: [le]
            """
        #expect(refusal(yaml) == "cairn.yaml:8: certificates[1] name: missing: a unique name for this certificate")
        #expect(refusal("issuers:\n  - directory: staging\n")?.contains("issuers[0] name: missing") == true)
    }

    @Test func namesMustBeUniqueAndFitForADirectory() throws {
        let twice = """
            issuers:
              - {name: le, directory: staging}
            certificates:
              - {name: web, domains: [a.example.org], issuers: [le]}
              - {name: Web, domains: [b.example.org], issuers: [le]}
            """
        let certificates = try #require(refusal(twice))
        #expect(certificates.contains("cairn.yaml:5: certificates[Web] name:"))
        #expect(certificates.contains("certificates[0]"))
        let issuers = try #require(
            refusal("issuers:\n  - {name: le, directory: staging}\n  - {name: le, directory: production}\n"))
        #expect(issuers.contains("issuers[le] name: \"le\" is the name of issuers[0] too"))
        for bad in ["../etc", "..", ".", "a/b", "-x", "\"*.example.org\"", "\"\""] {
            let reason = try #require(
                refusal(
                    "issuers:\n  - {name: le, directory: staging}\ncertificates:\n  - {name: \(bad), domains: [a.example.org], issuers: [le]}\n"
                ), "\(bad)")
            #expect(reason.contains(" name: "), "\(bad): \(reason)")
        }
        let wildcard = refusal(
            certificate("", domains: "[a.example.org]").replacingOccurrences(
                of: "name: web", with: "name: \"*.example.org\""))
        #expect(wildcard?.contains("write _.example.org") == true)
    }

    @Test func aCertificateNamesOnlyDeclaredIssuers() throws {
        let unknown = try #require(refusal(certificate("", issuers: "[le, zerossl]")))
        #expect(
            unknown.contains("certificates[web] issuers[1]: \"zerossl\" is not the name of an issuer under issuers"))
        #expect(unknown.contains("declared: le"))
        let none = try #require(refusal("certificates:\n  - {name: web, domains: [a.example.org], issuers: [le]}\n"))
        #expect(none.contains("certificates[web] issuers[0]") && none.contains("none are declared"))
        #expect(refusal(certificate("", issuers: "[]"))?.contains("certificates[web] issuers: missing") == true)
        #expect(refusal(certificate("", issuers: "[le, le]"))?.contains("issuers[1]: \"le\" is listed twice") == true)
    }

    @Test(arguments: [
        ("exa mple.org", "may hold only letters, digits and hyphens"),
        ("under_score.example.org", "may hold only letters, digits and hyphens"),
        ("-lead.example.org", "starts or ends with a hyphen"),
        ("localhost", "at least two labels"),
        ("example.org.", "without the trailing dot"),
        ("a..example.org", "empty label"),
        ("bücher.example", "xn--"),
        ("192.0.2.1", "IP address"),
        ("\(String(repeating: "a", count: 64)).example.org", "longer than 63"),
    ])
    func aBadDomainIsRefused(domain: String, explanation: String) throws {
        let reason = try #require(refusal(certificate("", domains: "[example.org, \"\(domain)\"]")))
        #expect(reason.contains("certificates[web] domains[1]: \"\(domain)\" is not a domain name"), "\(reason)")
        #expect(reason.contains(explanation), "\(reason)")
    }

    @Test(arguments: ["*.*.example.org", "www.*.example.org", "*example.org", "*", "*."])
    func aWildcardMayOnlyBeTheFirstLabel(domain: String) throws {
        let reason = try #require(refusal(certificate("", domains: "[\"\(domain)\"]")))
        #expect(reason.contains("certificates[web] domains[0]: \"\(domain)\" is not a domain name"), "\(reason)")
    }

    @Test func domainsAreLowercasedAndAListedTwiceIsRefused() throws {
        let reason = try #require(refusal(certificate("", domains: "[example.org, www.example.org, WWW.Example.org]")))
        #expect(reason.contains("certificates[web] domains[2]: \"www.example.org\" is listed twice (also domains[1])"))
        #expect(refusal(certificate("", domains: "[]"))?.contains("certificates[web] domains: missing") == true)
        #expect(refusal(certificate("", domains: "example.org"))?.contains("domains: expected a list") == true)
        let accepted = try CertificateDeclarations.decode(
            yaml: certificate("", domains: "[\"*.Example.org\", Example.org]"), source: "cairn.yaml")
        #expect(accepted.certificates[0].domains == ["*.example.org", "example.org"])
    }

    @Test func keyTypesAreCheckedForCertificatesAndAccounts() throws {
        let certificateKey = try #require(refusal(certificate("keyType: ec521")))
        #expect(
            certificateKey.contains(
                "certificates[web] keyType: \"ec521\" is not a key type; expected ec256, ec384, rsa2048, rsa3072, rsa4096"
            ))
        let accountKey = try #require(refusal(issuer("accountKeyType: rsa4096")))
        #expect(
            accountKey.contains(
                "issuers[le] accountKeyType: \"rsa4096\" is not an account key type; expected ec256, ec384, rsa2048"))
        let accepted = try CertificateDeclarations.decode(
            yaml: certificate("keyType: rsa3072").replacingOccurrences(
                of: "directory: staging", with: "directory: staging\n    accountKeyType: ec384"),
            source: "cairn.yaml")
        #expect(accepted.certificates[0].keyType == .rsa3072)
        #expect(accepted.issuers[0].accountKeyType == .p384)
    }

    @Test func anIssuersRateLimitsAreLetsEncryptsUnlessItSaysNone() throws {
        let plain = try CertificateDeclarations.decode(yaml: certificate(""), source: "cairn.yaml")
        #expect(plain.issuers[0].rateLimits == .letsEncrypt)
        let unlimited = try CertificateDeclarations.decode(
            yaml: certificate("").replacingOccurrences(
                of: "directory: staging", with: "directory: staging\n    rateLimits: none"),
            source: "cairn.yaml")
        #expect(unlimited.issuers[0].rateLimits == .none)
        let refused = try #require(refusal(issuer("rateLimits: unlimited")))
        #expect(refused.contains("issuers[le] rateLimits: \"unlimited\" is not a rate-limit policy"), "\(refused)")
    }

    @Test func anEABNeedsAKeyIDAndAKeyFileAndNeverTheKey() throws {
        let noFile = try #require(refusal(issuer("eab:\n  kid: kid-1")))
        #expect(noFile.contains("cairn.yaml:5: issuers[le] eab.hmacKeyFile: missing"))
        let noKid = try #require(refusal(issuer("eab: {hmacKeyFile: /etc/cairn/eab.hmac}")))
        #expect(noKid.contains("issuers[le] eab.kid: missing"))
        let inline = try #require(refusal(issuer("eab: {kid: kid-1, hmacKeyFile: /x, hmacKey: c2VjcmV0}")))
        #expect(inline.contains("issuers[le] eab.hmacKey: unknown key (the MAC key is never written here"))
        #expect(inline.contains("known keys: kid, hmacKeyFile"))
        #expect(
            refusal(issuer("eab: kid-1"))?.contains("issuers[le] eab: expected a mapping of kid, hmacKeyFile") == true)
    }

    @Test func anUnknownKeyInAnEntryIsRefusedNamingTheKnownOnes() throws {
        let yaml = """
            issuers:
              - name: le
                directory: staging
            certificates:
              - name: web
                domain: [example.org]
                issuers: [le]
            """
        let reason = try #require(refusal(yaml))
        #expect(
            reason.hasPrefix(
                "cairn.yaml:6: certificates[web] domain: unknown key (did you mean domains?); known keys: "))
        #expect(reason.contains(CertificateDeclaration.keys.joined(separator: ", ")))
        let issuerKey = try #require(refusal(issuer("server: https://acme.example.net/directory")))
        #expect(issuerKey.contains("issuers[le] server: unknown key; known keys: name, directory, caBundle"))
        #expect(
            refusal(certificate("keytype: ec384"))?.contains("keytype: unknown key (did you mean keyType?)") == true)
    }

    @Test func aGroupMustExistOnThisSystem() throws {
        let reason = try #require(refusal(certificate("group: cairn-no-such-group")))
        #expect(reason.contains("certificates[web] group: no group \"cairn-no-such-group\" on this system"))
        #expect(refusal(certificate("group: \"99999999999\""))?.contains("certificates[web] group:") == true)
        let numeric = try CertificateDeclarations.decode(yaml: certificate("group: 4242"), source: "cairn.yaml")
        #expect(numeric.certificates[0].groupID == 4242)
    }

    @Test(arguments: [
        ("http://127.0.0.1:14000/dir", "ACME needs https"),
        ("prod", "expected production, staging"),
        ("https://", "expected production, staging"),
        ("ftp://acme.example.net/directory", "expected production, staging"),
        ("\"https://user:secret@acme.example.net/directory\"", "expected production, staging"),
    ])
    func aDirectoryIsProductionStagingOrAnHTTPSURL(directory: String, explanation: String) throws {
        let reason = try #require(refusal(issuer("", directory: directory)))
        #expect(reason.contains("cairn.yaml:3: issuers[le] directory:"), "\(reason)")
        #expect(reason.contains(explanation), "\(reason)")
    }

    @Test func theOtherValuesAreChecked() {
        #expect(
            refusal(certificate("deployHookTimeoutSeconds: 0"))?.contains(
                "deployHookTimeoutSeconds: must be a positive") == true)
        #expect(
            refusal(certificate("deployHookTimeoutSeconds: 5m"))?.contains(
                "expected a whole number of seconds, got \"5m\"") == true)
        #expect(
            refusal(certificate("reuseKey: maybe"))?.contains("reuseKey: expected true or false, got \"maybe\"") == true
        )
        #expect(refusal(certificate("deployHook: \"\""))?.contains("deployHook: is empty") == true)
        #expect(refusal(certificate("profile: [a, b]"))?.contains("profile: expected a single value") == true)
        #expect(
            refusal(issuer("email: mailto:me@example.org"))?.contains(
                "email: \"mailto:me@example.org\" needs no mailto:") == true)
        #expect(refusal(issuer("email: me"))?.contains("issuers[le] email: \"me\" is not an e-mail address") == true)
        #expect(refusal("certificates: web\n")?.contains("cairn.yaml:1: certificates: expected a list") == true)
        #expect(
            refusal("certificates: [web]\n")?.contains("certificates[0]: expected a certificate as a mapping") == true)
        #expect(refusal("- a\n- b\n")?.contains("the file: expected a mapping") == true)
    }

    @Test func aYAMLSyntaxErrorCarriesItsLineAndColumn() throws {
        let reason = try #require(refusal("issuers:\n  - name: le\n    directory: staging\n   bad: [\n"))
        #expect(reason.hasPrefix("cairn.yaml:4:4: YAML: "), "\(reason)")
        let unquoted = try #require(refusal(certificate("", domains: "[example.org, *.example.org]")))
        #expect(unquoted.hasPrefix("cairn.yaml:6:"), "\(unquoted)")
        #expect(unquoted.contains("a wildcard name must be quoted: \"*.example.com\""), "\(unquoted)")
        let block = try #require(refusal(certificate("", domains: "\n      - *.example.org")))
        #expect(block.contains("a wildcard name must be quoted"), "\(block)")
        let twice = try #require(refusal("issuers:\n  - name: le\n    name: other\n    directory: staging\n"))
        #expect(twice == "cairn.yaml:2: YAML: the key \"name\" appears more than once in one mapping")
    }

    // MARK: Reload

    @Test func theDiffNamesAddedRemovedAndChangedCertificates() {
        let le = IssuerDeclaration(name: "le", directoryURL: IssuerDeclaration.letsEncryptProductionURL)
        let other = IssuerDeclaration(name: "other", directoryURL: "https://acme.example.net/directory")
        let same = CertificateDeclaration(name: "same", domains: ["same.example.org"], issuers: ["le"])
        let domains = CertificateDeclaration(name: "domains", domains: ["a.example.org"], issuers: ["le"])
        let reordered = CertificateDeclaration(
            name: "reordered", domains: ["a.example.org", "b.example.org"], issuers: ["le"])
        let key = CertificateDeclaration(name: "key", domains: ["k.example.org"], issuers: ["le"])
        let hook = CertificateDeclaration(name: "hook", domains: ["h.example.org"], issuers: ["le"])
        let viaOther = CertificateDeclaration(name: "via-other", domains: ["o.example.org"], issuers: ["other"])
        let gone = CertificateDeclaration(name: "gone", domains: ["g.example.org"], issuers: ["le"])
        let old = CertificateDeclarations(
            issuers: [le, other], certificates: [same, domains, reordered, key, hook, viaOther, gone])

        var newDomains = domains
        newDomains.domains.append("c.example.org")
        var newReordered = reordered
        newReordered.domains.reverse()
        var newKey = key
        newKey.keyType = .rsa2048
        var newHook = hook
        newHook.deployHook = "systemctl reload nginx"
        var newOther = other
        newOther.accountKeyType = .p384
        let fresh = CertificateDeclaration(name: "fresh", domains: ["f.example.org"], issuers: ["le"])
        let new = CertificateDeclarations(
            issuers: [le, newOther],
            certificates: [fresh, same, newDomains, newReordered, newKey, newHook, viaOther])

        let diff = DeclarationDiff(from: old, to: new)
        #expect(diff.added == ["fresh"])
        #expect(diff.removed == ["gone"])
        #expect(diff.changed == ["domains", "reordered", "key", "hook", "via-other"])
        #expect(diff.needsNewCertificate == ["domains", "key"])
        #expect(!diff.isEmpty)
        #expect(DeclarationDiff(from: new, to: new).isEmpty)
        #expect(DeclarationDiff(from: .empty, to: new).added == new.certificates.map(\.name))
        #expect(DeclarationDiff(from: old, to: .empty).removed == old.certificates.map(\.name))
    }

    @Test func reloadingTheSameFileChangesNothing() throws {
        let first = try CertificateDeclarations.decode(yaml: Self.fullFile, source: "cairn.yaml")
        let second = try CertificateDeclarations.decode(yaml: Self.fullFile + "\n# edited\n", source: "cairn.yaml")
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(DeclarationDiff(from: first, to: second).isEmpty)
        let edited = try CertificateDeclarations.decode(
            yaml: Self.fullFile.replacingOccurrences(of: "keyType: rsa4096", with: "keyType: ec384"),
            source: "cairn.yaml")
        #expect(DeclarationDiff(from: first, to: edited).needsNewCertificate == ["mail"])
    }

    // MARK: EAB

    @Test func anEABKeyIsReadFromItsFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = try directory.write("eab.hmac", "c2VjcmV0LW1hYy1rZXk\n")
            let binding = try ExternalAccountBindingDeclaration(keyID: "kid-1", hmacKeyFile: path).load(
                issuer: "zerossl")
            #expect(binding.keyID == "kid-1")
            #expect(binding.macKey == Data("secret-mac-key".utf8))
            let missing = #expect(throws: CertificateManagerError(.configuration)) {
                try ExternalAccountBindingDeclaration(keyID: "kid-1", hmacKeyFile: directory.file("none")).load(
                    issuer: "zerossl")
            }
            #expect(missing?.reason.hasPrefix("issuers[zerossl] eab.hmacKeyFile: cannot read") == true)
        }
    }
}
