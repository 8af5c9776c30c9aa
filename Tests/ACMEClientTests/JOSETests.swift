import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import ACMEClient

/// JWK thumbprints, JWS signatures, base64url and the dns-01 digest against published values.
@Suite struct JOSETests {
    /// RFC 7638 §3.1: the RSA key of RFC 7517 Appendix A.1 and its thumbprint.
    @Test func thumbprintMatchesRFC7638Example() {
        let key = JSONWebKey(
            kty: "RSA",
            n:
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            e: "AQAB")
        #expect(key.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        #expect(String(decoding: key.canonicalJSON, as: UTF8.self).hasPrefix(#"{"e":"AQAB","kty":"RSA","n":"0vx7"#))
    }

    /// The dns-01 TXT value (RFC 8555 §8.4) for a token and the thumbprint above, checked with
    /// `printf '<token>.<thumbprint>' | openssl dgst -sha256 -binary | basenc --base64url`.
    @Test func dns01DigestMatchesOpenSSL() {
        let value = DNS01.txtValue(
            token: "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
            thumbprint: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        #expect(value == "ZTRx1Ckl1-tM05o5zaizTTA0yUy5AGereMgSNWC6Ll8")
        #expect(value.count == 43)
    }

    @Test func challengeNames() {
        #expect(DNS01.challengeName(for: "*.Example.COM") == "_acme-challenge.example.com")
        #expect(DNS01.challengeName(for: "example.com.") == "_acme-challenge.example.com")
        #expect(DNS01.challengeName(for: "a.b.example.com") == "_acme-challenge.a.b.example.com")
    }

    @Test func base64URL() {
        let bytes = Data([0xfb, 0xff, 0xfe, 0x00, 0x01])
        #expect(bytes.base64URLEncodedString() == "-__-AAE")
        #expect(Data(base64URLEncoded: "-__-AAE") == bytes)
        #expect(Data(base64URLEncoded: "+//+AAE=") == nil)
        #expect(Data(base64URLEncoded: "AAE=") == nil)
        #expect(Data(base64URLEncoded: "") == Data())
    }

    @Test(arguments: [ACMEKeyType.p256, .p384, .rsa2048])
    func jwsSignatureVerifies(_ type: ACMEKeyType) throws {
        let key = try ACMEKey.generate(type)
        let header = JWS.Header(
            alg: key.algorithm, jwk: key.jwk, kid: nil, nonce: "n1", url: "https://ca.test/new-acct")
        let jws = try JWS.sign(payload: Data(#"{"a":1}"#.utf8), header: header, key: key)
        let signingInput = Data("\(jws.protected).\(jws.payload)".utf8)
        let signature = try #require(Data(base64URLEncoded: jws.signature))
        let protected =
            try JSONSerialization.jsonObject(with: try #require(Data(base64URLEncoded: jws.protected)))
            as? [String: Any]
        #expect(protected?["alg"] as? String == key.algorithm)
        #expect(protected?["nonce"] as? String == "n1")
        #expect(protected?["kid"] == nil)
        let reloaded = try ACMEKey(pemRepresentation: key.pemRepresentation)
        #expect(reloaded.jwk == key.jwk)
        switch key.backing {
        case .p256(let privateKey):
            #expect(signature.count == 64)
            #expect(
                privateKey.publicKey.isValidSignature(
                    try P256.Signing.ECDSASignature(rawRepresentation: signature), for: signingInput))
        case .p384(let privateKey):
            #expect(signature.count == 96)
            #expect(
                privateKey.publicKey.isValidSignature(
                    try P384.Signing.ECDSASignature(rawRepresentation: signature), for: signingInput))
        case .rsa(let privateKey):
            #expect(
                privateKey.publicKey.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: signature), for: signingInput,
                    padding: .insecurePKCS1v1_5))
            #expect(key.jwk.e == "AQAB")
        }
    }

    /// POST-as-GET has an empty payload (RFC 8555 §6.3); after registration requests carry `kid`.
    @Test func postAsGetHasEmptyPayloadAndKid() throws {
        let key = try ACMEKey.generate(.p256)
        let header = JWS.Header(
            alg: "ES256", jwk: nil, kid: "https://ca.test/acct/1", nonce: "n", url: "https://ca.test/o")
        let jws = try JWS.sign(payload: nil, header: header, key: key)
        #expect(jws.payload == "")
        let protected = String(decoding: try #require(Data(base64URLEncoded: jws.protected)), as: UTF8.self)
        #expect(protected.contains(#""kid":"https://ca.test/acct/1""#))
        #expect(!protected.contains("jwk"))
    }

    /// External Account Binding (RFC 8555 §7.3.4): HS256 over the account JWK, with the CA's key ID.
    @Test func externalAccountBindingIsHMACOverTheAccountKey() throws {
        let key = try ACMEKey.generate(.p256)
        let macKey = Data((0..<32).map { UInt8($0) })
        let binding = try ExternalAccountBinding(keyID: "kid-1", encodedMACKey: macKey.base64URLEncodedString())
        #expect(binding.macKey == macKey)
        #expect(try ExternalAccountBinding(keyID: "kid-1", encodedMACKey: binding.encodedMACKey).macKey == macKey)
        let jws = try JWS.externalAccountBinding(
            keyID: "kid-1", macKey: macKey, accountKey: key.jwk, url: "https://ca.test/new-acct")
        let payload = try JSONDecoder().decode(JSONWebKey.self, from: try #require(Data(base64URLEncoded: jws.payload)))
        #expect(payload == key.jwk)
        let expected = HMAC<SHA256>.authenticationCode(
            for: Data("\(jws.protected).\(jws.payload)".utf8), using: SymmetricKey(data: macKey))
        #expect(Data(base64URLEncoded: jws.signature) == Data(expected))
        let protected = String(decoding: try #require(Data(base64URLEncoded: jws.protected)), as: UTF8.self)
        #expect(protected.contains(#""alg":"HS256""#) && protected.contains(#""kid":"kid-1""#))
        #expect(throws: ACMEError(.invalidKey)) { try ExternalAccountBinding(keyID: "k", encodedMACKey: "not base64!") }
    }
}
