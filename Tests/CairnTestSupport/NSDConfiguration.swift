/// Pieces of `nsd.conf` the tests that start NSD share.
public enum NSDConfiguration {
    /// The `server` section's common lines for an NSD run in the foreground (`nsd -d`) as the
    /// current user, listening on 127.0.0.1@`port`, its state in `directory/nsd` (which must exist)
    /// and its zones in `zonesDirectory`, with no rate limiting (Debian's NSD limits each source to
    /// 200 queries a second). More `server` options may follow before the next section.
    public static func serverSection(directory: TemporaryDirectory, port: Int, zonesDirectory: String) -> [String] {
        [
            "server:",
            "    ip-address: 127.0.0.1@\(port)",
            "    port: \(port)",
            "    server-count: 1",
            "    username: \"\"",
            "    chroot: \"\"",
            "    database: \"\"",
            "    zonesdir: \"\(zonesDirectory)\"",
            "    pidfile: \"\(directory.file("nsd/nsd.pid"))\"",
            "    xfrdfile: \"\(directory.file("nsd/xfrd.state"))\"",
            "    zonelistfile: \"\(directory.file("nsd/zone.list"))\"",
            "    xfrdir: \"\(directory.file("nsd"))\"",
            "    rrl-ratelimit: 0",
        ]
    }
}
