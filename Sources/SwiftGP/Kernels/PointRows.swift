import GPLinearAlgebra

/// Points laid out contiguously (`data[i * dimension + k]`), optionally divided by per-dimension
/// lengthscales: the layout the pairwise-distance loops of the kernels read.
/// - Complexity: O(n d) to build.
struct PointRows {
    let count: Int
    let dimension: Int
    let data: [Double]

    /// Rows of `x`, each coordinate k divided by `lengthscales[k]` (or the single entry for an isotropic one).
    init(_ x: Matrix, dividedBy lengthscales: [Double]? = nil) {
        count = x.rows
        dimension = x.cols
        var data = [Double](repeating: 0, count: count * dimension)
        for k in 0..<dimension {
            let inv = lengthscales.map { 1 / ($0.count == 1 ? $0[0] : $0[k]) } ?? 1
            for i in 0..<count { data[i * dimension + k] = x.storage[i + k * count] * inv }
        }
        self.data = data
    }
}

/// Validates that a lengthscale-like parameter fits `d` input dimensions (one value, or one per dimension).
func checkARD(_ p: Parameter, dimension d: Int, kernel: String) {
    precondition(p.count == 1 || p.count == d,
                 "\(kernel): \(p.name) has \(p.count) values but the inputs have \(d) dimensions")
}
