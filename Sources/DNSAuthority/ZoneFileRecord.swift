package import DNSWire

/// A record read from a master file, with where it was read.
package struct ZoneFileRecord: Sendable {
    package var record: DNSRecord
    package var file: String
    package var line: Int
}
