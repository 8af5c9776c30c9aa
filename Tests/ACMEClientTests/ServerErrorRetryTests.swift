import ACMEClient
import Foundation
import Testing

/// A CA that fails now and then (5xx with no `Retry-After`): each request is sent again after
/// 0.5 s, 1 s, 2 s, 4 s on the client's clock, within a budget, and a failed newOrder that the
/// CA answered is placed again without a second order coming of it. Pebble 2.4.0 sends no 5xx of
/// its own; the fault proxy of `ACMEFaultTests` adds lost answers with real Pebble.
@Suite struct ServerErrorRetryTests {
    @Test func serverErrorsAreRetriedWithBackoffAndOneOrderIsPlaced() async throws {
        let clock = RecordingClock()
        try await CertificateIssuerTests.withIssuer(clock: clock) { server, issuer, _ in
            await server.script(.newOrder, status: 500, times: 2)
            await server.script(.authorization, status: 502)
            await server.script(.finalize, status: 500)
            await server.script(.certificate, status: 504)
            let issued = try await issuer.issue(CertificateIssuerTests.request(["a.test", "*.a.test"]))
            #expect(issued.chain.certificates.count == 2)
            #expect(await server.exchanges(.newOrder).filter { $0.status == 201 }.count == 1)
            #expect(await server.exchanges(.newOrder).count == 3)
            let backoffs = clock.sleeps.filter { $0 == .milliseconds(500) || $0 == .seconds(1) }
            #expect(backoffs.count >= 5, "\(clock.sleeps)")
            #expect(clock.sleeps.prefix(2) == [.milliseconds(500), .seconds(1)])
        }
    }

    @Test func theBudgetRunsOutWithTheCAsLastProblem() async throws {
        let clock = RecordingClock()
        try await CertificateIssuerTests.withIssuer(clock: clock) { server, issuer, _ in
            await server.script(.newOrder, status: 500, times: 10)
            let error = await #expect(throws: ACMEError(.retriesExhausted)) {
                try await issuer.issue(CertificateIssuerTests.request(["a.test"]))
            }
            #expect(error?.problem?.type == .serverInternal)
            #expect(await server.exchanges(.newOrder).count == 5)
            #expect(clock.sleeps == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)])
        }
    }
}
