import GPLinearAlgebra

/// How the variational covariance S = L_S L_Sᵀ of q(u) is parametrised.
public enum VariationalCovariance: String, Sendable, Codable {
    /// L_S a full lower-triangular matrix (packed; diagonal free in sign, as GPflow's `q_sqrt`).
    case full
    /// L_S diagonal: independent inducing values. O(M) parameters.
    case meanField
}

/// How q(u) relates to the prior (docs/methods/sparse-variational.md#whitened-and-unwhitened).
public enum InducingParametrisation: String, Sendable, Codable {
    /// u = L w with K_uu = L Lᵀ and q(w) = N(m, S), p(w) = N(0, I) (the default: decouples q from θ).
    case whitened
    /// q(u) = N(m, S) directly.
    case unwhitened
}

/// The variational distribution q(u) = N(m, S), S = L_S L_Sᵀ, one per latent function (the
/// "distribution" half of GPyTorch's strategy/distribution split).
/// `mean` holds the M × L means column-major; `sqrt` the L triangles (packed columns) or diagonals.
public struct VariationalDistribution: Parameterised, Sendable {
    public let inducingCount: Int
    public let latentCount: Int
    public let covariance: VariationalCovariance
    public var mean: Parameter
    public var sqrt: Parameter

    /// The number of stored entries of one L_S.
    public var sqrtSize: Int { covariance == .full ? inducingCount * (inducingCount + 1) / 2 : inducingCount }

    /// q equal to N(0, I) for every latent (the whitened prior).
    public init(inducingCount m: Int, latentCount l: Int, covariance: VariationalCovariance) {
        inducingCount = m
        latentCount = l
        self.covariance = covariance
        mean = Parameter("mean", [Double](repeating: 0, count: m * l), .identity)
        var one: [Double] = []
        if covariance == .full {
            for j in 0..<m { for i in j..<m { one.append(i == j ? 1 : 0) } }
        } else {
            one = [Double](repeating: 1, count: m)
        }
        sqrt = Parameter("sqrt", Array([[Double]](repeating: one, count: l).joined()), .identity)
    }

    public var parameters: [Parameter] {
        get { [mean, sqrt] }
        set {
            mean.assign(from: newValue[0])
            sqrt.assign(from: newValue[1])
        }
    }

    /// m for latent l.
    public func mean(latent l: Int) -> [Double] { Array(mean.value[(l * inducingCount)..<((l + 1) * inducingCount)]) }

    /// L_S for latent l as a dense lower-triangular matrix.
    public func sqrtMatrix(latent l: Int) -> Matrix {
        let m = inducingCount
        let packed = Array(sqrt.value[(l * sqrtSize)..<((l + 1) * sqrtSize)])
        if covariance == .meanField { return Matrix(diagonal: packed) }
        var out = Matrix(rows: m, cols: m)
        var k = 0
        for j in 0..<m { for i in j..<m { out[i, j] = packed[k]; k += 1 } }
        return out
    }

    /// Sets m and L_S of latent l (L_S lower triangular; for mean-field, its diagonal is used).
    public mutating func set(latent l: Int, mean m: [Double], sqrt s: Matrix) {
        precondition(m.count == inducingCount)
        for i in 0..<inducingCount { mean.value[l * inducingCount + i] = m[i] }
        var k = l * sqrtSize
        if covariance == .meanField {
            for i in 0..<inducingCount { sqrt.value[k] = s[i, i]; k += 1 }
        } else {
            for j in 0..<inducingCount { for i in j..<inducingCount { sqrt.value[k] = s[i, j]; k += 1 } }
        }
    }

    /// L_S of latent l on the tape, from the `sqrt` leaf.
    func sqrtNode(_ leaf: Var, latent l: Int) -> Var {
        let part = latentCount == 1 ? leaf : selectingRows(leaf, Array((l * sqrtSize)..<((l + 1) * sqrtSize)))
        return covariance == .full ? lowerTriangular(packed: part, size: inducingCount) : diagonalMatrix(part)
    }

    /// m of latent l on the tape.
    func meanNode(_ leaf: Var, latent l: Int) -> Var {
        latentCount == 1 ? leaf : selectingRows(leaf, Array((l * inducingCount)..<((l + 1) * inducingCount)))
    }
}
