/// Gaussian elimination with partial pivoting for small complex systems M x = b (or Mᵀ x = b), M given by
/// its real and imaginary parts (column-major, d × d). For general complex matrices (e.g. I − A e^{−iλ}),
/// not a covariance factorisation; meant for d of a few units, where a LAPACK call costs more than the work.
/// - Complexity: O(d³) time, O(d²) memory (copies of M and b).
public enum ComplexSolve {
    /// The solution x = (xr, xi) of M x = b, or of Mᵀ x = b (plain transpose, not conjugate) when `transpose`.
    @inlinable
    public static func solve(_ mr0: [Double], _ mi0: [Double], _ d: Int, _ br0: [Double], _ bi0: [Double],
                      transpose: Bool) -> ([Double], [Double]) {
        var mr = mr0, mi = mi0
        if transpose {
            for j in 0..<d {
                for i in 0..<d {
                    mr[i + j * d] = mr0[j + i * d]
                    mi[i + j * d] = mi0[j + i * d]
                }
            }
        }
        var br = br0, bi = bi0
        for c in 0..<d {
            var pivot = c
            var best = mr[c + c * d] * mr[c + c * d] + mi[c + c * d] * mi[c + c * d]
            for r in (c + 1)..<max(c + 1, d) {
                let v = mr[r + c * d] * mr[r + c * d] + mi[r + c * d] * mi[r + c * d]
                if v > best {
                    best = v
                    pivot = r
                }
            }
            if pivot != c {
                for j in 0..<d {
                    mr.swapAt(c + j * d, pivot + j * d)
                    mi.swapAt(c + j * d, pivot + j * d)
                }
                br.swapAt(c, pivot)
                bi.swapAt(c, pivot)
            }
            let pr = mr[c + c * d], pi = mi[c + c * d]
            let den = pr * pr + pi * pi
            for r in (c + 1)..<max(c + 1, d) {
                // factor = M_rc / M_cc.
                let nr = mr[r + c * d], ni = mi[r + c * d]
                let fr = (nr * pr + ni * pi) / den, fi = (ni * pr - nr * pi) / den
                for j in c..<d {
                    let xr = mr[c + j * d], xi = mi[c + j * d]
                    mr[r + j * d] -= fr * xr - fi * xi
                    mi[r + j * d] -= fr * xi + fi * xr
                }
                br[r] -= fr * br[c] - fi * bi[c]
                bi[r] -= fr * bi[c] + fi * br[c]
            }
        }
        var xr = [Double](repeating: 0, count: d), xi = xr
        for c in stride(from: d - 1, through: 0, by: -1) {
            var sr = br[c], si = bi[c]
            for j in (c + 1)..<max(c + 1, d) {
                sr -= mr[c + j * d] * xr[j] - mi[c + j * d] * xi[j]
                si -= mr[c + j * d] * xi[j] + mi[c + j * d] * xr[j]
            }
            let pr = mr[c + c * d], pi = mi[c + c * d]
            let den = pr * pr + pi * pi
            xr[c] = (sr * pr + si * pi) / den
            xi[c] = (si * pr - sr * pi) / den
        }
        return (xr, xi)
    }
}
