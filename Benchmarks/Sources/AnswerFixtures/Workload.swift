import DNSAuthority
import HashTreeCollections
import NIOCore

/// Where the response of each query is written.
public enum OutputMode: String, CaseIterable, Sendable {
    /// `ByteBuffer()`: no capacity, so the answer path allocates and grows it.
    case fresh
    /// `allocator.buffer(capacity: 512)` per query, as a UDP handler would allocate one
    /// response buffer per datagram.
    case allocator
    /// One buffer, moved in for every query and taken back cleared from its response, as the
    /// direct UDP path reuses its buffer.
    case reused
}

/// Keeps a value alive without letting the optimizer see what is done with it (the same
/// trick as package-benchmark's `blackHole`, which this module cannot import).
@_optimize(none)
public func sink(_: some Any) {}

extension AnswerFixture {
    /// Answers `answerCase` `iterations` times over UDP at ``now``, writing into `output`.
    ///
    /// Not inlined, so profilers see one frame to attribute the loop to.
    @inline(never)
    public func answerLoop(_ answerCase: AnswerCase, output: OutputMode, iterations: Int) {
        let authority = authority(for: answerCase)
        let query = queries[answerCase]!
        switch output {
        case .fresh:
            for _ in 0..<iterations {
                sink(authority.answer(query: query, transport: .udp, now: Self.now, output: ByteBuffer()))
            }
        case .allocator:
            let allocator = ByteBufferAllocator()
            for _ in 0..<iterations {
                sink(
                    authority.answer(
                        query: query, transport: .udp, now: Self.now, output: allocator.buffer(capacity: 512)))
            }
        case .reused:
            // As the direct UDP path does: the buffer is moved in (a copy left behind would make
            // the first write copy its storage), and the response, cleared, is the next one.
            var scratch: ByteBuffer? = ByteBufferAllocator().buffer(capacity: 1232)
            for _ in 0..<iterations {
                guard
                    case (var response, let summary)? = authority.answer(
                        query: query, transport: .udp, now: Self.now, output: scratch.take()!)
                else { preconditionFailure("query dropped") }
                sink(summary)
                response.clear()
                scratch = response
            }
        }
    }

    /// Publishes again the value already at each of `iterations` owned names, starting at
    /// `start`. A republish still counts as a change: each call takes the writer lock,
    /// updates the table and the zone's node, advances the serial and swaps in a snapshot.
    ///
    /// - Returns: where the next round should start.
    @inline(never)
    @discardableResult
    public func publishLoop(startingAt start: Int, iterations: Int) -> Int {
        var index = start
        for _ in 0..<iterations {
            try! challengeAuthority.publish(challengeValues[index], at: challengeNames[index], owner: Self.owner)
            index += 1
            if index == challengeNames.count { index = 0 }
        }
        return index
    }

    /// `iterations` rounds of one publish of a value that expires at once, then the expiry sweep
    /// that removes it (`Authority.removeExpiredValues`): what a sweep costs when one value of
    /// the whole table expired. Round `step` uses name `step % count` and second `now + 60 +
    /// step`; the fixture's own values expire an hour after `now`, so keep `step` below 3,500.
    ///
    /// - Returns: the next round's `step`.
    @inline(never)
    @discardableResult
    public func sweepLoop(from step: Int, iterations: Int) -> Int {
        for step in step..<step + iterations {
            let index = step % challengeNames.count
            let expires = Self.now.adding(seconds: 60 + Int64(step))
            let value = ChallengeValue(text: challengeValues[index].text, ttl: 60, expires: expires)
            try! challengeAuthority.publish(value, at: challengeNames[index], owner: Self.owner)
            sink(challengeAuthority.removeExpiredValues(now: expires))
        }
        return step + iterations
    }

    /// What the sweep did before the expiry index, as a floor: a look at every name's values.
    @inline(never)
    public func walkEveryName(iterations: Int) {
        let entries = challengeAuthority.challengeTable.entries
        let now = Self.now.adding(seconds: 60)
        for _ in 0..<iterations {
            var expired = 0
            for (_, records) in entries where records.earliestExpiry.map({ $0 <= now }) == true { expired += 1 }
            sink(expired)
        }
    }
}
