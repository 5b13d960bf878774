import GPLinearAlgebra

/// f(λ) = −H P∞ Hᵀ + 2 Re(H (I − A e^{−iλ})⁻¹ P∞ Hᵀ) for one kernel and spacing, with what its gradient needs.
struct AliasedSpectrum {
    let d: Int
    let a: Matrix
    let pInf: Matrix
    let h: [Double]
    let k0: Double
    let pInfH: [Double]

    init(kernel: any StateSpaceKernel, spacing: Double) {
        d = kernel.stateDimension
        a = kernel.transition(spacing)
        pInf = kernel.stationaryCovariance
        h = kernel.measurementVector
        pInfH = smallProduct(pInf, h)
        k0 = dot(h, pInfH)
    }

    struct Sample {
        var f: Double
        var z: (Double, Double)
        var aRe: [Double], aIm: [Double]
        var bRe: [Double], bIm: [Double]
    }

    func value(at lambda: Double) -> Sample {
        let zr = Math.cos(lambda), zi = -Math.sin(lambda)
        // M = I − A z.
        var mr = [Double](repeating: 0, count: d * d), mi = mr
        for j in 0..<d {
            for i in 0..<d {
                mr[i + j * d] = (i == j ? 1 : 0) - a[i, j] * zr
                mi[i + j * d] = -a[i, j] * zi
            }
        }
        let (bRe, bIm) = ComplexSolve.solve(mr, mi, d, pInfH, [Double](repeating: 0, count: d), transpose: false)
        let (aRe, aIm) = ComplexSolve.solve(mr, mi, d, h, [Double](repeating: 0, count: d), transpose: true)
        var re = 0.0
        for i in 0..<d { re += h[i] * bRe[i] }
        return Sample(f: -k0 + 2 * re, z: (zr, zi), aRe: aRe, aIm: aIm, bRe: bRe, bIm: bIm)
    }

    /// Ā += w · 2 Re(z a bᵀ), P̄∞ += w · (−H Hᵀ... ) as (−hᵢhⱼ + 2 Re(aᵢ) hⱼ).
    func accumulate(_ s: Sample, weight w: Double, transition abar: inout Matrix, stationary pbar: inout Matrix) {
        let (zr, zi) = s.z
        for j in 0..<d {
            for i in 0..<d {
                // z aᵢ bⱼ.
                let abr = s.aRe[i] * s.bRe[j] - s.aIm[i] * s.bIm[j]
                let abi = s.aRe[i] * s.bIm[j] + s.aIm[i] * s.bRe[j]
                abar[i, j] += w * 2 * (zr * abr - zi * abi)
                pbar[i, j] += w * (-h[i] * h[j] + 2 * s.aRe[i] * h[j])
            }
        }
    }
}
