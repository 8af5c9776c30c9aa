import Foundation
public import Logging
import X509

/// Runs one order to a certificate (RFC 8555 §7.4) with dns-01: every authorization is solved
/// at the same time — all TXT values published, confirmed served, then all challenges answered
/// and all authorizations polled together.
public struct CertificateIssuer: Sendable {
    /// Maps an `_acme-challenge` name to where its value must be published (its CNAME
    /// target, or itself).
    public typealias ChallengeTarget = @Sendable (_ challengeName: String) async throws -> String
    /// Returns once every record is served where the CA will look; throws otherwise.
    public typealias Confirmation = @Sendable (_ records: [ChallengeRecord]) async throws -> Void

    let client: ACMEClient
    let publisher: any ChallengePublisher
    let target: ChallengeTarget
    let confirm: Confirmation
    let progress: @Sendable (IssuanceEvent) -> Void
    let logger: Logger
    /// TTL of the published TXT records, seconds.
    public var challengeTTL: UInt32 = 60
    /// How long a published value lives if it is never withdrawn (a crash), seconds.
    public var challengeLifetimeSeconds: Int64 = 3600
    /// Awaited with a new order's URL before anything else happens to it, so a caller can make
    /// it durable and resume it after a crash instead of placing a second order.
    public var orderPlaced: @Sendable (_ url: String) async throws -> Void = { _ in }

    public init(
        client: ACMEClient, publisher: any ChallengePublisher,
        target: @escaping ChallengeTarget = { $0 },
        confirm: @escaping Confirmation = { _ in },
        progress: @escaping @Sendable (IssuanceEvent) -> Void = { _ in },
        logger: Logger
    ) {
        self.client = client
        self.publisher = publisher
        self.target = target
        self.confirm = confirm
        self.progress = progress
        self.logger = logger
    }

    /// Orders the certificate `request` describes and returns it once issued.
    ///
    /// - Parameter existing: the URL of an order placed earlier for the same request (a process
    ///   that stopped halfway, say): it is continued where it stands — authorizations still
    ///   pending are solved, a ready order is finalized, a processing one polled, a valid one
    ///   downloaded — instead of placing a second order. When it is gone, invalid or expired, a
    ///   new order is placed. A resumed order past finalization must be continued with the same
    ///   `request.key` its CSR carried.
    public func issue(
        _ request: CertificateRequest, resumingOrderAt existing: String? = nil
    ) async throws
        -> IssuedCertificate
    {
        let order: ACMEOrder
        if let existing, let resumed = await resumable(existing) {
            logger.info(
                "resuming an order placed earlier", metadata: ["order": "\(existing)", "status": "\(resumed.status)"])
            order = resumed
        } else {
            order = try await place(request)
            try await orderPlaced(order.url)
        }
        return try await complete(order, request: request)
    }

    /// The order at `url` if it can still lead to a certificate.
    private func resumable(_ url: String) async -> ACMEOrder? {
        guard let (order, _) = try? await client.order(at: url) else { return nil }
        switch order.status {
        case .pending, .ready, .processing, .valid: return order
        default: return nil
        }
    }

    /// Places a new order for `request`.
    private func place(_ request: CertificateRequest) async throws -> ACMEOrder {
        let directory = try await client.directory()
        var profile = request.profile
        if let wanted = profile, directory.meta?.profiles?[wanted] == nil {
            let offered = directory.meta?.profiles.map { $0.keys.sorted().joined(separator: ", ") } ?? "none"
            logger.warning(
                "the CA does not offer this profile; ordering without it",
                metadata: ["profile": "\(wanted)", "offered": "\(offered)"])
            profile = nil
        }
        // `replaces` only where the CA speaks ARI (RFC 9773 §5); a CA that already saw this
        // certificate replaced gets a plain order instead.
        let replaces = directory.renewalInfo == nil ? nil : request.replaces?.rawValue
        let order: ACMEOrder
        do {
            order = try await client.newOrder(request.names.map { .dns($0) }, profile: profile, replaces: replaces)
        } catch let error as ACMEError where error.problem?.type == .alreadyReplaced && replaces != nil {
            logger.notice("the CA says the certificate was already replaced; ordering without replaces")
            order = try await client.newOrder(request.names.map { .dns($0) }, profile: profile, replaces: nil)
        }
        return order
    }

    /// Solves the order's pending authorizations, finalizes it and downloads the certificate.
    private func complete(_ order: ACMEOrder, request: CertificateRequest) async throws -> IssuedCertificate {
        let authorizations = order.status == .pending ? try await fetchAll(order.authorizations) : []
        let pending = authorizations.filter { $0.value.status == .pending }
        progress(.orderPlaced(url: order.url, pending: pending.count, total: authorizations.count))
        for (_, authorization) in authorizations
        where authorization.status != .pending && authorization.status != .valid {
            throw ACMEError(
                .validationFailed,
                detail: "\(authorization.orderedName): authorization is \(authorization.status)",
                problem: authorization.failure, url: order.url)
        }

        let thumbprint = await client.key.jwk.thumbprint
        var records: [(url: String, challenge: ACMEChallenge, record: ChallengeRecord)] = []
        for (url, authorization) in pending {
            guard let challenge = authorization.dns01, let token = challenge.token else {
                let offered = authorization.challenges.map(\.type.rawValue).joined(separator: ", ")
                throw ACMEError(
                    .unsupported, detail: "\(authorization.orderedName): no dns-01 challenge (offered: \(offered))",
                    url: url)
            }
            let name = try await target(DNS01.challengeName(for: authorization.identifier.value))
            records.append(
                (
                    url, challenge,
                    ChallengeRecord(
                        identifier: authorization.orderedName, name: name,
                        value: DNS01.txtValue(token: token, thumbprint: thumbprint))
                ))
        }

        let published = records.map(\.record)
        do {
            if !published.isEmpty {
                try await publishAll(published)
                try await confirm(published)
                progress(.published(published))
                try await validateAll(records.map { ($0.url, $0.challenge) })
            }
            let issued = try await finalize(order, request: request)
            await withdrawAll(published)
            return issued
        } catch {
            await withdrawAll(published)
            throw error
        }
    }

    private func fetchAll(_ urls: [String]) async throws -> [(url: String, value: ACMEAuthorization)] {
        try await withThrowingTaskGroup(of: (Int, ACMEAuthorization).self) { group in
            for (index, url) in urls.enumerated() {
                group.addTask { (index, try await client.authorization(at: url).authorization) }
            }
            var results = [ACMEAuthorization?](repeating: nil, count: urls.count)
            for try await (index, authorization) in group { results[index] = authorization }
            return zip(urls, results).map { ($0, $1!) }
        }
    }

    private func publishAll(_ records: [ChallengeRecord]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for record in records {
                group.addTask {
                    do {
                        try await publisher.publish(
                            name: record.name, value: record.value, ttl: challengeTTL,
                            expiresAfterSeconds: challengeLifetimeSeconds)
                    } catch {
                        throw ACMEError(.publishing, detail: "publishing at \(record.name) failed: \(error)")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func withdrawAll(_ records: [ChallengeRecord]) async {
        await withTaskGroup(of: Void.self) { group in
            for record in Set(records) {
                group.addTask {
                    do {
                        try await publisher.withdraw(name: record.name, value: record.value)
                    } catch {
                        logger.warning(
                            "could not withdraw a challenge value; it expires on its own",
                            metadata: ["name": "\(record.name)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    /// Answers every challenge, then polls every authorization until it leaves `pending`;
    /// reports each result, and throws one error naming every identifier that failed.
    private func validateAll(_ challenges: [(url: String, challenge: ACMEChallenge)]) async throws {
        let failures = try await withThrowingTaskGroup(of: String?.self) { group in
            for (url, challenge) in challenges {
                group.addTask {
                    try await client.respond(to: challenge)
                    let authorization = try await poll(url)
                    progress(
                        .authorization(
                            identifier: authorization.orderedName, status: authorization.status,
                            problem: authorization.failure))
                    if authorization.status == .valid { return nil }
                    let reason = authorization.failure.map { "\($0)" } ?? "authorization \(authorization.status)"
                    return "\(authorization.orderedName): \(reason)"
                }
            }
            var failures: [String] = []
            for try await failure in group { if let failure { failures.append(failure) } }
            return failures.sorted()
        }
        if !failures.isEmpty {
            throw ACMEError(
                .validationFailed,
                detail: "\(failures.count) of \(challenges.count) authorizations failed: "
                    + failures.joined(separator: "; "))
        }
    }

    private func poll(_ url: String) async throws -> ACMEAuthorization {
        var backoff = Backoff(configuration: client.configuration, clock: client.clock)
        while true {
            let (authorization, retryAfter) = try await client.authorization(at: url)
            if authorization.status != .pending { return authorization }
            try await backoff.wait(retryAfter: retryAfter, what: "authorization \(authorization.orderedName)", url: url)
        }
    }

    private func finalize(_ placed: ACMEOrder, request: CertificateRequest) async throws -> IssuedCertificate {
        var backoff = Backoff(configuration: client.configuration, clock: client.clock)
        var order = placed
        // The order becomes ready once every authorization is valid (RFC 8555 §7.1.6).
        while order.status == .pending {
            let (current, retryAfter) = try await client.order(at: order.url)
            order = current
            if order.status == .pending {
                try await backoff.wait(retryAfter: retryAfter, what: "order", url: order.url)
            }
        }
        guard [.ready, .processing, .valid].contains(order.status) else { throw orderFailure(order) }
        // A resumed order may be past finalization already.
        if order.status == .ready {
            let csr = try CertificateSigningRequestBuilder.der(names: request.names, key: request.key)
            progress(.finalizing)
            do {
                order = try await client.finalize(order, csr: csr)
            } catch let error as ACMEError where error.problem?.type == .orderNotReady {
                // A finalize sent again after its first answer was lost: the order is already
                // past `ready` (RFC 8555 §7.4), so follow it rather than fail.
                let (current, _) = try await client.order(at: order.url)
                guard [.processing, .valid].contains(current.status) else { throw error }
                order = current
            }
        }
        backoff = Backoff(configuration: client.configuration, clock: client.clock)
        while order.status == .processing || order.status == .ready {
            let (current, retryAfter) = try await client.order(at: order.url)
            order = current
            if order.status == .processing {
                try await backoff.wait(retryAfter: retryAfter, what: "order", url: order.url)
            }
        }
        guard order.status == .valid, let certificateURL = order.certificate else { throw orderFailure(order) }
        var (chain, alternates) = try await client.certificateChain(at: certificateURL)
        if let preferred = request.preferredChain, !chain.hasIssuer(named: preferred) {
            var found = false
            for url in alternates {
                let alternate = try await client.certificateChain(at: url).chain
                if alternate.hasIssuer(named: preferred) {
                    chain = alternate
                    found = true
                    break
                }
            }
            if !found {
                logger.notice(
                    "no chain has the preferred issuer; keeping the default chain",
                    metadata: ["preferred": "\(preferred)", "alternates": "\(alternates.count)"])
            }
        }
        // Nothing is returned (so nothing written or swapped) unless the leaf is what was ordered.
        try chain.requireLeaf(
            publicKey: request.key.certificateKey.publicKey, names: request.names, url: certificateURL)
        progress(.issued(url: certificateURL))
        return IssuedCertificate(chain: chain, key: request.key, orderURL: order.url, certificateURL: certificateURL)
    }

    private func orderFailure(_ order: ACMEOrder, file: String = #fileID, line: UInt = #line) -> ACMEError {
        ACMEError(
            .validationFailed, detail: "the order is \(order.status)", problem: order.error, url: order.url,
            file: file, line: line)
    }
}
