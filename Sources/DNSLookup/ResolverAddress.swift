public import DNSWire
import Foundation

/// The recursive resolver preflight and CNAME discovery ask.
public typealias ResolverAddress = HostPort

extension HostPort {
    /// A resolver given as `address` or `address:port`, else the first `nameserver` of
    /// `resolvConf`, else 127.0.0.1:53.
    ///
    /// - Throws: ``DNSLookupError`` when `text` is not an address with an optional port.
    public static func resolver(
        _ text: String?, resolvConf: String = "/etc/resolv.conf"
    ) throws(DNSLookupError)
        -> HostPort
    {
        if let text {
            guard let address = HostPort(parsing: text, defaultPort: 53) else {
                throw DNSLookupError(server: text, question: "", reason: "not an address or address:port")
            }
            return address
        }
        let lines = (try? String(contentsOfFile: resolvConf, encoding: .utf8))?.split(separator: "\n") ?? []
        for line in lines {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver",
                let address = HostPort(parsing: String(fields[1]), defaultPort: 53)
            {
                return address
            }
        }
        return HostPort(host: "127.0.0.1", port: 53)
    }
}
