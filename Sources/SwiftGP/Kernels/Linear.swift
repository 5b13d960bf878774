import GPLinearAlgebra

/// The linear kernel k(x, x′) = Σ_d σ_d² x_d x′_d (one variance, or one per dimension).
/// Add a `ConstantKernel` for a bias. Not stationary.
///
/// Gradient: ∂⟨Ā, K⟩/∂σ_d² = (Xᵀ Ā Z)_dd.
/// - Complexity: O(n m d) through BLAS.
public struct Linear: Kernel {
    public var variance: Parameter

    public init(variance: [Double] = [1]) { self.variance = Parameter("variance", variance) }

    public var kind: String { "linear" }

    public var parameters: [Parameter] {
        get { [variance] }
        set { variance.assign(from: newValue[0]) }
    }

    private func scaled(_ x: Matrix) -> Matrix {
        checkARD(variance, dimension: x.cols, kernel: kind)
        var s = x
        for c in 0..<x.cols {
            let v = variance.count == 1 ? variance.scalar : variance.value[c]
            for i in 0..<x.rows { s[i, c] *= v }
        }
        return s
    }

    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix { matmul(scaled(x), z, .none, .transposed) }

    public func gram(_ x: Matrix) -> Matrix {
        var k = Matrix(rows: x.rows, cols: x.rows)
        let s = scaled(x)
        gemm(.none, .transposed, s, x, into: &k)
        return k
    }

    public func diagonal(_ x: Matrix) -> [Double] {
        let s = scaled(x)
        return (0..<x.rows).map { i in (0..<x.cols).reduce(0) { $0 + s[i, $1] * x[i, $1] } }
    }

    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        let az = matmul(adjoint, z)   // n × d
        let g = (0..<x.cols).map { c in (0..<x.rows).reduce(0) { $0 + x[$1, c] * az[$1, c] } }
        return variance.count == 1 ? [g.reduce(0, +)] : g
    }

    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        let g = (0..<x.cols).map { c in (0..<x.rows).reduce(0) { $0 + adjoint[$1] * x[$1, c] * x[$1, c] } }
        return variance.count == 1 ? [g.reduce(0, +)] : g
    }
}

/// The white-noise kernel: K(X, X) = σ² I, and zero cross-covariance between distinct input sets
/// (GPflow's convention), so it models independent noise on the training points only.
/// - Complexity: O(n²) to fill, O(n) gradients.
public struct White: Kernel {
    public var variance: Parameter
    public init(variance: Double = 1) { self.variance = Parameter("variance", variance) }
    public var kind: String { "white" }
    public var parameters: [Parameter] {
        get { [variance] }
        set { variance.assign(from: newValue[0]) }
    }
    public func gram(_ x: Matrix) -> Matrix { Matrix(diagonal: [Double](repeating: variance.scalar, count: x.rows)) }
    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix { Matrix(rows: x.rows, cols: z.rows) }
    public func diagonal(_ x: Matrix) -> [Double] { [Double](repeating: variance.scalar, count: x.rows) }
    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] { [adjoint.trace] }
    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] { [0] }
    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] { [adjoint.reduce(0, +)] }
}

/// The constant kernel k(x, x′) = c: a random offset shared by all points.
/// - Complexity: O(n m).
public struct ConstantKernel: Kernel {
    public var variance: Parameter
    public init(variance: Double = 1) { self.variance = Parameter("variance", variance) }
    public var kind: String { "constant" }
    public var parameters: [Parameter] {
        get { [variance] }
        set { variance.assign(from: newValue[0]) }
    }
    public func gram(_ x: Matrix) -> Matrix { Matrix(rows: x.rows, cols: x.rows, repeating: variance.scalar) }
    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix { Matrix(rows: x.rows, cols: z.rows, repeating: variance.scalar) }
    public func diagonal(_ x: Matrix) -> [Double] { [Double](repeating: variance.scalar, count: x.rows) }
    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] { [adjoint.storage.reduce(0, +)] }
    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] { [adjoint.reduce(0, +)] }
}
