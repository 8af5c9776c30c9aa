import CairnApplication
import CairnTestSupport
import CertificateManager
import Configuration
import DNSServer
import DNSWire
import Foundation
import Testing

/// The settings `cairn serve` reads, decoded in-process from a YAML file, the environment and
/// flag overrides — the layers, the `acme.*` keys, declared certificates beside them in the
/// same file, and errors that name the key.
@Suite struct ServeSettingsTests {
    static func read(_ yaml: String, environment: [String: String] = [:]) async throws -> ServeSettings {
        try await withTemporaryDirectory { directory in
            let file = try directory.write("cairn.yaml", yaml)
            return try await ServeSettings.read(
                configFile: file,
                overrides: ["state.directory": ConfigValue(.string("/var/lib/cairn"), isSecret: false)],
                environment: environment)
        }
    }

    @Test func theDefaultsServeWithNoConfigurationAtAll() async throws {
        let settings = try await Self.read("{}\n")
        #expect(settings.listen.map(\.description) == ["127.0.0.1:\(ServeSettings.defaultPort)"])
        #expect(settings.acme.preflight)
        #expect(settings.acme.concurrency == 4)
        #expect(settings.acme.certificatesDirectory == "/var/lib/cairn/certificates")
        #expect(settings.acme.declarations.certificates.isEmpty)
        #expect(settings.api.managedCertificate == nil)
        #expect(settings.serverConfiguration.udpIO == .direct)
        #expect(settings.serverConfiguration.pinsUDPThreads)
        #expect(settings.serverConfiguration.udpReceiveBufferSize == 4 << 20)
    }

    @Test func theUDPReceiveBufferIsSetByFileOrEnvironment() async throws {
        let fromFile = try await Self.read("dns:\n  udpReceiveBuffer: 212992\n")
        #expect(fromFile.serverConfiguration.udpReceiveBufferSize == 212_992)
        let fromEnvironment = try await Self.read("{}\n", environment: ["CAIRN_DNS_UDP_RECEIVE_BUFFER": "65536"])
        #expect(fromEnvironment.serverConfiguration.udpReceiveBufferSize == 65536)
    }

    @Test func pinningTheUDPThreadsIsTurnedOffByFileOrEnvironment() async throws {
        #expect(try await !Self.read("dns:\n  udpPinThreads: false\n").serverConfiguration.pinsUDPThreads)
        let fromEnvironment = try await Self.read("{}\n", environment: ["CAIRN_DNS_UDP_PIN_THREADS": "false"])
        #expect(!fromEnvironment.serverConfiguration.pinsUDPThreads)
    }

    @Test func theUDPPathIsChosenByFileOrEnvironment() async throws {
        #expect(try await Self.read("dns:\n  udpIO: event-loop\n").serverConfiguration.udpIO == .eventLoop)
        let fromEnvironment = try await Self.read("{}\n", environment: ["CAIRN_DNS_UDP_IO": "event-loop"])
        #expect(fromEnvironment.serverConfiguration.udpIO == .eventLoop)
    }

    @Test func declaredCertificatesLiveBesideTheScalarKeysInOneFile() async throws {
        let settings = try await Self.read(
            """
            dns:
              listen: ["127.0.0.1:5353"]
            acme:
              resolver: "192.0.2.53:5353"
              preflight: false
              concurrency: 8
              certificatesDirectory: /srv/certificates
            api:
              tls:
                certificate: "acme:api"
            issuers:
              - name: ca
                directory: staging
            certificates:
              - name: api
                domains: [api.example.org]
                issuers: [ca]

            """)
        #expect(settings.listen.map(\.description) == ["127.0.0.1:5353"])
        #expect(settings.acme.resolver.description == "192.0.2.53:5353")
        #expect(!settings.acme.preflight)
        #expect(settings.acme.concurrency == 8)
        #expect(settings.acme.certificatesDirectory == "/srv/certificates")
        #expect(settings.acme.declarations.certificates.map(\.name) == ["api"])
        #expect(settings.acme.declarations.issuers.first?.directoryURL == IssuerDeclaration.letsEncryptStagingURL)
        #expect(settings.api.managedCertificate == "api")
        #expect(settings.api.usesTLS)
    }

    @Test func theEnvironmentOverridesTheFile() async throws {
        let settings = try await Self.read(
            "acme:\n  concurrency: 8\n", environment: ["CAIRN_ACME_CONCURRENCY": "2"])
        #expect(settings.acme.concurrency == 2)
    }

    @Test(arguments: [
        ("acme:\n  resolver: \"not an address\"\n", "acme.resolver"),
        ("acme:\n  concurrency: 0\n", "acme.concurrency"),
        ("dns:\n  udpIO: epoll\n", "dns.udpIO"),
        ("dns:\n  udpPinThreads: sometimes\n", "dns.udpPinThreads"),
        ("dns:\n  udpReceiveBuffer: 1024\n", "dns.udpReceiveBuffer"),
        ("dns:\n  udpReceiveBuffer: 0\n", "dns.udpReceiveBuffer"),
        ("api:\n  tls:\n    certificate: \"acme:api\"\n    privateKey: /k.pem\n", "api.tls.certificate"),
        ("certificates:\n  - name: x\n    domain: [a.example]\n", "domain"),
    ])
    func aWrongValueIsRefusedNamingItsKey(yaml: String, key: String) async throws {
        do {
            _ = try await Self.read(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(key), "\(error)")
        }
    }
}
