/// The matrix exponential e^A by scaling and squaring with a degree-13 Padé approximant (Higham 2005).
///
/// Used for state-space transitions A(Δt) = exp(F Δt) and their tests.
/// - Complexity: O(n³ (6 + log₂‖A‖₁)).
public func matrixExponential(_ a: Matrix) throws -> Matrix {
    precondition(a.isSquare, "matrix exponential of a non-square matrix")
    let n = a.rows
    guard a.isFinite else { throw LinearAlgebraError.nonFinite(size: n) }
    if n == 0 { return a }
    // 1-norm (max column sum).
    var norm1 = 0.0
    for j in 0..<n {
        var s = 0.0
        for i in 0..<n { s += abs(a[i, j]) }
        norm1 = max(norm1, s)
    }
    let theta13 = 5.371920351148152
    var squarings = 0
    if norm1 > theta13 {
        squarings = max(0, Int((Math.log(norm1 / theta13) / Math.log(2)).rounded(.up)))
    }
    let scaled = Double(1 << squarings) > 1 ? (1 / Double(1 << squarings)) * a : a
    let b: [Double] = [64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800,
                       129060195264000, 10559470521600, 670442572800, 33522128640, 1323241920,
                       40840800, 960960, 16380, 182, 1]
    let ident = Matrix.identity(n)
    let a2 = matmul(scaled, scaled)
    let a4 = matmul(a2, a2)
    let a6 = matmul(a4, a2)
    var u6 = b[13] * a6 + b[11] * a4 + b[9] * a2
    u6 = matmul(a6, u6)
    let uInner = u6 + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident
    let u = matmul(scaled, uInner)
    var v6 = b[12] * a6 + b[10] * a4 + b[8] * a2
    v6 = matmul(a6, v6)
    let v = v6 + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * ident
    var r = try solveGeneral(v - u, v + u)
    for _ in 0..<squarings { r = matmul(r, r) }
    return r
}
