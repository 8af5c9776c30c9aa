import CairnApplication
import CairnTestSupport
import Configuration
import DNSLookup
import DNSWire
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// `cairn serve`'s application graph started in-process, as Hummingbird's live tests start an
/// `Application`: bound to port 0, told its address, answering, stopped gracefully.
@Suite(.timeLimit(.minutes(1))) struct CairnApplicationTests {
    @Test func theApplicationServesItsZonesUntilItIsStopped() async throws {
        try await withTemporaryDirectory { directory in
            _ = try directory.write(
                "zones/example.test.zone",
                """
                $ORIGIN example.test.
                @ 300 IN SOA ns hostmaster 7 3600 600 1209600 30
                @ 300 IN NS ns
                ns 300 IN A 127.0.0.1

                """)
            @Sendable func overrides() -> [AbsoluteConfigKey: ConfigValue] {
                [
                    "dns.listen": ConfigValue(.stringArray(["127.0.0.1:0"]), isSecret: false),
                    "dns.udpSockets": ConfigValue(.int(1), isSecret: false),
                    "api.listen": ConfigValue(.string("none"), isSecret: false),
                    "zones.directory": ConfigValue(.string(directory.file("zones")), isSecret: false),
                    "state.directory": ConfigValue(.string(directory.file("state")), isSecret: false),
                ]
            }
            let settings = try await ServeSettings.read(configFile: nil, overrides: overrides(), environment: [:])
            let (bound, boundSink) = AsyncStream.makeStream(of: [SocketAddress].self)
            let (reloads, _) = AsyncStream.makeStream(of: Void.self)
            let application = CairnApplication(
                settings: settings,
                reloadSettings: {
                    try await ServeSettings.read(configFile: nil, overrides: overrides(), environment: [:])
                },
                reloads: reloads, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                onDNSBound: { boundSink.yield($0) })
            let group = ServiceGroup(services: [application], logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var addresses: [SocketAddress] = []
                for await next in bound {
                    addresses = next
                    break
                }
                let address = try #require(addresses.first)
                let server = HostPort(host: try #require(address.ipAddress), port: try #require(address.port))
                let client = DNSLookupClient()
                let soa = try await client.query("example.test", .soa, server: server, recursive: false)
                #expect(soa.answers.count == 1)
                #expect(soa.header.isAuthoritative)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
