import AsyncHTTPClient
import CairnTestSupport
import DNSWire
import Foundation
import NIOCore
import NIOHTTP1
import Subprocess
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The hook API in the real `cairn serve`: an acknowledged update survives `kill -9`, and a
/// DNS query sent right after the 2xx already sees the value (DESIGN decision 4).
@Suite(.serialized, .timeLimit(.minutes(3))) struct HookAPIServeTests {
    static let authZone = "auth.test"

    /// Runs `cairn serve` with an empty zones directory, the auth zone synthesized, DNS and the
    /// API on free loopback ports, the state in `directory/state`.
    ///
    /// - Parameter dnsPort: the DNS port, when the caller picked one already (a secondary pulls from it).
    static func serve<T: Sendable>(
        in directory: TemporaryDirectory, arguments: [String] = [], environment: [String: String] = [:],
        dnsPort: Int? = nil,
        _ body: @Sendable (_ dnsPort: Int, _ apiPort: Int, _ pid: ProcessIdentifier) async throws -> T
    ) async throws -> T {
        try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
        var picked = dnsPort ?? 0
        if picked == 0 { picked = try await LoopbackPorts.free() }
        let dnsPort = picked
        let apiPort = try await LoopbackPorts.free()
        let arguments =
            [
                "serve", "--zones", directory.file("zones"), "--state-dir", directory.file("state"), "--listen",
                "127.0.0.1:\(dnsPort)", "--api-listen", "127.0.0.1:\(apiPort)", "--udp-sockets", "2",
            ] + arguments
        return try await Daemon.with(
            try CairnBinary.path(), arguments,
            environment: environment.merging(["CAIRN_API_AUTH_ZONE": authZone]) { mine, _ in mine },
            logPath: directory.file("cairn.log"),
            ready: { (try? await request(apiPort, "GET", "/health"))?.status == 200 }
        ) { pid in try await body(dnsPort, apiPort, pid) }
    }

    struct HTTPReply: Sendable {
        var status: Int
        var body: String
    }

    static func request(
        _ port: Int, _ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .RAW(value: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return HTTPReply(status: Int(response.status.code), body: String(buffer: bytes))
    }

    struct Registration: Sendable {
        var username: String
        var password: String
        var subdomain: String
        var fulldomain: String
    }

    static func register(_ apiPort: Int) async throws -> Registration {
        let reply = try await request(apiPort, "POST", "/register")
        try #require(reply.status == 201, "\(reply.body)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
        func field(_ key: String) -> String { object[key] as? String ?? "" }
        TestSecrets.note(field("password"))
        return Registration(
            username: field("username"), password: field("password"), subdomain: field("subdomain"),
            fulldomain: field("fulldomain"))
    }

    static func update(_ apiPort: Int, _ registration: Registration, _ txt: String) async throws -> HTTPReply {
        try await request(
            apiPort, "POST", "/update",
            headers: [("X-Api-User", registration.username), ("X-Api-Key", registration.password)],
            body: "{\"subdomain\":\"\(registration.subdomain)\",\"txt\":\"\(txt)\"}")
    }

    /// The TXT values served at `name` over UDP, and the response code.
    static func txt(_ dnsPort: Int, _ name: String) async throws -> (DNSResponseCode, [String]) {
        let bytes = try await DNSTestClient.exchange(
            try queryBytes(try DNSName(name), .txt), host: "127.0.0.1", port: dnsPort, transport: .udp)
        let message = try DNSMessage(decoding: bytes)
        let values = message.answers.compactMap { record -> String? in
            guard case .txt(let txt) = record.rdata else { return nil }
            return String(decoding: txt.strings.joined(), as: UTF8.self)
        }
        return (message.responseCode, values)
    }

    /// A distinct 43-character base64url value.
    static func digest(_ n: Int) -> String {
        let prefix = "v\(n)-"
        return prefix + String(repeating: "x", count: 43 - prefix.count)
    }

    @Test func everyAcknowledgedUpdateSurvivesKillDashNine() async throws {
        try await withTemporaryDirectory { directory in
            let registrationCount = 8
            let updatesEach = 4
            let acknowledged: [(String, String)] = try await Self.serve(in: directory) { _, apiPort, pid in
                var registrations: [Registration] = []
                for _ in 0..<registrationCount { registrations.append(try await Self.register(apiPort)) }
                // All updates at once, so several share a commit; kill as soon as the last 2xx arrives.
                let acknowledged = try await withThrowingTaskGroup(of: (String, String)?.self) { group in
                    for (index, registration) in registrations.enumerated() {
                        for round in 0..<updatesEach {
                            let value = Self.digest(index * updatesEach + round)
                            group.addTask {
                                let reply = try await Self.update(apiPort, registration, value)
                                return reply.status == 200 ? (registration.fulldomain, value) : nil
                            }
                        }
                    }
                    var acknowledged: [(String, String)] = []
                    for try await result in group {
                        if let result { acknowledged.append(result) }
                    }
                    return acknowledged
                }
                kill(pid.value, SIGKILL)
                return acknowledged
            }
            #expect(acknowledged.count == registrationCount * updatesEach)
            try await Self.serve(in: directory) { dnsPort, _, _ in
                for (name, value) in acknowledged {
                    let (rcode, values) = try await Self.txt(dnsPort, name)
                    #expect(rcode == .noError)
                    #expect(values.contains(value), "\(name) lost \(value) after kill -9; serves \(values)")
                }
            }
        }
    }

    @Test func aQueryRightAfterEach2xxSeesTheValue() async throws {
        try await withTemporaryDirectory { directory in
            try await Self.serve(in: directory) { dnsPort, apiPort, _ in
                let registration = try await Self.register(apiPort)
                // Registered: the name answers NODATA, not NXDOMAIN.
                let (emptyCode, empty) = try await Self.txt(dnsPort, registration.fulldomain)
                #expect(emptyCode == .noError)
                #expect(empty.isEmpty)
                for n in 0..<20 {
                    let value = Self.digest(n)
                    let reply = try await Self.update(apiPort, registration, value)
                    try #require(reply.status == 200)
                    let (_, values) = try await Self.txt(dnsPort, registration.fulldomain)
                    #expect(values.contains(value), "update \(n) acknowledged but not served")
                }
                // The access log names requests, never keys.
                let wrong = Registration(
                    username: registration.username, password: String(registration.password.reversed()),
                    subdomain: registration.subdomain, fulldomain: registration.fulldomain)
                #expect(try await Self.update(apiPort, wrong, Self.digest(0)).status == 401)
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(log.contains("/update"))
                #expect(!log.contains(registration.password))
                #expect(!log.contains(wrong.password))
            }
        }
    }

    /// `/metrics` carries the DNS server's per-event-loop counts (by question type and response
    /// code) beside the API's own, summed at each scrape.
    @Test func metricsCountDNSQueriesByTypeAndResponseCode() async throws {
        try await withTemporaryDirectory { directory in
            try await Self.serve(in: directory) { dnsPort, apiPort, _ in
                let registration = try await Self.register(apiPort)
                #expect(try await Self.update(apiPort, registration, Self.digest(1)).status == 200)
                for _ in 0..<3 { _ = try await Self.txt(dnsPort, registration.fulldomain) }
                _ = try await Self.txt(dnsPort, "nothing.example.")  // not Cairn's: REFUSED
                let metrics = try await Self.request(apiPort, "GET", "/metrics")
                #expect(metrics.status == 200)
                let lines = Set(metrics.body.split(separator: "\n").map(String.init))
                #expect(lines.contains(#"cairn_dns_queries{type="TXT"} 4.0"#), "\(metrics.body)")
                #expect(lines.contains(#"cairn_dns_responses{rcode="NOERROR"} 3.0"#), "\(metrics.body)")
                #expect(lines.contains(#"cairn_dns_responses{rcode="REFUSED"} 1.0"#), "\(metrics.body)")
                #expect(metrics.body.contains(#"cairn_api_requests_total{route="/update",status="200"} 1"#))
            }
        }
    }

    /// The start and reload log lines count what is served: names, synthesized challenge zones
    /// and values, as restored from the store.
    @Test func theRestoreSummaryCountsWhatIsServed() async throws {
        try await withTemporaryDirectory { directory in
            _ = try directory.write(
                "zones/auth.test.zone",
                "$ORIGIN auth.test.\n@ 300 IN SOA ns hostmaster 1 3600 600 1209600 30\n@ 300 IN NS ns\nns 300 IN A 127.0.0.1\n"
            )
            let created = try await Tool.run(
                try CairnBinary.path(),
                [
                    "token", "create", "--domain", "a.example", "--delegation", "both", "--state-dir",
                    directory.file("state"), "--zones", directory.file("zones"),
                ], environment: ["CAIRN_API_AUTH_ZONE": Self.authZone], timeLimit: .seconds(60))
            try #require(created.succeeded, "\(created.output)")
            func field(_ name: String) -> String {
                created.output.split(separator: "\n").first { $0.hasPrefix("\(name):") }?
                    .dropFirst(name.count + 1).split(separator: " ").first.map(String.init) ?? ""
            }
            let basic = "Basic " + Data("\(field("token")):\(field("key"))".utf8).base64EncodedString()
            try await Self.serve(in: directory) { _, apiPort, pid in
                for (index, fqdn) in ["_acme-challenge.a.example.", "_acme-challenge.a.example"].enumerated() {
                    let reply = try await Self.request(
                        apiPort, "POST", "/present", headers: [("Authorization", basic)],
                        body: "{\"fqdn\":\"\(fqdn)\",\"value\":\"\(Self.digest(index))\"}")
                    try #require(reply.status == 200, "\(reply.body)")
                }
                _ = try await Self.register(apiPort)
            }
            try await Self.serve(in: directory) { _, _, _ in
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(
                    log.contains("restored=3 names, 1 synthesized zones, 2 values, 0 skipped"),
                    "\(log.split(separator: "\n").filter { $0.contains("rebuilt") })")
            }
        }
    }

    @Test func theAPIServesHTTPSFromCertificateFiles() async throws {
        try await withTemporaryDirectory { directory in
            let openssl = try await Tool.run(
                "openssl",
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    directory.file("key.pem"), "-out", directory.file("cert.pem"), "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                ])
            try #require(openssl.succeeded, "\(openssl.output)")
            try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
            let dnsPort = try await LoopbackPorts.free()
            let apiPort = try await LoopbackPorts.free()
            let url = "https://127.0.0.1:\(apiPort)"
            @Sendable func curl(_ arguments: [String]) async throws -> Tool.Result {
                try await Tool.run(
                    "curl", ["-s", "--max-time", "5", "--cacert", directory.file("cert.pem")] + arguments)
            }
            try await Daemon.with(
                try CairnBinary.path(),
                [
                    "serve", "--zones", directory.file("zones"), "--state-dir", directory.file("state"), "--listen",
                    "127.0.0.1:\(dnsPort)", "--api-listen", "127.0.0.1:\(apiPort)", "--udp-sockets", "1",
                ],
                environment: [
                    "CAIRN_API_AUTH_ZONE": Self.authZone, "CAIRN_API_TLS_CERTIFICATE": directory.file("cert.pem"),
                    "CAIRN_API_TLS_PRIVATE_KEY": directory.file("key.pem"),
                ],
                logPath: directory.file("cairn.log"),
                ready: {
                    (try? await curl(["-o", "/dev/null", "-w", "%{http_code}", url + "/health"]))?.output == "200"
                }
            ) { _ in
                let register = try await curl(["-X", "POST", url + "/register"])
                #expect(register.output.contains("\"fulldomain\""), "\(register.output)")
                // Plain HTTP on the TLS port gets no API answer.
                let plain = try await Tool.run(
                    "curl",
                    [
                        "-s", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                        "http://127.0.0.1:\(apiPort)/health",
                    ])
                #expect(plain.output != "200")
            }
        }
    }
}
