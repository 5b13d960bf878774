/// The discrete Fourier transform X_k = Σ_t x_t e^{−2πi kt/n} of a complex sequence, for any length n:
/// iterative radix-2 Cooley–Tukey for powers of two, Bluestein's chirp-z algorithm (a power-of-two
/// convolution) otherwise; e.g. for periodograms.
/// - Complexity: O(n log n) time, O(n) memory (Bluestein: three power-of-two transforms of length < 4n).
public enum FourierTransform {
    /// The DFT of (re, im), returned as (re, im).
    public static func forward(_ re: [Double], _ im: [Double]) -> (re: [Double], im: [Double]) {
        precondition(re.count == im.count, "real and imaginary parts differ in length")
        let n = re.count
        if n <= 1 { return (re, im) }
        if n & (n - 1) == 0 {
            var r = re, i = im
            radix2(&r, &i, inverse: false)
            return (r, i)
        }
        return bluestein(re, im)
    }

    /// The DFT of a real sequence.
    public static func forward(_ x: [Double]) -> (re: [Double], im: [Double]) {
        forward(x, [Double](repeating: 0, count: x.count))
    }

    /// In-place radix-2 transform (n a power of two); `inverse` flips the sign of the exponent (unscaled).
    static func radix2(_ re: inout [Double], _ im: inout [Double], inverse: Bool) {
        let n = re.count
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 {
                j ^= bit
                bit >>= 1
            }
            j |= bit
            if i < j {
                re.swapAt(i, j)
                im.swapAt(i, j)
            }
        }
        let sign: Double = inverse ? 1 : -1
        var length = 2
        while length <= n {
            let angle = sign * 2 * Double.pi / Double(length)
            let wr = Math.cos(angle), wi = Math.sin(angle)
            let half = length / 2
            var start = 0
            while start < n {
                var cr = 1.0, ci = 0.0
                for k in 0..<half {
                    let a = start + k, b = a + half
                    let tr = re[b] * cr - im[b] * ci
                    let ti = re[b] * ci + im[b] * cr
                    re[b] = re[a] - tr
                    im[b] = im[a] - ti
                    re[a] += tr
                    im[a] += ti
                    let nr = cr * wr - ci * wi
                    ci = cr * wi + ci * wr
                    cr = nr
                }
                start += length
            }
            length <<= 1
        }
    }

    /// Bluestein: X_k = w̄_k Σ_t (x_t w̄_t) w_{k−t}, w_t = e^{πi t²/n}, as a circular convolution of length
    /// m ≥ 2n − 1 (a power of two).
    static func bluestein(_ re: [Double], _ im: [Double]) -> (re: [Double], im: [Double]) {
        let n = re.count
        var m = 1
        while m < 2 * n - 1 { m <<= 1 }
        // Chirp w_t = e^{iπ t²/n}; t² mod 2n keeps the angle accurate for large t.
        var cr = [Double](repeating: 0, count: n), ci = cr
        for t in 0..<n {
            let q = (t * t) % (2 * n)
            let angle = Double.pi * Double(q) / Double(n)
            cr[t] = Math.cos(angle)
            ci[t] = Math.sin(angle)
        }
        var ar = [Double](repeating: 0, count: m), ai = ar
        for t in 0..<n {
            // x_t · conj(w_t).
            ar[t] = re[t] * cr[t] + im[t] * ci[t]
            ai[t] = im[t] * cr[t] - re[t] * ci[t]
        }
        var br = [Double](repeating: 0, count: m), bi = br
        br[0] = cr[0]
        bi[0] = ci[0]
        for t in 1..<n {
            br[t] = cr[t]
            bi[t] = ci[t]
            br[m - t] = cr[t]
            bi[m - t] = ci[t]
        }
        radix2(&ar, &ai, inverse: false)
        radix2(&br, &bi, inverse: false)
        for k in 0..<m {
            let r = ar[k] * br[k] - ai[k] * bi[k]
            let i = ar[k] * bi[k] + ai[k] * br[k]
            ar[k] = r
            ai[k] = i
        }
        radix2(&ar, &ai, inverse: true)
        let scale = 1 / Double(m)
        var outR = [Double](repeating: 0, count: n), outI = outR
        for k in 0..<n {
            let r = ar[k] * scale, i = ai[k] * scale
            // · conj(w_k).
            outR[k] = r * cr[k] + i * ci[k]
            outI[k] = i * cr[k] - r * ci[k]
        }
        return (outR, outI)
    }
}
