import GPLinearAlgebra

/// The smoothed posterior of the latent processes in one trial: z_k | y ~ N(m_k, V_k).
/// - Complexity: O(T n_z²) memory.
public struct LatentPosterior: Sendable {
    public let times: [Double]
    /// T × n_z means.
    public let means: Matrix
    /// V_k, flat T × n_z × n_z.
    public let covariances: [Double]
    /// The CVI sites (latent space) that produced this posterior.
    public let sites: GaussianSites
    /// log Z of the sites (see `SmoothedStates.logNormaliser`).
    public let logNormaliser: Double

    /// V_k.
    public func covariance(at k: Int) -> Matrix {
        let n = means.cols, nn = n * n
        return Matrix(rows: n, cols: n, storage: Array(covariances[(k * nn)..<((k + 1) * nn)]))
    }
}
