import Foundation

/// Runs `dig` or `kdig` and reads the parts of its output tests assert on.
public struct Dig: Sendable {
    /// dig's or kdig's status: NOERROR, NXDOMAIN, REFUSED, …
    public var status: String
    /// Header flags as printed: qr, aa, tc, rd, …
    public var flags: Set<String>
    /// Answer section records, one line each, whitespace collapsed.
    public var answers: [String]
    /// Authority section records.
    public var authority: [String]
    public var output: String

    /// Queries `host:port` for `name`/`type`; `extra` adds options such as `+tcp` or `+bufsize=512`.
    public static func query(
        tool: String = "dig", host: String, port: Int, name: String, type: String, extra: [String] = []
    ) async throws -> Dig {
        var arguments = ["@\(host)", "-p", "\(port)", name, type]
        if tool == "dig" {
            arguments += ["+norec", "+tries=1", "+time=3", "+nocookie"]
        } else {
            arguments += ["+norec", "+retry=0", "+time=3"]
        }
        return try await run(tool, arguments + extra)
    }

    /// Runs `tool` with `arguments`, again (up to `attempts` runs in all) while it received its
    /// own query (``receivedItsOwnQuery``): a new run binds another source port.
    ///
    /// `invoke` runs the tool; tests of this retry pass a stand-in.
    public static func run(
        _ tool: String, _ arguments: [String], attempts: Int = 3,
        invoke: (String, [String]) async throws -> Tool.Result = { try await Tool.run($0, $1) }
    ) async throws -> Dig {
        var runs = 0
        var dig: Dig
        repeat {
            dig = Dig(parsing: try await invoke(tool, arguments).output)
            runs += 1
        } while dig.receivedItsOwnQuery && runs < attempts
        return dig
    }

    /// Whether what came back is the query dig sent: a message without QR, which no server's
    /// response lacks (RFC 1035 §4.1.1).
    ///
    /// dig (BIND 9.18) binds its UDP source to port 0 with SO_REUSEPORT. When Linux picks a free
    /// port for it, a port held by SO_REUSEPORT sockets of the same user counts as free, so dig
    /// may be given the very port of the server it asks, when that server runs as the tests' user and
    /// holds its port with SO_REUSEPORT (Cairn, Knot, unbound): dig's socket, connected to that
    /// port, is then the best match for its own datagram and receives it. About one run in
    /// 28,000 per server port, so in a full test run now and then.
    public var receivedItsOwnQuery: Bool {
        output.contains(";; Warning: query response not set")
    }

    public init(parsing output: String) {
        self.output = output
        var status = ""
        var flags: Set<String> = []
        var section = ""
        var answers: [String] = []
        var authority: [String] = []
        for rawLine in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingWhitespace()
            if let range = line.range(of: "status: ") {
                status = String(line[range.upperBound...].prefix { $0.isLetter })
            }
            if line.hasPrefix(";; flags:") || line.hasPrefix(";; Flags:") {
                let list = line.dropFirst(";; flags:".count).prefix { $0 != ";" }
                flags = Set(list.split(separator: " ").map(String.init))
            }
            if line.hasPrefix(";; ANSWER SECTION") {
                section = "answer"
                continue
            }
            if line.hasPrefix(";; AUTHORITY SECTION") {
                section = "authority"
                continue
            }
            if line.hasPrefix(";;") && line.contains("SECTION") {
                section = ""
                continue
            }
            if line.isEmpty || line.hasPrefix(";") {
                if line.isEmpty { section = "" }
                continue
            }
            let collapsed = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            if section == "answer" { answers.append(collapsed) }
            if section == "authority" { authority.append(collapsed) }
        }
        self.status = status
        self.flags = flags
        self.answers = answers
        self.authority = authority
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }
}
