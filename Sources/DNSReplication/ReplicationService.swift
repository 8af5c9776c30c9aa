public import DNSAuthority
import DNSWire
import HashTreeCollections
public import Logging
import NIOCore
public import ServiceLifecycle
import Synchronization

/// Keeps every secondary serving the current serial of each zone it carries (RFC 1996): on every
/// change, a NOTIFY per zone whose serial advanced, coalesced (one per
/// ``ReplicationConfiguration/notifyInterval`` per secondary, for the newest serial), sent again
/// with backoff until answered; then the secondary's SOA is asked until it serves the serial,
/// which ``ReplicationStatus`` records for the acknowledgements waiting on it.
///
/// Each secondary has its own task, so one that is down delays nobody else.
public struct ReplicationService: Service {
    private let authority: Authority
    private let configuration: ReplicationConfiguration
    private let status: ReplicationStatus
    private let logger: Logger

    public init(
        authority: Authority, configuration: ReplicationConfiguration, status: ReplicationStatus, logger: Logger
    ) {
        self.authority = authority
        self.configuration = configuration
        self.status = status
        self.logger = logger
    }

    public func run() async throws {
        let changes = authority.changes()
        let feeds = configuration.secondaries.map { secondary in
            let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            // A first round over every zone: the secondary may be behind since before a restart.
            let inbox = ChangedZonesInbox(.all)
            continuation.yield()
            return (secondary, stream, continuation, inbox)
        }
        await withDiscardingTaskGroup { group in
            for (secondary, stream, _, inbox) in feeds {
                group.addTask { await feed(secondary, wakeUps: stream, inbox: inbox) }
            }
            await cancelWhenGracefulShutdown {
                for await changed in changes {
                    for (_, _, waker, inbox) in feeds {
                        inbox.add(changed)
                        waker.yield()
                    }
                }
            }
            for (_, _, waker, _) in feeds { waker.finish() }
            group.cancelAll()
        }
    }

    /// Brings `secondary` up to date on the zones changed since the last wake-up (every zone it
    /// carries after a reload), then rests one notify interval. A change looks at the zones it
    /// touched, not at every zone a consumer of the catalog carries.
    private func feed(_ secondary: Secondary, wakeUps: AsyncStream<Void>, inbox: ChangedZonesInbox) async {
        let channel: SecondaryChannel
        do {
            channel = try await SecondaryChannel.open(to: secondary)
        } catch {
            logger.error(
                "cannot open a socket to the secondary", metadata: ["secondary": "\(secondary)", "error": "\(error)"])
            return
        }
        var confirmed: [DNSName: UInt32] = [:]
        wakeUps: for await _ in wakeUps {
            guard let changed = inbox.take() else { continue }
            let snapshot = authority.snapshot
            let apexes =
                switch changed {
                case .all: status.zones(carriedBy: secondary)
                case .zones(let apexes): status.zones(carriedBy: secondary, among: apexes)
                }
            for apex in apexes {
                guard let serial = snapshot.zones[apex]?.serial, confirmed[apex] != serial else { continue }
                // nil: cancelled.
                guard let served = await bringUpToDate(secondary, apex: apex, through: channel) else { break wakeUps }
                confirmed[apex] = served
            }
            do {
                try await Task.sleep(for: configuration.notifyInterval)
            } catch {
                break
            }
        }
        await channel.close()
    }

    /// NOTIFYs `secondary` of the zone at `apex` and waits until it serves the current serial,
    /// starting over with backoff when it does not answer or does not load it.
    ///
    /// - Returns: the serial it serves, or `nil` when cancelled.
    private func bringUpToDate(
        _ secondary: Secondary, apex: DNSName, through channel: SecondaryChannel
    ) async
        -> UInt32?
    {
        var retry = configuration.notifyTimeout
        // A consumer of the catalog learns of a new member from the catalog, a moment after the
        // member exists here: until then it refuses the member's NOTIFY, and it is asked again
        // every renotify interval for a while before the backoff takes over.
        let quickRetriesUntil = ContinuousClock.now + configuration.notifyTimeout * 10
        while !Task.isCancelled {
            guard let zone = authority.snapshot.zones[apex] else { return 0 }
            let serial = zone.serial
            var wait: Duration? = nil
            do {
                try await notify(secondary, zone: zone, through: channel)
                if let served = try await awaitSerial(serial, of: zone, on: secondary, through: channel) {
                    status.confirm(secondary, apex: apex, serial: served)
                    logger.debug(
                        "secondary serves the zone",
                        metadata: ["secondary": "\(secondary)", "zone": "\(apex)", "serial": "\(served)"])
                    return served
                }
                logger.warning(
                    "secondary did not load the zone after NOTIFY",
                    metadata: [
                        "secondary": "\(secondary)", "zone": "\(apex)", "serial": "\(serial)",
                        "retry-in": "\(retry)",
                    ])
            } catch is CancellationError {
                return nil
            } catch let error as ReplicationError
                where error.secondaryLacksZone && secondary.consumesCatalog && ContinuousClock.now < quickRetriesUntil
            {
                logger.debug(
                    "secondary does not carry the zone yet",
                    metadata: ["secondary": "\(secondary)", "zone": "\(apex)", "serial": "\(serial)"])
                wait = configuration.renotifyInterval
            } catch {
                logger.warning(
                    "NOTIFY failed",
                    metadata: [
                        "secondary": "\(secondary)", "zone": "\(apex)", "serial": "\(serial)", "error": "\(error)",
                        "retry-in": "\(retry)",
                    ])
            }
            do {
                try await Task.sleep(for: wait ?? retry)
            } catch {
                return nil
            }
            if wait == nil { retry = min(retry * 2, configuration.maximumRetryInterval) }
        }
        return nil
    }

    /// Sends one NOTIFY for `zone` (RFC 1996 §3.6: SOA question, the SOA in the answer section,
    /// AA set), signed with the secondary's key, and checks its answer.
    private func notify(_ secondary: Secondary, zone: Zone, through channel: SecondaryChannel) async throws {
        let id = UInt16.random(in: 0...UInt16.max)
        var header = DNSHeader(id: id)
        header.opcode = .notify
        header.isAuthoritative = true
        var message = try DNSMessage(
            header: header, questions: [DNSQuestion(name: zone.apex, type: .soa)],
            answers: [DNSRecord(name: zone.apex, ttl: zone.soaTTL, rdata: .soa(zone.soa))]
        ).encoded()
        let key = try secondary.keyName.map { name in
            guard let key = configuration.keys[name] else { throw ReplicationError.unknownKey(name) }
            return key
        }
        let now = { UInt64(UnixTime.now().rawValue) }
        let mac = key.map { TSIG.sign(&message, key: $0, time: now()) }
        status.recordNotify(to: secondary)
        let response = try await channel.exchange(message, id: id, timeout: configuration.notifyTimeout)
        let decoded = try DNSMessage(decoding: response)
        guard decoded.header.id == id, decoded.header.isResponse, decoded.header.opcode == .notify else {
            throw ReplicationError.unexpectedAnswer("not an answer to the NOTIFY")
        }
        if let key, let mac {
            var verifier = TSIGStreamVerifier(key: key, requestMAC: mac)
            try verifier.verify(response, now: now())
            try verifier.finish()
        }
        guard decoded.responseCode == .noError else { throw ReplicationError.notifyRefused(decoded.responseCode) }
    }

    /// Asks the secondary's SOA until it serves `serial` or a newer one, for at most 10 notify
    /// timeouts (a transfer of a large zone takes a while).
    ///
    /// The NOTIFY is sent again every ``ReplicationConfiguration/renotifyInterval`` meanwhile: a
    /// secondary busy with an earlier transfer may let a NOTIFY go (Knot answers it, and
    /// transfers again only when its refresh timer or another NOTIFY says so).
    private func awaitSerial(
        _ serial: UInt32, of zone: Zone, on secondary: Secondary, through channel: SecondaryChannel
    ) async throws -> UInt32? {
        let apex = zone.apex
        let deadline = ContinuousClock.now + configuration.notifyTimeout * 10
        var renotify = ContinuousClock.now + configuration.renotifyInterval
        while ContinuousClock.now < deadline {
            if ContinuousClock.now >= renotify {
                try? await notify(secondary, zone: zone, through: channel)
                renotify = ContinuousClock.now + configuration.renotifyInterval
            }
            do {
                if let served = try await channel.serial(of: apex, timeout: configuration.notifyTimeout),
                    served == serial || SerialNumber.isGreater(served, than: serial)
                {
                    return served
                }
            } catch let error as ReplicationError where error.secondaryLacksZone && apex == configuration.catalogZone {
                // Knot refuses queries for a catalog it interprets (EDE 20): the answer to the
                // NOTIFY is all it says. Each member is confirmed by its own serial.
                return serial
            } catch {
                // No answer yet: asked again below.
            }
            try await Task.sleep(for: configuration.serialPollInterval)
        }
        return nil
    }
}

/// The zones changed since a secondary's feed last looked, merged until it looks again.
private final class ChangedZonesInbox: Sendable {
    private let pending: Mutex<ChangedZones?>

    init(_ initial: ChangedZones?) { pending = Mutex(initial) }

    func add(_ changed: ChangedZones) {
        pending.withLock { pending in
            if pending == nil { pending = changed } else { pending!.formUnion(changed) }
        }
    }

    func take() -> ChangedZones? {
        pending.withLock { pending in
            defer { pending = nil }
            return pending
        }
    }
}
