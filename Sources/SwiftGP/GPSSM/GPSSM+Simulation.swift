import GPLinearAlgebra

extension GPSSM {
    /// `count` draws of x₀ ~ N(μ₀, diag Σ₀), one per row (drawn row by row).
    /// - Complexity: O(count D).
    func drawInitialStates(_ count: Int, using g: inout SeededGenerator) -> Matrix {
        let mu = initialMean.value, s2 = initialVariance.value
        var state = Matrix(rows: count, cols: latentDimension)
        for i in 0..<count { for j in 0..<latentDimension { state[i, j] = mu[j] + s2[j].squareRoot() * g.normal() } }
        return state
    }

    /// The noiseless outputs C x + d of every row of `states` (rows × D_y).
    /// - Complexity: O(rows D_y D).
    func emissionMeans(_ states: Matrix) -> Matrix {
        let cm = c, offset = emissionOffset.value
        var out = Matrix(rows: states.rows, cols: outputDimension)
        for i in 0..<states.rows {
            for o in 0..<outputDimension {
                var y = offset[o]
                for j in 0..<latentDimension { y += cm[o, j] * states[i, j] }
                out[i, o] = y
            }
        }
        return out
    }

    /// log N(y; C x + d, diag R) without its constant, for every row of the emission means `means`: the
    /// particles' log weights given the observed outputs `y`.
    /// - Complexity: O(rows D_y).
    func emissionLogWeights(_ means: Matrix, observed y: [Double]) -> [Double] {
        let r = emissionVariance.value
        return (0..<means.rows).map { i in
            var s = 0.0
            for o in 0..<outputDimension {
                let e = y[o] - means[i, o]
                s -= 0.5 * e * e / r[o]
            }
            return s
        }
    }
}

extension GPSSMTransition {
    /// The next state's mean and variance for every row of `states` with the same control row `control`
    /// (`step` on the inputs (x, c)).
    /// - Complexity: O(rows D M (M + D + D_c)).
    func step(states: Matrix, control: [Double], whitened: [Matrix]) -> (mean: Matrix, variance: Matrix) {
        let dx = states.cols, dc = control.count
        var inputs = Matrix(rows: states.rows, cols: dx + dc)
        for i in 0..<states.rows {
            for j in 0..<dx { inputs[i, j] = states[i, j] }
            for j in 0..<dc { inputs[i, dx + j] = control[j] }
        }
        return step(inputs, whitened: whitened)
    }
}
