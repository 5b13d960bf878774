import Testing
import GPLinearAlgebra

/// The discrete Fourier transform against its definition, at powers of two (radix-2) and other lengths (Bluestein).
@Suite struct FourierTransformTests {
    @Test(arguments: [8, 9, 12, 100, 1000, 1024])
    func fourierTransformMatchesTheDefinition(n: Int) {
        var g = SeededGenerator(seed: UInt64(n))
        let re = g.normals(n), im = g.normals(n)
        let (fr, fi) = FourierTransform.forward(re, im)
        var err = 0.0, scale = 0.0
        for k in stride(from: 0, to: n, by: max(1, n / 37)) {
            var sr = 0.0, si = 0.0
            for t in 0..<n {
                let angle = -2 * Double.pi * Double((k * t) % n) / Double(n)
                sr += re[t] * Math.cos(angle) - im[t] * Math.sin(angle)
                si += re[t] * Math.sin(angle) + im[t] * Math.cos(angle)
            }
            err = max(err, abs(sr - fr[k]), abs(si - fi[k]))
            scale = max(scale, abs(sr), abs(si))
        }
        #expect(err < 1e-12 * Double(n) * scale, "n = \(n): DFT error \(err)")
    }
}
