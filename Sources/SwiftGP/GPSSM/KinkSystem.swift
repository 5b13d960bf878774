import GPLinearAlgebra

/// The kink transition of the GPSSM literature (docs/methods/gpssm.md#kink): f(x) = 0.8 + (x + 0.2)(1 − 5/(1 +
/// e^{−2x})), x_{t+1} = f(x_t) + ε_t, y_t = x_t + η_t, x₀ = 0.5 — a seeded generator for tests, notebooks and
/// benchmarks.
/// - Complexity: O(T) per series.
public enum KinkSystem {
    /// f(x).
    public static func transition(_ x: Double) -> Double { 0.8 + (x + 0.2) * (1 - 5 / (1 + Math.exp(-2 * x))) }

    /// The reference grid −3.15, −3.10, …, 1.15 (87 points) on which a learned f is scored.
    public static var grid: [Double] { (0...86).map { -3.15 + 0.05 * Double($0) } }

    /// T + 1 true states x₀…x_T and their noisy observations, from `seed`.
    public static func simulate(steps t: Int, processSD: Double = 0.05, observationSD: Double = 0.2,
                                seed: UInt64) -> (states: [Double], observations: [Double]) {
        var g = SeededGenerator(seed: seed)
        var x = [0.5]
        for _ in 0..<t { x.append(transition(x[x.count - 1]) + processSD * g.normal()) }
        return (x, x.map { $0 + observationSD * g.normal() })
    }
}
