import CCHOLMOD

/// The sparse Cholesky factorisation P A Pᵀ = L Lᵀ of a symmetric positive-definite
/// `SparseSymmetricMatrix` (CHOLMOD), with a fill-reducing permutation P.
///
/// Split in two phases: `init(analysing:)` orders the pattern and computes the symbolic factor once
/// (`cholmod_analyze`); `factorize(_:)` computes the numbers (`cholmod_factorize`) and can be called
/// again and again for matrices with the same pattern, e.g. from `SparseSymmetricMatrix.replacingValues(_:)`.
/// No jitter is ever added here: a matrix that is not positive definite throws
/// `LinearAlgebraError.notPositiveDefinite(size:lastJitter: 0, failedPivot:)`, where `failedPivot` is the
/// 1-based column of P A Pᵀ at which factorisation stopped.
///
/// The factor kind (simplicial or supernodal) follows the context's `method` at analysis time; both are
/// LLᵀ. The factor keeps its `CholmodContext` alive and frees its CHOLMOD storage in `deinit`. Not
/// `Sendable`: use it on the thread that owns the context.
/// - Complexity: analysis about O(nnz(A) · α) (AMD/METIS ordering); factorisation O(Σⱼ |L_{:,j}|²) flops,
///   e.g. O(n^{3/2}) for a 2-D mesh with n unknowns; each solve O(nnz(L)) per right-hand side.
public final class SparseCholesky {
    /// The context that owns the CHOLMOD storage.
    public let context: CholmodContext
    let pattern: SparsePattern
    let factor: UnsafeMutablePointer<cholmod_factor>
    private var cachedLogDeterminant: Double?

    /// The order n.
    public var size: Int { pattern.size }
    /// True once `factorize` has succeeded (false again after a failed `factorize`).
    public var isFactorized: Bool { cachedLogDeterminant != nil }
    /// True for a supernodal factor, false for a simplicial one (fixed by the analysis).
    public var isSupernodal: Bool { factor.pointee.is_super != 0 }
    /// The number of nonzeros of L predicted by the analysis (`cholmod_common.lnz`).
    public let factorNonZeroCount: Int

    /// Orders and symbolically analyses the pattern of `a` (`cholmod_analyze`); no numbers are computed.
    /// - Throws: `CholmodError.failed` if CHOLMOD fails (e.g. out of memory).
    /// - Complexity: roughly linear in nnz(A) plus the ordering cost.
    public init(analysing a: SparseSymmetricMatrix) throws {
        let context = a.context
        guard let l = cholmod_analyze(a.sparse, context.common) else {
            throw CholmodError.failed(function: "cholmod_analyze", status: Int(context.status))
        }
        precondition(l.pointee.itype == CholmodConstant.int, "unexpected CHOLMOD integer type \(l.pointee.itype)")
        self.context = context
        self.pattern = a.pattern
        self.factor = l
        self.factorNonZeroCount = Int(context.common.pointee.lnz)
    }

    /// Analyses and factorises `a` in one step.
    /// - Throws: as `init(analysing:)` and `factorize(_:)`.
    public convenience init(factorizing a: SparseSymmetricMatrix) throws {
        try self.init(analysing: a)
        try factorize(a)
    }

    deinit {
        var l: UnsafeMutablePointer<cholmod_factor>? = factor
        _ = cholmod_free_factor(&l, context.common)
    }

    /// Computes the numeric factor of `a`, which must have the analysed pattern and the same context.
    /// - Throws: `LinearAlgebraError.notPositiveDefinite(size:lastJitter: 0, failedPivot:)` when `a` is not
    ///   positive definite; `.dimensionMismatch` when its pattern differs from the analysed one;
    ///   `CholmodError.failed` when CHOLMOD reports an error. After a throw the factor is unusable
    ///   (`isFactorized == false`) until a later `factorize` succeeds.
    /// - Complexity: the numeric factorisation cost (see the type), plus O(n) for the log-determinant.
    public func factorize(_ a: SparseSymmetricMatrix) throws {
        precondition(a.context === context, "matrix and factor belong to different CHOLMOD contexts")
        guard a.pattern.hasSameStructure(as: pattern) else {
            throw LinearAlgebraError.dimensionMismatch(
                "matrix pattern (n = \(a.size), nnz = \(a.nonZeroCount)) differs from the analysed one (n = \(size), nnz = \(pattern.nonZeroCount))")
        }
        cachedLogDeterminant = nil
        let ok = cholmod_factorize(a.sparse, factor, context.common)
        let status = context.status
        let n = size
        let minor = Int(factor.pointee.minor)
        if status == CholmodConstant.notPositiveDefinite || (status >= 0 && minor < n) {
            throw LinearAlgebraError.notPositiveDefinite(size: n, lastJitter: 0, failedPivot: minor + 1)
        }
        guard ok != 0, status >= 0 else {
            throw CholmodError.failed(function: "cholmod_factorize", status: Int(status))
        }
        cachedLogDeterminant = try readLogDeterminant()
    }

    /// log |A|, read off the diagonal of the factor. Requires a successful `factorize`.
    /// - Complexity: O(1) (computed once by `factorize` in O(n)).
    public var logDeterminant: Double {
        guard let value = cachedLogDeterminant else {
            preconditionFailure("logDeterminant of a sparse Cholesky factor that has not been factorised")
        }
        return value
    }

    /// Σ log of the diagonal of the factor, for the three layouts CHOLMOD can leave behind.
    private func readLogDeterminant() throws -> Double {
        let l = factor.pointee
        let n = Int(l.n)
        if n == 0 { return 0 }
        let x = l.x.assumingMemoryBound(to: Double.self)
        var sum = 0.0
        if l.is_super != 0 {
            // Supernode s holds columns super[s] ..< super[s+1] as a dense nsrow × nscol column-major
            // block at x[px[s]...], nsrow = pi[s+1] − pi[s]; its top square is lower triangular.
            let sup = l.super.assumingMemoryBound(to: Int32.self)
            let pi = l.pi.assumingMemoryBound(to: Int32.self)
            let px = l.px.assumingMemoryBound(to: Int32.self)
            for s in 0..<Int(l.nsuper) {
                let nscol = Int(sup[s + 1] - sup[s])
                let nsrow = Int(pi[s + 1] - pi[s])
                let base = Int(px[s])
                for jj in 0..<nscol { sum += Math.log(x[base + jj + jj * nsrow]) }
            }
            return 2 * sum
        }
        // Simplicial: the first entry of column j is its diagonal (L_jj for LLᵀ, D_jj for LDLᵀ).
        let p = l.p.assumingMemoryBound(to: Int32.self)
        for j in 0..<n {
            let d = x[Int(p[j])]
            if l.is_ll == 0 && !(d > 0) {
                throw LinearAlgebraError.notPositiveDefinite(size: n, lastJitter: 0, failedPivot: j + 1)
            }
            sum += Math.log(d)
        }
        return l.is_ll != 0 ? 2 * sum : sum
    }

    /// A⁻¹ b (`cholmod_solve` with `CHOLMOD_A`).
    /// - Throws: `CholmodError.notFactorized` before a successful `factorize`; `.dimensionMismatch` for a
    ///   wrong length; `CholmodError.failed` if CHOLMOD fails.
    /// - Complexity: O(nnz(L)).
    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(Matrix(column: b)).storage
    }

    /// A⁻¹ B for an n × m right-hand side (`cholmod_solve` with `CHOLMOD_A`, all columns at once).
    /// - Throws: `CholmodError.notFactorized` before a successful `factorize`; `.dimensionMismatch` for a
    ///   wrong row count; `CholmodError.failed` if CHOLMOD fails.
    /// - Complexity: O(nnz(L) · m).
    public func solve(_ b: Matrix) throws -> Matrix {
        guard isFactorized else { throw CholmodError.notFactorized }
        let n = size
        guard b.rows == n else {
            throw LinearAlgebraError.dimensionMismatch("right-hand side has \(b.rows) rows, factor is \(n)×\(n)")
        }
        if n == 0 || b.cols == 0 { return Matrix(rows: n, cols: b.cols) }
        var rhs = b.storage
        let solution: UnsafeMutablePointer<cholmod_dense>? = rhs.withUnsafeMutableBufferPointer { buffer in
            var bd = denseView(buffer.baseAddress!, rows: n, cols: b.cols)
            return cholmod_solve(CholmodConstant.solveA, factor, &bd, context.common)
        }
        guard let xd = solution else {
            throw CholmodError.failed(function: "cholmod_solve", status: Int(context.status))
        }
        defer {
            var owned: UnsafeMutablePointer<cholmod_dense>? = xd
            _ = cholmod_free_dense(&owned, context.common)
        }
        var result = Matrix(rows: n, cols: b.cols)
        let ld = Int(xd.pointee.d)
        let xs = xd.pointee.x.assumingMemoryBound(to: Double.self)
        result.storage.withUnsafeMutableBufferPointer { out in
            for j in 0..<b.cols {
                (out.baseAddress! + j * n).update(from: xs + j * ld, count: n)
            }
        }
        return result
    }
}
