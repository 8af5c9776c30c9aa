/// Runs `body`, giving up after `limit`: its result, or `nil` when the limit passed first (the
/// body is then cancelled). The one race against a sleep behind every bounded wait in Cairn
/// (lookups, request bodies, test helpers).
package func withTimeLimit<T: Sendable>(
    _ limit: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}
