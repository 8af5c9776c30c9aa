import Foundation

/// Pebble, Let's Encrypt's ACME test CA (Debian package `pebble` 2.4.0), run for the length of
/// a test body on free loopback ports (TESTING.md, "Pebble").
///
/// ```swift
/// try await Pebble.with(Pebble.Options(dnsServer: "127.0.0.1:\(resolverPort)")) { pebble in
///     // pebble.directoryURL, trust pebble.caCertificatePath
/// }
/// ```
public struct Pebble: Sendable {
    /// How to start Pebble.
    public struct Options: Sendable {
        /// `HOST:PORT` of the resolver Pebble's validation authority asks (`-dnsserver`).
        public var dnsServer: String
        /// External Account Binding keys, key identifier → base64url HMAC key. Not empty: EAB is required.
        public var externalAccountMACKeys: [String: String]
        /// Environment added to (or overriding) `PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0`, such as
        /// `PEBBLE_WFE_NONCEREJECT`.
        public var environment: [String: String]
        /// How many times readiness is polled (every 100 ms at most).
        public var readyAttempts: Int

        public init(
            dnsServer: String, externalAccountMACKeys: [String: String] = [:], environment: [String: String] = [:],
            readyAttempts: Int = 150
        ) {
            self.dnsServer = dnsServer
            self.externalAccountMACKeys = externalAccountMACKeys
            self.environment = environment
            self.readyAttempts = readyAttempts
        }
    }

    /// What went wrong with Pebble itself (not with the code under test).
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The ACME directory, `https://127.0.0.1:A/dir`.
    public let directoryURL: String
    /// The management interface, `https://127.0.0.1:M` (roots, intermediates).
    public let managementURL: String
    /// PEM of the certificate Pebble's HTTPS listeners present: clients must trust it.
    public let caCertificatePath: String
    /// Pebble's combined standard output and error.
    public let logPath: String
    /// The directory holding Pebble's files; removed when ``with(_:_:)`` returns.
    public let directory: TemporaryDirectory

    /// Starts Pebble, waits until its directory answers, runs `body`, and stops Pebble whatever happens.
    public static func with<T: Sendable>(
        _ options: Options, _ body: @Sendable (Pebble) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory(prefix: "pebble") { directory in
            let certificate = directory.file("pebble-cert.pem")
            let key = directory.file("pebble-key.pem")
            let made = try await Tool.run(
                "openssl",
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-out", certificate, "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1",
                ])
            guard made.succeeded else {
                throw Failure(description: "openssl could not make Pebble's certificate: \(made.output)")
            }

            let listenPort = try await LoopbackPorts.free()
            var managementPort = try await LoopbackPorts.free()
            while managementPort == listenPort { managementPort = try await LoopbackPorts.free() }
            let configuration = Configuration(
                pebble: .init(
                    listenAddress: "127.0.0.1:\(listenPort)", managementListenAddress: "127.0.0.1:\(managementPort)",
                    certificate: certificate, privateKey: key, httpPort: 5002, tlsPort: 5001, ocspResponderURL: "",
                    externalAccountBindingRequired: !options.externalAccountMACKeys.isEmpty,
                    externalAccountMACKeys: options.externalAccountMACKeys.isEmpty
                        ? nil : options.externalAccountMACKeys))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let configPath = directory.file("pebble.json")
            try encoder.encode(configuration).write(to: URL(fileURLWithPath: configPath))

            var environment = ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_AUTHZREUSE": "0"]
            environment.merge(options.environment) { _, new in new }
            let pebble = Pebble(
                directoryURL: "https://127.0.0.1:\(listenPort)/dir",
                managementURL: "https://127.0.0.1:\(managementPort)", caCertificatePath: certificate,
                logPath: directory.file("pebble.log"), directory: directory)
            return try await Daemon.with(
                "pebble", ["-config", configPath, "-dnsserver", options.dnsServer], environment: environment,
                logPath: pebble.logPath, attempts: options.readyAttempts,
                ready: { (try? await pebble.get(pebble.directoryURL))?.contains("newOrder") ?? false }
            ) { _ in try await body(pebble) }
        }
    }

    /// GETs `url` from Pebble (trusting its certificate) and returns the body; throws unless 2xx.
    public func get(_ url: String) async throws -> String {
        let result = try await Tool.run(
            "curl", ["--silent", "--show-error", "--fail", "--max-time", "5", "--cacert", caCertificatePath, url])
        guard result.succeeded else { throw Failure(description: "GET \(url): \(result.output)") }
        return result.output
    }

    /// The directory document (`newNonce`, `newAccount`, `newOrder`, …).
    public func directoryDocument() async throws -> String { try await get(directoryURL) }

    /// Writes the current issuing root (`/roots/0`) to `path`, and with `includingIntermediate`
    /// the intermediate (`/intermediates/0`) after it; returns `path`. The root changes at every
    /// start, so fetch it while this Pebble runs.
    @discardableResult
    public func writeRoots(to path: String, includingIntermediate: Bool = false) async throws -> String {
        var pem = try await get("\(managementURL)/roots/0")
        if includingIntermediate { pem += try await get("\(managementURL)/intermediates/0") }
        try pem.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Pebble's log so far, for failure messages.
    public func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// How many requests Pebble's ACME server has handled for `resource` of its directory
    /// (`newNonce`, `newAccount`, `newOrder`, …), counted from its log, where each request is a
    /// line `POST /sign-me-up -> calling handler()` written before it is answered. So a client
    /// that has exited has all its requests counted.
    public func requests(to resource: String) async throws -> Int {
        let document = try await directoryDocument()
        let directory = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any]
        guard let url = directory?[resource] as? String, let path = URL(string: url)?.path, !path.isEmpty else {
            throw Failure(description: "Pebble's directory has no \(resource): \(document)")
        }
        return log().split(separator: "\n").count { $0.hasSuffix(" \(path) -> calling handler()") }
    }

    /// Pebble's JSON configuration file.
    private struct Configuration: Encodable {
        struct Settings: Encodable {
            var listenAddress: String
            var managementListenAddress: String
            var certificate: String
            var privateKey: String
            var httpPort: Int
            var tlsPort: Int
            var ocspResponderURL: String
            var externalAccountBindingRequired: Bool
            var externalAccountMACKeys: [String: String]?
        }
        var pebble: Settings
    }
}
