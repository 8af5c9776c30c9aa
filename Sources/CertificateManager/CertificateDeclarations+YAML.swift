import Foundation
import Yams

/// Reading the `issuers` and `certificates` lists from the configuration file.
///
/// swift-configuration reads scalars and lists of scalars only, so these two lists of mappings
/// are decoded from the same file with Yams' `YAMLDecoder`; every other key of the file
/// (`dns`, `api`, `zones`, …) is left to swift-configuration and ignored here. Inside an entry
/// every key is known or refused.
extension CertificateDeclarations {
    /// Reads and checks the declarations in the YAML file at `path`.
    ///
    /// A missing file, or one without `issuers` and `certificates`, declares nothing.
    ///
    /// - Throws: ``CertificateManagerError/Code/configuration`` naming the file, line, entry and
    ///   key: `cairn.yaml:14: certificates[web] domains[1]: "*.*.example.com" is not a domain name
    ///   (a wildcard may only be the first label: *.example.com)`.
    package static func load(fromYAMLFile path: String) throws(CertificateManagerError) -> CertificateDeclarations {
        guard FileManager.default.fileExists(atPath: path) else { return .empty }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CertificateManagerError(.configuration, "\(path): cannot read (\(error.localizedDescription))")
        }
        return try decode(yaml: text, source: path)
    }

    /// Reads and checks the declarations in `yaml`; `source` names it in messages.
    package static func decode(yaml: String, source: String) throws(CertificateManagerError) -> CertificateDeclarations
    {
        let root = try compose(yaml: yaml, source: source)
        guard let root else { return .empty }
        guard root.mapping != nil else {
            throw DeclarationEntry.problem(
                source: source, mark: root.mark, "the file", "expected a mapping of keys (dns:, api:, certificates:, …)"
            )
        }
        do {
            return try YAMLDecoder().decode(
                DeclarationsDocument.self, from: root, userInfo: [.declarationsSource: source]
            )
            .declarations
        } catch let error as CertificateManagerError {
            throw error
        } catch {
            throw CertificateManagerError(.configuration, "\(source): \(error)")
        }
    }

    /// The document's root node; `nil` for an empty document (or only comments).
    private static func compose(yaml: String, source: String) throws(CertificateManagerError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw CertificateManagerError(.configuration, syntaxMessage(error, source: source))
        } catch {
            throw CertificateManagerError(.configuration, "\(source): \(error)")
        }
    }

    /// `cairn.yaml:3:9: YAML: mapping values are not allowed in this context`.
    private static func syntaxMessage(_ error: YamlError, source: String) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            // `- *.example.com` unquoted reads as an alias named ".example.com".
            let wildcard =
                "\(problem) \(context?.text ?? "")".contains("alias")
                ? "; a wildcard name must be quoted: \"*.example.com\"" : ""
            return "\(source):\(mark.line):\(mark.column): YAML: \(problem)\(during)\(wildcard)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(source):\(context.mark.line): YAML: the key \(keys) appears more than once in one mapping"
        default:
            return "\(source): YAML: \(error)"
        }
    }
}

extension CodingUserInfoKey {
    /// The file name, for messages.
    fileprivate static let declarationsSource = CodingUserInfoKey(rawValue: "cairn.declarationsSource")!
}

/// The whole file, of which only `issuers` and `certificates` are read. Every check that needs
/// a line (unique names, issuers that exist) is made here, while the nodes are at hand.
private struct DeclarationsDocument: Decodable {
    var declarations: CertificateDeclarations

    init(from decoder: any Decoder) throws {
        let source = decoder.userInfo[.declarationsSource] as? String ?? "configuration"
        let container = try decoder.container(keyedBy: DeclarationEntry.Key.self)

        func entries(
            _ key: String, kind: String, knownKeys: [String], _ read: (DeclarationEntry) throws -> Void
        ) throws {
            let codingKey = DeclarationEntry.Key(stringValue: key)
            guard container.contains(codingKey), try !container.decodeNil(forKey: codingKey) else { return }
            var list: any UnkeyedDecodingContainer
            do {
                list = try container.nestedUnkeyedContainer(forKey: codingKey)
            } catch {
                let mark = (try? container.superDecoder(forKey: codingKey))?.mark
                throw DeclarationEntry.problem(
                    source: source, mark: mark, key, "expected a list, each entry starting with \"- name: …\"")
            }
            var index = 0
            while !list.isAtEnd {
                let entry = try DeclarationEntry(
                    decoder: try list.superDecoder(), source: source, list: key, index: index, knownKeys: knownKeys,
                    kind: kind)
                try read(entry)
                index += 1
            }
        }

        var issuers: [IssuerDeclaration] = []
        try entries("issuers", kind: "an issuer", knownKeys: IssuerDeclaration.keys) { entry in
            let issuer = try IssuerDeclaration(reading: entry)
            if let other = issuers.firstIndex(where: { $0.name.lowercased() == issuer.name.lowercased() }) {
                throw entry.problem(
                    "name", "\"\(issuer.name)\" is the name of issuers[\(other)] too; names must differ")
            }
            issuers.append(issuer)
        }
        var certificates: [CertificateDeclaration] = []
        try entries("certificates", kind: "a certificate", knownKeys: CertificateDeclaration.keys) { entry in
            let certificate = try CertificateDeclaration(reading: entry, knownIssuers: issuers.map(\.name))
            if let other = certificates.firstIndex(where: { $0.name.lowercased() == certificate.name.lowercased() }) {
                throw entry.problem(
                    "name",
                    "\"\(certificate.name)\" is the name of certificates[\(other)] too; names must differ "
                        + "(case aside: each names a directory)")
            }
            certificates.append(certificate)
        }
        declarations = CertificateDeclarations(issuers: issuers, certificates: certificates)
    }
}
