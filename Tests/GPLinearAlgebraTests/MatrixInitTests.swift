import Testing
import GPLinearAlgebra

/// Loading user data given as rows: element (i, j) is rows[i][j] (column-major storage); ragged rows throw.
@Suite struct MatrixInitTests {
    @Test func rowsBecomeAColumnMajorMatrix() throws {
        let m = try Matrix(checkingRows: [[1, 2, 3], [4, 5, 6]])
        #expect(m.rows == 2 && m.cols == 3)
        #expect(m.storage == [1, 4, 2, 5, 3, 6])
        #expect(m[1, 2] == 6)
    }

    @Test func raggedRowsThrow() {
        #expect(throws: LinearAlgebraError.dimensionMismatch("row 2 has 1 values, row 0 has 2")) {
            try Matrix(checkingRows: [[1, 2], [3, 4], [5]])
        }
    }
}
