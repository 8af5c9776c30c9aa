/// Pieces of `knot.conf` the tests that start Knot share.
public enum KnotConfiguration {
    /// The `server`, `database` and `log` sections for a Knot that keeps everything in
    /// `directory/knot` (its control socket and pid file in the run directory, the journal in
    /// `knot/db`, which must exist) and logs to standard error at `info`, listening on
    /// 127.0.0.1@`port`.
    public static func serverSections(directory: TemporaryDirectory, port: Int) -> [String] {
        [
            "server:",
            "    rundir: \"\(directory.file("knot"))\"",
            "    user: \(HostSystem.currentUser())",
            "    pidfile: \"\(directory.file("knot/knot.pid"))\"",
            "    listen: 127.0.0.1@\(port)",
            "database:",
            "    storage: \"\(directory.file("knot/db"))\"",
            "log:",
            "  - target: stderr",
            "    any: info",
        ]
    }

    /// A `template` section whose zones are master files `<storage>/<zone>.zone`, served as they
    /// are: read whole, no journal, never written back. Lines a caller appends (an `acl:`) belong
    /// to the template.
    public static func fileZonesTemplate(storage: String) -> [String] {
        [
            "template:",
            "  - id: default",
            "    storage: \"\(storage)\"",
            "    file: \"%s.zone\"",
            "    journal-content: none",
            "    zonefile-load: whole",
            "    zonefile-sync: -1",
        ]
    }
}
