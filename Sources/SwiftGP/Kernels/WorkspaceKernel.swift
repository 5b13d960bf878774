import GPLinearAlgebra

/// A kernel that keeps its own workspace in the exact GP's one n × n buffer (docs/methods/exact-gp.md#one-buffer-evaluation): the fused
/// node `exactLogMarginal` factorises K + σ²I in the lower triangle of that buffer, so its strict upper
/// triangle is free between the forward and the backward pass. A workspace kernel writes whatever makes
/// its gradient cheap there (stationary kernels: the scaled squared distances r², so the gradient needs
/// neither the O(d) distance loop per pair nor a copy of K).
///
/// The exact GP takes `any Kernel` and asks for this refinement by a cast (`workspaceGram`,
/// `workspaceGramGradient`): a kernel that does not conform gets the generic form (`gram`, then the
/// lower-triangle gradient), with the same results as the protocol's defaults. Composites (sum, product,
/// scaled, active dimensions) conform with the defaults: one buffer holds one workspace, and a scale or a
/// product needs its children's K, which the workspace form does not keep.
public protocol WorkspaceKernel: Kernel {
    /// K(X, X) for an objective that factorises it in place: the lower triangle (diagonal included) holds
    /// K; the strict upper triangle is this kernel's workspace for `gramGradient(_:lowerAdjointOverWorkspace:)`
    /// (default: K's own entries, i.e. `gram(x)`).
    /// - Complexity: O(n² d).
    func gramWithWorkspace(_ x: Matrix) -> Matrix
    /// ∂⟨Ā, K(X, X)⟩/∂θ for a symmetric Ā in the lower triangle of `buffer` whose strict upper triangle still
    /// holds the workspace written by `gramWithWorkspace(x)`. May overwrite the lower triangle
    /// (default: `gramGradient(x, symmetricLowerAdjoint: buffer)`).
    /// - Complexity: O(n² d).
    func gramGradient(_ x: Matrix, lowerAdjointOverWorkspace buffer: inout Matrix) -> [Double]
}

extension WorkspaceKernel {
    public func gramWithWorkspace(_ x: Matrix) -> Matrix { gram(x) }

    public func gramGradient(_ x: Matrix, lowerAdjointOverWorkspace buffer: inout Matrix) -> [Double] {
        gramGradient(x, symmetricLowerAdjoint: buffer)
    }
}

extension Kernel {
    /// `gramWithWorkspace(x)` for a `WorkspaceKernel`; otherwise `gram(x)` (K's own entries above the
    /// diagonal), exactly the protocol's default. What the exact GP's fused node factorises.
    /// - Complexity: O(n² d).
    public func workspaceGram(_ x: Matrix) -> Matrix {
        if let k = self as? any WorkspaceKernel { return k.gramWithWorkspace(x) }
        return gram(x)
    }

    /// `gramGradient(x, lowerAdjointOverWorkspace: &buffer)` for a `WorkspaceKernel`; otherwise the
    /// lower-triangle gradient `gramGradient(x, symmetricLowerAdjoint: buffer)`, exactly the protocol's
    /// default. `buffer` must come from `workspaceGram(x)` with a symmetric adjoint in its lower triangle.
    /// - Complexity: O(n² d).
    public func workspaceGramGradient(_ x: Matrix, lowerAdjoint buffer: inout Matrix) -> [Double] {
        if let k = self as? any WorkspaceKernel { return k.gramGradient(x, lowerAdjointOverWorkspace: &buffer) }
        return gramGradient(x, symmetricLowerAdjoint: buffer)
    }
}

// Composites: the defaults (see the protocol's comment).
extension SumKernel: WorkspaceKernel {}
extension ProductKernel: WorkspaceKernel {}
extension ScaledKernel: WorkspaceKernel {}
extension ActiveDimensionsKernel: WorkspaceKernel {}
