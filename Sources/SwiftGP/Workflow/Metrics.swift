import Foundation

/// Named evaluation metrics in a fixed order, rendered as aligned text or as one JSON object on one line
/// (keys in the same order; non-finite values as `null`).
public struct MetricSet: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case count(Int)
        case real(Double)
    }
    public var entries: [(name: String, value: Value)]

    public static func == (a: MetricSet, b: MetricSet) -> Bool {
        a.entries.map(\.name) == b.entries.map(\.name) && a.entries.map(\.value) == b.entries.map(\.value)
    }

    /// The value of metric `name` as a Double, if present.
    public subscript(name: String) -> Double? {
        switch entries.first(where: { $0.name == name })?.value {
        case let .count(n)?: return Double(n)
        case let .real(v)?: return v
        case nil: return nil
        }
    }

    /// `{"n":88,"rmse":53.1,...}`: shortest round-trip numbers, no spaces.
    public var json: String {
        "{" + entries.map { e in
            let v: String
            switch e.value {
            case let .count(n): v = String(n)
            case let .real(x): v = x.isFinite ? "\(x)" : "null"
            }
            return "\"\(e.name)\":\(v)"
        }.joined(separator: ",") + "}"
    }

    /// One `name  value` line per metric.
    public var text: String {
        let width = entries.map(\.name.count).max() ?? 0
        return entries.map { e in
            let v: String
            switch e.value {
            case let .count(n): v = String(n)
            case let .real(x): v = String(format: "%.6g", x)
            }
            return e.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v
        }.joined(separator: "\n")
    }
}

extension MetricSet {
    /// Regression metrics on the original y scale: `n, rmse, mae, nlpd, coverage95`, where
    /// NLPD = mean over points of −log N(y; mean, variance) and coverage95 is the fraction of y inside
    /// mean ± 1.96 sd (the `lower95`/`upper95` columns of `predict`).
    public static func regression(y: [Double], mean: [Double], variance: [Double]) -> MetricSet {
        precondition(y.count == mean.count && y.count == variance.count && !y.isEmpty)
        let n = Double(y.count)
        var se = 0.0, ae = 0.0, nlpd = 0.0, inside = 0
        for i in y.indices {
            let r = y[i] - mean[i], v = variance[i]
            se += r * r
            ae += abs(r)
            nlpd += 0.5 * (log(2 * Double.pi * v) + r * r / v)
            let (lo, hi) = MetricSet.interval95(mean: mean[i], variance: v)
            if y[i] >= lo && y[i] <= hi { inside += 1 }
        }
        return MetricSet(entries: [("n", .count(y.count)), ("rmse", .real((se / n).squareRoot())), ("mae", .real(ae / n)),
                                   ("nlpd", .real(nlpd / n)), ("coverage95", .real(Double(inside) / n))])
    }

    /// Classification metrics: `n, accuracy, nlpd, brier`. `labels` are class indices (0 ..< K),
    /// `probabilities[i][k]` the predicted probability of class k at point i; the predicted label is the
    /// most probable class, NLPD the mean of −log p(label). Brier is the mean of (p₁ − 1[label = 1])² for
    /// two classes (scikit-learn's `brier_score_loss`) and of Σ_k (p_k − 1[k = label])² for more.
    public static func classification(labels: [Int], probabilities: [[Double]]) -> MetricSet {
        precondition(labels.count == probabilities.count && !labels.isEmpty)
        let n = Double(labels.count)
        var correct = 0, nlpd = 0.0, brier = 0.0
        for (i, p) in probabilities.enumerated() {
            let label = labels[i]
            if p.indices.max(by: { p[$0] < p[$1] }) == label { correct += 1 }
            nlpd -= log(max(p[label], .leastNormalMagnitude))
            for k in p.indices where p.count > 2 || k == 1 {
                let e = p[k] - (k == label ? 1 : 0)
                brier += e * e
            }
        }
        return MetricSet(entries: [("n", .count(labels.count)), ("accuracy", .real(Double(correct) / n)),
                                   ("nlpd", .real(nlpd / n)), ("brier", .real(brier / n))])
    }

    /// The central 95% interval mean ± z·sd, z = Φ⁻¹(0.975).
    public static func interval95(mean: Double, variance: Double) -> (lower: Double, upper: Double) {
        let h = 1.959963984540054 * variance.squareRoot()
        return (mean - h, mean + h)
    }
}
