import Foundation
import GPLinearAlgebra

/// A covariance function k(x, x′) with hyperparameters and their gradients (docs/methods/kernels.md#kernel-interface).
///
/// Inputs are matrices with one point per row (`n × d`). Gradients are vector–Jacobian products:
/// given an adjoint Ā of the same shape as the kernel matrix, `gramGradient` returns
/// ∂⟨Ā, K(θ)⟩/∂θ for every entry of every parameter (constrained values, flattened in `parameters`
/// order). That is all a reverse-mode gradient needs, and it costs O(n² d) instead of materialising one
/// n × n matrix per hyperparameter. A kernel that can use the exact GP's one-buffer objective also
/// conforms to `WorkspaceKernel` (WorkspaceKernel.swift).
public protocol Kernel: Parameterised, Sendable {
    /// A short description with the current values, e.g. `matern52(lengthscale=[1.2], variance=0.8)`.
    var summary: String { get }
    /// The kernel's family name (`rbf`, `matern52`, `sum`, …), used in model files.
    var kind: String { get }
    /// The sub-kernels of a composite, empty for a base kernel.
    var children: [any Kernel] { get }

    /// K(X, X), `n × n`. - Complexity: O(n² d).
    func gram(_ x: Matrix) -> Matrix
    /// K(X, Z), `n × m`. - Complexity: O(n m d).
    func cross(_ x: Matrix, _ z: Matrix) -> Matrix
    /// diag K(X, X), length n. - Complexity: O(n d).
    func diagonal(_ x: Matrix) -> [Double]

    /// ∂⟨Ā, K(X, X)⟩/∂θ, flattened. - Complexity: O(n² d).
    func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double]
    /// ∂⟨Ā, K(X, X)⟩/∂θ for a symmetric Ā of which only the lower triangle (diagonal included) is read:
    /// the form in which the exact GP's fused node leaves ½(ααᵀ − K⁻¹). - Complexity: O(n² d).
    func gramGradient(_ x: Matrix, symmetricLowerAdjoint: Matrix) -> [Double]
    /// ∂⟨Ā, K(X, Z)⟩/∂θ, flattened. - Complexity: O(n m d).
    func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double]
    /// ∂⟨ā, diag K(X, X)⟩/∂θ, flattened. - Complexity: O(n d).
    func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double]

    /// ∂⟨Ā, K(X, Z)⟩/∂Z, `m × d`: the input gradient that makes inducing inputs learnable.
    /// - Complexity: O(n m d).
    func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix

    /// ∂⟨Ā, K(X, X)⟩/∂X (`n × d`): X enters both arguments. - Complexity: O(n² d).
    func gramInputGradient(_ x: Matrix, adjoint: Matrix) -> Matrix

    /// Both VJPs of K(A, B) for an adjoint of the same shape: ∂⟨Ā, K(A, B)⟩/∂θ (flattened) and
    /// ∂⟨Ā, K(A, B)⟩/∂A (`rows(A) × d`), in one pass where a kernel can share the work.
    /// - Complexity: O(n m d).
    func crossVJP(_ a: Matrix, _ b: Matrix, adjoint: Matrix) -> (parameters: [Double], inputs: Matrix)

    /// The kernel with every lengthscale left out at construction sized to the data: one per input column,
    /// starting at `scales` (`DataSummary.inputScales`). The models' `fit` calls it; a kernel without such a
    /// lengthscale returns itself. - Complexity: O(number of parameters).
    func sizedToData(_ scales: [Double]) -> any Kernel
}

extension Kernel {
    public func sizedToData(_ scales: [Double]) -> any Kernel { self }

    public var children: [any Kernel] { [] }

    public var summary: String {
        if !children.isEmpty { return "\(kind)(" + children.map(\.summary).joined(separator: ", ") + ")" }
        let ps = parameters.map { p in
            "\(p.name)=" + (p.count == 1 ? formatValue(p.scalar) : "[" + p.value.map(formatValue).joined(separator: ", ") + "]")
        }
        return "\(kind)(" + ps.joined(separator: ", ") + ")"
    }

    /// Default: the gram gradient is the cross gradient with Z = X.
    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] { crossGradient(x, x, adjoint: adjoint) }

    /// Default: mirrors the lower triangle and takes the full-adjoint gradient.
    public func gramGradient(_ x: Matrix, symmetricLowerAdjoint adjoint: Matrix) -> [Double] {
        var full = adjoint
        full.symmetrizeFromLower()
        return gramGradient(x, adjoint: full)
    }

    /// Default: the two VJPs separately (K(A, B) = K(B, A)ᵀ, so the A-gradient is the cross input
    /// gradient of K(B, A) with Āᵀ).
    public func crossVJP(_ a: Matrix, _ b: Matrix, adjoint: Matrix) -> (parameters: [Double], inputs: Matrix) {
        (crossGradient(a, b, adjoint: adjoint), crossInputGradient(b, a, adjoint: adjoint.transposed))
    }

    /// ∂⟨Ā, K(X, X)⟩/∂X: X enters both arguments; k is symmetric, so this is the cross input gradient
    /// with adjoint Ā + Āᵀ. - Complexity: O(n² d).
    public func gramInputGradient(_ x: Matrix, adjoint: Matrix) -> Matrix {
        var a = adjoint
        a += adjoint.transposed
        return crossInputGradient(x, x, adjoint: a)
    }
}

func formatValue(_ v: Double) -> String { String(format: "%.6g", v) }

// MARK: - Composition operators

/// k₁ + k₂.
public func + (lhs: any Kernel, rhs: any Kernel) -> SumKernel { SumKernel([lhs, rhs]) }
/// k₁ · k₂ (elementwise product of covariances).
public func * (lhs: any Kernel, rhs: any Kernel) -> ProductKernel { ProductKernel([lhs, rhs]) }
/// s · k with a trainable positive scale s.
public func * (lhs: Double, rhs: any Kernel) -> ScaledKernel { ScaledKernel(rhs, scale: lhs) }
