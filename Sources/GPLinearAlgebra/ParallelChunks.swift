import Dispatch
import Foundation

/// Splits 0..<count into contiguous chunks run on all cores (`map`, `forEach`: `DispatchQueue.concurrentPerform`), a
/// few per core so that uneven chunks balance out. The one way SwiftGP runs independent work in parallel.
/// - Complexity: O(1) to build.
public struct ParallelChunks: Sendable {
    public let total: Int
    public let count: Int

    public init(count total: Int, perCore: Int = 4) {
        self.total = total
        count = max(1, min(total, ProcessInfo.processInfo.activeProcessorCount * perCore))
    }

    public func range(_ c: Int) -> Range<Int> {
        (c * total / count)..<((c + 1) * total / count)
    }

    /// Runs `body` for every chunk on all cores.
    public func forEach(_ body: @Sendable (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// The chunks' results in chunk order: `body` runs on every chunk's range on all cores (as `forEach`).
    /// - Throws: after every chunk has finished, the first error in chunk order (a non-throwing `body` needs no `try`).
    public func map<T, E: Error>(_ body: @Sendable (Range<Int>) throws(E) -> T) throws(E) -> [T] {
        var results = [Result<T, E>?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeMutableSendableBuffer(buffer)
            forEach { c in
                do throws(E) {
                    out[c] = .success(try body(range(c)))
                } catch {
                    out[c] = .failure(error)
                }
            }
        }
        var values: [T] = []
        values.reserveCapacity(count)
        for result in results {
            switch result! {
            case let .success(value): values.append(value)
            case let .failure(error): throw error
            }
        }
        return values
    }
}

/// A mutable buffer pointer handed to the chunks of a parallel loop, each writing its own disjoint elements.
public struct UnsafeMutableSendableBuffer<T>: @unchecked Sendable {
    public let base: UnsafeMutableBufferPointer<T>
    public init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
    public subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}
