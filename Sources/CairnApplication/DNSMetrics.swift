import DNSServer
import DNSWire
import Prometheus

/// The DNS server's query counts on `/metrics`: the server counts per event loop without
/// atomics (DESIGN decision 6); each scrape sums the loops and sets these gauges, which are
/// totals since the server started.
struct DNSMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    func update(from statistics: DNSQueryStatistics) {
        for (code, count) in statistics.responses {
            registry.makeGauge(
                name: "cairn_dns_responses", labels: [("rcode", "\(code)")],
                help: "DNS responses sent since start, by response code"
            ).set(Double(count))
        }
        for (type, count) in statistics.questionTypes {
            registry.makeGauge(
                name: "cairn_dns_queries", labels: [("type", "\(type)")],
                help: "DNS questions answered since start, by type (OTHER: types above 255)"
            ).set(Double(count))
        }
        if statistics.otherQuestionTypes > 0 {
            registry.makeGauge(
                name: "cairn_dns_queries", labels: [("type", "OTHER")],
                help: "DNS questions answered since start, by type (OTHER: types above 255)"
            ).set(Double(statistics.otherQuestionTypes))
        }
        registry.makeGauge(name: "cairn_dns_truncated", help: "DNS responses sent with TC since start")
            .set(Double(statistics.truncated))
        registry.makeGauge(name: "cairn_dns_dropped", help: "DNS messages dropped without a response since start")
            .set(Double(statistics.dropped))
        registry.makeGauge(
            name: "cairn_dns_rate_limited",
            help: "UDP responses withheld by response-rate limiting since start (dropped or sent truncated)"
        ).set(Double(statistics.rateLimited))
        registry.makeGauge(
            name: "cairn_dns_rate_limit_slipped", help: "Rate-limited UDP responses sent truncated (slip) since start"
        ).set(Double(statistics.slipped))
        registry.makeGauge(name: "cairn_dns_udp_received_bytes", help: "UDP octets received since start")
            .set(Double(statistics.udpBytesIn))
        registry.makeGauge(name: "cairn_dns_udp_sent_bytes", help: "UDP octets sent since start")
            .set(Double(statistics.udpBytesOut))
    }
}
