#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call, described by `strerror`.
struct SystemError: Error, CustomStringConvertible {
    /// The `errno` value.
    var code: Int32

    /// The error of the last failed system call.
    static var current: Self { Self(code: errno) }

    var description: String { String(cString: strerror(code)) }
}
