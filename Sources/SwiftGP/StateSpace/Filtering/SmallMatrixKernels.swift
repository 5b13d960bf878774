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

// MARK: - Fixed 3 × 3 blocks in registers (the Matérn-5/2 Kalman path)

/// A 3 × 3 matrix held by its columns, for the unrolled d = 3 Kalman recursions: no loops, no heap, no
/// bounds checks, so a whole step stays in registers. Symmetric blocks are stored on the tape by their
/// six lower-triangle entries (`lower`, `init(lower:)`).
struct Matrix3 {
    var c0: SIMD3<Double>
    var c1: SIMD3<Double>
    var c2: SIMD3<Double>

    @inline(__always) init(_ c0: SIMD3<Double>, _ c1: SIMD3<Double>, _ c2: SIMD3<Double>) {
        self.c0 = c0
        self.c1 = c1
        self.c2 = c2
    }

    /// The symmetric matrix with lower triangle (m00, m10, m20, m11, m21, m22).
    @inline(__always) init(lower p: UnsafePointer<Double>) {
        c0 = SIMD3(p[0], p[1], p[2])
        c1 = SIMD3(p[1], p[3], p[4])
        c2 = SIMD3(p[2], p[4], p[5])
    }

    /// Writes the lower triangle (m00, m10, m20, m11, m21, m22).
    @inline(__always) func writeLower(_ p: UnsafeMutablePointer<Double>) {
        p[0] = c0.x; p[1] = c0.y; p[2] = c0.z
        p[3] = c1.y; p[4] = c1.z; p[5] = c2.z
    }

    /// The full block from a column-major buffer with leading dimension `stride`.
    @inline(__always) init(_ p: UnsafePointer<Double>, stride s: Int) {
        c0 = SIMD3(p[0], p[1], p[2])
        c1 = SIMD3(p[s], p[1 + s], p[2 + s])
        c2 = SIMD3(p[2 * s], p[1 + 2 * s], p[2 + 2 * s])
    }

    /// Writes the block column-major with leading dimension `stride`.
    @inline(__always) func write(_ p: UnsafeMutablePointer<Double>, stride s: Int) {
        p[0] = c0.x; p[1] = c0.y; p[2] = c0.z
        p[s] = c1.x; p[1 + s] = c1.y; p[2 + s] = c1.z
        p[2 * s] = c2.x; p[1 + 2 * s] = c2.y; p[2 + 2 * s] = c2.z
    }

    @inline(__always) var transposed: Matrix3 {
        Matrix3(SIMD3(c0.x, c1.x, c2.x), SIMD3(c0.y, c1.y, c2.y), SIMD3(c0.z, c1.z, c2.z))
    }

    /// (M + Mᵀ)/2.
    @inline(__always) var symmetrized: Matrix3 {
        let t = transposed
        return Matrix3(0.5 * (c0 + t.c0), 0.5 * (c1 + t.c1), 0.5 * (c2 + t.c2))
    }

    /// A·v.
    @inline(__always) static func * (a: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        a.c0 * v.x + a.c1 * v.y + a.c2 * v.z
    }

    /// Aᵀ·v.
    @inline(__always) func transposeTimes(_ v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((c0 * v).sum(), (c1 * v).sum(), (c2 * v).sum())
    }

    /// A·B.
    @inline(__always) static func * (a: Matrix3, b: Matrix3) -> Matrix3 { Matrix3(a * b.c0, a * b.c1, a * b.c2) }

    /// A·Bᵀ.
    @inline(__always) func timesTranspose(_ b: Matrix3) -> Matrix3 { self * b.transposed }

    /// Aᵀ·B.
    @inline(__always) func transposeTimes(_ b: Matrix3) -> Matrix3 {
        Matrix3(transposeTimes(b.c0), transposeTimes(b.c1), transposeTimes(b.c2))
    }

    @inline(__always) static func + (a: Matrix3, b: Matrix3) -> Matrix3 { Matrix3(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2) }
    @inline(__always) static func - (a: Matrix3, b: Matrix3) -> Matrix3 { Matrix3(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2) }
    @inline(__always) static func * (s: Double, a: Matrix3) -> Matrix3 { Matrix3(s * a.c0, s * a.c1, s * a.c2) }

    /// u vᵀ.
    @inline(__always) static func outer(_ u: SIMD3<Double>, _ v: SIMD3<Double>) -> Matrix3 { Matrix3(u * v.x, u * v.y, u * v.z) }

    static let zero = Matrix3(.zero, .zero, .zero)
}
