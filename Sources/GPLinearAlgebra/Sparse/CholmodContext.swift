import CCHOLMOD

// Numeric values of the CHOLMOD macros used here (cholmod_core.h / cholmod_cholesky.h, CHOLMOD 3.0).
// The macros do not all import into Swift, so they are spelled out once.
enum CholmodConstant {
    static let int: Int32 = 0           // CHOLMOD_INT: all integer arrays are Int32
    static let double: Int32 = 0        // CHOLMOD_DOUBLE
    static let real: Int32 = 1          // CHOLMOD_REAL
    static let ok: Int32 = 0            // CHOLMOD_OK
    static let notPositiveDefinite: Int32 = 1  // CHOLMOD_NOT_POSDEF (a warning, status > 0)
    static let simplicial: Int32 = 0    // CHOLMOD_SIMPLICIAL
    static let automatic: Int32 = 1     // CHOLMOD_AUTO
    static let supernodal: Int32 = 2    // CHOLMOD_SUPERNODAL
    static let solveA: Int32 = 0        // CHOLMOD_A: solve A x = b
    static let lowerStype: Int32 = -1   // symmetric, lower triangle stored
}

/// Which kind of sparse Cholesky factor `SparseCholesky` computes.
///
/// Chosen when the pattern is analysed (`SparseCholesky(analysing:)`), so changing a context's method
/// affects later analyses only.
public enum SparseFactorMethod: Sendable, Equatable {
    /// CHOLMOD decides from the flop count per nonzero of L (supernodal when it is at least 40).
    case automatic
    /// Column-by-column (up-looking) LLᵀ: best for very sparse factors such as banded or tree-like matrices.
    case simplicial
    /// Dense supernode blocks factorised with BLAS-3: best for factors with substantial fill (2-D/3-D meshes).
    case supernodal
}

/// Failures specific to the CHOLMOD wrapper that `LinearAlgebraError` has no case for.
public enum CholmodError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `solve` (or `logDeterminant`) was used before a successful `factorize`, or after a failed one.
    case notFactorized
    /// A CHOLMOD routine failed with a negative status (e.g. `-2`, out of memory; `-4`, invalid input).
    case failed(function: String, status: Int)

    public var description: String {
        switch self {
        case .notFactorized:
            return "the sparse Cholesky factor has not been (successfully) factorised"
        case let .failed(function, status):
            return "CHOLMOD \(function) failed with status \(status)"
        }
    }
}

/// A CHOLMOD workspace and option block (`cholmod_common`): every sparse matrix and factor is created in
/// one context and keeps it alive.
///
/// The `cholmod_common` lives behind a pointer owned by this class (`cholmod_start` in `init`,
/// `cholmod_finish` in `deinit`); it holds workspace that CHOLMOD routines reuse and mutate, so a context
/// and everything made from it must stay on one thread. The class is deliberately not `Sendable`:
/// create one context per thread.
///
/// Factors are always left as LLᵀ (supernodal factors stay supernodal), and CHOLMOD prints nothing:
/// failures surface as thrown errors.
/// - Complexity: O(1) to create; workspace of O(n) grows on demand with the largest matrix used.
public final class CholmodContext {
    /// The CHOLMOD common block. Owned; never copied as a Swift value.
    let common: UnsafeMutablePointer<cholmod_common>

    /// The factor kind used by later `SparseCholesky(analysing:)` calls.
    public var method: SparseFactorMethod {
        didSet { applyMethod() }
    }

    /// Starts CHOLMOD with its default options, except: factors are left as LLᵀ and nothing is printed.
    public init(method: SparseFactorMethod = .automatic) {
        common = UnsafeMutablePointer<cholmod_common>.allocate(capacity: 1)
        let started = cholmod_start(common)
        precondition(started != 0, "cholmod_start failed")
        self.method = method
        common.pointee.print = 0          // report through thrown errors, not stdout
        common.pointee.final_asis = 0     // honour the final_* options below
        common.pointee.final_ll = 1       // LLᵀ: negative pivots fail (LDLᵀ would accept indefinite matrices)
        common.pointee.final_super = 1    // keep supernodal factors supernodal
        common.pointee.final_pack = 1
        common.pointee.final_monotonic = 1
        applyMethod()
    }

    deinit {
        cholmod_finish(common)
        common.deallocate()
    }

    private func applyMethod() {
        switch method {
        case .automatic: common.pointee.supernodal = CholmodConstant.automatic
        case .simplicial: common.pointee.supernodal = CholmodConstant.simplicial
        case .supernodal: common.pointee.supernodal = CholmodConstant.supernodal
        }
    }

    /// Blocks currently allocated through this context (`cholmod_common.malloc_count`): matrices,
    /// factors and workspace. Returns to its earlier value once the objects made since are released
    /// (call `releaseWorkspace()` on both sides of the comparison to exclude workspace).
    public var allocatedBlocks: Int { Int(common.pointee.malloc_count) }

    /// Bytes currently allocated through this context (`cholmod_common.memory_inuse`).
    public var allocatedBytes: Int { Int(common.pointee.memory_inuse) }

    /// The peak of `allocatedBytes` since the context started (`cholmod_common.memory_usage`).
    public var peakAllocatedBytes: Int { Int(common.pointee.memory_usage) }

    /// Frees the reusable workspace held by the context (`cholmod_free_work`); CHOLMOD reallocates it
    /// when next needed. - Complexity: O(1).
    public func releaseWorkspace() {
        _ = cholmod_free_work(common)
    }

    /// The status of the last CHOLMOD call (0 is success, negative an error, positive a warning).
    var status: Int32 { common.pointee.status }
}
