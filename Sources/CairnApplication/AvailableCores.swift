import Foundation
import NIOCore

/// The number of cores this process may run on.
///
/// NIO's `System.coreCount` counts the machine's cores; a server started under `taskset`, in a
/// cpuset or by systemd with `CPUAffinity=` may use fewer. One UDP socket per usable core keeps
/// two event loops from taking turns on one core (measured with ../shared/bench pinned to one
/// core: 107k → 136k queries per second, 15.9 → 14.9 µs of CPU per query).
package enum AvailableCores {
    package static var count: Int {
        guard let allowed = allowed(statusFile: "/proc/self/status"), !allowed.isEmpty else { return System.coreCount }
        return min(allowed.count, System.coreCount)
    }

    /// The CPUs a thread may run on, from its /proc `status` file's `Cpus_allowed_list`, or nil
    /// when the file or the line cannot be read.
    package static func allowed(statusFile: String) -> [Int]? {
        guard let status = try? String(contentsOfFile: statusFile, encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        return cpus(list: line.dropFirst("Cpus_allowed_list:".count))
    }

    /// The CPUs of a Linux CPU list such as `0-3,8,10-11` (cpuset(7) "List format"), in order.
    package static func cpus(list: Substring) -> [Int]? {
        var cpus: [Int] = []
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard let cpu = bounds[0] else { return nil }
                cpus.append(cpu)
            case 2:
                guard let low = bounds[0], let high = bounds[1], low <= high else { return nil }
                cpus.append(contentsOf: low...high)
            default:
                return nil
            }
        }
        return cpus
    }
}
