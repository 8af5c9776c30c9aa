import Foundation
import Testing

@testable import CertificateManager

/// Orders kept inside the CA's limits: 300 new orders per account per rolling 3 hours, 5
/// certificates per exact set of names per rolling 168 hours (Let's Encrypt's).
@Suite struct OrderBudgetTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    let names: Set<String> = ["example.org", "*.example.org"]

    @Test func the301stOrderWaitsUntilTheFirstAgesOut() {
        var budget = OrderBudget()
        // 300 orders, one every 10 s: the last at t0 + 2990 s.
        for i in 0..<300 { budget.recordOrder(account: "acct-1", at: t0.addingTimeInterval(Double(i) * 10)) }
        let now = t0.addingTimeInterval(3000)
        #expect(budget.nextAllowed(account: "acct-1", names: names, now: now) == t0.addingTimeInterval(3 * 3600))
        #expect(
            budget.block(account: "acct-1", names: names, now: now)
                == .init(until: t0.addingTimeInterval(3 * 3600), limit: .newOrdersPerAccount))
        // One second before the first ages out: still blocked; at that moment: free.
        #expect(budget.nextAllowed(account: "acct-1", names: names, now: t0.addingTimeInterval(3 * 3600 - 1)) != nil)
        #expect(budget.nextAllowed(account: "acct-1", names: names, now: t0.addingTimeInterval(3 * 3600)) == nil)
        // Another account has its own 300.
        #expect(budget.nextAllowed(account: "acct-2", names: names, now: now) == nil)

        // The 301st, made once the first aged out, fills the window again: the next waits for
        // the second order (t0 + 10 s) to age out.
        budget.recordOrder(account: "acct-1", at: t0.addingTimeInterval(3 * 3600))
        #expect(
            budget.nextAllowed(account: "acct-1", names: names, now: t0.addingTimeInterval(3 * 3600))
                == t0.addingTimeInterval(3 * 3600 + 10))
    }

    @Test func the299thOrderStillFits() {
        var budget = OrderBudget()
        for i in 0..<299 { budget.recordOrder(account: "a", at: t0.addingTimeInterval(Double(i))) }
        #expect(budget.nextAllowed(account: "a", names: names, now: t0.addingTimeInterval(299)) == nil)
    }

    @Test func fiveCertificatesPerWeekForOneExactSetOfNames() {
        var budget = OrderBudget()
        for day in 0..<5 { budget.recordIssued(names: names, at: t0.addingTimeInterval(Double(day) * 86_400)) }
        let now = t0.addingTimeInterval(5 * 86_400)
        let week: TimeInterval = 168 * 3600
        #expect(budget.nextAllowed(account: "a", names: names, now: now) == t0.addingTimeInterval(week))
        #expect(budget.block(account: "a", names: names, now: now)?.limit == .certificatesPerExactNameSet)
        // The same set in another order and case is the same set.
        #expect(
            budget.nextAllowed(account: "b", names: ["*.EXAMPLE.org", "Example.Org"], now: now)
                == t0.addingTimeInterval(week))
        // A different set is unaffected: one name more, one name fewer.
        #expect(budget.nextAllowed(account: "a", names: names.union(["www.example.org"]), now: now) == nil)
        #expect(budget.nextAllowed(account: "a", names: ["example.org"], now: now) == nil)
        // Free once the first certificate is a week old.
        #expect(budget.nextAllowed(account: "a", names: names, now: t0.addingTimeInterval(week)) == nil)
        // Recorded under a differently spelled set, it still counts for this one.
        budget.recordIssued(names: ["EXAMPLE.ORG", "*.example.org"], at: t0.addingTimeInterval(week))
        #expect(
            budget.nextAllowed(account: "a", names: names, now: t0.addingTimeInterval(week))
                == t0.addingTimeInterval(week + 86_400))
    }

    @Test func theLimitThatWaitsLongestIsReported() {
        var budget = OrderBudget()
        for i in 0..<300 { budget.recordOrder(account: "a", at: t0.addingTimeInterval(Double(i))) }
        for i in 0..<5 { budget.recordIssued(names: names, at: t0.addingTimeInterval(Double(i))) }
        let block = budget.block(account: "a", names: names, now: t0.addingTimeInterval(300))
        #expect(block == .init(until: t0.addingTimeInterval(168 * 3600), limit: .certificatesPerExactNameSet))
        // Another name set: only the order limit holds it back.
        let other = budget.block(account: "a", names: ["other.example"], now: t0.addingTimeInterval(300))
        #expect(other == .init(until: t0.addingTimeInterval(3 * 3600), limit: .newOrdersPerAccount))
    }

    @Test func ordersRecordedOutOfOrderStillCountCorrectly() {
        // A clock stepped back: entries arrive unsorted.
        var budget = OrderBudget(
            limits: .init(newOrdersPerAccount: .init(count: 3, window: .seconds(100)), certificatesPerExactNameSet: nil)
        )
        for offset in [50.0, 10, 30] { budget.recordOrder(account: "a", at: t0.addingTimeInterval(offset)) }
        #expect(budget.orders["a"] == [10, 30, 50].map { t0.addingTimeInterval($0) })
        #expect(
            budget.nextAllowed(account: "a", names: names, now: t0.addingTimeInterval(60)) == t0.addingTimeInterval(110)
        )
    }

    @Test func historyStaysBounded() {
        var budget = OrderBudget()
        // 1,000 orders in under an hour: only the newest 300 can decide anything.
        for i in 0..<1000 { budget.recordOrder(account: "a", at: t0.addingTimeInterval(Double(i) * 3)) }
        #expect(budget.orders["a"]?.count == 300)
        #expect(budget.orders["a"]?.first == t0.addingTimeInterval(700 * 3))
        // A day of orders, one a minute: only those of the last 3 hours are kept.
        for i in 0..<(24 * 60) { budget.recordOrder(account: "b", at: t0.addingTimeInterval(Double(i) * 60)) }
        #expect(budget.orders["b"]?.count == 180)
        for day in 0..<40 { budget.recordIssued(names: names, at: t0.addingTimeInterval(Double(day) * 86_400)) }
        #expect(budget.issued[OrderBudget.nameSetKey(names)]?.count == 5)

        // Once everything has aged out, pruning leaves nothing behind.
        budget.recordIssued(names: ["other.example"], at: t0)
        budget.prune(now: t0.addingTimeInterval(400 * 86_400))
        #expect(budget.orders.isEmpty)
        #expect(budget.issued.isEmpty)
    }

    @Test func pruningKeepsWhatStillCounts() {
        var budget = OrderBudget()
        budget.recordOrder(account: "a", at: t0)
        budget.recordOrder(account: "a", at: t0.addingTimeInterval(2 * 3600))
        budget.recordIssued(names: names, at: t0)
        budget.prune(now: t0.addingTimeInterval(3 * 3600))
        #expect(budget.orders["a"] == [t0.addingTimeInterval(2 * 3600)])
        #expect(budget.issued[OrderBudget.nameSetKey(names)] == [t0])
    }

    @Test func aBudgetWithoutLimitsAllowsEverythingAndKeepsNothing() {
        var budget = OrderBudget(limits: .none)
        for i in 0..<1000 {
            budget.recordOrder(account: "a", at: t0.addingTimeInterval(Double(i)))
            budget.recordIssued(names: names, at: t0.addingTimeInterval(Double(i)))
        }
        #expect(budget.nextAllowed(account: "a", names: names, now: t0.addingTimeInterval(1000)) == nil)
        #expect(budget.orders.isEmpty && budget.issued.isEmpty)
    }

    @Test func anAccountWithoutLimitsIsNotHeldBackWhileAnotherIs() {
        var budget = OrderBudget()
        budget.accountLimits = ["pebble": .none]
        for i in 0..<400 {
            for account in ["pebble", "le"] {
                budget.recordOrder(account: account, at: t0.addingTimeInterval(Double(i)))
            }
        }
        for i in 0..<6 {
            budget.recordIssued(names: ["p.example"], account: "pebble", at: t0.addingTimeInterval(Double(i)))
        }
        let now = t0.addingTimeInterval(400)
        #expect(budget.block(account: "pebble", names: ["p.example"], now: now) == nil)
        #expect(budget.block(account: "le", names: ["l.example"], now: now)?.limit == .newOrdersPerAccount)
        #expect(budget.orders["pebble"] == nil && budget.issued.isEmpty)
    }

    @Test func theHistorySurvivesARestartAndTheLimitsAreNotStored() throws {
        var budget = OrderBudget()
        for i in 0..<300 { budget.recordOrder(account: "a", at: t0.addingTimeInterval(Double(i))) }
        for i in 0..<5 { budget.recordIssued(names: names, at: t0.addingTimeInterval(Double(i))) }
        let stored = try JSONEncoder().encode(budget)
        let keys = try #require(try JSONSerialization.jsonObject(with: stored) as? [String: Any]).keys
        #expect(Set(keys) == ["orders", "issued"])

        let restored = try JSONDecoder().decode(OrderBudget.self, from: stored)
        #expect(restored == budget)
        #expect(restored.limits == .letsEncrypt)
        let now = t0.addingTimeInterval(300)
        #expect(
            restored.block(account: "a", names: names, now: now) == budget.block(account: "a", names: names, now: now))
        #expect(restored.nextAllowed(account: "a", names: names, now: now) != nil)
    }

    @Test func nameSetKeysIgnoreCaseOrderAndDuplicates() {
        #expect(OrderBudget.nameSetKey(["b.example", "A.example", "a.example"]) == "a.example,b.example")
        #expect(OrderBudget.nameSetKey(["*.Example.org"]) == OrderBudget.nameSetKey(["*.example.ORG"]))
        #expect(OrderBudget.nameSetKey(["a.example"]) != OrderBudget.nameSetKey(["a.example", "b.example"]))
    }
}
