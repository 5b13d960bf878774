import GPLinearAlgebra

/// How the variational covariance S = L_S L_Sᵀ of q(u) is parametrised: the name of a `VariationalFamily`.
public enum VariationalCovariance: String, Sendable, Codable {
    /// L_S a full lower-triangular matrix (packed; diagonal free in sign, as GPflow's `q_sqrt`).
    case full
    /// L_S diagonal: independent inducing values. O(M) parameters.
    case meanField

    /// The family this choice names.
    public var family: any VariationalFamily {
        switch self {
        case .full: return FullCovarianceFamily()
        case .meanField: return MeanFieldFamily()
        }
    }
}

/// A q(u) family: how one latent's square root L_S of S is stored in the `q.sqrt` parameter
/// (docs/methods/sparse-variational.md#variational-families). The strategy (`VariationalStrategy`) never
/// sees the storage, only the dense L_S node this builds.
public protocol VariationalFamily: Sendable {
    /// Stored entries of one L_S of size M.
    func storedCount(inducingCount m: Int) -> Int
    /// The stored form of L_S = I.
    func identity(inducingCount m: Int) -> [Double]
    /// The dense lower-triangular L_S from its stored entries.
    func matrix(_ stored: ArraySlice<Double>, inducingCount m: Int) -> Matrix
    /// The stored entries of a lower-triangular L_S (a mean-field family keeps its diagonal).
    func stored(_ l: Matrix) -> [Double]
    /// L_S on the tape from its stored entries (an M(M+1)/2 or M column).
    func node(_ stored: Var, inducingCount m: Int) -> Var
}

/// L_S a full lower triangle, stored packed by columns: M(M+1)/2 entries.
public struct FullCovarianceFamily: VariationalFamily {
    public init() {}
    public func storedCount(inducingCount m: Int) -> Int { m * (m + 1) / 2 }
    public func identity(inducingCount m: Int) -> [Double] {
        var one: [Double] = []
        one.reserveCapacity(storedCount(inducingCount: m))
        for j in 0..<m { for i in j..<m { one.append(i == j ? 1 : 0) } }
        return one
    }
    public func matrix(_ stored: ArraySlice<Double>, inducingCount m: Int) -> Matrix {
        var out = Matrix(rows: m, cols: m)
        var k = stored.startIndex
        for j in 0..<m { for i in j..<m { out[i, j] = stored[k]; k += 1 } }
        return out
    }
    public func stored(_ l: Matrix) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(storedCount(inducingCount: l.rows))
        for j in 0..<l.rows { for i in j..<l.rows { out.append(l[i, j]) } }
        return out
    }
    public func node(_ stored: Var, inducingCount m: Int) -> Var { lowerTriangular(packed: stored, size: m) }
}

/// L_S diagonal (independent inducing values): M entries.
public struct MeanFieldFamily: VariationalFamily {
    public init() {}
    public func storedCount(inducingCount m: Int) -> Int { m }
    public func identity(inducingCount m: Int) -> [Double] { [Double](repeating: 1, count: m) }
    public func matrix(_ stored: ArraySlice<Double>, inducingCount m: Int) -> Matrix { Matrix(diagonal: Array(stored)) }
    public func stored(_ l: Matrix) -> [Double] { (0..<l.rows).map { l[$0, $0] } }
    public func node(_ stored: Var, inducingCount m: Int) -> Var { diagonalMatrix(stored) }
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
    public var sqrtSize: Int { covariance.family.storedCount(inducingCount: inducingCount) }

    /// q equal to N(0, I) for every latent (the whitened prior).
    public init(inducingCount m: Int, latentCount l: Int, covariance: VariationalCovariance) {
        inducingCount = m
        latentCount = l
        self.covariance = covariance
        mean = Parameter("mean", [Double](repeating: 0, count: m * l), .identity)
        let one = covariance.family.identity(inducingCount: m)
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
        covariance.family.matrix(sqrt.value[(l * sqrtSize)..<((l + 1) * sqrtSize)], inducingCount: inducingCount)
    }

    /// Sets m and L_S of latent l (L_S lower triangular; for mean-field, its diagonal is used).
    public mutating func set(latent l: Int, mean m: [Double], sqrt s: Matrix) {
        precondition(m.count == inducingCount)
        for i in 0..<inducingCount { mean.value[l * inducingCount + i] = m[i] }
        let stored = covariance.family.stored(s)
        sqrt.value.replaceSubrange((l * sqrtSize)..<((l + 1) * sqrtSize), with: stored)
    }

    /// L_S of latent l on the tape, from the `sqrt` leaf.
    func sqrtNode(_ leaf: Var, latent l: Int) -> Var {
        let part = latentCount == 1 ? leaf : selectingRows(leaf, Array((l * sqrtSize)..<((l + 1) * sqrtSize)))
        return covariance.family.node(part, inducingCount: inducingCount)
    }

    /// m of latent l on the tape.
    func meanNode(_ leaf: Var, latent l: Int) -> Var {
        latentCount == 1 ? leaf : selectingRows(leaf, Array((l * inducingCount)..<((l + 1) * inducingCount)))
    }
}
