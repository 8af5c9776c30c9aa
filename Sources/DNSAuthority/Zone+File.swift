public import DNSWire

extension Zone {
    /// Loads a zone from a master file (RFC 1035 §5): parsed by libldns, `$INCLUDE` resolved
    /// by Cairn, then checked as ``init(apex:records:)`` checks.
    ///
    /// - Parameters:
    ///   - path: the master file.
    ///   - origin: the zone's apex, also the initial `$ORIGIN`.
    /// - Throws: ``ZoneFileError`` for syntax, ``ZoneError`` for contents; both describe
    ///   themselves as `file:line: message`.
    public static func load(file path: String, origin: DNSName, defaultTTL: UInt32 = 3600) throws -> Zone {
        let records = try ZoneFileParser.parse(path: path, origin: origin, defaultTTL: defaultTTL)
        return try Zone(apex: origin, fileRecords: records, file: path)
    }
}
