import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Proves a UDP address is free before the server's own sockets join it with SO_REUSEPORT.
///
/// SO_REUSEPORT lets a second process bind the same address and silently take a share of
/// the traffic. A socket bound *without* SO_REUSEPORT fails with EADDRINUSE if anyone holds
/// the address, with or without the option; so a probe bind tells the truth.
enum AddressProbe {
    /// Binds and closes a plain UDP socket at `address`.
    ///
    /// - Throws: ``DNSServerError`` when the address is taken or cannot be bound.
    static func checkUDPFree(_ address: SocketAddress, listen: DNSListenAddress) throws(DNSServerError) {
        let family: Int32 = (address.protocol == .inet6) ? AF_INET6 : AF_INET
        #if canImport(Glibc) || canImport(Musl)
            let socketType = Int32(SOCK_DGRAM.rawValue)
        #else
            let socketType = SOCK_DGRAM
        #endif
        let descriptor = socket(family, socketType, 0)
        guard descriptor >= 0 else {
            throw DNSServerError(
                .bindFailed, address: listen, transport: "udp", reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        if family == AF_INET6 {
            var only: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &only, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = address.withSockAddr { pointer, size in bind(descriptor, pointer, socklen_t(size)) }
        guard result == 0 else {
            let code = errno
            throw DNSServerError(
                code == EADDRINUSE ? .addressInUse : .bindFailed, address: listen, transport: "udp",
                reason: String(cString: strerror(code)))
        }
    }
}
