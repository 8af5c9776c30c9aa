package import ACMEClient
import AsyncHTTPClient
package import DNSLookup
package import Foundation
package import Logging
import ServiceLifecycle
package import Store
import SystemPackage
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps every declared certificate issued and renewed while `cairn serve` runs (DESIGN.md,
/// target `CertificateManager`): issues what is missing at start, renews each at its ARI window
/// or a fraction of its lifetime, backs off after failures (persisted, so a crash loop places no
/// new order each time), resumes an order in flight after a restart instead of placing a
/// second, keeps each account inside the CA's published limits, falls back to the next issuer
/// past a retry budget, installs versioned files swapped atomically, and runs deploy hooks.
///
/// One scheduling pass decides every certificate (``RenewalDecision``); due ones are issued
/// with at most `concurrency` at a time, each through the one ``IssuancePath``.
package actor CertificateManagerService: Service, CertificateControl {
    package struct Settings: Sendable {
        package var certificatesDirectory: String
        package var stateDirectory: String
        package var resolver: ResolverAddress
        package var preflight: Bool
        package var preflightNameserverPort: Int
        package var concurrency: Int
        /// How often due certificates are looked for between events.
        package var tick: Duration
        /// A named point at which the process exits as a crash would (crash-safety tests):
        /// `afterOrderCreated`, `afterFinalize`, or one of ``ArchiveFailpoints/Point``.
        package var failpoint: String?

        package init(
            certificatesDirectory: String, stateDirectory: String, resolver: ResolverAddress, preflight: Bool = true,
            preflightNameserverPort: Int = 53, concurrency: Int = 4, tick: Duration = .seconds(15),
            failpoint: String? = nil
        ) {
            self.certificatesDirectory = certificatesDirectory
            self.stateDirectory = stateDirectory
            self.resolver = resolver
            self.preflight = preflight
            self.preflightNameserverPort = preflightNameserverPort
            self.concurrency = max(1, concurrency)
            self.tick = tick
            self.failpoint = failpoint
        }
    }

    /// The publisher a certificate's challenges go through (the store, so values are durable
    /// and every nameserver serves them), owned by that certificate.
    package typealias PublisherFactory = @Sendable (_ certificate: String) -> any ChallengePublisher

    private let settings: Settings
    private var declarations: CertificateDeclarations
    private let store: any ChallengeStore
    private let publisher: PublisherFactory
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let archive: CertificateArchive
    private var states: [String: ManagedCertificateState] = [:]
    private var budget = OrderBudget()
    private var inFlight: Set<String> = []
    /// Per certificate in flight: the `renew` requests waiting for that attempt to end.
    private var inFlightWaiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var fetchingRenewalInfo: Set<String> = []
    /// Issuers whose directory offers no renewalInfo (RFC 9773), learnt once.
    private var issuersWithoutARI: Set<String> = []
    /// When to fetch renewalInfo again for certificates whose fetch failed before any window was
    /// known (RFC 9773 §4.3.3); once one is, its ``ARISchedule`` carries the time.
    private var renewalInfoRetry: [String: Date] = [:]
    private var failuresTotal: [String: Int] = [:]
    private var clients: [String: HTTPClient] = [:]
    private var generator = SystemRandomNumberGenerator()
    private let (events, eventSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    private var loaded = false
    /// Per issuer, account and key: the registration every order through it waits for.
    private var accountRegistrations: [String: Task<Void, any Error>] = [:]
    private var changeObservers: [@Sendable (String, InstalledCertificate) -> Void] = []

    package init(
        settings: Settings, declarations: CertificateDeclarations, store: any ChallengeStore,
        publisher: @escaping PublisherFactory, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.settings = settings
        self.declarations = declarations
        self.budget.accountLimits = Self.accountLimits(declarations)
        self.store = store
        self.publisher = publisher
        self.now = now
        self.logger = logger
        let failpoint = settings.failpoint
        self.archive = CertificateArchive(
            directory: settings.certificatesDirectory,
            failpoints: ArchiveFailpoints { point in
                if point.rawValue == failpoint { Self.crash(at: point.rawValue) }
            })
    }

    /// Tells `observer` each time a certificate is installed (the hook API reloads its own).
    package func observeInstalls(_ observer: @escaping @Sendable (String, InstalledCertificate) -> Void) {
        changeObservers.append(observer)
    }

    /// The certificate installed for `name`, if any.
    package nonisolated func installed(_ name: String) -> InstalledCertificate? {
        try? archive.current(name: name)
    }

    // MARK: Running

    package func run() async throws {
        try await load()
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
        await shutDownClients()
    }

    private func loop() async {
        let tick = settings.tick
        let sink = eventSink
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    sink.yield()
                }
            }
            sink.yield()
            for await _ in events {
                if Task.isCancelled { break }
                schedule(into: &group)
            }
            group.cancelAll()
        }
    }

    /// One scheduling pass: starts what is due, fetches renewal information that is due, and
    /// retries deploy hooks that failed.
    private func schedule(into group: inout DiscardingTaskGroup) {
        let now = now()
        for certificate in declarations.certificates {
            let name = certificate.name
            guard !inFlight.contains(name) else { continue }
            let decision = decide(certificate, now: now)
            // An order placed before a stop is finished first, whatever the schedule says.
            let resuming =
                states[name].map { $0.order?.url != nil && $0.backoff.allowsAttempt(at: now) } ?? false
            if decision.isDue(at: now) || resuming, inFlight.count < settings.concurrency {
                inFlight.insert(name)
                group.addTask { await self.renewNow(name, progress: nil) }
                continue
            }
            if let version = states[name]?.hookPendingForVersion, certificate.deployHook != nil,
                installed(name)?.version == version
            {
                inFlight.insert(name)
                group.addTask { await self.retryHook(name) }
                continue
            }
            if needsRenewalInfo(name, decision: decision, now: now), !fetchingRenewalInfo.contains(name) {
                fetchingRenewalInfo.insert(name)
                group.addTask { await self.fetchRenewalInfo(name) }
            }
        }
    }

    /// One scheduling pass, as the loop makes at every tick or event, returning once everything
    /// it started (orders, `renewalInfo` fetches, deploy hook retries) has finished. For tests
    /// that drive the manager with their own `now` instead of `settings.tick`; the service's
    /// own loop never calls it.
    package func runSchedulingPassForTesting() async {
        await withDiscardingTaskGroup { group in
            schedule(into: &group)
        }
    }

    /// Picks up added, changed and removed certificates (a reload): removed ones stop being
    /// renewed (their files stay), changed ones are decided again at once.
    package func update(_ new: CertificateDeclarations) {
        let diff = DeclarationDiff(from: declarations, to: new)
        declarations = new
        budget.accountLimits = Self.accountLimits(new)
        if !diff.isEmpty {
            logger.info(
                "declared certificates changed",
                metadata: [
                    "added": "\(diff.added)", "removed": "\(diff.removed)", "changed": "\(diff.changed)",
                ])
        }
        eventSink.yield()
    }

    // MARK: State

    /// Reads the persisted state (once; ``run()`` calls it, an in-process renewal too).
    package func load() async throws {
        guard !loaded else { return }
        loaded = true
        let records = try await store.managerRecords()
        let decoder = JSONDecoder()
        for (key, data) in records {
            if key == ManagedCertificateState.budgetKey {
                budget = (try? decoder.decode(OrderBudget.self, from: data)) ?? OrderBudget()
                budget.accountLimits = Self.accountLimits(declarations)
            } else if key.hasPrefix("certificate:") {
                let name = String(key.dropFirst("certificate:".count))
                if let state = try? decoder.decode(ManagedCertificateState.self, from: data) { states[name] = state }
            }
        }
        for (name, state) in states where state.order?.url != nil {
            logger.notice(
                "an order was in flight at the last stop; it will be resumed", metadata: ["certificate": "\(name)"])
        }
    }

    private func persist(_ name: String) async {
        guard let state = states[name], let data = try? JSONEncoder().encode(state) else { return }
        do {
            try await saveRecord(key: ManagedCertificateState.storeKey(name), value: data)
        } catch {
            logger.error(
                "could not save the certificate's state", metadata: ["certificate": "\(name)", "error": "\(error)"])
        }
    }

    /// Writes one manager record, to the end even when the calling task is cancelled: a stop
    /// right after an install or a deploy hook cancels the manager, and a write abandoned then
    /// makes the next start repeat the hook (or the order) it had recorded as done.
    private func saveRecord(key: String, value: Data) async throws {
        let store = self.store
        _ = try await Task { try await store.apply([.setManagerRecord(key: key, value: value)]) }.value
    }

    private func persistBudget() async {
        budget.prune(now: now())
        guard let data = try? JSONEncoder().encode(budget) else { return }
        do {
            try await saveRecord(key: ManagedCertificateState.budgetKey, value: data)
        } catch {
            logger.error("could not save the rate-limit budget", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Deciding

    private func decide(_ certificate: CertificateDeclaration, now: Date) -> RenewalDecision {
        let state = states[certificate.name] ?? ManagedCertificateState()
        let facts = installed(certificate.name).map { InstalledCertificateFacts($0.leaf) }
        return RenewalDecision.decide(
            DeclaredCertificateEssentials(
                name: certificate.name, domains: certificate.domains, keyType: certificate.keyType.rawValue,
                issuers: certificate.issuers),
            installed: facts, renewalInfo: state.renewalInfo, backoff: state.backoff, fallback: state.fallback,
            budget: budget, now: now, account: { self.accountKey(for: $0) })
    }

    /// Each issuer's account's published limits.
    private static func accountLimits(_ declarations: CertificateDeclarations) -> [String: OrderBudget.Limits] {
        Dictionary(declarations.issuers.map { ($0.name, $0.rateLimits) }, uniquingKeysWith: { first, _ in first })
    }

    /// The budget's account for an issuer: one account per CA directory.
    private nonisolated func accountKey(for issuer: String) -> String { issuer }

    private func needsRenewalInfo(_ name: String, decision: RenewalDecision, now: Date) -> Bool {
        guard installed(name) != nil, let issuer = states[name]?.issuer, !issuersWithoutARI.contains(issuer) else {
            return false
        }
        guard let next = decision.nextRenewalInfoFetch else {
            guard states[name]?.renewalInfo == nil else { return false }
            return renewalInfoRetry[name].map { $0 <= now } ?? true
        }
        return next <= now
    }

    // MARK: Issuing

    /// Ends `name`'s attempt: wakes the `renew` requests waiting for it and the scheduler.
    private func endInFlight(_ name: String) {
        inFlight.remove(name)
        for waiter in inFlightWaiters.removeValue(forKey: name) ?? [] { waiter.resume() }
        eventSink.yield()
    }

    /// Orders, installs and deploys `name` now, whatever its schedule.
    ///
    /// - Returns: whether a new certificate was installed.
    @discardableResult
    private func renewNow(_ name: String, progress: (@Sendable (String) -> Void)?) async -> Bool {
        defer { endInFlight(name) }
        guard let certificate = declarations.certificate(named: name) else { return false }
        let say: @Sendable (String) -> Void = { [logger] line in
            logger.info("\(line)", metadata: ["certificate": "\(name)"])
            progress?(line)
        }
        let started = now()
        guard let choice = (states[name] ?? ManagedCertificateState()).fallback.choose(from: certificate.issuers),
            let issuer = declarations.issuer(named: choice.issuer)
        else {
            await fail(name, issuer: nil, error: CertificateManagerError(.configuration, "no usable issuer"), say: say)
            return false
        }
        if let block = budget.block(account: accountKey(for: issuer.name), names: certificate.domains, now: started) {
            let error = CertificateManagerError(
                .rateLimited, "the CA's limit \(block.limit) leaves no order before \(block.until)")
            say("\(error)")
            states[name, default: ManagedCertificateState()].lastError = error.description
            return false
        }
        say("ordering \(certificate.domains.joined(separator: ", ")) from \(issuer.name) (\(choice))")
        do {
            let key = try prepareOrder(certificate, issuer: issuer.name)
            await persist(name)
            let issued = try await order(certificate, issuer: issuer, key: key, say: say)
            let installed = try archive.install(issued, name: name, group: certificate.groupID.map { gid_t($0) })
            await succeed(name, certificate: certificate, issuer: issuer.name, installed: installed, say: say)
            return true
        } catch {
            // Stopping (a shutdown) is no failure: the order in flight is resumed at the next start.
            guard !Task.isCancelled else {
                say("stopped before finishing; the order is resumed at the next start")
                return false
            }
            await fail(name, issuer: issuer.name, error: error, say: say)
            return false
        }
    }

    /// The key the order uses: the one an order in flight carries, else a new one (or the
    /// installed one with `reuseKey`), kept in `<state>/pending/NAME.key` until installed.
    private func prepareOrder(_ certificate: CertificateDeclaration, issuer: String) throws -> ACMEKey {
        let name = certificate.name
        var state = states[name] ?? ManagedCertificateState()
        if let order = state.order, order.issuer == issuer, Set(order.names) == Set(certificate.domains),
            let pem = try? String(contentsOfFile: order.keyFile, encoding: .utf8),
            let key = try? ACMEKey(pemRepresentation: pem)
        {
            return key
        }
        let key: ACMEKey
        if certificate.reuseKey, let pem = try? archive.currentPrivateKeyPEM(name: name),
            let existing = try? ACMEKey(pemRepresentation: pem), existing.type == certificate.keyType
        {
            key = existing
        } else {
            key = try ACMEKey.generate(certificate.keyType)
        }
        let keyFile = "\(settings.stateDirectory)/pending/\(name).key"
        try AtomicFile.write(key.pemRepresentation + "\n", to: keyFile, mode: [.ownerReadWrite])
        state.order = ManagedCertificateState.OrderInFlight(
            url: nil, issuer: issuer, names: certificate.domains, keyFile: keyFile, started: now())
        states[name] = state
        return key
    }

    private func order(
        _ certificate: CertificateDeclaration, issuer: IssuerDeclaration, key: ACMEKey,
        say: @escaping @Sendable (String) -> Void
    ) async throws -> IssuedCertificate {
        let name = certificate.name
        let http = try httpClient(for: issuer)
        let binding = try issuer.externalAccountBinding.map { eab in
            let text: String
            do {
                text = try String(contentsOfFile: eab.hmacKeyFile, encoding: .utf8)
            } catch {
                throw CertificateManagerError(
                    .configuration, "issuer \(issuer.name): cannot read eab.hmacKeyFile \(eab.hmacKeyFile): \(error)")
            }
            return try ExternalAccountBinding(keyID: eab.keyID, encodedMACKey: text)
        }
        let account = ACMEAccountSettings(
            directoryURL: issuer.directoryURL, email: issuer.email, binding: binding, keyType: issuer.accountKeyType,
            stateDirectory: settings.stateDirectory)
        try await registerOnce(account, issuer: issuer, http: http)
        let preflightDone = states[name]?.lastSuccess != nil
        let path = IssuancePath(
            resolver: settings.resolver, preflight: settings.preflight && !preflightDone,
            nameserverPort: settings.preflightNameserverPort, logger: logger)
        let previous = installed(name)
        let request = CertificateRequest(
            names: certificate.domains, key: key, profile: certificate.profile,
            replaces: previous.flatMap { try? ARICertificateID($0.leaf) }, preferredChain: certificate.preferredChain)
        let failpoint = settings.failpoint
        let accountName = accountKey(for: issuer.name)
        return try await path.issue(
            request, account: account, http: http, publisher: publisher(name),
            existingOrder: states[name]?.order?.url,
            orderPlaced: { url in
                await self.recordOrderPlaced(name, url: url, account: accountName)
                if failpoint == "afterOrderCreated" { Self.crash(at: "afterOrderCreated") }
            },
            step: { step in
                if case .order(.issued) = step, failpoint == "afterFinalize" { Self.crash(at: "afterFinalize") }
                if let line = Self.describe(step) { say(line) }
            })
    }

    /// Registers `account` with its CA once (RFC 8555 §7.3) before certificates are ordered
    /// through it concurrently: concurrent `newAccount` requests for one new key race in the CA
    /// (Pebble answers all but one `serverInternal`). Later orders still look the account up,
    /// which for an existing key is a plain read.
    private func registerOnce(_ account: ACMEAccountSettings, issuer: IssuerDeclaration, http: HTTPClient) async throws
    {
        let key = "\(issuer.name) \(issuer.directoryURL) \(account.keyFile.path)"
        let logger = self.logger
        let registration =
            accountRegistrations[key] ?? Task { _ = try await account.client(http: http, logger: logger) }
        accountRegistrations[key] = registration
        do {
            try await registration.value
        } catch {
            accountRegistrations[key] = nil
            throw error
        }
    }

    private func recordOrderPlaced(_ name: String, url: String, account: String) async {
        states[name, default: ManagedCertificateState()].order?.url = url
        budget.recordOrder(account: account, at: now())
        await persist(name)
        await persistBudget()
    }

    private func succeed(
        _ name: String, certificate: CertificateDeclaration, issuer: String, installed: InstalledCertificate,
        say: @escaping @Sendable (String) -> Void
    ) async {
        var state = states[name] ?? ManagedCertificateState()
        if let keyFile = state.order?.keyFile { try? FileManager.default.removeItem(atPath: keyFile) }
        state.order = nil
        state.backoff.reset()
        state.fallback.recordSuccess()
        state.issuer = issuer
        state.lastSuccess = now()
        state.lastError = nil
        state.renewalInfo = nil
        renewalInfoRetry[name] = nil
        state.hookPendingForVersion = certificate.deployHook == nil ? nil : installed.version
        states[name] = state
        budget.recordIssued(names: certificate.domains, account: accountKey(for: issuer), at: now())
        await persist(name)
        await persistBudget()
        say(
            "installed version \(installed.version) in \(installed.paths.directory), valid until \(installed.leaf.notValidAfter)"
        )
        for observer in changeObservers { observer(name, installed) }
        if certificate.deployHook != nil { await runHook(name, installed: installed, say: say) }
    }

    private func fail(
        _ name: String, issuer: String?, error: any Error, say: @escaping @Sendable (String) -> Void
    ) async {
        var state = states[name] ?? ManagedCertificateState()
        let now = now()
        // The CA's own Retry-After wins when it asks for longer than the backoff would wait.
        let retryAfter = (error as? ACMEError)?.retryAfterSeconds.map { Duration.seconds($0) }
        state.backoff.recordFailure(at: now, retryAfter: retryAfter, using: &generator)
        if let issuer { state.fallback.recordFailure(issuer: issuer) }
        state.lastFailure = now
        state.lastError = "\(error)"
        // An order the CA turned invalid cannot be resumed; the next attempt places a new one.
        if let acme = error as? ACMEError, acme.code == .validationFailed, let keyFile = state.order?.keyFile {
            try? FileManager.default.removeItem(atPath: keyFile)
            state.order = nil
        }
        states[name] = state
        failuresTotal[name, default: 0] += 1
        await persist(name)
        say("failed: \(error); next attempt \(state.backoff.nextAttempt.map { "\($0)" } ?? "now")")
        logger.error("certificate not renewed", metadata: ["certificate": "\(name)", "error": "\(error)"])
    }

    // MARK: Deploy hooks

    private func retryHook(_ name: String) async {
        defer { endInFlight(name) }
        guard let installed = installed(name) else { return }
        await runHook(
            name, installed: installed, say: { [logger] in logger.info("\($0)", metadata: ["certificate": "\(name)"]) })
    }

    private func runHook(
        _ name: String, installed: InstalledCertificate, say: @escaping @Sendable (String) -> Void
    ) async {
        guard let certificate = declarations.certificate(named: name), let command = certificate.deployHook else {
            return
        }
        let hook = DeployHook(command: command, timeout: certificate.deployHookTimeout)
        do {
            _ = try await hook.run(for: installed, domains: certificate.domains)
            states[name, default: ManagedCertificateState()].hookPendingForVersion = nil
            say("deploy hook ran")
        } catch {
            // Logged and retried at the next pass; the certificate stays installed.
            states[name, default: ManagedCertificateState()].lastError = "\(error)"
            say("deploy hook failed: \(error)")
        }
        await persist(name)
    }

    // MARK: Renewal information (RFC 9773)

    private func fetchRenewalInfo(_ name: String) async {
        defer {
            fetchingRenewalInfo.remove(name)
            eventSink.yield()
        }
        guard let installed = installed(name), let issuerName = states[name]?.issuer,
            let issuer = declarations.issuer(named: issuerName)
        else { return }
        do {
            let http = try httpClient(for: issuer)
            let keyFile = AccountKeyFile(stateDirectory: settings.stateDirectory, directoryURL: issuer.directoryURL)
            guard let key = try keyFile.load() else { return }
            let client = ACMEClient(directoryURL: issuer.directoryURL, key: key, httpClient: http, logger: logger)
            guard try await client.directory().renewalInfo != nil else {
                issuersWithoutARI.insert(issuerName)
                return
            }
            let info = try await client.renewalInfo(for: try ARICertificateID(installed.leaf))
            guard let window = ARIWindow(info) else {
                let suggested = info.suggestedWindow
                deferRenewalInfoFetch(
                    name, error: "invalid window \(suggested.start) to \(suggested.end) (RFC 9773 §4.2)")
                return
            }
            var state = states[name] ?? ManagedCertificateState()
            state.renewalInfo = ARISchedule(
                window: window, retryAfter: info.retryAfterSeconds.map { .seconds($0) }, fetchedAt: now(),
                previous: state.renewalInfo, using: &generator)
            states[name] = state
            renewalInfoRetry[name] = nil
            if let explanation = info.explanationURL {
                logger.notice(
                    "the CA explains its renewal window", metadata: ["certificate": "\(name)", "url": "\(explanation)"])
            }
            await persist(name)
        } catch {
            deferRenewalInfoFetch(name, error: "\(error)")
        }
    }

    /// After a failed fetch or an invalid window (RFC 9773 §4.3.3), the next fetch waits
    /// ``RenewalPolicy/renewalInfoErrorRetry``, whether or not a window is known yet: the loop
    /// makes a pass after every fetch, so a fetch left due would be repeated as fast as the CA
    /// answers.
    private func deferRenewalInfoFetch(_ name: String, error: String) {
        let retry = RenewalPolicy.renewalInfoFetchTime(retryAfter: nil, now: now())
        if states[name]?.renewalInfo != nil {
            states[name]?.renewalInfo?.deferFetch(until: retry)
        } else {
            renewalInfoRetry[name] = retry
        }
        logger.warning("renewalInfo not fetched", metadata: ["certificate": "\(name)", "error": "\(error)"])
    }

    // MARK: Clients

    /// Shuts down the HTTP clients a renewal made outside ``run()`` (an in-process `cairn renew`).
    package func shutdown() async { await shutDownClients() }

    private func shutDownClients() async {
        for client in clients.values { try? await client.shutdown() }
        clients = [:]
    }

    /// One HTTP client per set of trusted roots, shut down when the service stops.
    private func httpClient(for issuer: IssuerDeclaration) throws -> HTTPClient {
        try httpClient(forBundle: issuer.caBundle)
    }

    // MARK: CertificateControl

    package func certificates() async -> [CertificateStatus] {
        let now = now()
        return declarations.certificates.map { status(of: $0, now: now) }
    }

    package func renew(
        name: String?, force: Bool, progress: @escaping @Sendable (String) -> Void
    ) async throws -> [CertificateStatus] {
        let names =
            try name.map { name -> [String] in
                guard declarations.certificate(named: name) != nil else {
                    throw CertificateManagerError(.configuration, "no declared certificate named \(name)")
                }
                return [name]
            } ?? declarations.certificates.map(\.name)
        var results: [CertificateStatus] = []
        for name in names {
            guard let certificate = declarations.certificate(named: name) else { continue }
            // An attempt already running (the schedule's, or a deploy hook retry) is waited for;
            // then this request is decided as if it had come after it.
            if inFlight.contains(name) { progress("\(name): already being renewed; waiting for that attempt") }
            while inFlight.contains(name) {
                await withCheckedContinuation { inFlightWaiters[name, default: []].append($0) }
            }
            let now = now()
            if !force, !decide(certificate, now: now).isDue(at: now) {
                progress("\(name): not due (\(decide(certificate, now: now).reason)); --force renews anyway")
            } else {
                inFlight.insert(name)
                let ok = await renewNow(name, progress: { progress("\(name): \($0)") })
                if !ok, let error = states[name]?.lastError {
                    results.append(status(of: certificate, now: self.now()))
                    throw CertificateManagerError(.issuance, "\(name): \(error)")
                }
            }
            results.append(status(of: certificate, now: self.now()))
        }
        return results
    }

    package func issue(
        _ request: OneShotIssueRequest, progress: @escaping @Sendable (String) -> Void
    ) async throws -> OneShotIssueResult {
        let http = try httpClient(forBundle: request.caBundle)
        return try await OneShotIssuance(
            request: request, settings: settings, publisher: publisher, logger: logger
        ).run(http: http, progress: progress)
    }

    private func httpClient(forBundle bundle: String?) throws -> HTTPClient {
        let key = bundle ?? ""
        if let client = clients[key] { return client }
        let client = try ACMEHTTPClient.make(trustingAlso: bundle)
        clients[key] = client
        return client
    }

    private func status(of certificate: CertificateDeclaration, now: Date) -> CertificateStatus {
        let state = states[certificate.name] ?? ManagedCertificateState()
        let installed = installed(certificate.name)
        let decision = decide(certificate, now: now)
        return CertificateStatus(
            name: certificate.name, domains: certificate.domains,
            issuer: state.issuer ?? decision.issuer?.issuer, notBefore: installed?.leaf.notValidBefore,
            notAfter: installed?.leaf.notValidAfter,
            nextAttempt: inFlight.contains(certificate.name) ? now : decision.actAt,
            reason: inFlight.contains(certificate.name) ? "in progress" : decision.reason.description,
            lastSuccess: state.lastSuccess, lastFailure: state.lastFailure, lastError: state.lastError,
            failures: state.backoff.failures, failuresTotal: failuresTotal[certificate.name] ?? 0,
            directory: installed?.paths.directory)
    }

    // MARK: Helpers

    static func describe(_ step: IssuancePath.Step) -> String? {
        switch step {
        case .targets(let pairs):
            let moved = pairs.filter { $0.challenge != $0.target }
            return moved.isEmpty ? nil : moved.map { "\($0.challenge) → \($0.target)" }.joined(separator: ", ")
        case .preflightPassed: return "preflight passed: every challenge name leads here"
        case .account(let url, let created, _): return "account \(url)\(created ? " (new key)" : "")"
        case .order(.orderPlaced(let url, let pending, let total)):
            return "order \(url): \(pending) of \(total) authorizations to validate"
        case .order(.published): return nil
        case .order(.authorization(let identifier, let status, let problem)):
            return "\(identifier): \(status)\(problem.map { " — \($0)" } ?? "")"
        case .order(.finalizing): return "finalizing"
        case .order(.issued(let url)): return "issued \(url)"
        }
    }

    /// Ends the process at once, as a crash would (`CAIRN_FAILPOINT`): no cleanup runs.
    static func crash(at point: String) -> Never {
        FileHandle.standardError.write(Data("cairn: failpoint \(point): exiting\n".utf8))
        _exit(86)
    }
}
