package import DNSWire

/// A resource record read from a zone master file, with the place it was written.
package struct ZoneFileRecord: Sendable {
    package var record: DNSRecord
    /// The path of the file the record is in: as given for the top-level file, and for an
    /// included file the including file's directory joined with the `$INCLUDE` path.
    package var file: String
    /// The 1-based line on which the record starts (the first line of a record in parentheses).
    package var line: Int

    package init(record: DNSRecord, file: String, line: Int) {
        self.record = record
        self.file = file
        self.line = line
    }
}
