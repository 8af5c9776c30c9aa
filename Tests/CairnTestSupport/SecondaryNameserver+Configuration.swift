import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The configurations of the three secondaries (TESTING.md, "Secondaries fed over TSIG"), all
/// in the test's directory: `<kind>.conf` (`named.conf` for BIND), the copies of the zones in
/// `zones/` (`<zone>secondary`, such as `harness.test.secondary`), the daemon's state beside.
extension SecondaryNameserver {
    /// Writes the configuration of ``kind`` and returns how to start it.
    func writeConfiguration() async throws -> Run.Launch {
        try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
        switch kind {
        case .nsd:
            guard catalog == nil else { throw Failure(description: "NSD 4.6 does not consume catalog zones") }
            try FileManager.default.createDirectory(atPath: directory.file("nsd"), withIntermediateDirectories: true)
            let path = try directory.write("nsd.conf", nsdConfiguration())
            return Run.Launch(executable: try HostSystem.executable("nsd"), arguments: ["-d", "-c", path])
        case .knot:
            // Knot keeps its journal and timers in database.storage, which must exist.
            try FileManager.default.createDirectory(
                atPath: directory.file("knot/db"), withIntermediateDirectories: true)
            let path = try directory.write("knot.conf", knotConfiguration())
            return Run.Launch(executable: try HostSystem.executable("knotd"), arguments: ["-c", path])
        case .bind:
            try FileManager.default.createDirectory(atPath: directory.file("bind"), withIntermediateDirectories: true)
            let controlKey = Key.random(name: "rndc-control")
            let path = try directory.write("named.conf", bindConfiguration(controlKey: controlKey))
            try directory.write("rndc.conf", rndcConfiguration(controlKey: controlKey))
            // `-f`, not `-g`: `-g` ignores the logging statement, which puts the zone transfer
            // category at debug 3 ("got incremental response") and the rest at info.
            var arguments = ["-f", "-d", "3", "-c", path]
            if getuid() == 0 { arguments += ["-u", "root"] }
            return Run.Launch(
                executable: try HostSystem.executable("named"), arguments: arguments,
                check: (try HostSystem.executable("named-checkconf"), [path]))
        }
    }

    /// The name of a zone's copy in `zones/`.
    static func copyFileName(_ zone: String) -> String { zone == "." ? "root.secondary" : "\(zone)secondary" }

    /// NSD 4.6, `nsd -d -c nsd.conf`: no rate limiting (Debian's NSD limits 200 queries/s per
    /// source), its own log file, a control socket (`nsd-control` without TLS over a Unix socket).
    func nsdConfiguration() -> String {
        let keyName = key?.name ?? "NOKEY"
        var lines =
            NSDConfiguration.serverSection(directory: directory, port: port, zonesDirectory: directory.file("zones"))
            + [
                "    do-ip6: no",
                "    logfile: \"\(directory.file("nsd.log"))\"",
                // Load a transfer at once, even within a second of the last one (1 s by default).
                "    xfrd-reload-timeout: 0",
                "    verbosity: 2",
                "remote-control:",
                "    control-enable: yes",
                "    control-interface: \"\(directory.file("nsd.ctl"))\"",
            ]
        if let key {
            lines += [
                "key:", "    name: \"\(key.name)\"", "    algorithm: \(key.algorithm)", "    secret: \"\(key.secret)\"",
            ]
        }
        for zone in zones {
            lines += [
                "zone:",
                "    name: \"\(zone)\"",
                "    zonefile: \"\(Self.copyFileName(zone))\"",
                "    request-xfr: \(primaryHost)@\(primaryPort) \(keyName)",
                "    allow-notify: 127.0.0.0/8 \(keyName)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Knot 3.2, `knotd -c knot.conf`: logs to standard error at info (every transfer, IXFR or
    /// AXFR, incoming), control socket `knot/knot.sock`; 3.2 spells the primary `master:`.
    func knotConfiguration() -> String {
        var lines = KnotConfiguration.serverSections(directory: directory, port: port)
        if let key {
            lines += ["key:", "  - id: \(key.name)", "    algorithm: \(key.algorithm)", "    secret: \(key.secret)"]
        }
        lines += ["remote:", "  - id: primary", "    address: \(primaryHost)@\(primaryPort)"]
        if let key { lines.append("    key: \(key.name)") }
        lines += ["acl:", "  - id: notify", "    address: 127.0.0.0/8", "    action: notify"]
        if let key { lines.append("    key: \(key.name)") }
        lines += [
            "template:",
            "  - id: default",
            "    storage: \"\(directory.file("zones"))\"",
            "    file: \"%s.secondary\"",
            "    master: primary",
            "    acl: notify",
            // The lowest Knot 3.2 allows: the SOA's refresh and retry apply down to 2 s.
            "    refresh-min-interval: 2",
            "    retry-min-interval: 2",
            "zone:",
        ]
        lines += zones.map { "  - domain: \($0)" }
        // Members are configured from the default template (RFC 9432 §5.1 on Knot).
        if let catalog {
            lines += ["  - domain: \(catalog)", "    catalog-role: interpret", "    catalog-template: default"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// BIND 9.18, `named -f -c named.conf`: authoritative only (no recursion, no validation, no
    /// NOTIFY of its own, so it never asks the root servers), the SOA's refresh and retry obeyed
    /// down to 1 s (BIND's floor is 300 s otherwise), rndc on `controlPort`.
    func bindConfiguration(controlKey: Key) -> String {
        let state = directory.file("bind")
        var lines = [
            "options {",
            "    directory \"\(state)\";",
            "    pid-file \"\(state)/named.pid\";",
            "    managed-keys-directory \"\(state)\";",
            "    session-keyfile \"\(state)/session.key\";",
            "    listen-on port \(port) { \(host); };",
            "    listen-on-v6 { none; };",
            "    recursion no;",
            "    dnssec-validation no;",
            "    notify no;",
            "    min-refresh-time 1;",
            "    min-retry-time 1;",
        ]
        let keyClause = key.map { " key \"\($0.name)\"" } ?? ""
        if let catalog {
            // Member zones are secondaries of the same primary; a catalog change is acted on
            // within a second (5 s by default).
            lines += [
                "    catalog-zones {",
                "        zone \"\(catalog)\" default-primaries port \(primaryPort) { \(primaryHost)\(keyClause); }",
                "            zone-directory \"\(directory.file("zones"))\" in-memory yes min-update-interval 1;",
                "    };",
            ]
        }
        lines += [
            "};",
            "key \"\(controlKey.name)\" { algorithm \(controlKey.algorithm); secret \"\(controlKey.secret)\"; };",
            "controls { inet 127.0.0.1 port \(controlPort) allow { 127.0.0.1; } keys { \"\(controlKey.name)\"; }; };",
            "logging {",
            "    channel transfers { stderr; severity debug 3; print-time yes; print-category yes; print-severity yes; };",
            "    channel console { stderr; severity info; print-time yes; print-category yes; print-severity yes; };",
            "    category default { console; };",
            "    category xfer-in { transfers; };",
            "    category notify { transfers; };",
            "};",
        ]
        if let key {
            lines.append("key \"\(key.name)\" { algorithm \(key.algorithm); secret \"\(key.secret)\"; };")
        }
        let notifiers = key.map { "key \"\($0.name)\";" } ?? "127.0.0.0/8;"
        for zone in zones + (catalog.map { [$0] } ?? []) {
            lines += [
                "zone \"\(zone)\" {",
                "    type secondary;",
                "    primaries port \(primaryPort) { \(primaryHost)\(keyClause); };",
                "    allow-notify { \(notifiers) };",
                "    file \"\(directory.file("zones/\(Self.copyFileName(zone))"))\";",
                "};",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func rndcConfiguration(controlKey: Key) -> String {
        """
        key "\(controlKey.name)" { algorithm \(controlKey.algorithm); secret "\(controlKey.secret)"; };
        options { default-key "\(controlKey.name)"; default-server 127.0.0.1; default-port \(controlPort); };

        """
    }
}
