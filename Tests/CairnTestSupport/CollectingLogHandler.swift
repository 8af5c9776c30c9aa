public import Logging
import Synchronization

/// Keeps log records in memory so tests can assert what was logged.
public final class LogRecords: Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public var all: [Entry] { entries.withLock { $0 } }

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    /// A logger whose records land here (no global bootstrap).
    public func logger(label: String = "cairn.test", level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { _ in CollectingLogHandler(records: self) }
        logger.logLevel = level
        return logger
    }
}

struct CollectingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var flattened: [String: String] = [:]
        for (key, value) in metadata { flattened[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { flattened[key] = "\(value)" }
        records.append(LogRecords.Entry(level: event.level, message: "\(event.message)", metadata: flattened))
    }
}
