import DNSAuthority
import DNSWire
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The buckets of ``ResponseRateLimiting``, shared by every UDP socket: a fixed table of
/// counters, split into stripes each behind its own lock, so memory stays bounded whatever a
/// flood sends and the sockets' event loops rarely wait on each other.
final class ResponseRateLimiter: Sendable {
    /// What to do with one response.
    enum Verdict: Equatable {
        case send
        /// Send a truncated copy instead (``truncated(_:)``).
        case slip
        case drop
    }

    /// The kind of response a bucket counts (BIND's RRL response types).
    enum Kind: UInt8 {
        case answer = 1
        case nameError = 2
        case refused = 3
        case error = 4
    }

    /// One bucket: 16 bytes. `tag` is the high half of the bucket's key (the low bits choose
    /// the slot), never 0, which marks a slot never used.
    private struct Slot {
        var tag: UInt32 = 0
        var second: UInt32 = 0
        var count: UInt32 = 0
        var limited: UInt32 = 0
    }

    /// The slots of every stripe in one anonymous mapping. Its pages read as zeroes, which are
    /// empty slots, so the table is not written when made: a page takes memory only once a
    /// bucket on it is used (not so with `calloc`, which clears memory malloc reuses).
    private final class Table: @unchecked Sendable {
        let slots: UnsafeMutableBufferPointer<Slot>
        private var bytes: Int { slots.count * MemoryLayout<Slot>.stride }

        init(count: Int) {
            let bytes = count * MemoryLayout<Slot>.stride
            let memory = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let memory, memory != MAP_FAILED else {
                fatalError("cannot map \(bytes) bytes of response-rate limiting buckets: errno \(errno)")
            }
            slots = UnsafeMutableBufferPointer(start: memory.bindMemory(to: Slot.self, capacity: count), count: count)
        }

        deinit { munmap(slots.baseAddress, bytes) }
    }

    /// One lock and the slots behind it (a slice of the table).
    private final class Stripe: Sendable {
        let slots: Mutex<UnsafeMutableBufferPointer<Slot>>
        init(_ slots: sending UnsafeMutableBufferPointer<Slot>) { self.slots = Mutex(slots) }
    }

    let settings: ResponseRateLimiting
    /// Owns the memory the stripes' slots are in.
    private let table: Table
    private let stripes: [Stripe]
    private let slotMask: Int
    /// Seconds, for the one-second windows; tests pass their own.
    private let clock: @Sendable () -> UInt32
    /// Keys are hashed with a seed of this process, so no one can aim collisions at a bucket.
    private let seed = Int.random(in: .min ... .max)

    static let stripeCount = 16
    /// Slots looked at for a key before the oldest of them is taken over.
    static let probes = 4

    init(_ settings: ResponseRateLimiting, clock: @escaping @Sendable () -> UInt32 = ResponseRateLimiter.seconds) {
        self.settings = settings
        var perStripe = Self.probes
        while perStripe * Self.stripeCount < settings.tableSize { perStripe *= 2 }
        let table = Table(count: perStripe * Self.stripeCount)
        self.table = table
        self.stripes = (0..<Self.stripeCount).map { stripe in
            let start = stripe * perStripe
            return Stripe(UnsafeMutableBufferPointer(rebasing: table.slots[start..<(start + perStripe)]))
        }
        self.slotMask = perStripe - 1
        self.clock = clock
    }

    /// The buckets' memory, touched or not.
    var tableMemory: UnsafeRawBufferPointer { UnsafeRawBufferPointer(table.slots) }

    /// The monotonic clock in whole seconds (never 0, which marks an empty slot).
    static let seconds: @Sendable () -> UInt32 = {
        UInt32(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds / 1_000_000_000) | 1 << 31
    }

    /// The verdict for `summary`'s response to `query` from `remote`, counted.
    func verdict(query: ByteBuffer, summary: AnswerSummary, from remote: SocketAddress) -> Verdict {
        verdict(query: query, summary: summary, prefix: Self.prefix(of: remote, settings: settings))
    }

    /// The verdict for `summary`'s response to `query` from a client with `prefix`
    /// (``prefix(of:settings:)``; `nil`, exempt), counted.
    func verdict(query: ByteBuffer, summary: AnswerSummary, prefix: (high: UInt64, low: UInt64)?) -> Verdict {
        guard settings.isEnabled else { return .send }
        guard let prefix else { return .send }
        let kind: Kind
        switch summary.responseCode {
        case .noError: kind = .answer
        case .nameError: kind = .nameError
        case .refused: kind = .refused
        default: kind = .error
        }
        var hasher = Hasher()
        hasher.combine(seed)
        hasher.combine(prefix.high)
        hasher.combine(prefix.low)
        hasher.combine(kind.rawValue)
        if kind == .answer {
            // One bucket per name and type answered (the question, case folded).
            Self.combineQuestion(of: query, into: &hasher)
        }
        let key = UInt64(bitPattern: Int64(hasher.finalize()))
        let rate =
            summary.challengeValuesServed > 0 ? settings.challengeResponsesPerSecond : settings.responsesPerSecond
        return account(key: key | 1, rate: UInt32(clamping: rate))
    }

    /// Counts one response for the bucket `key` in this second.
    func account(key: UInt64, rate: UInt32) -> Verdict {
        let now = clock()
        let stripe = stripes[Int(truncatingIfNeeded: key >> 60) & (Self.stripeCount - 1)]
        let slip = UInt32(clamping: settings.slip)
        let mask = slotMask
        // The stripe and the slot come from the low and top bits; the tag from the high half.
        let tag = UInt32(truncatingIfNeeded: key >> 32) | 1
        return stripe.slots.withLock { slots in
            let start = Int(truncatingIfNeeded: key) & mask
            var chosen = start
            var found = false
            for offset in 0..<Self.probes {
                let index = (start + offset) & mask
                if slots[index].tag == tag {
                    chosen = index
                    found = true
                    break
                }
                // Otherwise the emptiest-looking slot: the oldest second (0: never used).
                if slots[index].second < slots[chosen].second { chosen = index }
            }
            if !found || slots[chosen].second != now {
                slots[chosen] = Slot(tag: tag, second: now, count: 0, limited: found ? slots[chosen].limited : 0)
            }
            slots[chosen].count &+= 1
            guard slots[chosen].count > rate else { return .send }
            slots[chosen].limited &+= 1
            return slip > 0 && slots[chosen].limited % slip == 0 ? .slip : .drop
        }
    }

    /// The client's prefix as two words (IPv4 in `low`), or `nil` when it is exempt or neither
    /// IPv4 nor IPv6. Read from the socket address's bytes: no text, no allocation.
    static func prefix(of remote: SocketAddress, settings: ResponseRateLimiting) -> (high: UInt64, low: UInt64)? {
        remote.withSockAddr { prefix(of: $0, length: $1, settings: settings) }
    }

    /// The client prefix of the socket address at `pointer` (`size` octets).
    static func prefix(
        of pointer: UnsafePointer<sockaddr>, length size: Int, settings: ResponseRateLimiting
    ) -> (high: UInt64, low: UInt64)? {
        let raw = UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: size)
        func word(_ offset: Int, _ count: Int) -> UInt64 {
            raw[offset..<(offset + count)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET where size >= 8:
            // sockaddr_in: family, port, then the address at offset 4.
            let host = UInt32(truncatingIfNeeded: word(4, 4))
            if settings.exemptsLoopback, host >> 24 == 127 { return nil }
            let bits = settings.ipv4PrefixLength
            let mask: UInt32 = bits == 0 ? 0 : ~0 << (32 - bits)
            return (0, UInt64(host & mask))
        case AF_INET6 where size >= 24:
            // sockaddr_in6: family, port, flow information, then the address at offset 8.
            let high = word(8, 8)
            let low = word(16, 8)
            if settings.exemptsLoopback {
                if high == 0, low == 1 { return nil }  // ::1
                if high == 0, low >> 32 == 0xffff, (low >> 24) & 0xff == 127 { return nil }  // ::ffff:127.x
            }
            let bits = settings.ipv6PrefixLength
            let highMask: UInt64 = bits >= 64 ? ~0 : (bits == 0 ? 0 : ~0 << (64 - bits))
            let lowMask: UInt64 = bits <= 64 ? 0 : (bits >= 128 ? ~0 : ~0 << (128 - bits))
            return (high & highMask, low & lowMask)
        default:
            return nil
        }
    }

    /// Feeds the question's name (case folded) and type to `hasher`; a question that cannot be
    /// read feeds nothing (its response is an error, bucketed by kind alone).
    static func combineQuestion(of query: ByteBuffer, into hasher: inout Hasher) {
        query.withUnsafeReadableBytes { bytes in
            guard let nameEnd = questionNameEnd(in: bytes), nameEnd + 2 <= bytes.count else { return }
            // Length octets are at most 63, below "A": folding case leaves them alone.
            for byte in bytes[12..<nameEnd] { hasher.combine(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) }
            hasher.combine(bytes[nameEnd])
            hasher.combine(bytes[nameEnd + 1])
        }
    }

    /// Where the name of the message's first question ends (its type starts there), or `nil`
    /// when there is no question or its name is compressed, cut short or over 128 labels.
    static func questionNameEnd(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count > 12, bytes[4] == 0, bytes[5] >= 1 else { return nil }
        var index = 12
        for _ in 0..<128 {
            guard index < bytes.count else { return nil }
            let length = Int(bytes[index])
            if length == 0 { return index + 1 }
            guard length & 0xC0 == 0, index + 1 + length <= bytes.count else { return nil }
            index += 1 + length
        }
        return nil
    }

    /// `response` cut to its header and question with TC set and no records (RFC 1035 §4.1.1):
    /// a resolver asks again over TCP. `nil` when it is shorter than a header.
    static func truncated(_ response: ByteBuffer) -> ByteBuffer? {
        response.withUnsafeReadableBytes { bytes -> ByteBuffer? in
            guard bytes.count >= 12 else { return nil }
            var end = 12
            var questions: UInt8 = 0
            if let nameEnd = questionNameEnd(in: bytes), nameEnd + 4 <= bytes.count {
                end = nameEnd + 4
                questions = 1
            }
            var out = ByteBuffer()
            out.reserveCapacity(end)
            out.writeBytes(bytes[0..<4])
            out.setInteger(out.getInteger(at: 2, as: UInt16.self)! | 0x0200, at: 2)  // TC
            out.writeBytes([0, questions, 0, 0, 0, 0, 0, 0])
            if questions == 1 { out.writeBytes(bytes[12..<end]) }
            return out
        }
    }
}
