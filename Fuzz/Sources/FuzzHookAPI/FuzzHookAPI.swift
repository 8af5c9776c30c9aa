import DNSAuthority
import DNSWire
import Dispatch
import Foundation
import FuzzSupport
import HTTPTypes
import HashTreeCollections
import HookAPI
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Store
import Synchronization

/// The hook API's routes (acme-dns `/register` and `/update`, lego httpreq `/present` and
/// `/cleanup`, `/health`) on arbitrary header fields and bodies, through Cairn's own router, a
/// real SQLite store and the authority. The first input octet picks the route (bits 0–2) and the
/// TCP peer (bit 3: 127.0.0.1, the trusted proxy, or 10.0.0.1); the rest is header lines
/// (`Name: value`, up to the first empty line) and then the body. It must never trap, and:
///
/// - no response is a 5xx (bad input is the client's error, not the server's);
/// - no response body carries a fixture key or the admin token the request body did not;
/// - values appear only at the fixture's names (no one else's key is known), and a
///   registration's values never change on a request from outside its `allowfrom`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    guard let mode = input.first else { return 0 }
    let routes = ["/register", "/update", "/present", "/cleanup", "/health", "/update/", "/register?x=1", "/"]
    let path = routes[Int(mode & 7)]
    let fromOutside = mode & 8 != 0
    let (fields, body) = httpMessage(Array(input.dropFirst()))
    let forwarded = fields[HTTPField.Name("X-Forwarded-For")!] != nil || fields[HTTPField.Name("Forwarded")!] != nil
    let fixture = HookFixture.shared
    let before = fixture.values()
    let reply = fixture.send(path: path, fields: fields, body: body, fromOutside: fromOutside)
    let after = fixture.values()
    let context = "\n \(path) from \(fromOutside ? "10.0.0.1" : "127.0.0.1"): \(reply.status) \(reply.body)"
    if HookFixture.printsReplies { print(context.dropFirst()) }
    require(reply.status < 500, "a 5xx" + context)
    let sent = String(decoding: body, as: UTF8.self)
    for secret in HookFixture.secrets where !sent.contains(secret) {
        // /present echoes its body (acme.sh reads the value from it): a key the client put
        // there comes back, any other must not.
        require(!reply.body.contains(secret), "the response carries a key" + context)
    }
    for name in after.keys {
        require(HookFixture.ownedNames.contains(name), "a value at \(name), which no fixture owns" + context)
    }
    if fromOutside {
        require(
            after[HookFixture.loopbackOnlyName] == before[HookFixture.loopbackOnlyName],
            "a loopback-only registration changed from 10.0.0.1" + context)
    } else if !forwarded {
        require(
            after[HookFixture.outsideOnlyName] == before[HookFixture.outsideOnlyName],
            "a 10/8-only registration changed from 127.0.0.1" + context)
    }
    return 0
}

/// One API over a store in a temporary directory (on /dev/shm when there is one: each commit
/// syncs), with two registrations, one token and an admin token whose keys are fixed, so the
/// seed corpus can carry them and the fuzzer reach past authentication.
final class HookFixture: Sendable {
    static let authZone: DNSName = "auth.fuzz"
    static let identity = NameserverIdentity(nameservers: ["ns.auth.fuzz"], hostmaster: "hostmaster.auth.fuzz")
    static let adminToken = "fuzz-admin-token-0123456789"
    /// allowfrom 127.0.0.0/8.
    static let loopbackUser = "11111111-1111-4111-8111-111111111111"
    static let loopbackKey = "loopbackKey0123456789abcdefghijklmnopqrs"
    static let loopbackOnlyName: DNSName = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.auth.fuzz"
    /// allowfrom 10.0.0.0/8.
    static let outsideUser = "22222222-2222-4222-8222-222222222222"
    static let outsideKey = "outsideKey0123456789abcdefghijklmnopqrst"
    static let outsideOnlyName: DNSName = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb.auth.fuzz"
    static let tokenID = "fuzz-token"
    static let tokenKey = "tokenKey0123456789abcdefghijklmnopqrstuv"
    static let tokenLabel: DNSName = "cccccccc-cccc-4ccc-8ccc-cccccccccccc.auth.fuzz"
    static let tokenZone: DNSName = "_acme-challenge.example.fuzz"
    static let secrets = [adminToken, loopbackKey, outsideKey, tokenKey]
    /// `CAIRN_FUZZ_PRINT=1`: print each reply (to check that the seeds get past authentication).
    static let printsReplies = ProcessInfo.processInfo.environment["CAIRN_FUZZ_PRINT"] == "1"
    static let ownedNames: Set<DNSName> = [loopbackOnlyName, outsideOnlyName, tokenLabel, tokenZone]

    static let shared: HookFixture = {
        do {
            return try HookFixture()
        } catch {
            fatalError("cannot build the hook API fixture: \(error)")
        }
    }()

    let authority: Authority
    let responder: RouterResponder<HookRequestContext>
    let loopbackPeer: NIOAsyncTestingChannel
    let outsidePeer: NIOAsyncTestingChannel

    private init() throws {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let directory = "\(base)/cairn-fuzz-hookapi-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/cairn-fuzz-hookapi-\(getpid())") }
        let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
        let store = try SQLiteStore(path: "\(directory)/cairn.sqlite")
        authority = try Authority(zones: [Zone.synthesized(apex: Self.authZone, identity: Self.identity, serial: 1)])
        let writer = ChallengeWriter(store: store, authority: authority, identity: Self.identity, logger: logger)
        let configuration = HookAPIConfiguration(
            authZone: Self.authZone, adminTokenHash: HookAPI.hashAdminToken(Self.adminToken),
            trustedProxies: [IPNetwork("127.0.0.1/32")!], maximumBodySize: 4096,
            authFailuresPerMinute: 1 << 30, registerPerMinute: 60, updatesPerMinute: 1 << 30,
            maximumRegistrations: 1000, bodyTimeout: .seconds(5))
        let api = HookAPI(configuration: configuration, writer: writer, logger: logger)
        responder = api.router().buildResponder()
        loopbackPeer = NIOAsyncTestingChannel()
        loopbackPeer.remoteAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 40000)
        outsidePeer = NIOAsyncTestingChannel()
        outsidePeer.remoteAddress = try SocketAddress(ipAddress: "10.0.0.1", port: 40000)

        let now = Int64(Date().timeIntervalSince1970)
        let token = Token(id: Self.tokenID, keyHash: HookAPI.hashAdminToken(Self.tokenKey), domain: nil, created: now)
        let changes: [StoreChange] = [
            registration(Self.loopbackUser, Self.loopbackKey, Self.loopbackOnlyName, ["127.0.0.0/8"], now),
            registration(Self.outsideUser, Self.outsideKey, Self.outsideOnlyName, ["10.0.0.0/8"], now),
            .addToken(
                token,
                [
                    OwnedName(
                        name: ChallengeName.storeText(Self.tokenLabel), owner: token.owner, kind: .label,
                        domain: "www.example.fuzz"),
                    OwnedName(name: ChallengeName.storeText(Self.tokenZone), owner: token.owner, kind: .challengeZone),
                ]),
        ]
        Self.wait {
            try await writer.reload(staticZones: nil, identity: Self.identity)
            try await writer.apply(changes)
        }
    }

    private func registration(
        _ user: String, _ key: String, _ name: DNSName, _ allowFrom: [String], _ now: Int64
    ) -> StoreChange {
        let registration = Registration(
            username: user, keyHash: HookAPI.hashAdminToken(key),
            subdomain: String(ChallengeName.storeText(name).prefix { $0 != "." }), allowFrom: allowFrom, created: now)
        return .addRegistration(
            registration, OwnedName(name: ChallengeName.storeText(name), owner: registration.owner, kind: .label))
    }

    /// The values served at every name that holds any.
    func values() -> [DNSName: [String]] {
        var found: [DNSName: [String]] = [:]
        for (name, records) in authority.challengeTable.entries where !records.values.isEmpty {
            found[name] = records.values.map { String(decoding: $0.text, as: UTF8.self) }
        }
        return found
    }

    struct Reply: Sendable {
        var status: Int
        var body: String
    }

    func send(path: String, fields: HTTPFields, body: [UInt8], fromOutside: Bool) -> Reply {
        var fields = fields
        fields[.contentLength] = String(body.count)
        let request = Request(
            head: HTTPRequest(
                method: path == "/health" ? .get : .post, scheme: "http", authority: "localhost", path: path,
                headerFields: fields),
            body: RequestBody(buffer: ByteBuffer(bytes: body)))
        let peer = fromOutside ? outsidePeer : loopbackPeer
        let responder = responder
        return Self.wait {
            let context = HookRequestContext(
                source: ApplicationRequestContextSource(
                    channel: peer, logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }))
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPError {
                return Reply(status: Int(error.status.code), body: error.body ?? "")
            } catch {
                // What the server would turn into a 500.
                return Reply(status: 500, body: "thrown: \(error)")
            }
            let collector = BodyCollector()
            try await response.body.write(collector)
            return Reply(status: Int(response.status.code), body: collector.text)
        }
    }

    /// Runs `body` on the concurrency runtime and blocks the fuzzer's thread until it is done.
    @discardableResult
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        switch result.withLock({ $0 }) {
        case .success(let value): return value
        case .failure(let error): fatalError("the fixture failed: \(error)")
        case nil: fatalError("unreachable: signalled without a result")
        }
    }
}

/// Gathers a response body.
final class BodyCollector: ResponseBodyWriter, Sendable {
    private let bytes = Mutex<[UInt8]>([])
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }

    func write(_ buffer: ByteBuffer) async throws {
        bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

#if !CAIRN_LIBFUZZER
    @main enum Replay {
        static func main() { replay(fuzz) }
    }
#endif
