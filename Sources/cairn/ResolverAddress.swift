import DNSServer
import Foundation

/// The recursive resolver preflight asks: `--resolver`, else the first `nameserver` of
/// /etc/resolv.conf.
struct ResolverAddress: Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func resolve(_ text: String?, resolvConf: String = "/etc/resolv.conf") throws -> ResolverAddress {
        if let text {
            guard let address = DNSListenAddress(parsing: text, defaultPort: 53) else {
                throw SettingsError("--resolver '\(text)' is not an address or address:port")
            }
            return ResolverAddress(host: address.host, port: address.port)
        }
        let lines = (try? String(contentsOfFile: resolvConf, encoding: .utf8))?.split(separator: "\n") ?? []
        for line in lines {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver" {
                return ResolverAddress(host: String(fields[1]), port: 53)
            }
        }
        return ResolverAddress(host: "127.0.0.1", port: 53)
    }
}
