import AnswerFixtures
import Benchmark
import DNSAuthority

// Cairn's answer path, parse → answer → encode, one UDP query at a time, and the cost of a
// publish that swaps the snapshot of a 10,000-name challenge table.
//
// Answer benchmarks run 1,000 queries per iteration (`scalingFactor: .kilo`); the figures
// printed are per query (the `*` columns). The publish benchmark is one publish per iteration.
// Targets (the issue): ≤ 2 µs and ≤ 2 mallocs per query; a publish in ≤ 1 ms.
//
//     swift package --disable-sandbox benchmark --target AnswerBenchmarks
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 2_000
    )

    // Built on first use: 10,000 claims and 10,000 publishes through the public API.
    let fixture = { AnswerFixture.shared }

    let cases: [(AnswerCase, [OutputMode])] = [
        (.challengeHit, [.fresh, .allocator, .reused]),
        (.challengeNXDOMAIN, [.fresh, .allocator]),
        (.challengeTruncated, [.fresh, .allocator]),
        (.staticHit, [.fresh, .allocator]),
        (.staticTruncated, [.fresh]),
    ]
    for (answerCase, outputs) in cases {
        for output in outputs {
            Benchmark("\(answerCase.rawValue) output=\(output.rawValue)") { benchmark in
                let fixture = fixture()
                benchmark.startMeasurement()
                fixture.answerLoop(answerCase, output: output, iterations: benchmark.scaledIterations.count)
            }
        }
    }

    // One publish per iteration: the writer copies the 10,000-entry table and node
    // dictionaries and swaps a new snapshot in.
    Benchmark(
        "publish snapshot-swap names=10000",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
            timeUnits: .microseconds,
            warmupIterations: 5,
            scalingFactor: .one,
            maxDuration: .seconds(3),
            maxIterations: 2_000
        )
    ) { benchmark in
        let fixture = fixture()
        let start = Int.random(in: 0..<fixture.challengeNames.count)
        benchmark.startMeasurement()
        fixture.publishLoop(startingAt: start, iterations: benchmark.scaledIterations.count)
    }
}
