/// Which hyperparameters are shared (docs/methods/magmaclust.md#hypotheses): the four models
/// 𝓗₀₀ (both shared), 𝓗ₖ₀ (cluster-specific mean kernels, shared task kernel), 𝓗₀ᵢ (shared mean kernel,
/// task-specific kernels) and 𝓗ₖᵢ (both specific). Shared ⇒ the M-step maximises the sum of the per-task
/// (per-cluster) objectives over one parameter vector; specific ⇒ one small optimisation each.
public struct MagmaHypotheses: Sendable, Equatable, Codable {
    /// One mean-process kernel γ for all clusters (MagmaClustR `shared_hp_k`).
    public var sharedMeanKernel: Bool
    /// One task kernel θ and noise σ² for all tasks (MagmaClustR `shared_hp_i`).
    public var sharedTaskKernel: Bool

    public init(sharedMeanKernel: Bool = true, sharedTaskKernel: Bool = true) {
        self.sharedMeanKernel = sharedMeanKernel
        self.sharedTaskKernel = sharedTaskKernel
    }

    /// 𝓗₀₀, 𝓗ₖ₀, 𝓗₀ᵢ, 𝓗ₖᵢ.
    public var name: String { "H" + (sharedMeanKernel ? "0" : "k") + (sharedTaskKernel ? "0" : "i") }
}
