import Testing
import GPLinearAlgebra

@Suite struct CholeskyTests {
    @Test func factorisesSPD() throws {
        let a = Matrix([[4, 2], [2, 3]])
        let c = try Cholesky(a)
        let r = matmul(c.lower, c.lower, .none, .transposed)
        #expect(abs(r[0, 1] - 2) < 1e-14 && abs(r[1, 1] - 3) < 1e-14)
        #expect(c.jitter == 0)
    }
}
