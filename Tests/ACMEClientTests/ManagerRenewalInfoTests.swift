import ACMEClient
import CertificateManager
import Foundation
import Testing
import X509

/// ``CertificateManagerService`` renewing through ARI (RFC 9773) against ``FakeACMEServer``,
/// which Pebble 2.4.0 cannot stand in for: it has no `renewalInfo`, no `replaces` and no 503.
/// Each test drives the manager pass by pass on its own clock (``ManagerHarness``) and counts the
/// fake CA's requests.
@Suite struct ManagerRenewalInfoTests {
    static let hour: TimeInterval = 3600
    static let day: TimeInterval = 86_400

    /// After the first issuance the manager fetches `renewalInfo` and renews at a time drawn in
    /// the CA's window (RFC 9773 §4.2) — here days 5 to 6 of the fake's 7-day certificate, after
    /// the half-lifetime it would use without one. When the CA moves the window into the past,
    /// the manager learns it at the response's `Retry-After` (§4.3.2), not a second earlier,
    /// renews at once and names the certificate it replaces (§5).
    @Test func renewsInTheCAsWindowAndNamesTheCertificateItReplaces() async throws {
        try await ManagerHarness.with { h in
            await h.pass()
            let first = try #require(h.installed(), "the first pass issued nothing")
            let firstID = try ARICertificateID(first.leaf).rawValue
            let fetchedAt = h.clock.now
            let start = ManagerHarness.wholeSeconds(fetchedAt.addingTimeInterval(5 * Self.day))
            let end = start.addingTimeInterval(Self.day)
            await h.server.setRenewalWindow(
                for: firstID, start: ManagerHarness.timestamp(start), end: ManagerHarness.timestamp(end),
                retryAfter: "3600")

            await h.pass()
            #expect(await h.server.exchanges(.renewalInfo).map(\.path) == ["/renewal-info/\(firstID)"])
            let scheduled = try await h.status()
            let ariWindow = RenewalReason.ariWindow(explanationURL: await h.server.baseURL + "/why").description
            #expect(scheduled.reason == ariWindow)
            let renewAt = try #require(scheduled.nextAttempt)
            #expect(renewAt >= start && renewAt < end, "renewal at \(renewAt), outside the window \(start)–\(end)")

            // The CA moves the window into the past; the manager asks again only at the Retry-After.
            await h.server.setRenewalWindow(
                for: firstID, start: ManagerHarness.timestamp(fetchedAt.addingTimeInterval(-2 * Self.day)),
                end: ManagerHarness.timestamp(fetchedAt.addingTimeInterval(-Self.day)), retryAfter: "3600")
            h.clock.advance(by: Self.hour - 1)
            await h.pass()
            #expect(await h.requests(.renewalInfo) == 1, "renewalInfo fetched before its Retry-After")
            #expect(try await h.status().nextAttempt == renewAt)

            h.clock.advance(by: 1)
            await h.pass()
            #expect(await h.requests(.renewalInfo) == 2, "renewalInfo not fetched at its Retry-After")
            let due = try await h.status()
            #expect(due.reason == ariWindow)
            #expect(due.nextAttempt == h.clock.now)
            #expect(await h.requests(.newOrder) == 1)

            await h.pass()
            let second = try #require(h.installed(), "the due certificate was not renewed")
            #expect(second.version == 2)
            #expect(second.leaf.serialNumber != first.leaf.serialNumber)
            #expect(try await h.replacesOfEachOrder() == [nil, firstID])
        }
    }

    /// Another client — an operator's `cairn issue`, say — already placed an order replacing the
    /// installed certificate, so the CA refuses the manager's renewal, which names it, with
    /// `alreadyReplaced` (RFC 9773 §5). The manager's renewal is ordered again without
    /// `replaces`, installed, and counts as no failure. The retry itself is
    /// ``CertificateIssuer``'s (CertificateIssuerTests); this is the manager's path through it.
    @Test func alreadyReplacedIsOrderedAgainWithoutReplaces() async throws {
        try await ManagerHarness.with { h in
            await h.pass()
            let id = try ARICertificateID(try #require(h.installed()).leaf).rawValue
            let other = try await h.server.makeClient()
            try await other.register()
            _ = try await other.newOrder(ManagerHarness.domains.map { .dns($0) }, replaces: id)

            _ = try await h.manager.renew(name: ManagerHarness.certificateName, force: true, progress: { _ in })
            #expect(h.installed()?.version == 2)
            let status = try await h.status()
            #expect(status.failures == 0)
            #expect(status.lastError == nil)
            let orders = await h.server.exchanges(.newOrder)
            #expect(orders.map(\.status) == [201, 201, 409, 201])
            #expect(orders.map(\.problemType) == [nil, nil, "urn:ietf:params:acme:error:alreadyReplaced", nil])
            #expect(try await h.replacesOfEachOrder() == [nil, id, id, nil])
        }
    }

    /// A CA without `renewalInfo` in its directory (as Pebble 2.4.0, here where requests can be
    /// counted): the manager learns it once and does not ask again at every pass, renews at half
    /// the lifetime of the fake's 7-day certificate (under 10 days: 1/2, not 2/3), and sends no
    /// `replaces`.
    @Test func withoutRenewalInfoRenewsAtHalfTheLifetimeAndStopsAsking() async throws {
        var options = FakeACMEServer.Options()
        options.offersRenewalInfo = false
        try await ManagerHarness.with(options) { h in
            await h.pass()
            let readsAfterIssuing = await h.requests(.directory)
            await h.pass()
            let readsAfterLearning = await h.requests(.directory)
            #expect(readsAfterLearning <= readsAfterIssuing + 1)
            for _ in 0..<4 {
                h.clock.advance(by: Self.hour)
                await h.pass()
            }
            #expect(await h.requests(.directory) == readsAfterLearning, "the directory was read again and again")
            #expect(await h.requests(.renewalInfo) == 0)

            let status = try await h.status()
            #expect(status.reason == RenewalReason.lifetimeFraction(.half).description)
            let notBefore = try #require(status.notBefore)
            let notAfter = try #require(status.notAfter)
            let halfway = notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) / 2)
            #expect(status.nextAttempt == halfway)
            #expect(await h.requests(.newOrder) == 1)

            h.clock.set(halfway)
            await h.pass()
            #expect(h.installed()?.version == 2)
            #expect(try await h.replacesOfEachOrder() == [nil, nil])
        }
    }

    /// A CA in maintenance whose 503 asks for more patience (`Retry-After: 3600`) than the ACME
    /// client waits within one attempt (120 s): the attempt fails, the certificate backs off (its
    /// status says so, with one failure), asking to renew it at once without `--force` places no
    /// order and neither does the next pass; at its next attempt time it is ordered.
    @Test func aFailedOrderBacksOffAndPlacesNoOrderBeforeItsTime() async throws {
        try await ManagerHarness.with { h in
            await h.server.script(.newOrder, status: 503, retryAfter: "3600")
            await h.pass()
            #expect(h.installed() == nil)
            let failed = try await h.status()
            #expect(failed.failures == 1)
            #expect(failed.reason == RenewalReason.backoff(failures: 1).description)
            let retryAt = try #require(failed.nextAttempt)
            #expect(retryAt > h.clock.now)

            let statuses = try await h.manager.renew(
                name: ManagerHarness.certificateName, force: false, progress: { _ in })
            #expect(statuses.map(\.failures) == [1])
            await h.pass()
            #expect(await h.requests(.newOrder) == 1, "an order was placed while backing off")

            h.clock.set(retryAt)
            await h.pass()
            #expect(await h.requests(.newOrder) == 2)
            #expect(h.installed() != nil)
            #expect(try await h.status().failures == 0)
        }
    }

    /// RFC 8555 §6.6 and ``RetryBackoff``: a CA's `Retry-After` longer than the backoff sets the
    /// next attempt. The manager records every failure with `retryAfter: nil` (``ACMEError`` does
    /// not carry the CA's `Retry-After`), so after a 503 asking for an hour it tries again within
    /// a minute.
    @Test func aCAsRetryAfterBeyondTheClientsBudgetSetsTheNextAttempt() async throws {
        try await ManagerHarness.with { h in
            await h.server.script(.newOrder, status: 503, retryAfter: "3600")
            let failedAt = h.clock.now
            await h.pass()
            let nextAttempt = try #require(try await h.status().nextAttempt)
            #expect(nextAttempt >= failedAt.addingTimeInterval(Self.hour))
        }
    }

    enum RenewalInfoFailure: String, CaseIterable, Sendable {
        /// The CA knows no window for the certificate (404).
        case notFound
        /// 500, no `Retry-After`.
        case serverError
        /// A window that ends before it starts (RFC 9773 §4.2: invalid).
        case invalidWindow
        /// An invalid window where a valid one was known.
        case invalidWindowAfterAValidOne
    }

    /// A failed `renewalInfo` fetch is tried again later (RFC 9773 §4.3.3: six hours for errors
    /// without `Retry-After`), not at the next pass — the loop makes one after every fetch, so
    /// that would be a fetch as fast as the CA answers.
    @Test(arguments: RenewalInfoFailure.allCases)
    func aFailedRenewalInfoFetchIsNotRepeatedAtOnce(_ failure: RenewalInfoFailure) async throws {
        try await ManagerHarness.with { h in
            await h.pass()
            let id = try ARICertificateID(try #require(h.installed()).leaf).rawValue
            let now = h.clock.now
            let goodStart = ManagerHarness.timestamp(now.addingTimeInterval(5 * Self.day))
            let goodEnd = ManagerHarness.timestamp(now.addingTimeInterval(6 * Self.day))
            var fetches = 0
            switch failure {
            case .notFound:
                break
            case .serverError:
                await h.server.setRenewalWindow(for: id, start: goodStart, end: goodEnd, retryAfter: "3600")
                await h.server.script(.renewalInfo, status: 500)
            case .invalidWindow:
                await h.server.setRenewalWindow(for: id, start: goodEnd, end: goodStart, retryAfter: "3600")
            case .invalidWindowAfterAValidOne:
                await h.server.setRenewalWindow(for: id, start: goodStart, end: goodEnd, retryAfter: "3600")
                await h.pass()
                fetches += 1
                h.clock.advance(by: Self.hour)
                await h.server.setRenewalWindow(for: id, start: goodEnd, end: goodStart, retryAfter: "3600")
            }
            let failedAt = h.clock.now
            await h.pass()
            fetches += 1
            #expect(await h.requests(.renewalInfo) == fetches)

            await h.pass()
            h.clock.advance(by: Self.hour)
            await h.pass()
            #expect(await h.requests(.renewalInfo) == fetches, "fetched again right after a failure")

            await h.server.setRenewalWindow(for: id, start: goodStart, end: goodEnd, retryAfter: "3600")
            h.clock.set(failedAt.addingTimeInterval(6 * Self.hour))
            await h.pass()
            #expect(await h.requests(.renewalInfo) == fetches + 1, "not fetched again six hours after a failure")
            let ariWindow = RenewalReason.ariWindow(explanationURL: await h.server.baseURL + "/why").description
            #expect(try await h.status().reason == ariWindow)
            #expect(await h.requests(.newOrder) == 1)
        }
    }
}
