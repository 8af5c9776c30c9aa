import ACMEClient
import AsyncHTTPClient
import CairnTestSupport
import Crypto
import Foundation
import SwiftASN1
import Synchronization
import Testing
import X509

/// ``ACMEClient`` over real HTTP against ``FakeACMEServer``: rate limits, `badNonce` and ARI,
/// the paths Pebble 2.4.0 never takes.
@Suite struct ACMEClientFakeServerTests {
    /// Stands in for a CA that asks clients to come back later — 429 `rateLimited` or 503 during
    /// maintenance, with `Retry-After` (RFC 8555 §6.6, RFC 9110 §10.2.3) — which Pebble 2.4.0
    /// never sends. The request is re-sent after each wait, as long as the CA asked for (recorded
    /// on the client's clock), and succeeds.
    @Test(arguments: [429, 503])
    func retriesAfterRetryAfter(status: Int) async throws {
        try await FakeACMEServer.with { server in
            let clock = RecordingClock()
            let client = try await server.makeClient(clock: clock)
            try await client.register()
            await server.script(.newOrder, status: status, retryAfter: "2")
            await server.script(.newOrder, status: status, retryAfter: "0")
            let order = try await client.newOrder([.dns("a.test")])
            #expect(order.status == .pending)
            #expect(await server.exchanges(.newOrder).map(\.status) == [status, status, 201])
            #expect(clock.sleeps == [.seconds(2), .zero], "the waits were not the CA's Retry-After")
        }
    }

    /// A newOrder lost before it reached the CA (the connection closed unanswered) while the
    /// account has a pending order for the same name that replaces another certificate (RFC 9773
    /// §5): that order is not the one asked for, so the client places a new one rather than take
    /// it. Pebble 2.4.0 has no ARI, so the fake CA stands behind the fault proxy.
    @Test func aLostNewOrderIsNotTakenForAListedOrderReplacingAnotherCertificate() async throws {
        try await FakeACMEServer.with { server in
            let newOrders = Mutex(0)
            try await ACMEFaultProxy.with(
                upstream: await server.baseURL, upstreamRoots: server.trustedRootsFile, orderAnswersToLose: 0,
                schedule: { _, path in
                    guard path.hasSuffix("/new-order") else { return nil }
                    return newOrders.withLock { count in
                        count += 1
                        return count == 2 ? .reset : nil
                    }
                }
            ) { proxy in
                // Every URL the CA lists now points at the proxy, so every request goes through it.
                await server.setBaseURL(proxy.url)
                let httpClient = try ACMEHTTPClient.make(trustingAlso: proxy.trustedRootsFile)
                let orders: (first: ACMEOrder, second: ACMEOrder)
                do {
                    let client = try await server.makeClient(clock: RecordingClock(), through: (proxy.url, httpClient))
                    try await client.register()
                    orders = (
                        try await client.newOrder([.dns("a.test")], replaces: "aaaa.bbbb"),
                        try await client.newOrder([.dns("a.test")], replaces: "cccc.dddd")
                    )
                } catch {
                    try? await httpClient.shutdown()
                    throw error
                }
                try await httpClient.shutdown()
                let (first, second) = orders
                #expect(proxy.counts.injected[.reset] == 1, "the second newOrder was not lost")
                #expect(!(await server.exchanges(.orders)).isEmpty, "the account's orders were not looked at")
                #expect(second.url != first.url, "the order replacing another certificate was taken")
                #expect(second.replaces == "cccc.dddd")
                #expect(await server.exchanges(.newOrder).map(\.status) == [201, 201])
            }
        }
    }

    /// Stands in for a CA in maintenance that answers the directory and `newNonce` with 503 and
    /// `Retry-After` (RFC 8555 §6.6), which Pebble 2.4.0 never does: unsigned requests are
    /// re-sent after the wait too.
    @Test func unsignedRequestsRetryAfterRetryAfter() async throws {
        try await FakeACMEServer.with { server in
            let clock = RecordingClock()
            let client = try await server.makeClient(clock: clock)
            await server.script(.directory, status: 503, retryAfter: "3")
            await server.script(.newNonce, status: 503, retryAfter: "4", times: 2)
            try await client.register()
            #expect(await server.exchanges(.directory).map(\.status) == [503, 200])
            #expect(await server.exchanges(.newNonce).map(\.status) == [503, 503, 200])
            #expect(clock.sleeps == [.seconds(3), .seconds(4), .seconds(4)])
        }
    }

    /// Stands in for a CA that gives `Retry-After` as an HTTP-date (RFC 9110 §10.2.3), which
    /// Pebble 2.4.0 never sends: the client waits until that time and re-sends. The date is a
    /// minute ahead in whole seconds, so the wait asked of the clock is between 59 and 60 s
    /// less the time the request took; the bound below leaves half a minute for that.
    @Test func retryAfterAsAnHTTPDate() async throws {
        try await FakeACMEServer.with { server in
            let clock = RecordingClock()
            let client = try await server.makeClient(clock: clock)
            try await client.register()
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            await server.script(.newOrder, status: 503, retryAfter: formatter.string(from: Date() + 60))
            _ = try await client.newOrder([.dns("a.test")])
            #expect(await server.exchanges(.newOrder).map(\.status) == [503, 201])
            let waits = clock.sleeps
            try #require(waits.count == 1, "\(waits)")
            #expect(waits[0] > .seconds(30) && waits[0] <= .seconds(60), "the HTTP-date was not waited for: \(waits)")
        }
    }

    /// Stands in for a CA that keeps rate-limiting (429 with `Retry-After`), which Pebble 2.4.0
    /// never does: after `rateLimitRetries` re-sends the client gives up with the CA's problem.
    @Test func rateLimitBudgetRunsOut() async throws {
        try await FakeACMEServer.with { server in
            let clock = RecordingClock()
            let client = try await server.makeClient(clock: clock) { $0.rateLimitRetries = 2 }
            try await client.register()
            await server.script(.newOrder, status: 429, retryAfter: "1", times: 10)
            let error = try await #require(throws: ACMEError.self) {
                try await client.newOrder([.dns("a.test")])
            }
            #expect(error.code == .retriesExhausted)
            #expect(error.problem?.type == .rateLimited)
            #expect(await server.exchanges(.newOrder).count == 3)
            #expect(clock.sleeps == [.seconds(1), .seconds(1)])
        }
    }

    /// Stands in for a CA whose `Retry-After` is longer than the client will wait (a rate limit
    /// that resets in an hour), which Pebble 2.4.0 never sends: the client does not wait and
    /// does not re-send; the CA's problem surfaces at once.
    @Test func retryAfterBeyondTheMaximumIsNotWaitedFor() async throws {
        try await FakeACMEServer.with { server in
            let clock = RecordingClock()
            let client = try await server.makeClient(clock: clock) { $0.maximumRetryAfterSeconds = 5 }
            try await client.register()
            await server.script(.newOrder, status: 503, retryAfter: "3600")
            let error = try await #require(throws: ACMEError.self) {
                try await client.newOrder([.dns("a.test")])
            }
            #expect(clock.sleeps.isEmpty, "the client waited for a Retry-After beyond its maximum")
            #expect(error.problem?.type == .serverInternal)
            #expect(await server.exchanges(.newOrder).count == 1)
        }
    }

    /// Stands in for Pebble's nonce rejection (`PEBBLE_WFE_NONCEREJECT`) made deterministic:
    /// each `badNonce` is retried with exactly the nonce its error response carried
    /// (RFC 8555 §6.5), checked on the server side.
    @Test func badNonceIsRetriedWithTheNonceTheErrorCarried() async throws {
        try await FakeACMEServer.with { server in
            let client = try await server.makeClient()
            try await client.register()
            await server.rejectNonces(3)
            _ = try await client.newOrder([.dns("a.test")])
            let attempts = await server.exchanges(.newOrder)
            let badNonce = "urn:ietf:params:acme:error:badNonce"
            #expect(attempts.map(\.problemType) == [badNonce, badNonce, badNonce, nil])
            for (rejected, retry) in zip(attempts, attempts.dropFirst()) {
                #expect(rejected.replyNonce != nil)
                #expect(retry.nonce == rejected.replyNonce)
            }
        }
    }

    /// Stands in for a CA that rejects every nonce: after `badNonceRetries` re-sends the client
    /// stops with ``ACMEError/Code/retriesExhausted``.
    @Test func badNonceBudgetRunsOut() async throws {
        try await FakeACMEServer.with { server in
            let client = try await server.makeClient { $0.badNonceRetries = 2 }
            try await client.register()
            await server.rejectNonces(10)
            let error = try await #require(throws: ACMEError.self) {
                try await client.newOrder([.dns("a.test")])
            }
            #expect(error.code == .retriesExhausted)
            #expect(error.problem?.type == .badNonce)
            #expect(await server.exchanges(.newOrder).count == 3)
        }
    }

    /// Stands in for a CA that sends a problem type newer than the client (RFC 8555 §6.7 lets
    /// CAs add them), which Pebble 2.4.0 never does: it still decodes, and its type, detail
    /// and subproblem reach the error.
    @Test func unknownProblemTypeSurfacesAsIs() async throws {
        try await FakeACMEServer.with { server in
            let client = try await server.makeClient()
            try await client.register()
            await server.script(
                .newOrder, status: 403,
                problem: .init(
                    "futureProblem", detail: "a reason from the future",
                    subproblems: [.init("futureProblem", detail: "also here", identifier: .init(value: "a.test"))]))
            let error = try await #require(throws: ACMEError.self) {
                try await client.newOrder([.dns("a.test")])
            }
            #expect(error.code == .problem)
            #expect(error.problem?.type.rawValue == "urn:ietf:params:acme:error:futureProblem")
            #expect("\(error)".contains("futureProblem: a reason from the future"))
            #expect("\(error)".contains("a.test: futureProblem: also here"))
        }
    }

    /// The certificate of RFC 9773 §4.1's worked example: Authority Key Identifier
    /// 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 00:87:65:43:21.
    static func rfc9773ExampleCertificate() throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        let keyIdentifier: [UInt8] = [
            0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01,
            0xC8, 0xD4,
        ]
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x00, 0x87, 0x65, 0x43, 0x21]),
            publicKey: .init(key.publicKey), notValidBefore: Date() - 3600, notValidAfter: Date() + 86400,
            issuer: try DistinguishedName { CommonName("Example CA") },
            subject: try DistinguishedName { CommonName("example.test") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                AuthorityKeyIdentifier(keyIdentifier: keyIdentifier[...])
                SubjectAlternativeNames([.dnsName("example.test")])
            },
            issuerPrivateKey: .init(key))
    }

    static let rfc9773ExampleID = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"

    /// Stands in for a CA with ARI (RFC 9773), which Pebble 2.4.0 lacks: the CertID is the
    /// RFC's worked example, the client GETs `<renewalInfo>/<CertID>` without a JWS, and reads
    /// `suggestedWindow`, `explanationURL` and `Retry-After`.
    @Test func renewalInfoGetsTheCertIDAndReadsTheWindow() async throws {
        try await FakeACMEServer.with { server in
            let id = try ARICertificateID(Self.rfc9773ExampleCertificate())
            #expect(id.rawValue == Self.rfc9773ExampleID)
            await server.setRenewalWindow(
                for: Self.rfc9773ExampleID, start: "2025-01-02T04:00:00Z", end: "2025-01-03T04:00:00Z",
                retryAfter: "21600")
            let client = try await server.makeClient()
            let info = try await client.renewalInfo(for: id)
            #expect(info.suggestedWindow.start == "2025-01-02T04:00:00Z")
            #expect(info.suggestedWindow.end == "2025-01-03T04:00:00Z")
            #expect(info.retryAfterSeconds == 21600)
            #expect(info.explanationURL == (await server.baseURL) + "/why")
            let requests = await server.exchanges(.renewalInfo)
            #expect(requests.map(\.path) == ["/renewal-info/" + Self.rfc9773ExampleID])
            #expect(requests.map(\.nonce) == [nil])
        }
    }

    /// A `Retry-After` that is a Double but no wait ("1e300", "inf", "nan") once trapped the
    /// conversion to `Int` (found by Fuzz/FuzzACME): huge values are capped at a year, the rest
    /// are no `Retry-After` at all.
    @Test(
        arguments: [
            ("1e300", 31_536_000), ("inf", nil), ("-inf", nil), ("nan", nil), ("-5", 0), ("31536001", 31_536_000),
            ("Fri, 31 Dec 9999 23:59:59 GMT", 31_536_000), ("soon", nil),
        ] as [(String, Int?)])
    func renewalInfoSurvivesARetryAfterThatIsNoWait(header: String, expected: Int?) async throws {
        try await FakeACMEServer.with { server in
            await server.setRenewalWindow(
                for: Self.rfc9773ExampleID, start: "2025-01-02T04:00:00Z", end: "2025-01-03T04:00:00Z",
                retryAfter: header)
            let client = try await server.makeClient()
            let info = try await client.renewalInfo(for: try ARICertificateID(Self.rfc9773ExampleCertificate()))
            #expect(info.retryAfterSeconds == expected)
        }
    }

    /// Stands in for a CA without ARI: asking for renewal info is ``ACMEError/Code/unsupported``,
    /// not a request to a URL that does not exist.
    @Test func renewalInfoWithoutARIIsUnsupported() async throws {
        var options = FakeACMEServer.Options()
        options.offersRenewalInfo = false
        try await FakeACMEServer.with(options) { server in
            let client = try await server.makeClient()
            await #expect(throws: ACMEError(.unsupported)) {
                try await client.renewalInfo(for: ARICertificateID(Self.rfc9773ExampleCertificate()))
            }
            #expect(await server.exchanges(.renewalInfo).isEmpty)
        }
    }

    /// Stands in for a CA with ARI (RFC 9773 §5), which Pebble 2.4.0 lacks: `newOrder` carries
    /// `replaces`, and replacing the same certificate twice surfaces the CA's `alreadyReplaced`.
    @Test func newOrderSendsReplacesAndSurfacesAlreadyReplaced() async throws {
        try await FakeACMEServer.with { server in
            let client = try await server.makeClient()
            try await client.register()
            let order = try await client.newOrder([.dns("example.test")], replaces: Self.rfc9773ExampleID)
            #expect(order.replaces == Self.rfc9773ExampleID)
            let payloads = try await server.payloads(.newOrder).map {
                try #require(try JSONSerialization.jsonObject(with: $0) as? [String: Any])
            }
            #expect(payloads.first?["replaces"] as? String == Self.rfc9773ExampleID)

            let error = try await #require(throws: ACMEError.self) {
                try await client.newOrder([.dns("example.test")], replaces: Self.rfc9773ExampleID)
            }
            #expect(error.code == .problem)
            #expect(error.problem?.type == .alreadyReplaced)
            #expect(error.problem?.detail?.contains(Self.rfc9773ExampleID) == true)
        }
    }
}
