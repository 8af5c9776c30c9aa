import Yams

/// One mapping of the declarations — an issuer, a certificate, or an issuer's `eab` — read key
/// by key, so that every problem names the file, the line, the entry and the key:
/// `cairn.yaml:14: certificates[web] domains[1]: …`.
///
/// The entry is named by its `name` when it has one, else by its index (`certificates[2]`).
/// Keys that are not `knownKeys` are refused, naming the key and listing the known ones (a
/// `domain:` typo must not leave a certificate without its names). Reading goes through the
/// `Decoder` that Yams' `YAMLDecoder` hands to `init(from:)`, whose `mark` is the line.
struct DeclarationEntry {
    /// Any key of the mapping.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private let container: KeyedDecodingContainer<Key>
    private let source: String
    /// `certificates[web]`.
    private let path: String
    /// `eab.` for the keys of a nested mapping.
    private let keyPrefix: String
    private let mark: Mark?

    /// - Parameters:
    ///   - list: `certificates` or `issuers`.
    ///   - kind: what the entry is, for the message when it is not a mapping.
    init(
        decoder: any Decoder, source: String, list: String, index: Int, knownKeys: [String], kind: String
    ) throws(CertificateManagerError) {
        let mark = decoder.mark
        let container: KeyedDecodingContainer<Key>
        do {
            container = try decoder.container(keyedBy: Key.self)
        } catch {
            throw Self.problem(
                source: source, mark: mark, "\(list)[\(index)]",
                "expected \(kind) as a mapping of \(knownKeys.joined(separator: ", "))")
        }
        var label = String(index)
        if let name = try? container.decodeIfPresent(String.self, forKey: Key(stringValue: "name")), !name.isEmpty {
            label = name
        }
        self.init(container: container, source: source, path: "\(list)[\(label)]", keyPrefix: "", mark: mark)
        try checkKeys(knownKeys)
    }

    private init(
        container: KeyedDecodingContainer<Key>, source: String, path: String, keyPrefix: String, mark: Mark?
    ) {
        self.container = container
        self.source = source
        self.path = path
        self.keyPrefix = keyPrefix
        self.mark = mark
    }

    /// Refuses keys that are not known, suggesting the known key it was probably meant to be.
    /// `hints` explain particular unknown keys instead of the closest known key.
    private func checkKeys(_ knownKeys: [String], hints: [String: String] = [:]) throws(CertificateManagerError) {
        for key in container.allKeys where !knownKeys.contains(key.stringValue) {
            let unknown = key.stringValue
            var message = "unknown key"
            if let hint = hints[unknown] {
                message += " (\(hint))"
            } else if let guess = Self.closest(to: unknown, among: knownKeys) {
                message += " (did you mean \(guess)?)"
            }
            message += "; known keys: \(knownKeys.joined(separator: ", "))"
            throw problem(unknown, message)
        }
    }

    /// The known key that `key` is most likely a misspelling of, if any is close.
    private static func closest(to key: String, among knownKeys: [String]) -> String? {
        let typed = Array(key.lowercased())
        var best: (key: String, distance: Int)? = nil
        for known in knownKeys {
            let distance = editDistance(typed, Array(known.lowercased()))
            if distance <= max(1, known.count / 4), distance < (best?.distance ?? .max) { best = (known, distance) }
        }
        return best?.key
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    // MARK: Values

    /// Whether `key` is present with a value other than null.
    func has(_ key: String) -> Bool {
        container.contains(Key(stringValue: key))
            && !((try? container.decodeNil(forKey: Key(stringValue: key))) ?? true)
    }

    /// The text at `key`; `nil` when absent or null. Numbers and booleans are read as written.
    func string(_ key: String) throws(CertificateManagerError) -> String? {
        guard has(key) else { return nil }
        do {
            return try container.decode(String.self, forKey: Key(stringValue: key))
        } catch {
            throw problem(key, "expected a single value, not a list or mapping")
        }
    }

    /// Like ``string(_:)``, but absent or empty is an error explaining `meaning`.
    func requiredString(_ key: String, meaning: String) throws(CertificateManagerError) -> String {
        guard let text = try string(key), !text.isEmpty else { throw problem(key, "missing: \(meaning)") }
        return text
    }

    /// The texts of a list at `key`, each with the line it is on; `nil` when absent or null.
    func strings(_ key: String) throws(CertificateManagerError) -> [(text: String, mark: Mark?)]? {
        guard has(key) else { return nil }
        var list: any UnkeyedDecodingContainer
        do {
            list = try container.nestedUnkeyedContainer(forKey: Key(stringValue: key))
        } catch {
            throw problem(key, "expected a list (one \"- item\" a line, or [a, b])")
        }
        var items: [(text: String, mark: Mark?)] = []
        while !list.isAtEnd {
            let index = items.count
            do {
                let item = try list.superDecoder()
                items.append((try String(from: item), item.mark))
            } catch {
                throw problem(key, item: index, "expected a single value, not a list or mapping")
            }
        }
        return items
    }

    /// The boolean at `key` (`true`/`false`); `nil` when absent or null.
    func bool(_ key: String) throws(CertificateManagerError) -> Bool? {
        guard has(key) else { return nil }
        do {
            return try container.decode(Bool.self, forKey: Key(stringValue: key))
        } catch {
            throw problem(key, "expected true or false, got \(quotedValue(key))")
        }
    }

    /// The whole number at `key`; `nil` when absent or null.
    func int(_ key: String, meaning: String) throws(CertificateManagerError) -> Int? {
        guard has(key) else { return nil }
        do {
            return try container.decode(Int.self, forKey: Key(stringValue: key))
        } catch {
            throw problem(key, "expected \(meaning), got \(quotedValue(key))")
        }
    }

    /// The mapping at `key` as an entry of its own, its keys reported as `key.inner`; `nil`
    /// when absent or null. `hints` explain particular unknown keys.
    func nested(
        _ key: String, knownKeys: [String], hints: [String: String] = [:]
    ) throws(CertificateManagerError) -> DeclarationEntry? {
        guard has(key) else { return nil }
        let inner: KeyedDecodingContainer<Key>
        let innerMark: Mark?
        do {
            let decoder = try container.superDecoder(forKey: Key(stringValue: key))
            innerMark = decoder.mark
            inner = try decoder.container(keyedBy: Key.self)
        } catch {
            throw problem(key, "expected a mapping of \(knownKeys.joined(separator: ", "))")
        }
        let entry = DeclarationEntry(
            container: inner, source: source, path: path, keyPrefix: "\(keyPrefix)\(key).", mark: innerMark)
        try entry.checkKeys(knownKeys, hints: hints)
        return entry
    }

    private func quotedValue(_ key: String) -> String {
        guard let text = try? container.decode(String.self, forKey: Key(stringValue: key)) else {
            return "a list or mapping"
        }
        return "\"\(text)\""
    }

    // MARK: Problems

    /// An error at `key` (at item `item` of its list when given), located at `mark`, else at
    /// the key's value, else at the entry.
    func problem(_ key: String, item: Int? = nil, _ message: String, at mark: Mark? = nil) -> CertificateManagerError {
        let location = mark ?? self.mark(of: key) ?? self.mark
        return Self.problem(
            source: source, mark: location, "\(path) \(keyPrefix)\(key)\(item.map { "[\($0)]" } ?? "")", message)
    }

    /// The line of the value at `key`.
    private func mark(of key: String) -> Mark? {
        guard container.contains(Key(stringValue: key)) else { return nil }
        return (try? container.superDecoder(forKey: Key(stringValue: key)))?.mark
    }

    /// `cairn.yaml:14: certificates[web] domains[1]: message`.
    static func problem(source: String, mark: Mark?, _ subject: String, _ message: String) -> CertificateManagerError {
        let location = mark.map { "\(source):\($0.line)" } ?? source
        return CertificateManagerError(.configuration, "\(location): \(subject): \(message)")
    }

    // MARK: Names

    /// The entry's required `name`: unique among its kind and usable as a directory name.
    func name(kind: String) throws(CertificateManagerError) -> String {
        let name = try requiredString("name", meaning: "a unique name for this \(kind)")
        if let problem = Self.nameProblem(name) { throw self.problem("name", "\"\(name)\" \(problem)") }
        return name
    }

    /// Longest name of a certificate or issuer.
    static let maximumNameLength = 128

    /// Why `name` cannot name a certificate or issuer (it becomes a directory name), or `nil`.
    static func nameProblem(_ name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "." || scalar == "-" || scalar == "_")
        }
        guard allowed else {
            let hint = name.hasPrefix("*.") ? " (for a wildcard certificate write _.\(name.dropFirst(2)))" : ""
            return "may hold only letters, digits, '.', '-' and '_' (it names a directory)\(hint)"
        }
        guard let first = name.unicodeScalars.first, first != ".", first != "-", first != "_" else {
            return "must start with a letter or digit (it names a directory)"
        }
        guard name.count <= maximumNameLength else { return "is longer than \(maximumNameLength) characters" }
        return nil
    }
}
