public import DNSAuthority
public import DNSWire
import NIOCore
import NIOPosix
import Synchronization

/// What each secondary is known to serve, and the acknowledgements waiting for it (DESIGN
/// decision 4: with secondaries, a change is acknowledged once every nameserver serves it).
///
/// ``ReplicationService`` confirms a secondary's serial once it answers with it; the hook API and
/// the ACME client wait here before they acknowledge a change or answer a challenge.
public final class ReplicationStatus: Sendable {
    /// One secondary's state, for the log and `/metrics`.
    public struct SecondaryState: Sendable {
        public var secondary: Secondary
        /// The serial it was last seen serving, by zone.
        public var confirmedSerials: [DNSName: UInt32]
        /// When it last transferred a zone from here (seconds since the epoch), if ever.
        public var lastTransfer: UnixTime?
        /// How many acknowledgements gave up waiting for it.
        public var lateAcknowledgements: Int
        /// NOTIFYs sent to it (retries included) and zone transfers served to its address, since start.
        public var notifiesSent = 0
        public var transfersServed = 0
    }

    private struct Waiter {
        var apex: DNSName
        var serial: UInt32
        var continuation: CheckedContinuation<Bool, Never>
        /// Cancels the wait's timeout once it is recorded (a served wait cancels it, so no
        /// timer outlives its acknowledgement).
        var cancelTimeout: (@Sendable () -> Void)? = nil
    }

    /// Runs `action` once `duration` has passed and returns what cancels it.
    package typealias TimeoutScheduler =
        @Sendable (_ duration: Duration, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void

    /// Timeouts on an event loop of NIO's shared group: one timer per wait, where a task group
    /// with a sleeping child per acknowledgement cost more CPU than the DNS answers around it.
    package static let eventLoopTimeouts: TimeoutScheduler = { duration, action in
        let scheduled = MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: TimeAmount(duration), action)
        return { scheduled.cancel() }
    }

    private struct State {
        var secondaries: [Secondary: SecondaryState]
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let state: Mutex<State>
    /// Where the bounds of acknowledgements' waits are timed.
    private let scheduleTimeout: TimeoutScheduler
    private let fileZones: @Sendable () -> Set<DNSName>
    private let allZones: @Sendable () -> [DNSName]
    private let catalogZone: DNSName?
    public let secondaries: [Secondary]

    /// - Parameters:
    ///   - fileZones: the apexes of the zones served from files now, which a secondary that names
    ///     no zones carries.
    ///   - allZones: the apexes of every zone served now, which a secondary consuming the catalog
    ///     carries.
    ///   - catalogZone: the catalog's apex, brought up to date before its members.
    public convenience init(
        secondaries: [Secondary], fileZones: @escaping @Sendable () -> Set<DNSName>,
        allZones: @escaping @Sendable () -> [DNSName] = { [] }, catalogZone: DNSName? = nil
    ) {
        self.init(
            secondaries: secondaries, fileZones: fileZones, allZones: allZones, catalogZone: catalogZone,
            scheduleTimeout: Self.eventLoopTimeouts)
    }

    /// As the public initializer, with the waits' timeouts scheduled by `scheduleTimeout`.
    package init(
        secondaries: [Secondary], fileZones: @escaping @Sendable () -> Set<DNSName>,
        allZones: @escaping @Sendable () -> [DNSName] = { [] }, catalogZone: DNSName? = nil,
        scheduleTimeout: @escaping TimeoutScheduler
    ) {
        self.scheduleTimeout = scheduleTimeout
        self.secondaries = secondaries
        self.fileZones = fileZones
        self.allZones = allZones
        self.catalogZone = catalogZone
        var bySecondary: [Secondary: SecondaryState] = [:]
        for secondary in secondaries {
            bySecondary[secondary] = SecondaryState(
                secondary: secondary, confirmedSerials: [:], lastTransfer: nil, lateAcknowledgements: 0)
        }
        self.state = Mutex(State(secondaries: bySecondary))
    }

    /// The secondaries that carry the zone at `apex`.
    public func carriers(of apex: DNSName) -> [Secondary] {
        let files = fileZones()
        return secondaries.filter { $0.carries(apex, fileZones: files) }
    }

    /// The zones `secondary` carries: those it names, or the zones served from files (a few,
    /// however many challenge zones are synthesized), in canonical order; for a consumer of the
    /// catalog, the catalog first (a new member is served only once the catalog is), then every
    /// other zone in no particular order.
    public func zones(carriedBy secondary: Secondary) -> [DNSName] {
        guard secondary.consumesCatalog else {
            return (secondary.zones ?? fileZones()).sorted { $0.canonicallyPrecedes($1) }
        }
        // Unsorted: there may be a zone per NS-delegated customer, and only the catalog's place matters.
        return (catalogZone.map { [$0] } ?? []) + allZones().filter { $0 != catalogZone }
    }

    /// Of the zones at `apexes` (those a change touched), the ones `secondary` carries, ordered as
    /// ``zones(carriedBy:)`` orders them; O(apexes), however many zones are served.
    public func zones(carriedBy secondary: Secondary, among apexes: Set<DNSName>) -> [DNSName] {
        let files = secondary.consumesCatalog || secondary.zones != nil ? [] : fileZones()
        let carried = apexes.filter { secondary.carries($0, fileZones: files) }
        guard secondary.consumesCatalog, let catalogZone, carried.contains(catalogZone) else {
            return carried.sorted { $0.canonicallyPrecedes($1) }
        }
        return [catalogZone] + carried.filter { $0 != catalogZone }
    }

    /// Every secondary's state.
    public var states: [SecondaryState] {
        state.withLock { state in secondaries.compactMap { state.secondaries[$0] } }
    }

    /// Records that `secondary` serves `serial` for the zone at `apex`, and wakes the
    /// acknowledgements that waited for it.
    public func confirm(_ secondary: Secondary, apex: DNSName, serial: UInt32) {
        let carriers = carriers(of: apex)
        let ready: [Waiter] = state.withLock { state in
            state.secondaries[secondary]?.confirmedSerials[apex] = serial
            // The waiters are found first and removed after: removing them while iterating copied
            // the whole table of waiters for each one (a thousand waiters, a thousand copies).
            let served = state.waiters.filter { _, waiter in
                waiter.apex == apex && Self.isServed(waiter, in: state, by: carriers)
            }
            for id in served.keys { state.waiters[id] = nil }
            return Array(served.values)
        }
        for waiter in ready {
            waiter.cancelTimeout?()
            waiter.continuation.resume(returning: true)
        }
    }

    /// Counts a NOTIFY sent to `secondary`.
    func recordNotify(to secondary: Secondary) {
        state.withLock { $0.secondaries[secondary]?.notifiesSent += 1 }
    }

    /// Records a transfer served to the secondary at `peer`.
    func recordTransfer(peer: String, zone: DNSName, serial: UInt32, at time: UnixTime = .now()) {
        state.withLock { state in
            for secondary in secondaries where secondary.address == peer {
                state.secondaries[secondary]?.lastTransfer = time
                state.secondaries[secondary]?.transfersServed += 1
            }
        }
    }

    /// The secondaries carrying `apex` that do not serve `serial` (or a newer one) yet.
    public func lagging(apex: DNSName, serial: UInt32) -> [Secondary] {
        let carriers = carriers(of: apex)
        return state.withLock { state in
            carriers.filter { !Self.serves($0, apex: apex, serial: serial, in: state) }
        }
    }

    /// Waits until every secondary carrying `apex` serves `serial` or a newer one, at most `timeout`.
    ///
    /// - Returns: the secondaries still lagging when the wait ended (empty: served everywhere);
    ///   each is counted as late.
    public func waitUntilServed(apex: DNSName, serial: UInt32, timeout: Duration) async -> [Secondary] {
        let carriers = carriers(of: apex)
        guard !carriers.isEmpty else { return [] }
        // One continuation and one timer per wait.
        let served: Bool = await withCheckedContinuation { continuation in
            let id: Int? = state.withLock { state in
                let waiter = Waiter(apex: apex, serial: serial, continuation: continuation)
                if Self.isServed(waiter, in: state, by: carriers) { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = waiter
                return state.nextWaiter
            }
            guard let id else {
                continuation.resume(returning: true)
                return
            }
            let cancel = scheduleTimeout(timeout) {
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
            }
            // Served (or timed out) before the timer was recorded: nothing will cancel it later.
            let recorded = state.withLock { state in
                guard state.waiters[id] != nil else { return false }
                state.waiters[id]?.cancelTimeout = cancel
                return true
            }
            if !recorded { cancel() }
        }
        guard !served else { return [] }
        let late = lagging(apex: apex, serial: serial)
        state.withLock { state in
            for secondary in late { state.secondaries[secondary]?.lateAcknowledgements += 1 }
        }
        return late
    }

    private static func isServed(_ waiter: Waiter, in state: State, by carriers: [Secondary]) -> Bool {
        carriers.allSatisfy { serves($0, apex: waiter.apex, serial: waiter.serial, in: state) }
    }

    private static func serves(_ secondary: Secondary, apex: DNSName, serial: UInt32, in state: State) -> Bool {
        guard let confirmed = state.secondaries[secondary]?.confirmedSerials[apex] else { return false }
        return confirmed == serial || SerialNumber.isGreater(confirmed, than: serial)
    }
}
