package import Configuration
import Foundation
import Yams

/// The configuration file as swift-configuration reads it, without the lists of objects
/// (`certificates`, `issuers`) that its YAML snapshot cannot hold ("Unexpected non-scalar value
/// in array"); ``CertificateDeclarations`` decodes those from the same file with Yams. One file,
/// two readers, each for what it can read.
package struct ScalarYAMLProvider: ConfigProvider {
    /// The top-level keys left out for ``CertificateDeclarations``.
    package static let objectLists: Set<String> = ["certificates", "issuers", "secondaries", "tsigKeys"]

    private let base: YAMLSnapshot
    package var providerName: String { base.providerName }

    /// Reads `path`.
    ///
    /// - Throws: a description naming the file when it cannot be read or parsed.
    package init(path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingsError("\(path): cannot read it (\(error.localizedDescription))")
        }
        var filtered = text
        do {
            if var node = try Yams.compose(yaml: text), case .mapping(var mapping) = node {
                for key in Self.objectLists { mapping[Node(key)] = nil }
                node = .mapping(mapping)
                filtered = try Yams.serialize(node: node)
            }
        } catch {
            throw SettingsError("\(path): \(error)")
        }
        do {
            let bytes = Array(filtered.utf8)
            base = try bytes.withUnsafeBufferPointer { buffer in
                try YAMLSnapshot(
                    data: RawSpan(_unsafeElements: buffer), providerName: "YAMLSnapshot[\(path)]",
                    parsingOptions: .default)
            }
        } catch {
            throw SettingsError("\(path): \(error)")
        }
    }

    package func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        try base.value(forKey: key, type: type)
    }

    package func fetchValue(forKey key: AbsoluteConfigKey, type: ConfigType) async throws -> LookupResult {
        try base.value(forKey: key, type: type)
    }

    nonisolated(nonsending) package func watchValue<Return: ~Copyable>(
        forKey key: AbsoluteConfigKey, type: ConfigType,
        updatesHandler:
            nonisolated(nonsending) (
                _ updates: ConfigUpdatesAsyncSequence<Result<LookupResult, any Error>, Never>
            ) async throws -> Return
    ) async throws -> Return {
        try await watchValueFromValue(forKey: key, type: type, updatesHandler: updatesHandler)
    }

    package func snapshot() -> any ConfigSnapshot { base }

    nonisolated(nonsending) package func watchSnapshot<Return: ~Copyable>(
        updatesHandler:
            nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<any ConfigSnapshot, Never>)
            async throws -> Return
    ) async throws -> Return {
        try await watchSnapshotFromSnapshot(updatesHandler: updatesHandler)
    }
}
