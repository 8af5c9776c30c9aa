package import NIOCore

/// A domain name (RFC 1035 §3.1), always absolute.
///
/// Stored in uncompressed wire form with its original case (RFC 4343 §4.1: case is
/// preserved), compared and hashed case-insensitively for ASCII letters (RFC 4343 §3).
/// A name read from a message without compression shares that message's storage.
public struct DNSName: Sendable {
    /// Uncompressed wire form: length-prefixed labels ending with the root label (a zero byte).
    /// Always valid: labels ≤ 63 octets, total ≤ 255 octets.
    package private(set) var wire: ByteBuffer

    /// The most octets a name may take in wire form (RFC 1035 §2.3.4).
    public static let maximumWireLength = 255
    /// The most octets a label may hold (RFC 1035 §2.3.4).
    public static let maximumLabelLength = 63

    /// The root name, `.`.
    public static let root = DNSName(uncheckedWire: ByteBuffer(bytes: [0]))

    /// Wraps wire bytes the caller has already validated.
    package init(uncheckedWire: ByteBuffer) {
        self.wire = uncheckedWire
    }

    /// Creates a name from wire-format labels, checking the limits of RFC 1035 §2.3.4.
    ///
    /// - Parameter wireBytes: length-prefixed labels ending in the root label, no compression.
    public init(wireBytes: some Collection<UInt8>) throws {
        let buffer = ByteBuffer(bytes: wireBytes)
        try Self.validateUncompressed(buffer)
        self.wire = buffer
    }

    /// Parses a name in presentation format (RFC 1035 §5.1): labels separated by dots,
    /// `\X` and `\DDD` escapes. A trailing dot is optional: names are always absolute.
    /// `.` alone is the root.
    public init(_ text: some StringProtocol) throws {
        if let name = Self.parsedWithoutEscapes(text) {
            self = name
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        let utf8 = Array(text.utf8)
        if utf8 == [UInt8(ascii: ".")] {
            self = .root
            return
        }
        var label: [UInt8] = []
        var index = 0
        var sawTrailingDot = false
        func finishLabel(at offset: Int) throws {
            guard !label.isEmpty else { throw DNSWireError(.invalidNameSyntax, at: offset) }
            guard label.count <= Self.maximumLabelLength else { throw DNSWireError(.labelTooLong, at: offset) }
            bytes.append(UInt8(label.count))
            bytes.append(contentsOf: label)
            label.removeAll(keepingCapacity: true)
        }
        while index < utf8.count {
            let byte = utf8[index]
            sawTrailingDot = false
            switch byte {
            case UInt8(ascii: "."):
                try finishLabel(at: index)
                sawTrailingDot = true
                index += 1
            case UInt8(ascii: "\\"):
                guard index + 1 < utf8.count else { throw DNSWireError(.invalidNameSyntax, at: index) }
                let next = utf8[index + 1]
                if next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") {
                    guard index + 3 < utf8.count else { throw DNSWireError(.invalidNameSyntax, at: index) }
                    var value = 0
                    for digit in utf8[(index + 1)...(index + 3)] {
                        guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else {
                            throw DNSWireError(.invalidNameSyntax, at: index)
                        }
                        value = value * 10 + Int(digit - UInt8(ascii: "0"))
                    }
                    guard value <= 255 else { throw DNSWireError(.invalidNameSyntax, at: index) }
                    label.append(UInt8(value))
                    index += 4
                } else {
                    label.append(next)
                    index += 2
                }
            default:
                label.append(byte)
                index += 1
            }
        }
        if !sawTrailingDot {
            try finishLabel(at: index)
        }
        bytes.append(0)
        guard bytes.count <= Self.maximumWireLength else { throw DNSWireError(.nameTooLong, at: 0) }
        self.wire = ByteBuffer(bytes: bytes)
    }

    /// The common case of ``init(_:)``: a valid name without escapes, parsed in one pass into
    /// one buffer (a start-up parses millions of stored names). `nil` for anything else, which
    /// the general parser then parses, or refuses with the exact error.
    private static func parsedWithoutEscapes(_ text: some StringProtocol) -> DNSName? {
        let count = text.utf8.count
        guard count > 1, count < maximumWireLength else { return nil }
        var wire = ByteBufferAllocator().buffer(capacity: count + 2)
        guard appendWithoutEscapes(text, to: &wire) else { return nil }
        return DNSName(uncheckedWire: wire)
    }

    /// Appends the wire form of `text` to `buffer` if it is a valid name without escapes.
    ///
    /// - Returns: whether it was; `buffer` is unchanged when not.
    private static func appendWithoutEscapes(_ text: some StringProtocol, to buffer: inout ByteBuffer) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { appendWithoutEscapes($0, to: &buffer) } ?? false
    }

    private static func appendWithoutEscapes(_ source: UnsafeBufferPointer<UInt8>, to buffer: inout ByteBuffer) -> Bool
    {
        let count = source.count
        guard count > 1, count < maximumWireLength else { return false }
        var valid = true
        let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count + 2) { out in
            // Slot 0 is the first label's length octet, filled in at its end.
            var lengthAt = 0
            var position = 1
            var length = 0
            var lastWasDot = false
            for byte in source {
                if byte == UInt8(ascii: ".") {
                    guard length > 0 else {
                        valid = false
                        return 0
                    }
                    out[lengthAt] = UInt8(length)
                    lengthAt = position
                    out[position] = 0
                    position += 1
                    length = 0
                    lastWasDot = true
                } else {
                    guard byte != UInt8(ascii: "\\"), length < maximumLabelLength else {
                        valid = false
                        return 0
                    }
                    out[position] = byte
                    position += 1
                    length += 1
                    lastWasDot = false
                }
            }
            // After a trailing dot the octet reserved at `lengthAt` (0) is the root label.
            if !lastWasDot {
                out[lengthAt] = UInt8(length)
                out[position] = 0
                position += 1
            }
            return position
        }
        guard valid, written <= maximumWireLength else {
            buffer.moveWriterIndex(to: buffer.writerIndex - written)
            return false
        }
        return true
    }

    /// Parses many names at once (a start-up restoring millions): names without escapes share
    /// storage, in chunks of about 64 KiB, instead of one buffer object and one byte allocation
    /// each; the others are parsed one by one. Each result is what ``init(_:)`` gives, or `nil`
    /// where it throws.
    ///
    /// A chunk stays allocated while any name in it lives, so a chunk is never larger than the
    /// names still to parse need: a batch of one name takes a few dozen octets, not 64 KiB that
    /// the name would keep alive for as long as a table or an index holds it.
    package static func parsingMany(_ texts: some Collection<some StringProtocol>) -> [DNSName?] {
        var names: [DNSName?] = []
        names.reserveCapacity(texts.count)
        // A name without escapes takes at most its text's length + 2 octets in wire form.
        var remaining = texts.reduce(0) { $0 + $1.utf8.count + 2 }
        func newChunk() -> ByteBuffer { ByteBufferAllocator().buffer(capacity: min(64 << 10, max(remaining, 1))) }
        var chunk = newChunk()
        // Where each name of the chunk being filled starts; sliced once the chunk is full, so
        // the chunk is uniquely referenced (no copy on write) while it is written.
        var pending: [(index: Int, start: Int)] = []
        func flush() {
            for (offset, item) in pending.enumerated() {
                let end = offset + 1 < pending.count ? pending[offset + 1].start : chunk.writerIndex
                names[item.index] = DNSName(uncheckedWire: chunk.getSlice(at: item.start, length: end - item.start)!)
            }
            pending.removeAll(keepingCapacity: true)
        }
        for text in texts {
            let index = names.count
            names.append(nil)
            let need = text.utf8.count + 2
            if chunk.writableBytes < need {
                flush()
                chunk = newChunk()
            }
            remaining -= need
            let start = chunk.writerIndex
            if appendWithoutEscapes(text, to: &chunk) {
                pending.append((index, start))
            } else {
                names[index] = try? DNSName(text)
            }
        }
        flush()
        return names
    }

    static func validateUncompressed(_ buffer: ByteBuffer) throws {
        guard buffer.readableBytes <= maximumWireLength else { throw DNSWireError(.nameTooLong, at: 0) }
        var position = buffer.readerIndex
        while true {
            guard let length = buffer.getInteger(at: position, as: UInt8.self) else {
                throw DNSWireError(.truncated, at: position - buffer.readerIndex)
            }
            if length == 0 {
                guard position + 1 == buffer.writerIndex else {
                    throw DNSWireError(.trailingBytes, at: position + 1 - buffer.readerIndex)
                }
                return
            }
            guard length <= maximumLabelLength else {
                throw DNSWireError(.labelTooLong, at: position - buffer.readerIndex)
            }
            position += 1 + Int(length)
        }
    }
}

extension DNSName {
    /// Octets in wire form, root label included.
    public var wireLength: Int { wire.readableBytes }

    /// Whether this is the root name.
    public var isRoot: Bool { wire.readableBytes == 1 }

    /// The number of labels, not counting the root label.
    public var labelCount: Int {
        var count = 0
        var position = wire.readerIndex
        while let length = wire.getInteger(at: position, as: UInt8.self), length != 0 {
            count += 1
            position += 1 + Int(length)
        }
        return count
    }

    /// The labels from left to right, root excluded, each as raw octets.
    public var labels: [[UInt8]] {
        var result: [[UInt8]] = []
        var position = wire.readerIndex
        while let length = wire.getInteger(at: position, as: UInt8.self), length != 0 {
            result.append(wire.getBytes(at: position + 1, length: Int(length)) ?? [])
            position += 1 + Int(length)
        }
        return result
    }

    /// The name with its leftmost label removed; `nil` for the root.
    public var parent: DNSName? {
        guard let length = wire.getInteger(at: wire.readerIndex, as: UInt8.self), length != 0 else { return nil }
        let skip = 1 + Int(length)
        return DNSName(uncheckedWire: wire.getSlice(at: wire.readerIndex + skip, length: wire.readableBytes - skip)!)
    }

    /// The name formed by the rightmost `count` labels (plus the root).
    public func suffix(labelCount count: Int) -> DNSName {
        var drop = labelCount - count
        var name = self
        while drop > 0, let parent = name.parent {
            name = parent
            drop -= 1
        }
        return name
    }

    /// Whether the leftmost label is `*` (RFC 4592 §2.1.1).
    public var isWildcard: Bool {
        wire.readableBytes >= 3 && wire.getInteger(at: wire.readerIndex, as: UInt8.self) == 1
            && wire.getInteger(at: wire.readerIndex + 1, as: UInt8.self) == UInt8(ascii: "*")
    }

    /// Whether this name equals `other` or lies below it (RFC 1034 §3.1).
    public func isSubdomain(of other: DNSName) -> Bool {
        let difference = wireLength - other.wireLength
        guard difference >= 0 else { return false }
        // Walk labels until the remaining length equals other's; only a label boundary counts.
        var position = wire.readerIndex
        let target = wire.readerIndex + difference
        while position < target {
            guard let length = wire.getInteger(at: position, as: UInt8.self) else { return false }
            position += 1 + Int(length)
        }
        guard position == target else { return false }
        return wire.withUnsafeReadableBytes { mine in
            other.wire.withUnsafeReadableBytes { theirs in
                DNSName.caseInsensitiveEqual(UnsafeRawBufferPointer(rebasing: mine[difference...]), theirs)
            }
        }
    }

    /// A name with `label` added on the left.
    public func prepending(label: some Collection<UInt8>) throws -> DNSName {
        guard !label.isEmpty else { throw DNSWireError(.invalidNameSyntax, at: 0) }
        guard label.count <= Self.maximumLabelLength else { throw DNSWireError(.labelTooLong, at: 0) }
        guard wireLength + 1 + label.count <= Self.maximumWireLength else { throw DNSWireError(.nameTooLong, at: 0) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(wireLength + 1 + label.count)
        buffer.writeInteger(UInt8(label.count))
        buffer.writeBytes(label)
        buffer.writeImmutableBuffer(wire)
        return DNSName(uncheckedWire: buffer)
    }

    /// A name with the labels of `relative` (a name written relative to this one) added on the left.
    public func prepending(_ relative: DNSName) throws -> DNSName {
        guard relative.wireLength - 1 + wireLength <= Self.maximumWireLength else {
            throw DNSWireError(.nameTooLong, at: 0)
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(relative.wireLength - 1 + wireLength)
        buffer.writeImmutableBuffer(
            relative.wire.getSlice(at: relative.wire.readerIndex, length: relative.wireLength - 1)!)
        buffer.writeImmutableBuffer(wire)
        return DNSName(uncheckedWire: buffer)
    }

    /// The same name with ASCII letters in lower case (RFC 4034 §6.2 canonical form).
    public var lowercased: DNSName {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(wireLength)
        wire.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                buffer.writeInteger(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
        }
        return DNSName(uncheckedWire: buffer)
    }

    /// The wire-form octets.
    public var wireBytes: [UInt8] { Array(wire.readableBytesView) }
}

extension DNSName: Hashable {
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.wire.readableBytes == rhs.wire.readableBytes else { return false }
        return lhs.wire.withUnsafeReadableBytes { left in
            rhs.wire.withUnsafeReadableBytes { right in caseInsensitiveEqual(left, right) }
        }
    }

    /// Whether `other` is this very name: the same octets in the same storage (a copy of it), so
    /// equal without comparing them. `false` says nothing about equality.
    @inline(__always)
    package func sharesWire(with other: DNSName) -> Bool {
        wire.readableBytes == other.wire.readableBytes
            && wire.withUnsafeReadableBytes { mine in
                other.wire.withUnsafeReadableBytes { theirs in mine.baseAddress == theirs.baseAddress }
            }
    }

    public func hash(into hasher: inout Hasher) {
        wire.withUnsafeReadableBytes { bytes in
            var index = 0
            let count = bytes.count
            while index + 8 <= count {
                hasher.combine(Self.asciiLowercased(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                index += 8
            }
            hasher.combine(Self.asciiLowercased(Self.loadTail(bytes, from: index)))
        }
    }

    /// Lower-cases the ASCII letters in 8 packed bytes at once (SWAR); other bytes are unchanged.
    @inline(__always)
    static func asciiLowercased(_ word: UInt64) -> UInt64 {
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let heptets = word & 0x7F7F_7F7F_7F7F_7F7F
        let aboveZ = heptets &+ 0x2525_2525_2525_2525  // high bit set where byte > 'Z' (0x5A)
        let atLeastA = heptets &+ 0x3F3F_3F3F_3F3F_3F3F  // high bit set where byte >= 'A' (0x41)
        let upper = ~word & (atLeastA ^ aboveZ) & highBits
        return word | (upper >> 2)
    }

    /// Compares two equally long byte ranges, ignoring ASCII case.
    @inline(__always)
    static func caseInsensitiveEqual(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        let count = left.count
        guard count == right.count else { return false }
        var index = 0
        while index + 8 <= count {
            let a = left.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let b = right.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if a != b && asciiLowercased(a) != asciiLowercased(b) { return false }
            index += 8
        }
        guard index < count else { return true }
        let a = loadTail(left, from: index)
        let b = loadTail(right, from: index)
        return a == b || asciiLowercased(a) == asciiLowercased(b)
    }

    /// The octets of `bytes` from `start` to its end, fewer than 8, packed little-endian into one
    /// word (the rest zero) with at most three loads rather than one per octet.
    @inline(__always)
    static func loadTail(_ bytes: UnsafeRawBufferPointer, from start: Int) -> UInt64 {
        let count = bytes.count - start
        var word: UInt64 = 0
        var offset = start
        var shift: UInt64 = 0
        if count & 4 != 0 {
            word = UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
            offset += 4
            shift = 32
        }
        if count & 2 != 0 {
            word |= UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian) << shift
            offset += 2
            shift += 16
        }
        if count & 1 != 0 {
            word |= UInt64(bytes[offset]) << shift
        }
        return word
    }
}

extension DNSName: CustomStringConvertible, CustomDebugStringConvertible {
    /// Presentation format (RFC 1035 §5.1) with a trailing dot; special and non-printable
    /// octets escaped as `\X` or `\DDD`.
    public var description: String {
        if isRoot { return "." }
        var text = ""
        text.reserveCapacity(wireLength + 1)
        var position = wire.readerIndex
        while let length = wire.getInteger(at: position, as: UInt8.self), length != 0 {
            for byte in wire.viewBytes(at: position + 1, length: Int(length))! {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "("),
                    UInt8(ascii: ")"), UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "$"):
                    text.append("\\")
                    text.append(Character(Unicode.Scalar(byte)))
                case 0x21...0x7E:
                    text.append(Character(Unicode.Scalar(byte)))
                default:
                    let digits = String(byte)
                    text.append("\\" + String(repeating: "0", count: 3 - digits.count) + digits)
                }
            }
            text.append(".")
            position += 1 + Int(length)
        }
        return text
    }

    public var debugDescription: String { "DNSName(\(description))" }
}

extension DNSName: ExpressibleByStringLiteral {
    /// A name from a literal; the literal must be a valid name (a programmer error traps).
    public init(stringLiteral value: String) {
        do {
            try self.init(value)
        } catch {
            preconditionFailure("invalid DNS name literal \(value): \(error)")
        }
    }
}

extension DNSName {
    /// Whether this name sorts before `other` in canonical DNS order (RFC 4034 §6.1):
    /// labels compared from the right, each as lower-cased octets, a missing label first.
    public func canonicallyPrecedes(_ other: DNSName) -> Bool {
        let mine = labels.reversed().map { $0.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        let theirs = other.labels.reversed().map { $0.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        for (left, right) in zip(mine, theirs) where left != right {
            return left.lexicographicallyPrecedes(right)
        }
        return mine.count < theirs.count
    }
}
