import NIOCore

extension DNSRData {
    /// SOA – the start of a zone of authority (RFC 1035 §3.3.13).
    public struct SOA: DNSRDataCodable {
        /// The primary name server (MNAME).
        public var primaryNameserver: DNSName
        /// The responsible mailbox (RNAME), `hostmaster.example.com.` form.
        public var responsibleMailbox: DNSName
        /// The zone's version; compared with RFC 1982 serial arithmetic.
        public var serial: UInt32
        public var refresh: UInt32
        public var retry: UInt32
        public var expire: UInt32
        /// The TTL for negative answers (RFC 2308 §4).
        public var minimum: UInt32

        public init(
            primaryNameserver: DNSName, responsibleMailbox: DNSName, serial: UInt32, refresh: UInt32,
            retry: UInt32, expire: UInt32, minimum: UInt32
        ) {
            self.primaryNameserver = primaryNameserver
            self.responsibleMailbox = responsibleMailbox
            self.serial = serial
            self.refresh = refresh
            self.retry = retry
            self.expire = expire
            self.minimum = minimum
        }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            self.primaryNameserver = try buffer.readDNSName(messageStart: messageStart)
            self.responsibleMailbox = try buffer.readDNSName(messageStart: messageStart)
            guard
                let (serial, refresh, retry, expire, minimum) = buffer.readMultipleIntegers(
                    as: (UInt32, UInt32, UInt32, UInt32, UInt32).self)
            else { throw DNSWireError(.truncated, at: buffer.readerIndex - messageStart) }
            self.serial = serial
            self.refresh = refresh
            self.retry = retry
            self.expire = expire
            self.minimum = minimum
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeRDataName(primaryNameserver, compressor: &compressor, compressible: true)
            buffer.writeRDataName(responsibleMailbox, compressor: &compressor, compressible: true)
            // One write for the five counters (NIO's writeMultipleIntegers makes one each); every
            // negative answer carries an SOA.
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 20) { out in
                out.storeBytes(of: (UInt64(serial) << 32 | UInt64(refresh)).bigEndian, toByteOffset: 0, as: UInt64.self)
                out.storeBytes(of: (UInt64(retry) << 32 | UInt64(expire)).bigEndian, toByteOffset: 8, as: UInt64.self)
                out.storeBytes(of: minimum.bigEndian, toByteOffset: 16, as: UInt32.self)
                return 20
            }
        }
    }
}
