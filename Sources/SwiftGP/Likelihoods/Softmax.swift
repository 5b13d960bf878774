import GPLinearAlgebra

/// Multi-class classification with C latent functions: p(y = c | f) = softmax(f)_c, y ∈ {0, …, C−1}.
///
/// E_q[log p(y | f)] = E[f_y − log Σ_c e^{f_c}] has no closed form; it is estimated by Monte Carlo with
/// reparametrised samples f⁽ˢ⁾ = μ + √v ε⁽ˢ⁾ (docs/methods/likelihoods.md#softmax). The draws ε are common random numbers:
/// fixed by `seed` and the same for every row, so the estimate is a smooth deterministic function of (μ, v)
/// (a sample-average approximation) that gradients, L-BFGS and finite differences see consistently, and a row's
/// term does not depend on where the row sits in a batch, a chunk or a process's shard.
/// - Complexity: O(n S C) per evaluation.
public struct Softmax: Likelihood, ClassProbabilities {
    public let classCount: Int
    public let samples: Int
    public let seed: UInt64

    public init(classes: Int, samples: Int = 100, seed: UInt64 = 0) {
        precondition(classes >= 2, "softmax needs at least two classes")
        classCount = classes
        self.samples = samples
        self.seed = seed
    }

    public var kind: String { "softmax" }
    public var latentCount: Int { classCount }
    public var parameters: [Parameter] { get { [] } set {} }

    public func firstInvalidTarget(_ y: [Double]) -> Int? {
        y.firstIndex { $0 < 0 || $0 >= Double(classCount) || $0 != $0.rounded() }
    }

    /// The fixed standard-normal draws every row uses: `samples × classCount`.
    private var draws: [Double] {
        var g = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15)
        return g.normals(samples * classCount)
    }

    public func variationalExpectations(_ y: [Double], mean: Matrix, variance: Matrix) -> VariationalExpectations {
        let c = classCount, s = Double(samples)
        var value = 0.0
        var dm = Matrix(rows: y.count, cols: c), dv = Matrix(rows: y.count, cols: c)
        var f = [Double](repeating: 0, count: c)
        let eps = draws
        for n in y.indices {
            let label = Int(y[n])
            let sd = (0..<c).map { max(variance[n, $0], 0).squareRoot() }
            for k in 0..<samples {
                for j in 0..<c { f[j] = mean[n, j] + sd[j] * eps[k * c + j] }
                let lse = Math.logSumExp(f)
                value += (f[label] - lse) / s
                for j in 0..<c {
                    let g = ((j == label ? 1 : 0) - Math.exp(f[j] - lse)) / s
                    dm[n, j] += g
                    // f = μ + √v ε ⇒ ∂f/∂v = ε / (2√v).
                    if sd[j] > 0 { dv[n, j] += g * eps[k * c + j] / (2 * sd[j]) }
                }
            }
        }
        return VariationalExpectations(value: value, dMean: dm, dVariance: dv, dParameters: [])
    }

    public func classProbabilities(mean: Matrix, variance: Matrix) -> Matrix {
        let c = classCount
        var p = Matrix(rows: mean.rows, cols: c)
        var f = [Double](repeating: 0, count: c)
        let eps = draws
        for n in 0..<mean.rows {
            for k in 0..<samples {
                for j in 0..<c { f[j] = mean[n, j] + max(variance[n, j], 0).squareRoot() * eps[k * c + j] }
                let lse = Math.logSumExp(f)
                for j in 0..<c { p[n, j] += Math.exp(f[j] - lse) / Double(samples) }
            }
        }
        return p
    }

    /// The predictive moments of the label's one-hot code are not a useful summary for C > 2; this
    /// returns the probability of the most likely class and its Bernoulli variance.
    public func predictiveMoments(mean: Matrix, variance: Matrix) -> GaussianPrediction {
        let p = classProbabilities(mean: mean, variance: variance)
        let top = (0..<p.rows).map { n in (0..<classCount).map { p[n, $0] }.max()! }
        return GaussianPrediction(mean: top, variance: top.map { $0 * (1 - $0) })
    }

    public func logPredictiveDensity(_ y: [Double], mean: Matrix, variance: Matrix) -> [Double] {
        let p = classProbabilities(mean: mean, variance: variance)
        return y.indices.map { Math.log(max(p[$0, Int(y[$0])], 1e-300)) }
    }
}

/// Likelihoods of class labels that can return per-class predictive probabilities.
public protocol ClassProbabilities {
    /// p(y = c | data) for each row and class, `n × C`.
    func classProbabilities(mean: Matrix, variance: Matrix) -> Matrix
}

extension Bernoulli: ClassProbabilities {
    /// Columns p(y = 0), p(y = 1).
    public func classProbabilities(mean: Matrix, variance: Matrix) -> Matrix {
        var p = Matrix(rows: mean.rows, cols: 2)
        for n in 0..<mean.rows {
            let p1 = predictive(mean: mean.storage[n], variance: variance.storage[n]).mean
            p[n, 0] = 1 - p1
            p[n, 1] = p1
        }
        return p
    }
}
