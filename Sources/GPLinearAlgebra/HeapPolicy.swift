import CMalloc

/// How the process's heap treats the large, short-lived matrices of an optimisation loop.
///
/// An SVGP iteration allocates and frees a dozen M × B buffers (4 MiB each at M = 512, B = 1024). With
/// glibc's defaults, freed memory at the top of the heap is returned to the kernel and faulted in again on
/// the next iteration (measured: ~13 ms of a 75 ms iteration in page faults). `retainFreedMemory()` keeps
/// buffers up to 32 MiB on the heap (not in separate mappings) and stops trimming it, so the next iteration
/// reuses the same pages; peak RSS becomes the loop's high-water mark (+20 MiB in that case). The `swiftgp`
/// CLI and the benchmark driver call it at start-up; a library user may call it too.
/// It is a process-wide setting (glibc's `mallopt`).
public enum HeapPolicy {
    public static func retainFreedMemory() {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
    }
}
