import Synchronization

/// The last result of an expensive pure computation and the key it was computed for: value-type objectives
/// (which cannot mutate in `value(batch:)`) keep one so that the engine's sequence — a closed-form update, the value
/// at the new state, the next update from that same state — builds each posterior once. Copies of the owner share
/// the cache; a hit needs an equal key, so sharing never returns a stale result. Safe from any thread.
/// - Complexity: O(key length) per lookup (one comparison).
final class LastResultCache<Key: Equatable & Sendable, Value: Sendable>: Sendable {
    private let entry = Mutex<(key: Key, value: Value)?>(nil)

    init() {}

    /// The cached value for `key`, or `compute()`'s (then cached). An error is not cached.
    func value(for key: Key, compute: () throws -> Value) rethrows -> Value {
        if let hit = entry.withLock({ e -> Value? in e.flatMap { $0.key == key ? $0.value : nil } }) { return hit }
        let value = try compute()
        entry.withLock { $0 = (key, value) }
        return value
    }
}
