import DNSAuthority
import DNSWire
import Foundation
import HTTPTypes
import HashTreeCollections
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Store

@testable import HookAPI

/// A hook API over a real SQLite store in a temporary directory and an authority serving the
/// auth zone `auth.test`, listening on 127.0.0.1 port 0 for the length of one test.
struct HookAPIHarness: Sendable {
    let store: SQLiteStore
    let authority: Authority
    let api: HookAPI

    static let authZone: DNSName = "auth.test"
    static let identity = NameserverIdentity(nameservers: ["ns.auth.test"], hostmaster: "hostmaster.auth.test")
    static let digest = String(repeating: "a", count: 43)
    static let otherDigest = String(repeating: "B", count: 42) + "_"
    static let logger = Logger(label: "hookapi-test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func run<T: Sendable>(
        _ configuration: HookAPIConfiguration = HookAPIConfiguration(authZone: authZone),
        _ body: @Sendable (HookAPIHarness, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cairn-hookapi-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: "\(directory)/cairn.sqlite")
        let authority = try Authority(zones: [Zone.synthesized(apex: authZone, identity: identity, serial: 1)])
        let writer = ChallengeWriter(store: store, authority: authority, identity: identity, logger: logger)
        try await writer.reload(staticZones: nil, identity: identity)
        let api = HookAPI(configuration: configuration, writer: writer, logger: logger)
        let harness = HookAPIHarness(store: store, authority: authority, api: api)
        return try await api.application(host: "127.0.0.1", port: 0).test(.live) { client in
            try await body(harness, client)
        }
    }

    /// A token as `cairn token create` makes it (``NewToken``); returns its key.
    @discardableResult
    func addToken(id: String, names: [OwnedName.Kind: String], domain: String? = nil) async throws -> String {
        var made = NewToken(id: id, domain: domain)
        for (kind, name) in names { made.own(name, as: kind, for: kind == .label ? domain : nil) }
        try await store.apply([made.change])
        return made.key
    }

    /// The values the authority serves at `name` right now.
    func served(_ name: String) throws -> [String] {
        let entry = authority.challengeTable.entries[try DNSName(name)]
        return entry?.values.map { String(decoding: $0.text, as: UTF8.self) } ?? []
    }

    /// Everything the store holds as live values.
    func stored() async throws -> [String] { try await store.liveValues(after: 0).map(\.text) }
}

/// A response as tests compare it: status and body text.
struct Reply: Equatable, CustomStringConvertible {
    var status: Int
    var body: String
    var description: String { "\(status) \(body)" }
}

extension TestClientProtocol {
    func post(_ path: String, _ body: String?, headers: HTTPFields = [:]) async throws -> Reply {
        try await execute(uri: path, method: .post, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            Reply(status: $0.status.code, body: String(buffer: $0.body))
        }
    }

    func get(_ path: String) async throws -> Reply {
        try await execute(uri: path, method: .get) { Reply(status: $0.status.code, body: String(buffer: $0.body)) }
    }
}

extension HTTPFields {
    static func acmeDNS(user: String, key: String) -> HTTPFields {
        [HTTPField.Name("X-Api-User")!: user, HTTPField.Name("X-Api-Key")!: key]
    }

    static func basic(_ user: String, _ password: String) -> HTTPFields {
        [.authorization: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }
}

/// A registration's credentials as `/register` returned them.
struct Credentials: Sendable {
    var username: String
    var password: String
    var subdomain: String
    var fulldomain: String

    init(_ reply: Reply) throws {
        let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any] ?? [:]
        username = object["username"] as? String ?? ""
        password = object["password"] as? String ?? ""
        subdomain = object["subdomain"] as? String ?? ""
        fulldomain = object["fulldomain"] as? String ?? ""
    }

    func update(_ txt: String, subdomain: String? = nil) -> String {
        "{\"subdomain\":\"\(subdomain ?? self.subdomain)\",\"txt\":\"\(txt)\"}"
    }
}
