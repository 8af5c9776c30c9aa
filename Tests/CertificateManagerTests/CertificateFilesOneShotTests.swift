import ACMEClient
import CairnTestSupport
import Foundation
import Testing

@testable import CertificateManager

/// What `cairn issue` writes from a running server's answer: the same four files as an
/// in-process order, the key 0600, each PEM ending with one newline.
@Suite struct CertificateFilesOneShotTests {
    @Test func writesTheFourFilesTheKeyOwnerOnly() async throws {
        try await withTemporaryDirectory { directory in
            let issued = try TestCertificates.issued(names: ["*.example.test", "example.test"])
            // As a server might send them: the leaf without its final newline, the key with two.
            let result = OneShotIssueResult(
                certificatePEM: String(issued.chain.leafPEM.dropLast()), chainPEM: issued.chain.intermediatesPEM,
                fullChainPEM: issued.chain.fullChainPEM, keyPEM: issued.key.pemRepresentation + "\n\n")
            let files = CertificateFiles(outputDirectory: directory.path, primaryName: "*.example.test")
            try files.write(result)

            #expect(files.directory == "\(directory.path)/_.example.test")
            #expect(try String(contentsOfFile: files.certificate, encoding: .utf8) == issued.chain.leafPEM)
            #expect(try String(contentsOfFile: files.chain, encoding: .utf8) == issued.chain.intermediatesPEM)
            #expect(try String(contentsOfFile: files.fullChain, encoding: .utf8) == issued.chain.fullChainPEM)
            #expect(
                try String(contentsOfFile: files.privateKey, encoding: .utf8) == issued.key.pemRepresentation + "\n")
            let mode = try FileManager.default.attributesOfItem(atPath: files.privateKey)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let certificateMode =
                try FileManager.default.attributesOfItem(atPath: files.certificate)[.posixPermissions] as? Int
            #expect(certificateMode == 0o644)
        }
    }
}
