import AnswerFixtures
import DNSAuthority
import MallocInterposerSwift
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// A plain driver for the answer path, with no benchmark harness in the way:
//
//   AnswerProfile                          every case: ns and mallocs per query, one line each
//   AnswerProfile --case challenge-hit --output fresh --iterations 200000 --quiet
//                                          one case N times, for valgrind --tool=callgrind or perf
//   AnswerProfile --case publish --iterations 200
//                                          (with every case, publishes run --publish-iterations, default 500)
//   AnswerProfile --case sweep --case walk --names 1000000
//                                          a publish and the expiry sweep that removes it, against a
//                                          walk of every name (what the sweep was before its index)
//
// Malloc counts need the interposer preloaded (LD_PRELOAD=<build dir>/libMallocInterposerSwift.so);
// without it the column reads n/a. The loops are AnswerFixture.answerLoop and publishLoop, the
// same code the AnswerBenchmarks target measures, so a callgrind run can be limited to them with
// --toggle-collect='*answerLoop*' (or '*publishLoop*').

struct Options {
    var cases: [String] = AnswerCase.allCases.map(\.rawValue) + ["publish"]
    var outputs: [OutputMode]? = nil
    var iterations: Int? = nil
    var publishIterations = 500
    private var chosenCases = false
    var names = 10_000
    var rounds = 5
    var quiet = false

    init(_ arguments: ArraySlice<String>) {
        var arguments = arguments
        func value(_ flag: String) -> String {
            guard let value = arguments.popFirst() else { fatalError("\(flag) needs a value") }
            return value
        }
        while let flag = arguments.popFirst() {
            switch flag {
            case "--case":
                // Repeated, the cases add up.
                cases = (chosenCases ? cases : []) + [value(flag)]
                chosenCases = true
            case "--output": outputs = [OutputMode(rawValue: value(flag))!]
            case "--iterations": iterations = Int(value(flag))!
            case "--publish-iterations": publishIterations = Int(value(flag))!
            case "--names": names = Int(value(flag))!
            case "--rounds": rounds = max(1, Int(value(flag))!)
            case "--quiet": quiet = true
            default:
                print(
                    """
                    usage: AnswerProfile [--case \((AnswerCase.allCases.map(\.rawValue) + ["publish", "sweep", "walk"]).joined(separator: "|"))]
                                         [--output fresh|allocator|reused] [--iterations N]
                                         [--publish-iterations N] [--names N] [--rounds N] [--quiet]
                    """)
                exit(flag == "--help" ? 0 : 2)
            }
        }
    }
}

struct Row {
    var name: String
    var nanoseconds: Double
    var mallocs: Double?
    var bytes: Double?
}

/// Runs `body(iterations)` `rounds` times and returns the median nanoseconds per iteration.
func timePerIteration(rounds: Int, iterations: Int, _ body: (Int) -> Void) -> Double {
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = MonotonicClock.nanoseconds()
        body(iterations)
        samples.append(Double(MonotonicClock.nanoseconds() - start) / Double(iterations))
    }
    return samples.sorted()[samples.count / 2]
}

/// Mallocs and requested bytes per iteration, or nil when the interposer is not preloaded.
func mallocsPerIteration(iterations: Int, _ body: (Int) -> Void) -> (Double, Double)? {
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    body(iterations)
    MallocInterposerSwift.unhook()
    let statistics = MallocInterposerSwift.getStatistics()
    guard interposerActive else { return nil }
    return (
        Double(statistics.mallocCount) / Double(iterations), Double(statistics.mallocBytesCount) / Double(iterations)
    )
}

/// Whether malloc goes through the interposer: one known allocation must be counted.
let interposerActive: Bool = {
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    let pointer = malloc(64)
    sink(pointer)  // or the optimizer drops the malloc/free pair
    MallocInterposerSwift.unhook()
    free(pointer)
    return MallocInterposerSwift.getStatistics().mallocCount > 0
}()

let options = Options(CommandLine.arguments.dropFirst())
MallocInterposerSwift.initialize()
let fixtureStart = MonotonicClock.nanoseconds()
let fixture = options.names == 10_000 ? AnswerFixture.shared : AnswerFixture(nameCount: options.names)
if !options.quiet {
    print(
        "fixture: \(options.names) challenge names (claim + publish through the API: "
            + "\(format(fixture.tableBuildSeconds, digits: 2)) s), \(options.names) static names; "
            + "built in \(format(Double(MonotonicClock.nanoseconds() - fixtureStart) / 1e9, digits: 2)) s")
}

var rows: [Row] = []
for name in options.cases {
    if name == "sweep" || name == "walk" {
        // One publish + one sweep per iteration, or one walk of the whole table.
        let iterations = options.iterations ?? (name == "sweep" ? 200 : 10)
        var step = 0
        let run: (Int) -> Void =
            name == "sweep"
            ? { count in step = fixture.sweepLoop(from: step, iterations: count) }
            : { count in fixture.walkEveryName(iterations: count) }
        run(min(iterations, 20))
        let nanoseconds = timePerIteration(rounds: options.rounds, iterations: iterations, run)
        let mallocs = mallocsPerIteration(iterations: min(iterations, 100), run)
        rows.append(
            Row(
                name: name == "sweep"
                    ? "publish + expiry sweep (\(options.names) names)" : "walk of every name (\(options.names) names)",
                nanoseconds: nanoseconds, mallocs: mallocs?.0, bytes: mallocs?.1))
        continue
    }
    if name == "publish" {
        let iterations =
            options.cases.count == 1 ? options.iterations ?? options.publishIterations : options.publishIterations
        var next = 0
        let run: (Int) -> Void = { count in next = fixture.publishLoop(startingAt: next, iterations: count) }
        run(min(iterations, 20))
        if options.quiet {
            run(iterations)
            continue
        }
        let nanoseconds = timePerIteration(rounds: options.rounds, iterations: iterations, run)
        let mallocs = mallocsPerIteration(iterations: min(iterations, 100), run)
        rows.append(
            Row(
                name: "publish (\(options.names) names)", nanoseconds: nanoseconds, mallocs: mallocs?.0,
                bytes: mallocs?.1))
        continue
    }
    guard let answerCase = AnswerCase(rawValue: name) else { fatalError("unknown case \(name)") }
    for output in options.outputs ?? OutputMode.allCases {
        let iterations = options.iterations ?? 200_000
        let run: (Int) -> Void = { count in fixture.answerLoop(answerCase, output: output, iterations: count) }
        run(min(iterations, 10_000))
        if options.quiet {
            run(iterations)
            continue
        }
        let nanoseconds = timePerIteration(rounds: options.rounds, iterations: iterations, run)
        let mallocs = mallocsPerIteration(iterations: min(iterations, 10_000), run)
        rows.append(
            Row(
                name: "\(answerCase.rawValue) output=\(output.rawValue)", nanoseconds: nanoseconds, mallocs: mallocs?.0,
                bytes: mallocs?.1))
    }
}

if !options.quiet {
    let width = max(30, rows.map(\.name.count).max() ?? 0)
    print("| " + "case".padding(width) + " | ns/op      | mallocs/op | malloc bytes/op |")
    print("|-" + String(repeating: "-", count: width) + "-|-----------:|-----------:|----------------:|")
    for row in rows {
        print(
            "| " + row.name.padding(width) + " | " + format(row.nanoseconds, digits: 0).leftPadding(10) + " | "
                + (row.mallocs.map { format($0, digits: 2) } ?? "n/a").leftPadding(10) + " | "
                + (row.bytes.map { format($0, digits: 0) } ?? "n/a").leftPadding(15) + " |")
    }
    if !interposerActive {
        print("(mallocs: n/a — run with LD_PRELOAD=<build dir>/libMallocInterposerSwift.so)")
    }
}

func format(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    if digits == 0 { return String(Int(rounded)) }
    let whole = Int(rounded)
    var fraction = String(Int(((rounded - Double(whole)) * scale).rounded()))
    while fraction.count < digits { fraction = "0" + fraction }
    return "\(whole).\(fraction)"
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
