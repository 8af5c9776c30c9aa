import NIOCore

extension DNSRData {
    /// TXT – one or more character-strings (RFC 1035 §3.3.14).
    public struct TXT: DNSRDataCodable {
        /// The character-strings, each at most 255 octets.
        public private(set) var strings: [[UInt8]]

        /// Creates TXT RDATA from character-strings; `nil` if any is longer than 255 octets
        /// or there are none.
        public init?(strings: [[UInt8]]) {
            guard !strings.isEmpty, strings.allSatisfy({ $0.count <= 255 }) else { return nil }
            self.strings = strings
        }

        /// Creates TXT RDATA holding one value, split into 255-octet character-strings when
        /// longer (RFC 7208 §3.3 shows the convention; readers join them).
        public init(value: some Collection<UInt8>) {
            let bytes = Array(value)
            var strings: [[UInt8]] = []
            var start = 0
            repeat {
                let end = min(start + 255, bytes.count)
                strings.append(Array(bytes[start..<end]))
                start = end
            } while start < bytes.count
            self.strings = strings
        }

        /// Creates TXT RDATA holding one text value (UTF-8), split when longer than 255 octets.
        public init(_ value: String) { self.init(value: Array(value.utf8)) }

        /// The character-strings joined, as most ACME and SPF readers see them.
        public var joined: [UInt8] { strings.flatMap { $0 } }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            guard length > 0 else { throw DNSWireError(.rdataLengthMismatch, at: buffer.readerIndex - messageStart) }
            let end = buffer.readerIndex + length
            var strings: [[UInt8]] = []
            while buffer.readerIndex < end {
                let stringLength = Int(buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!)
                guard buffer.readerIndex + 1 + stringLength <= end else {
                    throw DNSWireError(.rdataLengthMismatch, at: buffer.readerIndex - messageStart)
                }
                strings.append(try buffer.readDNSCharacterString(messageStart: messageStart))
            }
            self.strings = strings
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            for string in strings {
                buffer.writeDNSCharacterString(string)
            }
        }
    }
}
