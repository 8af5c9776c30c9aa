import CairnTestSupport
import Synchronization
import Testing

/// The `dig` runner the DNS tests stand on: dig may be handed the port of the server it asks
/// (both bind with SO_REUSEPORT as one user) and then receives its own query; it is run again.
@Suite(.serialized, .timeLimit(.minutes(1))) struct DigTests {
    /// What dig 9.18 printed in a CI run when its source port was the server's.
    static let ownQuery = """
        ;; Warning: query response not set

        ; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> @127.0.0.1 -p 45147 served.test NS +norec +tries=1 +time=3 +nocookie
        ; (1 server found)
        ;; global options: +cmd
        ;; Got answer:
        ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 17427
        ;; flags: ad; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1

        ;; QUESTION SECTION:
        ;served.test.\t\t\tIN\tNS

        """

    static let answer = """
        ;; Got answer:
        ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 17428
        ;; flags: qr aa; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1

        ;; ANSWER SECTION:
        served.test.\t\t300\tIN\tNS\tns1.served.test.

        """

    /// The hazard itself, with the real dig and a real server: dig told to bind the port the
    /// server holds gets it (SO_REUSEPORT, one user) and reads back its own query.
    @Test func digOnTheServersOwnPortReceivesItsOwnQuery() async throws {
        try await withDNSServer(zones: [try DNSServerTests.zone()]) { server in
            let port = server.ipv4Port
            let result = try await Tool.run(
                "dig",
                [
                    "-b", "127.0.0.1#\(port)", "@127.0.0.1", "-p", "\(port)", "served.test", "NS", "+norec",
                    "+tries=1", "+time=3", "+nocookie",
                ])
            let dig = Dig(parsing: result.output)
            #expect(dig.receivedItsOwnQuery, "\(result.output)")
            #expect(!dig.flags.contains("qr"), "\(result.output)")
            let asked = try await Dig.query(host: "127.0.0.1", port: port, name: "served.test", type: "NS")
            #expect(!asked.receivedItsOwnQuery && asked.flags.contains("qr"), "\(asked.output)")
        }
    }

    @Test func aRunThatReceivedItsOwnQueryIsRunAgain() async throws {
        let runs = Mutex(0)
        let dig = try await Dig.run("dig", ["served.test", "NS"]) { _, _ in
            let run = runs.withLock { count in
                count += 1
                return count
            }
            return Tool.Result(status: 0, output: run == 1 ? Self.ownQuery : Self.answer)
        }
        #expect(runs.withLock { $0 } == 2)
        #expect(!dig.receivedItsOwnQuery)
        #expect(dig.answers == ["served.test. 300 IN NS ns1.served.test."])
    }

    @Test func aServerThatAlwaysEchoesStillFailsAfterThreeRuns() async throws {
        let runs = Mutex(0)
        let dig = try await Dig.run("dig", ["served.test", "NS"]) { _, _ in
            runs.withLock { $0 += 1 }
            return Tool.Result(status: 0, output: Self.ownQuery)
        }
        #expect(runs.withLock { $0 } == 3)
        #expect(dig.receivedItsOwnQuery)
        #expect(dig.answers.isEmpty)
    }
}
