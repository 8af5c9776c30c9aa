import CertificateManager
import Foundation
import Prometheus

/// Each declared certificate on `/metrics`, what an alert on "expires in less than 7 days" or
/// "renewal keeps failing" needs: not-after, next attempt, last success and failure (Unix
/// seconds) and failures since start, labelled by certificate name.
struct CertificateMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    func update(from statuses: [CertificateStatus]) {
        for status in statuses {
            let labels = [("certificate", status.name)]
            set("not_after", "When the installed certificate expires", labels, status.notAfter)
            set("next_attempt", "When the certificate manager acts next for it", labels, status.nextAttempt)
            set("last_success", "The last successful issuance", labels, status.lastSuccess)
            set("last_failure", "The last failed attempt", labels, status.lastFailure)
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "cairn", subsystem: "certificate", metricName: "failures", unitName: "total",
                    helpText: "Failed attempts since start"),
                labels: labels
            ).set(Double(status.failuresTotal))
        }
    }

    private func set(_ metric: String, _ help: String, _ labels: [(String, String)], _ date: Date?) {
        guard let date else { return }
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "cairn", subsystem: "certificate", metricName: metric, unitName: "seconds", helpText: help),
            labels: labels
        ).set(date.timeIntervalSince1970)
    }
}
