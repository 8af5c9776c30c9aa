import DNSAuthority
import DNSReplication
import Prometheus

/// Each secondary on `/metrics` (set at each scrape from ``ReplicationStatus``): how far behind it
/// is, when it last transferred, how many acknowledgements stopped waiting for it.
struct ReplicationMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    func update(from status: ReplicationStatus, authority: Authority) {
        for state in status.states {
            let secondary = [("secondary", state.secondary.description)]
            for apex in status.zones(carriedBy: state.secondary) {
                let labels = secondary + [("zone", "\(apex)")]
                let current = authority.zone(at: apex)?.serial ?? 0
                // RFC 1982: the distance from the serial the secondary serves to the current one.
                let lag = state.confirmedSerials[apex].map { current &- $0 } ?? current
                registry.makeGauge(
                    name: "cairn_secondary_serial_lag", labels: labels,
                    help: "Serial changes the secondary is behind (the current serial if it never served the zone)"
                ).set(Double(lag))
            }
            registry.makeGauge(
                name: "cairn_secondary_last_transfer_timestamp_seconds", labels: secondary,
                help: "When the secondary last transferred a zone (0: never since start)"
            ).set(Double(state.lastTransfer?.rawValue ?? 0))
            registry.makeGauge(
                name: "cairn_secondary_notifies", labels: secondary,
                help: "NOTIFYs sent to the secondary since start, retries included"
            ).set(Double(state.notifiesSent))
            registry.makeGauge(
                name: "cairn_secondary_transfers", labels: secondary,
                help: "Zone transfers (AXFR and IXFR) served to the secondary's address since start"
            ).set(Double(state.transfersServed))
            registry.makeGauge(
                name: "cairn_secondary_late_acknowledgements", labels: secondary,
                help: "Acknowledgements given after waiting the bound for this secondary, since start"
            ).set(Double(state.lateAcknowledgements))
        }
    }
}
