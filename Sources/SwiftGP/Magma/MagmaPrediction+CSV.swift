extension MagmaPrediction {
    /// The CSV `swiftgp predict` writes for a magmaclust model: per prediction row the mixture mean and
    /// variance, the mixture's 2.5 % / 97.5 % quantiles, and the new task's memberships τ*_k (the same on
    /// every row), in shortest round-trip form.
    /// - Complexity: O(rows × K).
    public var csv: String {
        var out = "mean,variance,lower95,upper95" + memberships.indices.map { ",tau_\($0 + 1)" }.joined() + "\n"
        let tau = memberships.map { "," + $0.description }.joined()
        for i in mean.indices {
            out += "\(mean[i].description),\(variance[i].description),\(lower[i].description),\(upper[i].description)\(tau)\n"
        }
        return out
    }
}
