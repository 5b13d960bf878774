import GPLinearAlgebra
import SwiftGP

/// The conformance check every kernel and composite must pass (docs/methods/kernels.md#conformance-check): symmetry,
/// positive semi-definiteness, diagonal = k(x, x), cross(X, X) = gram(X), and the gram, cross and
/// diagonal gradients against central finite differences in ξ. Returns human-readable failures.
public enum KernelConformance {
    public static func failures(of kernel: any Kernel, x: Matrix, z: Matrix, seed: UInt64 = 1,
                                tolerance: Double = 1e-6) -> [String] {
        var out: [String] = []
        let name = kernel.summary
        let k = kernel.gram(x)
        let n = x.rows
        // Symmetry.
        var asym = 0.0
        for i in 0..<n { for j in 0..<n { asym = max(asym, abs(k[i, j] - k[j, i])) } }
        if asym > 1e-12 * max(1, k.trace) { out.append("\(name): gram not symmetric (max |K − Kᵀ| = \(asym))") }
        // Positive semi-definiteness.
        if let eig = try? SymmetricEigen(k) {
            let minEig = eig.values.first ?? 0
            if minEig < -1e-10 * max(k.trace, 1e-300) / Double(n) {
                out.append("\(name): gram not PSD (smallest eigenvalue \(minEig))")
            }
        } else { out.append("\(name): eigendecomposition failed") }
        // Diagonal and cross consistency.
        let d = kernel.diagonal(x)
        let kxx = kernel.cross(x, x)
        for i in 0..<n where abs(d[i] - k[i, i]) > 1e-12 * max(1, abs(d[i])) {
            out.append("\(name): diagonal[\(i)] = \(d[i]) but K_ii = \(k[i, i])")
            break
        }
        if kernel.kind != "white" && kernel.children.allSatisfy({ $0.kind != "white" }) {
            let diff = zip(kxx.storage, k.storage).map { abs($0 - $1) }.max() ?? 0
            if diff > 1e-10 { out.append("\(name): cross(X, X) differs from gram(X) by \(diff)") }
        }
        // Gradients vs finite differences, with random adjoints.
        var g = SeededGenerator(seed: seed)
        let wg = Matrix(rows: n, cols: n, storage: g.normals(n * n))
        let wc = Matrix(rows: n, cols: z.rows, storage: g.normals(n * z.rows))
        let wd = g.normals(n)
        let space = ParameterVector(kernel.parameters)
        let xi = space.unconstrained
        func chain(_ flat: [Double]) -> [Double] {
            var grads: [[Double]] = []
            var s = 0
            for p in kernel.parameters {
                grads.append(Array(flat[s..<(s + p.count)]))
                s += p.count
            }
            return space.unconstrainedGradient(grads, at: xi)
        }
        func at(_ point: [Double]) -> any Kernel {
            var copy = kernel
            copy.parameters = space.parameters(at: point)
            return copy
        }
        let checks: [(String, [Double], ([Double]) -> Double)] = [
            ("gram", chain(kernel.gramGradient(x, adjoint: wg)), { at($0).gram(x).inner(wg) }),
            ("cross", chain(kernel.crossGradient(x, z, adjoint: wc)), { at($0).cross(x, z).inner(wc) }),
            ("diagonal", chain(kernel.diagonalGradient(x, adjoint: wd)), { dot(at($0).diagonal(x), wd) }),
        ]
        // The lower-triangle form reads only the lower triangle of a symmetric adjoint (NaN above it).
        var lowerAdjoint = wg
        lowerAdjoint.symmetrizeFromLower()
        let fromFull = kernel.gramGradient(x, adjoint: lowerAdjoint)
        for j in 0..<n { for i in 0..<j { lowerAdjoint[i, j] = .nan } }
        let fromLower = kernel.gramGradient(x, symmetricLowerAdjoint: lowerAdjoint)
        let lowerErr = FiniteDifferences.maxRelativeError(fromLower, fromFull)
        if !(lowerErr <= 1e-12) { out.append("\(name): lower-triangle gram gradient differs by \(lowerErr)") }
        // The workspace form (`WorkspaceKernel`, or the generic fallback): K below the diagonal as `gram`, and the
        // gradient handed the workspace back.
        var workspace = kernel.workspaceGram(x)
        var lowerDiff = 0.0
        for j in 0..<n { for i in j..<n { lowerDiff = max(lowerDiff, abs(workspace[i, j] - k[i, j])) } }
        if lowerDiff > 1e-14 * max(1, k.trace) { out.append("\(name): gramWithWorkspace differs from gram by \(lowerDiff)") }
        for j in 0..<n { for i in j..<n { workspace[i, j] = lowerAdjoint[i, j] } }
        let fromWorkspace = kernel.workspaceGramGradient(x, lowerAdjoint: &workspace)
        let workspaceErr = FiniteDifferences.maxRelativeError(fromWorkspace, fromFull)
        if !(workspaceErr <= 1e-11) { out.append("\(name): workspace gram gradient differs by \(workspaceErr)") }
        for (what, analytic, f) in checks {
            let numeric = FiniteDifferences.gradient(f, at: xi)
            let err = FiniteDifferences.maxRelativeError(analytic, numeric)
            if err > tolerance {
                out.append("\(name): \(what) gradient relative error \(err)\n  analytic \(analytic)\n  numeric  \(numeric)")
            }
        }
        // Input gradients (learnable inducing inputs): ∂⟨Ā, K(X, Z)⟩/∂Z and ∂⟨Ā, K(X, X)⟩/∂X.
        let zBar = kernel.crossInputGradient(x, z, adjoint: wc).storage
        let zNumeric = FiniteDifferences.gradient({ kernel.cross(x, Matrix(rows: z.rows, cols: z.cols, storage: $0)).inner(wc) },
                                                  at: z.storage)
        let zErr = FiniteDifferences.maxRelativeError(zBar, zNumeric)
        if zErr > tolerance { out.append("\(name): cross input gradient relative error \(zErr)") }
        // The fused VJP of K(X, Z) agrees with the separate ones.
        let fused = kernel.crossVJP(x, z, adjoint: wc)
        let separateInputs = FiniteDifferences.gradient({ kernel.cross(Matrix(rows: x.rows, cols: x.cols, storage: $0), z).inner(wc) },
                                                        at: x.storage)
        let fusedParamErr = FiniteDifferences.maxRelativeError(fused.parameters, kernel.crossGradient(x, z, adjoint: wc))
        let fusedInputErr = FiniteDifferences.maxRelativeError(fused.inputs.storage, separateInputs)
        if fusedParamErr > 1e-12 { out.append("\(name): crossVJP parameter gradient differs by \(fusedParamErr)") }
        if fusedInputErr > tolerance { out.append("\(name): crossVJP input gradient relative error \(fusedInputErr)") }
        let xBar = kernel.gramInputGradient(x, adjoint: wg).storage
        let xNumeric = FiniteDifferences.gradient({ kernel.gram(Matrix(rows: x.rows, cols: x.cols, storage: $0)).inner(wg) },
                                                  at: x.storage)
        let xErr = FiniteDifferences.maxRelativeError(xBar, xNumeric)
        if xErr > tolerance { out.append("\(name): gram input gradient relative error \(xErr)") }
        return out
    }
}
