import GPLinearAlgebra

/// The exact GP log marginal likelihood as a tape objective (docs/methods/exact-gp.md#gradient), built on one fused node
/// (`exactLogMarginal`) whose adjoint ½(ααᵀ − K_y⁻¹) feeds the kernel, noise and mean gradients.
/// - Complexity: O(n³) value and gradient (one dpotrf, one dpotri); O(n² d) kernel work; one n × n buffer.
public struct ExactMarginalLikelihood: TapeObjective, ModelObjective, Sendable {
    public var model: ExactGP
    public let x: Matrix
    public let y: [Double]
    /// Known per-point noise variances sₙ added to σ² (nil: none), as `ExactGP.fit(_:_:noise:options:)` takes them.
    public let noise: [Double]?

    public init(model: ExactGP, x: Matrix, y: [Double], noise: [Double]? = nil) {
        precondition(x.rows == y.count, "\(x.rows) input rows but \(y.count) targets")
        precondition(noise.map { $0.count == y.count } ?? true, "\(noise?.count ?? 0) noise variances for \(y.count) targets")
        self.model = model
        self.x = x
        self.y = y
        self.noise = noise
    }

    public var dataSummary: DataSummary? { DataSummary(x: x, y: y) }

    public func objective(on tape: Tape, parameters p: ParameterLeaves, batch: [Int]?) throws -> Var {
        let m = model.mean.value(x, on: p.scoped("mean"), tape: tape)
        let r = tape.leaf(y) - m
        return try exactLogMarginal(kernel: model.kernel, x: x, kernelParameters: p.scoped("kernel"),
                                    noise: p["likelihood.variance"], fixedNoise: noise, residual: r,
                                    policy: model.jitter)
    }
}

/// log N(r | 0, K + σ²I + diag(s)) with K = k(X, X) and known per-point noise s (`fixedNoise`, nil: 0) as ONE tape node, in one n × n buffer:
/// the kernel writes K into its lower triangle and its own workspace above it (`workspaceGram`: a
/// `WorkspaceKernel`'s `gramWithWorkspace`, for stationary kernels the squared distances; any other kernel
/// writes K in both triangles), σ² is added to the diagonal, the lower triangle is factorised
/// in place (`Cholesky.factorInPlace`; a jitter retry recomputes K), and on the way back dpotri turns the
/// factor into K_y⁻¹ in the same lower triangle, which becomes the adjoint K̄ = ½ s (ααᵀ − K_y⁻¹)
/// (s the output's adjoint) handed back to the kernel with its workspace
/// (`workspaceGramGradient`: `gramGradient(_:lowerAdjointOverWorkspace:)`, or the lower-triangle gradient).
/// Noise: σ̄² = tr K̄; residual: r̄ = −s α. The general `gaussianLogDensity` node does the same from a
/// covariance Var but needs the covariance, its factor and the inverse as three buffers.
/// - Complexity: O(n³/3) forward (dpotrf), O(2n³/3) backward (dpotri), O(n² d) kernel work.
public func exactLogMarginal(kernel: any Kernel, x: Matrix, kernelParameters: [Var], noise: Var, fixedNoise: [Double]? = nil,
                             residual r: Var, policy: JitterPolicy = .standard) throws -> Var {
    let n = x.rows
    precondition(r.rows == n && r.cols == 1, "residual has \(r.rows) rows for \(n) inputs")
    let tape = noise.tape
    let sigma2 = noise.scalar
    func covariance() -> Matrix {
        var b = kernel.workspaceGram(x)
        b.addToDiagonal(sigma2)
        if let fixedNoise { b.addToDiagonal(fixedNoise) }
        return b
    }
    var buffer = covariance()
    // Retries recompute K: the upper triangle is the kernel's workspace.
    let jitter = try Cholesky.factorInPlace(&buffer, policy: policy) { b in b = covariance() }
    tape.maxJitter = max(tape.maxJitter, jitter)
    var alpha = r.value.storage
    Cholesky.solveInPlace(factor: buffer, &alpha)
    let value = -0.5 * dot(r.value.storage, alpha) - 0.5 * Cholesky.logDeterminant(factor: buffer)
        - 0.5 * Double(n) * Math.logTwoPi
    var consumed = false
    return tape.record(Matrix(scalar: value)) { g, t in
        // The buffer becomes the adjoint in place: this node's backward runs once per tape.
        precondition(!consumed, "exactLogMarginal: the backward pass of a tape runs once")
        consumed = true
        let s = g.scalar
        Cholesky.invertInPlace(factor: &buffer)
        // K̄ = ½ s (ααᵀ − K_y⁻¹), lower triangle (diagonal included), over K_y⁻¹'s own storage.
        let trace = gaussianAdjoint(overInverse: &buffer, alpha: alpha, scale: s, lowerOnly: true)
        distribute(kernel.workspaceGramGradient(x, lowerAdjoint: &buffer), to: kernelParameters, on: t)
        buffer = Matrix(rows: 0, cols: 0)
        t.accumulate(noise, Matrix(scalar: trace))
        t.accumulate(r, Matrix(column: alpha.map { -s * $0 }))
    }
}
