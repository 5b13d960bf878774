/// Gauss–Hermite quadrature for expectations under a normal distribution (docs/methods/conventions.md#gaussian-expectations).
///
/// Nodes tᵢ and weights wᵢ for ∫ e^{−t²} g(t) dt come from the Golub–Welsch eigenproblem of the Jacobi
/// matrix (zero diagonal, off-diagonal √(k/2)); then E_{N(μ,v)}[g(f)] ≈ Σᵢ (wᵢ/√π) g(μ + √(2v) tᵢ).
/// Exact for polynomials of degree ≤ 2N − 1. - Complexity: O(N³) once, O(N) per expectation.
public struct GaussHermite: Sendable {
    public let nodes: [Double]
    /// Weights for ∫ e^{−t²} g(t) dt (they sum to √π).
    public let weights: [Double]

    public init(points: Int = 20) {
        precondition(points >= 1)
        var jacobi = Matrix(rows: points, cols: points)
        for k in 1..<max(1, points) {
            let off = (Double(k) / 2).squareRoot()
            jacobi[k, k - 1] = off
            jacobi[k - 1, k] = off
        }
        // The Jacobi matrix is finite and symmetric, so the decomposition cannot fail.
        let eig = try! SymmetricEigen(jacobi)
        self.nodes = eig.values
        self.weights = (0..<points).map { i in Double.pi.squareRoot() * eig.vectors[0, i] * eig.vectors[0, i] }
    }

    /// E_{N(mean, variance)}[g(f)].
    @inlinable public func expectation(mean: Double, variance: Double, _ g: (Double) -> Double) -> Double {
        let s = (2 * max(variance, 0)).squareRoot()
        var total = 0.0
        for i in 0..<nodes.count { total += weights[i] * g(mean + s * nodes[i]) }
        return total / Double.pi.squareRoot()
    }
}
