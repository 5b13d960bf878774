import GPLinearAlgebra

/// Per-column affine standardisation z = (x − mean)/scale, fitted on training data and stored with a
/// model so predictions can be mapped back. Columns with zero spread keep scale 1.
/// - Complexity: O(n d) to fit and apply.
public struct Standardization: Sendable, Codable, Equatable {
    public var mean: [Double]
    public var scale: [Double]

    /// The identity transform for `dimension` columns.
    public init(identity dimension: Int) {
        mean = [Double](repeating: 0, count: dimension)
        scale = [Double](repeating: 1, count: dimension)
    }

    public init(mean: [Double], scale: [Double]) {
        self.mean = mean
        self.scale = scale
    }

    /// Means and population (ddof = 0) standard deviations of each column of `x`.
    public init(fitting x: Matrix) {
        let n = Double(x.rows)
        mean = (0..<x.cols).map { c in x.column(c).reduce(0, +) / n }
        scale = (0..<x.cols).map { [mean] c in
            let m = mean[c]
            let v = x.column(c).reduce(0) { $0 + ($1 - m) * ($1 - m) } / n
            return v > 0 ? v.squareRoot() : 1
        }
    }

    /// Fits a single column (e.g. regression targets).
    public init(fitting y: [Double]) { self.init(fitting: Matrix(column: y)) }

    public func apply(_ x: Matrix) -> Matrix {
        precondition(x.cols == mean.count, "standardisation fitted on \(mean.count) columns, got \(x.cols)")
        var z = x
        for c in 0..<x.cols { for r in 0..<x.rows { z[r, c] = (x[r, c] - mean[c]) / scale[c] } }
        return z
    }

    public func apply(_ y: [Double]) -> [Double] { y.map { ($0 - mean[0]) / scale[0] } }

    /// Maps standardised values of a single column back: x = mean + scale · z.
    public func invert(_ z: [Double]) -> [Double] { z.map { mean[0] + scale[0] * $0 } }

    /// Maps a variance back: scale² · v.
    public func invertVariance(_ v: [Double]) -> [Double] { v.map { scale[0] * scale[0] * $0 } }
}
