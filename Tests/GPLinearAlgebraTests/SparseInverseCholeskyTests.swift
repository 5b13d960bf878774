import Testing
import GPLinearAlgebra

/// `SparseInverseCholesky`'s products (CXSparse `cs_gaxpy`, `cs_transpose`) against dense BLAS products.
@Suite struct SparseInverseCholeskyTests {
    @Test(arguments: [(30, 0.3, UInt64(5)), (1, 0.5, UInt64(6)), (45, 0.05, UInt64(7))])
    func productsMatchDenseProducts(n: Int, density: Double, seed: UInt64) {
        let (pattern, values) = TriangularBlockTests.randomFactor(n: n, density: density, seed: seed)
        let u = SparseInverseCholesky(pattern: pattern, values: values)
        let dense = TriangularBlockTests.denseBlock(pattern, values, set: Array(0..<n))
        var g = SeededGenerator(seed: seed + 50)
        let x = (0..<n).map { _ in g.normal() }
        let ux = u.product(x), utx = u.transposedProduct(x)
        let reference = matmul(dense, Matrix(column: x)), transposedReference = matmul(dense, Matrix(column: x), .transposed, .none)
        for i in 0..<n {
            #expect(abs(ux[i] - reference[i, 0]) <= 1e-12 * (1 + abs(reference[i, 0])), "Ux at \(i)")
            #expect(abs(utx[i] - transposedReference[i, 0]) <= 1e-12 * (1 + abs(transposedReference[i, 0])), "Uᵀx at \(i)")
        }
    }
}
