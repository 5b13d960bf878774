import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// `SubsetGram` (the DKLGP's per-column Gram blocks): for every conformance kernel, on sets of positions through a
/// permutation, of sizes 1 to 21 (a duplicated point included), its lower triangle is `gram` on the selected rows bit
/// for bit, `fill` writes it again, and the summed VJP equals the sum of `gramGradient(_:symmetricLowerAdjoint:)`.
@Suite struct SubsetGramTests {
    @Test(arguments: conformanceKernels.indices)
    func matchesGramOnTheSelectedRows(index: Int) {
        let kernel = conformanceKernels[index]
        var x = TestData.uniform(40, 3, low: -1, high: 1, seed: 21)
        for c in 0..<3 { x[7, c] = x[3, c] }
        var g = SeededGenerator(seed: 5)
        let order = Array(0..<40).shuffled(using: &g)
        let grams = SubsetGram(kernel: kernel, inputs: SubsetGram.Inputs(x, order: order))
        var workspace = grams.workspace()
        var expected = [Double](repeating: 0, count: kernel.parameters.reduce(0) { $0 + $1.count })
        var theta = Matrix(rows: 0, cols: 0)
        for size in [1, 2, 5, 9, 16, 21, 21] {
            var positions = Array(Array(0..<40).shuffled(using: &g).prefix(size)).sorted()
            if size == 21 { positions = Array(Set(positions + [order.firstIndex(of: 3)!, order.firstIndex(of: 7)!])).sorted() }
            let rows = x.selectingRows(positions.map { order[$0] })
            let reference = kernel.gram(rows)
            workspace.gram(positions[...], into: &theta)
            let k = positions.count
            for b in 0..<k { for a in b..<k { #expect(theta[a, b] == reference[a, b], "set of \(k): (\(a), \(b))") } }
            var refilled = Matrix(rows: k, cols: k, repeating: .nan)
            workspace.fill(&refilled)
            for b in 0..<k { for a in b..<k { #expect(refilled[a, b] == reference[a, b]) } }
            var adjoint = Matrix(rows: k, cols: k)
            for b in 0..<k { for a in b..<k { adjoint[a, b] = g.normal() } }
            workspace.addGradient(symmetricLowerAdjoint: adjoint)
            let gradient = kernel.gramGradient(rows, symmetricLowerAdjoint: adjoint)
            for i in expected.indices { expected[i] += gradient[i] }
        }
        let got = workspace.gradient
        #expect(got.count == expected.count)
        for i in expected.indices {
            #expect(abs(got[i] - expected[i]) <= 1e-12 * (1 + abs(expected[i])), "\(kernel.kind) θ[\(i)]: \(got[i]) vs \(expected[i])")
        }
    }
}
