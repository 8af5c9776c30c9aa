@_spi(Fuzzing) import ACMEClient
import Foundation
import FuzzSupport
import HTTPTypes
import NIOHTTP1
import X509

/// What a hostile or broken ACME server (RFC 8555) can send, read the way ``ACMEClient`` reads
/// it: the same `ACMEClient.Response` and its decoders. The first input octet picks what the
/// body is read as (directory, order, authorization, account, problem, renewal information,
/// certificate chain); the second is the HTTP status; the rest is header lines
/// (`Name: value`, up to the first empty line) and then the body. It must never trap, and:
///
/// - `Retry-After` is absent or a finite number of seconds within
///   `ACMEClient.Response.longestRetryAfter` (the client converts it to `Int` and `Duration`);
/// - a non-2xx never decodes as success, and its error carries the problem when the body is one;
/// - a chain that parses has at least one certificate, and checking its leaf against a key and
///   names it cannot have been issued for fails.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    guard input.count >= 2 else { return 0 }
    let kind = input[0] % 8
    let status = 100 + Int(input[1]) * 2
    let (fields, body) = httpMessage(Array(input.dropFirst(2)))
    var headers = HTTPHeaders()
    for field in fields { headers.add(name: field.name.rawName, value: field.value) }
    let response = ACMEClient.Response(
        status: status, headers: headers, body: Data(body), url: "https://ca.fuzz/acme/resource")
    let context = "\n kind \(kind) status \(status)\n input \(hex(input))"

    if let wait = response.retryAfterSeconds {
        require(
            wait.isFinite && wait >= 0 && wait <= ACMEClient.Response.longestRetryAfter,
            "Retry-After \(wait) is no wait" + context)
        _ = Int(wait)
        _ = Duration.seconds(wait)
    }
    _ = response.isServerError
    _ = response.location
    for relation in ["alternate", "up", "index"] {
        for target in response.links(relation: relation) {
            _ = try? ACMEClient.requireHTTPS(target)
        }
    }
    let succeeded = (200..<300).contains(status)
    do {
        try response.checkSuccess()
        require(succeeded, "HTTP \(status) passed as success" + context)
    } catch let error as ACMEError {
        require(!succeeded, "HTTP \(status) refused as failure" + context)
        _ = error.description
        if (try? JSONDecoder().decode(ACMEProblem.self, from: Data(body))) != nil {
            require(error.problem != nil, "a problem document was not read as one" + context)
        }
    } catch {
        fatalError("checkSuccess threw \(type(of: error)), not ACMEError" + context)
    }

    switch kind {
    case 0:
        if let directory = try? response.decode(ACMEDirectory.self) {
            for url in [directory.newNonce, directory.newAccount, directory.newOrder]
                + [
                    directory.revokeCert, directory.keyChange, directory.renewalInfo,
                ].compactMap({ $0 })
            {
                _ = try? ACMEClient.requireHTTPS(url)
            }
            _ = directory.meta?.profiles?.keys.sorted()
        }
    case 1:
        if var order = try? response.decode(ACMEOrder.self) {
            order.url = response.location ?? response.url
            _ = order.error?.description
            _ = order.identifiers.map(\.description)
            _ = order.status.description
        }
    case 2:
        if let authorization = try? response.decode(ACMEAuthorization.self) {
            _ = authorization.orderedName
            _ = authorization.failure?.description
            if let challenge = authorization.dns01 {
                _ = DNS01.txtValue(token: challenge.token ?? "", thumbprint: "thumbprint")
                _ = DNS01.challengeName(for: authorization.identifier.value)
            }
        }
    case 3:
        _ = try? response.decode(ACMEAccount.self)
    case 4:
        if let problem = try? response.decode(ACMEProblem.self) {
            _ = problem.description
            _ = problem.type.description
        }
    case 5:
        if let info = try? response.renewalInfo() {
            if let seconds = info.retryAfterSeconds { _ = Duration.seconds(seconds) }
            _ = info.suggestedWindow.start < info.suggestedWindow.end
        }
    default:
        if let chain = try? CertificateChain(pem: String(decoding: body, as: UTF8.self)) {
            require(!chain.certificates.isEmpty, "a chain without certificates" + context)
            _ = chain.fullChainPEM
            _ = chain.hasIssuer(named: "Fuzz Root")
            // No fuzzed leaf can hold the fixture's fresh key, so the check must refuse it.
            let refused: Bool
            do {
                try chain.requireLeaf(publicKey: Fixture.publicKey, names: ["example.fuzz", "*.example.fuzz"])
                refused = false
            } catch {
                refused = true
            }
            require(refused, "a leaf for another key passed the check" + context)
        }
    }
    return 0
}

enum Fixture {
    static let publicKey: Certificate.PublicKey = {
        do {
            return try ACMEKey.generate(.p256).certificateKey.publicKey
        } catch {
            fatalError("cannot make the fixture's key: \(error)")
        }
    }()
}

#if !CAIRN_LIBFUZZER
    @main enum Replay {
        static func main() { replay(fuzz) }
    }
#endif
