package import NIOCore

/// Remembers where names were written in a message so later names can point at them
/// (RFC 1035 §4.1.4).
///
/// Holds a fixed number of entries inline, so compressing allocates nothing; when full it
/// stops adding entries, which costs bytes, never correctness. An entry is a label start
/// that begins an uncompressed suffix in the buffer, with that suffix's wire length.
package struct DNSNameCompressor {
    package static let capacity = 48

    /// The index of the message's first octet in the buffer it is written to.
    package let messageStart: Int
    /// `offset << 8 | wireLength` per entry; offsets are relative to `messageStart`.
    private var entries = InlineArray<48, UInt32>(repeating: 0)
    private var count = 0

    package init(messageStart: Int) {
        self.messageStart = messageStart
    }

    /// Forgets entries at or after `index` (a buffer index), for use after the writer
    /// rolls back, e.g. when an RRset does not fit and is dropped.
    package mutating func discardEntries(from index: Int) {
        let limit = index - messageStart
        let table = entries.span
        while count > 0, Int(table[count - 1] >> 8) >= limit {
            count -= 1
        }
    }

    /// Writes `name` at the writer index, replacing the longest suffix already in the
    /// message with a pointer when `compress` is true; records the labels it writes in full.
    package mutating func write(_ name: DNSName, into buffer: inout ByteBuffer, compress: Bool = true) {
        let wire = name.wire
        let wireLength = wire.readableBytes
        // The name's octets before the suffix a pointer replaces (all of them without one).
        var prefixLength = wireLength
        var pointer: Int? = nil
        if compress, count > 0 {
            let base = messageStart - buffer.readerIndex
            (prefixLength, pointer) = wire.withUnsafeReadableBytes { name in
                buffer.withUnsafeReadableBytes { message in longestSuffix(of: name, in: message, messageBase: base) }
            }
        }
        let writeStart = buffer.writerIndex
        if let pointer {
            if prefixLength > 0 {
                buffer.writeImmutableBuffer(wire.getSlice(at: wire.readerIndex, length: prefixLength)!)
            }
            buffer.writeInteger(UInt16(0xC000) | UInt16(pointer))
        } else {
            buffer.writeImmutableBuffer(wire)
        }
        // Record each fully written label that starts a suffix, while pointers can reach it.
        wire.withUnsafeReadableBytes { name in
            var position = 0
            while position < prefixLength, count < Self.capacity {
                let length = Int(name[position])
                guard length != 0 else { break }
                let offset = writeStart + position - messageStart
                guard offset < 0x4000 else { break }
                entries[count] = UInt32(offset) << 8 | UInt32(wireLength - position)
                count += 1
                position += 1 + length
            }
        }
    }

    /// The longest suffix of `name` (a valid name's uncompressed wire form) already in `message`,
    /// as the length of the prefix before it and the offset a pointer to it carries; the whole
    /// length and `nil` when there is none. The root alone is never worth a pointer.
    ///
    /// - Parameter messageBase: the index in `message` of the message's first octet.
    private func longestSuffix(
        of name: UnsafeRawBufferPointer, in message: UnsafeRawBufferPointer, messageBase: Int
    ) -> (prefixLength: Int, pointer: Int?) {
        // Read through a span: subscripting the inline array itself copies all of it first.
        let table = entries.span
        var position = 0
        while position < name.count, name[position] != 0 {
            let suffixLength = name.count - position
            var index = 0
            while index < count {
                let entry = table[index]
                index += 1
                guard Int(entry & 0xFF) == suffixLength else { continue }
                let offset = Int(entry >> 8)
                if matches(name, from: position, in: message, at: messageBase + offset, messageBase: messageBase) {
                    return (position, offset)
                }
            }
            position += 1 + Int(name[position])
        }
        return (name.count, nil)
    }

    /// Whether the labels of `name` from `position` equal the name at `start` in `message`,
    /// ignoring ASCII case and following pointers. This type wrote the message, so its pointers
    /// go backwards; every index is still checked, and a pointer that does not go back ends
    /// the comparison.
    private func matches(
        _ name: UnsafeRawBufferPointer, from position: Int, in message: UnsafeRawBufferPointer, at start: Int,
        messageBase: Int
    ) -> Bool {
        var mine = position
        var theirs = start
        while true {
            guard theirs >= 0, theirs < message.count, mine < name.count else { return false }
            var theirLength = message[theirs]
            while theirLength & 0xC0 == 0xC0 {
                guard theirs + 1 < message.count else { return false }
                let target = messageBase + (Int(theirLength & 0x3F) << 8 | Int(message[theirs + 1]))
                guard target >= 0, target < theirs else { return false }
                theirs = target
                theirLength = message[theirs]
            }
            let length = Int(theirLength)
            guard name[mine] == theirLength, mine + 1 + length <= name.count, theirs + 1 + length <= message.count
            else { return false }
            if length == 0 { return true }
            let mineLabel = UnsafeRawBufferPointer(rebasing: name[(mine + 1)..<(mine + 1 + length)])
            let theirLabel = UnsafeRawBufferPointer(rebasing: message[(theirs + 1)..<(theirs + 1 + length)])
            guard DNSName.caseInsensitiveEqual(mineLabel, theirLabel) else { return false }
            mine += 1 + length
            theirs += 1 + length
        }
    }
}
