import Foundation
import SwiftASN1
import Testing
import X509

@testable import ACMEClient

/// Decoding what CAs send, including what they add later, and what Cairn builds for them.
@Suite struct ACMEModelTests {
    @Test func problemWithSubproblemsNamesEachIdentifier() throws {
        let json = #"""
            {"type":"urn:ietf:params:acme:error:compound","detail":"Some of the identifiers were rejected",
             "status":403,"futureField":{"x":1},
             "subproblems":[
               {"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids issuance","identifier":{"type":"dns","value":"a.example.com"}},
               {"type":"urn:example:brand-new-type","detail":"something new","identifier":{"type":"dns","value":"b.example.com"}}]}
            """#
        let problem = try JSONDecoder().decode(ACMEProblem.self, from: Data(json.utf8))
        #expect(problem.type == .compound)
        #expect(problem.subproblems?.count == 2)
        #expect(problem.subproblems?[1].type.rawValue == "urn:example:brand-new-type")
        let text = "\(problem)"
        #expect(text.contains("a.example.com: caa: CAA forbids issuance"))
        #expect(text.contains("b.example.com: urn:example:brand-new-type: something new"))
    }

    @Test func authorizationWithUnknownChallengeTypes() throws {
        let json = #"""
            {"identifier":{"type":"dns","value":"example.com"},"status":"pending","wildcard":true,
             "expires":"2026-12-01T00:00:00Z","newThing":true,
             "challenges":[
               {"type":"dns-persist-01","url":"https://ca.test/c/1","status":"pending","issuer-domain-names":["ca.test"]},
               {"type":"dns-account-01","url":"https://ca.test/c/2","status":"pending","token":"t2"},
               {"type":"dns-01","url":"https://ca.test/c/3","status":"pending","token":"t3"}]}
            """#
        let authorization = try JSONDecoder().decode(ACMEAuthorization.self, from: Data(json.utf8))
        #expect(authorization.orderedName == "*.example.com")
        #expect(authorization.dns01?.token == "t3")
        #expect(authorization.challenges.map(\.type.rawValue) == ["dns-persist-01", "dns-account-01", "dns-01"])
    }

    @Test func directoryWithProfilesAndUnknownMembers() throws {
        let json = #"""
            {"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct","newOrder":"https://ca.test/order",
             "revokeCert":"https://ca.test/revoke","keyChange":"https://ca.test/key","renewalInfo":"https://ca.test/ari",
             "Xq2jW0gK":"https://community.example/whatever",
             "meta":{"termsOfService":"https://ca.test/tos","externalAccountRequired":false,
                     "profiles":{"classic":"The same as always","shortlived":"Six days"},"somethingNew":[1,2]}}
            """#
        let directory = try JSONDecoder().decode(ACMEDirectory.self, from: Data(json.utf8))
        #expect(directory.renewalInfo == "https://ca.test/ari")
        #expect(directory.meta?.profiles?.keys.sorted() == ["classic", "shortlived"])
    }

    /// RFC 9773 §4.1's worked example: AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4
    /// and serial 00:87:65:43:21 give `aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE`.
    @Test func ariCertificateIDMatchesRFC9773Example() throws {
        let keyIdentifier: [UInt8] = [
            0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01,
            0xC8, 0xD4,
        ]
        let issuerKey = try ACMEKey.generate(.p256)
        let subject = try DistinguishedName { CommonName("ari.example") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x00, 0x87, 0x65, 0x43, 0x21]),
            publicKey: issuerKey.certificateKey.publicKey, notValidBefore: Date(),
            notValidAfter: Date().addingTimeInterval(3600), issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                AuthorityKeyIdentifier(keyIdentifier: ArraySlice(keyIdentifier))
            },
            issuerPrivateKey: issuerKey.certificateKey)
        let identifier = try ARICertificateID(certificate).rawValue
        #expect(identifier == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE")
    }

    @Test func csrCarriesEveryNameAsSAN() throws {
        let names = ["example.test", "*.example.test", "other.test"]
        for type in [ACMEKeyType.p256, .rsa2048] {
            let key = try ACMEKey.generate(type)
            let der = try CertificateSigningRequestBuilder.der(names: names, key: key)
            let csr = try CertificateSigningRequest(derEncoded: Array(der))
            #expect(csr.publicKey == key.certificateKey.publicKey)
            #expect(csr.publicKey.isValidSignature(csr.signature, for: csr))
            let requested = try #require(try csr.attributes.extensionRequest)
            let sans = try #require(try requested.extensions.subjectAlternativeNames)
            #expect(sans.map { "\($0)" }.count == 3)
            #expect(Set(sans.compactMap { if case .dnsName(let n) = $0 { n } else { nil } }) == Set(names))
        }
    }

    @Test func certificateChainSplitsLeafAndIntermediates() throws {
        let rootKey = try ACMEKey.generate(.p256)
        let leafKey = try ACMEKey.generate(.p256)
        let rootName = try DistinguishedName { CommonName("Test Root X") }
        let leafName = try DistinguishedName { CommonName("leaf.example") }
        let root = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: rootKey.certificateKey.publicKey, notValidBefore: Date(),
            notValidAfter: Date().addingTimeInterval(3600), issuer: rootName, subject: rootName,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: .init(), issuerPrivateKey: rootKey.certificateKey)
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: leafKey.certificateKey.publicKey, notValidBefore: Date(),
            notValidAfter: Date().addingTimeInterval(3600), issuer: rootName, subject: leafName,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: .init(), issuerPrivateKey: rootKey.certificateKey)
        let pem = try leaf.serializeAsPEM().pemString + "\n" + root.serializeAsPEM().pemString + "\n"
        let chain = try CertificateChain(pem: pem)
        #expect(chain.certificates.count == 2)
        #expect(chain.leaf == leaf)
        #expect(chain.hasIssuer(named: "Test Root X"))
        #expect(!chain.hasIssuer(named: "Other Root"))
        #expect(chain.fullChainPEM == pem)
        #expect(throws: ACMEError(.unexpectedResponse)) { try CertificateChain(pem: "not pem") }
    }

    @Test func keyTypesParse() {
        #expect(ACMEKeyType(parsing: "ecdsa") == .p256)
        #expect(ACMEKeyType(parsing: "RSA4096") == .rsa4096)
        #expect(ACMEKeyType(parsing: "dsa") == nil)
        #expect(throws: ACMEError(.invalidKey)) { try ACMEKey(pemRepresentation: "-----BEGIN NOTHING-----") }
    }

    /// Errors compare by code alone (tests match `ACMEError(.timeout)`); what an operator reads
    /// is unchanged; where the error was raised travels with it.
    @Test func errorsCompareByCodeAndKeepTheirLocation() {
        let problem = ACMEProblem(type: .rateLimited, detail: "too many orders")
        let error = ACMEError(.problem, detail: "HTTP 429", problem: problem, url: "https://ca.test/new-order")
        #expect(error == ACMEError(.problem))
        #expect(error != ACMEError(.timeout, detail: "HTTP 429"))
        #expect(Set([error, ACMEError(.problem, detail: "other")]).count == 1)
        #expect(error.description == "problem: HTTP 429 (rateLimited: too many orders) [https://ca.test/new-order]")
        #expect(ACMEError(.timeout).description == "timeout")
        #expect(error.file == "ACMEClientTests/ACMEModelTests.swift")
        #expect(error.line > 0)
    }
}
