import Foundation
import GPLinearAlgebra

/// What an inducing-point posterior (`sgpr`, `svgp`) keeps in a model file's `state`: the inducing
/// inputs Z (M × d), the projected mean K_uu⁻¹m_u (M × L) and one projected square root K_uu⁻¹L_Su
/// (M × M) per latent function. Loading refactorises K_uu from Z and the stored kernel, so prediction
/// needs no training data.
///
/// On disk the keys and number arrays of format version 1 are unchanged: `inducing` (Z's column-major
/// storage), `inducing_shape` (`[M, d]`), `projected_mean` (column-major) and `projected_sqrt` (the L
/// matrices' column-major storages, concatenated). Decoding checks every shape against the array
/// lengths read (before any allocation) and that every value is finite.
/// - Complexity: O(M d + M² L) numbers to store, read and check.
public struct InducingPointState: Codable, Sendable, Equatable {
    /// Z, `M × d`.
    public let inducing: Matrix
    /// K_uu⁻¹ m_u, `M × L`.
    public let projectedMean: Matrix
    /// K_uu⁻¹ L_Su, one `M × M` per latent function.
    public let projectedSqrt: [Matrix]

    /// M, the number of inducing points.
    public var inducingCount: Int { inducing.rows }
    /// d, the input dimension.
    public var dimension: Int { inducing.cols }
    /// L, the number of latent functions.
    public var latentCount: Int { projectedMean.cols }

    /// The state of a trained posterior (copies its three arrays).
    public init(_ posterior: InducingPosterior) {
        inducing = posterior.z
        projectedMean = posterior.projectedMean
        projectedSqrt = posterior.projectedSqrt
    }

    /// A state from its parts. - Throws: `ModelFileError.invalid` when the shapes do not agree
    /// (`projectedMean` M × L, `projectedSqrt` L matrices M × M, M ≥ 1, d ≥ 1, L ≥ 1) or a value is not finite.
    public init(inducing: Matrix, projectedMean: Matrix, projectedSqrt: [Matrix]) throws {
        let m = inducing.rows, l = projectedMean.cols
        guard m >= 1, inducing.cols >= 1, l >= 1, projectedMean.rows == m, projectedSqrt.count == l,
              projectedSqrt.allSatisfy({ $0.rows == m && $0.cols == m }) else {
            throw ModelFileError.invalid(detail: "inducing-point state: Z is \(inducing.rows) × \(inducing.cols), the projected mean "
                                         + "\(projectedMean.rows) × \(projectedMean.cols) and there are \(projectedSqrt.count) projected square roots")
        }
        try Self.checkFinite([("inducing", inducing.storage), ("projected_mean", projectedMean.storage),
                              ("projected_sqrt", projectedSqrt.flatMap(\.storage))], at: "state")
        self.inducing = inducing
        self.projectedMean = projectedMean
        self.projectedSqrt = projectedSqrt
    }

    enum CodingKeys: String, CodingKey {
        case inducing
        case shape = "inducing_shape"
        case projectedMean = "projected_mean"
        case projectedSqrt = "projected_sqrt"
    }

    /// Reads the version-1 arrays. - Throws: `ModelFileError.invalid` naming the key for a wrong shape,
    /// an impossible `inducing_shape` (not two whole numbers ≥ 1, or a product other than the length
    /// of `inducing`, e.g. 1e20) or a non-finite value; `DecodingError` for missing keys or non-numbers.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let z = try c.decode([Double].self, forKey: .inducing)
        let shape = try c.decode([Double].self, forKey: .shape)
        let mean = try c.decode([Double].self, forKey: .projectedMean)
        let sqrt = try c.decode([Double].self, forKey: .projectedSqrt)
        let at = decoder.codingPath.map(\.stringValue).joined(separator: ".")
        func key(_ k: CodingKeys) -> String { "'\(at.isEmpty ? "" : at + ".")\(k.stringValue)'" }
        // Every count is bounded by an array actually read before it becomes an Int.
        guard shape.count == 2, shape.allSatisfy({ $0 >= 1 && $0 <= Double(max(z.count, 1)) && $0 == $0.rounded() }),
              case let (m, d) = (Int(shape[0]), Int(shape[1])),
              case let (md, overflow) = m.multipliedReportingOverflow(by: d), !overflow, md == z.count else {
            throw ModelFileError.invalid(detail: "\(key(.shape)) is [\(shape.map(Self.format).joined(separator: ", "))] but must be two whole numbers "
                                         + "M, d ≥ 1 with M·d = \(z.count), the length of \(key(.inducing))")
        }
        guard !mean.isEmpty, mean.count % m == 0 else {
            throw ModelFileError.invalid(detail: "\(key(.projectedMean)) has \(mean.count) values, not a positive multiple "
                                         + "of the \(m) inducing points")
        }
        let l = mean.count / m
        let (mm, o1) = m.multipliedReportingOverflow(by: m)
        let (mml, o2) = mm.multipliedReportingOverflow(by: l)
        guard !o1, !o2, sqrt.count == mml else {
            throw ModelFileError.invalid(detail: "\(key(.projectedSqrt)) has \(sqrt.count) values; \(m) inducing points "
                                         + "and \(l) latent function(s) need \(m)·\(m)·\(l)")
        }
        try Self.checkFinite([("inducing", z), ("projected_mean", mean), ("projected_sqrt", sqrt)], at: at)
        inducing = Matrix(rows: m, cols: d, storage: z)
        projectedMean = Matrix(rows: m, cols: l, storage: mean)
        projectedSqrt = (0..<l).map { Matrix(rows: m, cols: m, storage: Array(sqrt[($0 * mm)..<(($0 + 1) * mm)])) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inducing.storage, forKey: .inducing)
        try c.encode([Double(inducing.rows), Double(inducing.cols)], forKey: .shape)
        try c.encode(projectedMean.storage, forKey: .projectedMean)
        try c.encode(projectedSqrt.flatMap(\.storage), forKey: .projectedSqrt)
    }

    /// The posterior this state describes under `kernel` and `likelihood`, refactorising K_uu with `jitter`.
    /// - Throws: `ModelFileError.invalid` when the likelihood has another number of latent functions;
    ///   `LinearAlgebraError` when K_uu cannot be factorised.
    /// - Complexity: O(M² d) for K_uu, O(M³) to factorise it.
    public func posterior(kernel: any Kernel, likelihood: any Likelihood, jitter: JitterPolicy) throws -> InducingPosterior {
        guard likelihood.latentCount == latentCount else {
            throw ModelFileError.invalid(detail: "'state' holds \(latentCount) latent function(s) but the likelihood "
                                         + "has \(likelihood.latentCount)")
        }
        let factor = try Cholesky(kernel.gram(inducing), policy: jitter, isLatentPrior: true)
        return InducingPosterior(kernel: kernel, likelihood: likelihood, z: inducing, factor: factor,
                                 projectedMean: projectedMean, projectedSqrt: projectedSqrt)
    }

    /// Checks the state against the model file's features (kind-independent; `ModelFile.validate`).
    func validate(featureCount d: Int) throws {
        guard dimension == d else {
            throw ModelFileError.invalid(detail: "'state.inducing_shape' has \(dimension) input dimensions for \(d) features")
        }
    }

    static func checkFinite(_ arrays: [(String, [Double])], at path: String) throws {
        for (name, values) in arrays {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw ModelFileError.invalid(detail: "'\(path.isEmpty ? "" : path + ".")\(name)' value \(i) is \(values[i]), not a finite number")
            }
        }
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    }
}
