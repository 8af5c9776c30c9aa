// DNSReplication: Cairn as a primary (DESIGN decision 8) — outgoing zone transfers (AXFR, RFC 5936;
// IXFR, RFC 1995) from each zone's change journal, TSIG (RFC 8945), NOTIFY (RFC 1996) and the
// secondaries' serials that "visible on every nameserver" waits for.
