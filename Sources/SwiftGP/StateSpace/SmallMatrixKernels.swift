// Plain-loop kernels on small square blocks (column-major, leading dimension d) for the O(T d³)
// filters. At d ≤ ~16 a BLAS call costs more than its arithmetic, and the filters call these millions
// of times; none of them factorises anything (every factorisation goes through `Cholesky`).

/// C = A·B.
@inline(__always)
func blockMultiply(_ c: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) {
    for j in 0..<d {
        for i in 0..<d { c[i + j * d] = 0 }
        for l in 0..<d {
            let blj = b[l + j * d]
            if blj == 0 { continue }
            for i in 0..<d { c[i + j * d] += a[i + l * d] * blj }
        }
    }
}

/// C = A·Bᵀ.
@inline(__always)
func blockMultiplyTransposeB(_ c: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) {
    for j in 0..<d {
        for i in 0..<d { c[i + j * d] = 0 }
        for l in 0..<d {
            let bjl = b[j + l * d]
            if bjl == 0 { continue }
            for i in 0..<d { c[i + j * d] += a[i + l * d] * bjl }
        }
    }
}

/// C = Aᵀ·B.
@inline(__always)
func blockMultiplyTransposeA(_ c: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) {
    for j in 0..<d {
        for i in 0..<d {
            var s = 0.0
            for l in 0..<d { s += a[l + i * d] * b[l + j * d] }
            c[i + j * d] = s
        }
    }
}

/// y = A·x.
@inline(__always)
func blockMultiplyVector(_ y: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ d: Int) {
    for i in 0..<d { y[i] = 0 }
    for l in 0..<d {
        let xl = x[l]
        if xl == 0 { continue }
        for i in 0..<d { y[i] += a[i + l * d] * xl }
    }
}

/// y = Aᵀ·x.
@inline(__always)
func blockMultiplyTransposeVector(_ y: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ d: Int) {
    for i in 0..<d {
        var s = 0.0
        for l in 0..<d { s += a[l + i * d] * x[l] }
        y[i] = s
    }
}

/// A ← (A + Aᵀ)/2.
@inline(__always)
func blockSymmetrize(_ a: UnsafeMutablePointer<Double>, _ d: Int) {
    for j in 0..<d {
        for i in (j + 1)..<max(j + 1, d) {
            let v = 0.5 * (a[i + j * d] + a[j + i * d])
            a[i + j * d] = v
            a[j + i * d] = v
        }
    }
}
