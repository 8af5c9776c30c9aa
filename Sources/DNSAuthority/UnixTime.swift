#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A wall-clock instant in whole seconds since 1970-01-01 UTC, the form in which challenge
/// expiries are stored and compared.
public struct UnixTime: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Seconds since the Unix epoch.
    public init(secondsSinceEpoch: Int64) { self.rawValue = secondsSinceEpoch }

    /// The current time, read from the coarse real-time clock (cheap enough for the answer path).
    public static func now() -> UnixTime {
        var time = timespec()
        #if os(Linux)
            clock_gettime(CLOCK_REALTIME_COARSE, &time)
        #else
            clock_gettime(CLOCK_REALTIME, &time)
        #endif
        return UnixTime(rawValue: Int64(time.tv_sec))
    }

    /// This instant moved by `seconds`.
    public func adding(seconds: Int64) -> UnixTime { UnixTime(rawValue: rawValue &+ seconds) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "\(rawValue)" }
}
