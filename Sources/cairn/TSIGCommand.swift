import ArgumentParser
import DNSReplication
import DNSWire

/// `cairn tsig generate NAME`: a new TSIG key (RFC 8945) in the forms Cairn, Knot, NSD and BIND
/// read, so an operator pastes the same key on both sides of a zone transfer.
struct TSIGCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsig",
        abstract: "TSIG keys for secondaries' zone transfers and NOTIFY.",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random TSIG key for Cairn, Knot, NSD and BIND.",
            discussion: "The secret is printed once and stored nowhere: keep the output private (mode 0600).")

        @Argument(help: "The key's name, the same on both sides (example: xfr-key).")
        var name: String

        @Option(help: "hmac-sha256, hmac-sha384 or hmac-sha512.")
        var algorithm = "hmac-sha256"

        func run() throws {
            guard let algorithm = TSIGAlgorithm(mnemonic: algorithm), algorithm.isSupported else {
                throw ValidationError(
                    "--algorithm \(self.algorithm) is not one of hmac-sha256, hmac-sha384, hmac-sha512")
            }
            guard let keyName = try? DNSName(name) else {
                throw ValidationError("\(name) is not a valid key name (a domain name, example: xfr-key)")
            }
            let key = TSIGKey.generate(name: keyName, algorithm: algorithm)
            print(Self.formats(of: key))
        }

        /// The key as each peer's configuration spells it.
        static func formats(of key: TSIGKey) -> String {
            let name = key.name.description.hasSuffix(".") ? String(key.name.description.dropLast()) : "\(key.name)"
            let algorithm = key.algorithm.mnemonic
            let secret = key.base64Secret
            return """
                # Cairn (cairn.yaml; or this mapping alone in a file named by replication.keyFiles, mode 0600)
                tsigKeys:
                  - name: \(name)
                    algorithm: \(algorithm)
                    secret: "\(secret)"

                # Knot (knot.conf)
                key:
                  - id: \(name)
                    algorithm: \(algorithm)
                    secret: \(secret)

                # NSD (nsd.conf)
                key:
                    name: \(name)
                    algorithm: \(algorithm)
                    secret: "\(secret)"

                # BIND (named.conf)
                key "\(name)" {
                    algorithm \(algorithm);
                    secret "\(secret)";
                };
                """
        }
    }
}
