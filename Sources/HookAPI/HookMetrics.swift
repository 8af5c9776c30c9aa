import DNSAuthority
import HTTPTypes
import Hummingbird
import NIOCore
public import Prometheus
import Store

/// The API's Prometheus metrics: requests by route and status, the challenge table's size,
/// how long store commits take (one commit may carry many changes) and SQLite's memory.
struct HookMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let commitDuration: DurationHistogram
    let commitSize: ValueHistogram
    let names: Gauge
    let values: Gauge
    let sqliteMemory: Gauge

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        commitDuration = registry.makeDurationHistogram(
            name: "cairn_store_commit_seconds",
            buckets: [
                .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
            ],
            help: "Time from starting a store transaction to its durable commit")
        commitSize = registry.makeValueHistogram(
            name: "cairn_store_commit_changes", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
            help: "Changes acknowledged by one commit (group commit)")
        names = registry.makeGauge(name: "cairn_challenge_names", help: "Owned challenge names served")
        values = registry.makeGauge(name: "cairn_challenge_values", help: "TXT values in the challenge table")
        sqliteMemory = registry.makeGauge(
            name: "cairn_store_sqlite_bytes",
            help: "Memory SQLite holds in this process: page caches, statements, schema (sqlite3_memory_used)")
    }

    func countRequest(route: String, status: Int) {
        registry.makeCounter(
            name: "cairn_api_requests_total", labels: [("route", route), ("status", String(status))],
            help: "Hook API requests by route and status"
        ).increment()
    }

    /// The exposition text, table size read now.
    func exposition(authority: Authority) -> Response {
        let table = authority.challengeTable
        names.set(Double(table.nameCount))
        values.set(Double(table.valueCount))
        sqliteMemory.set(Double(SQLiteStore.memoryInUse))
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}

/// Counts every request by its route (the matched path, not the URI, so the label set stays
/// small) and the status sent.
struct HookMetricsMiddleware: RouterMiddleware {
    typealias Context = HookRequestContext
    let metrics: HookMetrics

    func handle(
        _ request: Request, context: HookRequestContext,
        next: (Request, HookRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.countRequest(route: context.endpointPath ?? "unmatched", status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            metrics.countRequest(route: context.endpointPath ?? "unmatched", status: error.status.code)
            throw error
        }
    }
}
