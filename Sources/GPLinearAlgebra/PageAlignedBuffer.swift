#if canImport(Glibc)
import Glibc
#endif

/// Scratch memory of `count` doubles for long sequential passes, allocated on a 2 MiB boundary and marked
/// for transparent huge pages (`madvise(MADV_HUGEPAGE)`) when it spans at least two huge pages (4 MiB), so
/// a pass over tens of megabytes takes tens of page faults instead of tens of thousands; smaller buffers
/// are 64-byte aligned. Contents start uninitialised; every entry must be written before it is read.
/// - Complexity: O(1) to allocate (the kernel supplies pages on first touch); freed on deinit.
public final class PageAlignedBuffer {
    @usableFromInline let base: UnsafeMutableRawPointer?
    private let fromPosixMemalign: Bool
    public let count: Int

    public init(count: Int) {
        self.count = count
        let bytes = count * MemoryLayout<Double>.stride
        guard bytes > 0 else { base = nil; fromPosixMemalign = false; return }
        let huge = 2 << 20
        var raw: UnsafeMutableRawPointer? = nil
        if bytes >= 2 * huge, posix_memalign(&raw, huge, (bytes + huge - 1) / huge * huge) == 0, let r = raw {
            _ = madvise(r, (bytes + huge - 1) / huge * huge, MADV_HUGEPAGE)
            base = r
            fromPosixMemalign = true
        } else {
            base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            fromPosixMemalign = false
        }
    }

    deinit {
        guard let base else { return }
        if fromPosixMemalign { free(base) } else { base.deallocate() }
    }

    @inlinable
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: base?.assumingMemoryBound(to: Double.self), count: count))
    }

    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base?.assumingMemoryBound(to: Double.self), count: count))
    }
}
