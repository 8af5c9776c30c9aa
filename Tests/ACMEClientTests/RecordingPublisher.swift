import ACMEClient
import Synchronization

/// A ``ChallengePublisher`` that keeps the TXT values in memory and records every call, so a
/// test can see what was published, what was withdrawn, and what is still served.
final class RecordingPublisher: ChallengePublisher {
    struct Record: Hashable, Sendable {
        var name: String
        var value: String
    }

    private struct State {
        var served: [Record] = []
        var published: [Record] = []
        var withdrawn: [Record] = []
    }

    private let state = Mutex(State())

    /// Values published and not withdrawn yet.
    var served: [Record] { state.withLock { $0.served } }
    /// Every publish, in order.
    var published: [Record] { state.withLock { $0.published } }
    /// Every withdraw, in order.
    var withdrawn: [Record] { state.withLock { $0.withdrawn } }

    func publish(name: String, value: String, ttl: UInt32, expiresAfterSeconds: Int64) async throws {
        state.withLock {
            $0.served.append(Record(name: name, value: value))
            $0.published.append(Record(name: name, value: value))
        }
    }

    func withdraw(name: String, value: String) async throws {
        state.withLock { state in
            state.withdrawn.append(Record(name: name, value: value))
            if let index = state.served.firstIndex(of: Record(name: name, value: value)) {
                state.served.remove(at: index)
            }
        }
    }

    /// The fake CA's DNS lookup: whether `value` is served at `name`.
    func serves(name: String, value: String) -> Bool {
        // Names compare without regard to case, as DNS looks them up.
        state.withLock { state in
            state.served.contains { $0.value == value && $0.name.lowercased() == name.lowercased() }
        }
    }
}
