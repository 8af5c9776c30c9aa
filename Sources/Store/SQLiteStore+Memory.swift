import GRDBSQLite

extension SQLiteStore {
    /// Octets SQLite has allocated in this process now: every connection's page cache, prepared
    /// statements and schema (`sqlite3_memory_used`).
    ///
    /// A page cache fills as pages are read and is bounded by `PRAGMA cache_size` (2,000 KiB a
    /// connection by default; a store has a writer and up to five readers), so this grows with
    /// the store's file until the caches are full and then stays.
    public static var memoryInUse: Int { Int(sqlite3_memory_used()) }
}
