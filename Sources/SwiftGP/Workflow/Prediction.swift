import Foundation

/// What a model predicts at a set of points, on the original scale of the data.
public enum Prediction: Sendable, Equatable {
    /// The predictive distribution of y (not of the latent f): mean and variance per point.
    case regression(mean: [Double], variance: [Double])
    /// Class probabilities per point (each row sums to 1), columns in the order of `classes`, the
    /// original label values.
    case classification(classes: [Double], probabilities: [[Double]])

    public var count: Int {
        switch self {
        case let .regression(m, _): return m.count
        case let .classification(_, p): return p.count
        }
    }

    /// What a model with `likelihood` predicts from its latent moments (`n × latents`): y's predictive moments for
    /// regression and counts, class probabilities for classification (columns `classes`, default 0, 1, …).
    /// - Throws: `ModelFileError.invalid` for a classification task whose likelihood gives no class probabilities.
    public init(task: ModelTask, likelihood: any Likelihood, latentMean mean: Matrix, latentVariance variance: Matrix,
                classes: [Double]?) throws {
        switch task {
        case .regression, .countRegression:
            let p = likelihood.predictiveMoments(mean: mean, variance: variance)
            self = .regression(mean: p.mean, variance: p.variance)
        case .binaryClassification, .multiclassClassification:
            guard let c = likelihood as? any ClassProbabilities else {
                throw ModelFileError.invalid(detail: "a \(task.rawValue) model needs a likelihood with class probabilities, not '\(likelihood.kind)'")
            }
            let p = c.classProbabilities(mean: mean, variance: variance)
            self = .classification(classes: classes ?? (0..<p.cols).map(Double.init), probabilities: (0..<p.rows).map { p.row($0) })
        }
    }

    /// The predictions of consecutive blocks of rows as one (all of the same task and classes).
    public init(concatenating parts: [Prediction]) {
        guard case let .classification(classes, _) = parts.first else {
            var mean: [Double] = [], variance: [Double] = []
            for case let .regression(m, v) in parts { mean += m; variance += v }
            self = .regression(mean: mean, variance: variance)
            return
        }
        var probabilities: [[Double]] = []
        for case let .classification(_, p) in parts { probabilities += p }
        self = .classification(classes: classes, probabilities: probabilities)
    }

    /// The first row with a non-finite mean, variance or probability, if any.
    public var firstNonFinite: Int? {
        switch self {
        case let .regression(m, v): return m.indices.first { !m[$0].isFinite || !v[$0].isFinite }
        case let .classification(_, p): return p.indices.first { !p[$0].allSatisfy(\.isFinite) }
        }
    }

    /// The header line of `csv` (with its newline).
    public var csvHeader: String {
        switch self {
        case .regression: return "mean,variance,lower95,upper95\n"
        case let .classification(classes, _):
            return (classes.count == 2 ? ["p1"] : classes.map { "p_\(labelText($0))" }).joined(separator: ",") + ",label\n"
        }
    }

    /// The data lines of `csv`, each ending in a newline.
    /// - Complexity: O(rows × columns), one shortest round-trip formatting per number.
    public var csvRows: String {
        var out = ""
        out.reserveCapacity(count * 80)
        switch self {
        case let .regression(mean, variance):
            for i in mean.indices {
                let (lo, hi) = MetricSet.interval95(mean: mean[i], variance: variance[i])
                out += mean[i].description; out += ","; out += variance[i].description; out += ","
                out += lo.description; out += ","; out += hi.description; out += "\n"
            }
        case let .classification(classes, probabilities):
            let binary = classes.count == 2
            for p in probabilities {
                let best = p.indices.max { p[$0] < p[$1] } ?? 0
                for v in binary ? [p[1]] : p { out += v.description; out += "," }
                out += labelText(classes[best]); out += "\n"
            }
        }
        return out
    }

    /// The CSV written by `swiftgp predict`: `mean,variance,lower95,upper95` for regression; `p1,label`
    /// for two classes (p1 the probability of the second class), else `p_<class>` per class and `label`.
    /// Numbers are in shortest round-trip form, so reading them back gives the same Doubles.
    public var csv: String { csvHeader + csvRows }

    /// The evaluation metrics against observed targets `y` read from column `column` of `source`
    /// (regression: `n, rmse, mae, nlpd, coverage95`; classification: `n, accuracy, nlpd, brier`).
    /// - Throws: `DatasetError.notBinary` for a label that is not one of the model's classes.
    public func metrics(against y: [Double], source: String, column: String) throws -> MetricSet {
        switch self {
        case let .regression(mean, variance):
            return MetricSet.regression(y: y, mean: mean, variance: variance)
        case let .classification(classes, probabilities):
            let labels = try y.enumerated().map { r, v in
                guard let k = classes.firstIndex(of: v) else {
                    throw DatasetError.notBinary(path: source, line: r + 2, column: column, value: v, seen: classes)
                }
                return k
            }
            return MetricSet.classification(labels: labels, probabilities: probabilities)
        }
    }
}

/// A label value as text: integers without a decimal point.
func labelText(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
