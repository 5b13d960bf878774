/// The one jitter policy of SwiftGP (docs/methods/conventions.md#jitter-policy), passed as a value wherever a factorisation runs.
///
/// A failed Cholesky is retried with `A + ε_k I`, `ε_k = firstRelativeJitter · growth^k · s`,
/// `k = 0 ..< retries`, where `s` is the mean of the diagonal. Covariances of noise-free latent values
/// (K_uu, latent K_ff, stationary state covariances) are factorised with `isLatentPrior: true` and always
/// receive `priorRelativeJitter · s` first, as GPflow adds 1e-6 to K_uu.
public struct JitterPolicy: Sendable, Equatable, Codable {
    public var firstRelativeJitter: Double
    public var growth: Double
    public var retries: Int
    public var priorRelativeJitter: Double

    public init(firstRelativeJitter: Double = 1e-8, growth: Double = 10, retries: Int = 3,
                priorRelativeJitter: Double = 1e-6) {
        self.firstRelativeJitter = firstRelativeJitter
        self.growth = growth
        self.retries = retries
        self.priorRelativeJitter = priorRelativeJitter
    }

    public static let standard = JitterPolicy()
}
